"""Supervision benchmarks on 100,000 demo cases: the figures (``stats``), the monthly series the dashboard draws,
the spot-check draw and the common-problems grouping, each beside a raw baseline measured in the same run.

    .venv/bin/python bench/bench_stats.py [--data DIR]

The data dir defaults to bench/data/demo100k (made once with ``main.py --data-dir bench/data/demo100k demo
--cases 100000`` if missing). Nothing is written to it: the spot-check is drawn but not recorded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from common import BENCH_PASSWORD, BENCH_USER, ROOT, demo_dir, open_bench, show, timed, timed_pair

from app.ops.desk import Desk
from app.ops.spot_check import candidates_digest, draw, encode_ids, open_candidates
from app.reports.common_problems import find_common_problems
from app.reports.figures import compute_figures, month_range, monthly_figures


def cpu_ms(fn: Callable[[], object], repeat: int = 7) -> float:
    """Median CPU time of ``fn`` in this process (ms): what the work costs when other jobs share the cores."""
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)
    return statistics.median(samples) * 1000


# A bare scan that touches every row of the cases table, as the figures do: what SQLite itself costs.
RAW_SCAN = "SELECT count(*), sum(backlog), sum(finished), max(registered_at), max(closed_at) FROM cases"


def bench_figures(desk: Desk) -> None:
    conn, today = desk.conn, desk.today()
    cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    print(f"store: {cases} cases, {conn.execute('SELECT count(*) FROM events').fetchone()[0]} events")
    count_only = timed(lambda: conn.execute("SELECT count(*) FROM cases").fetchone(), 9)
    show("(raw) bare SELECT count(*) FROM cases", count_only)
    [total] = compute_figures(conn, date_from=None, date_to=None, by=None, today=today)
    ours, raw = timed_pair(lambda: compute_figures(conn, date_from=None, date_to=None, by=None, today=today),
                           lambda: conn.execute(RAW_SCAN).fetchone(), 9)
    show(f"(a) stats, all {cases} cases, whole period", ours, raw, None, 200)
    ours_cpu = cpu_ms(lambda: compute_figures(conn, date_from=None, date_to=None, by=None, today=today))
    raw_cpu = cpu_ms(lambda: conn.execute(RAW_SCAN).fetchone())
    print(f"    CPU time in this process: stats {ours_cpu:.1f} ms, raw scan {raw_cpu:.1f} ms, "
          f"ratio {ours_cpu / raw_cpu:.2f}×")
    print(f"    one-time {total['one_time_resolution_rate']:.4f}, satisfaction {total['satisfaction_rate']:.4f}, "
          f"repeat {total['repeat_rate']:.4f}, avg days {total['avg_handling_days']:.2f}, "
          f"7-day {total['answered_within_7_days_rate']:.4f}, backlog {total['backlog_total']}/"
          f"{total['backlog_open']} open, cleared {total['backlog_clearance_rate']:.4f}")
    print(f"    timely acceptance {total['timely_acceptance_rate']:.4f}, "
          f"on time {total['on_time_completion_rate']:.4f}, "
          f"participation {total['participation_rate']:.4f}")
    year_from = today.replace(year=today.year - 1)
    ours = timed(lambda: compute_figures(conn, date_from=year_from, date_to=today, by=None, today=today), 9)
    show(f"(a) stats --from {year_from} --to {today}", ours, raw, None, 200)
    for by in ("station", "domain", "leader", "township"):
        rows = compute_figures(conn, date_from=None, date_to=None, by=by, today=today)
        ours = timed(lambda b=by: compute_figures(conn, date_from=None, date_to=None, by=b, today=today), 9)
        show(f"(a) stats --by {by} ({len(rows)} groups)", ours, raw, None, 200)
    months = month_range(today, 12)
    ours = timed(lambda: monthly_figures(conn, months=months, today=today), 5)
    show("(b) dashboard monthly series, 12 months", ours, raw)


def bench_cli(folder: Path) -> None:
    """The whole command, process start and imports included (what a user waits for)."""
    command = [sys.executable, "main.py", "--data-dir", str(folder), "stats", "--json"]
    bare = [sys.executable, "-c", "import app.cli.main"]

    def run(cmd: list[str]) -> None:
        env = dict(os.environ, PETITION_DESK_USER=BENCH_USER, PETITION_DESK_PASSWORD=BENCH_PASSWORD)
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, env=env)

    ours, raw = timed_pair(lambda: run(command), lambda: run(bare), 3)
    show("(c) `main.py stats --json` end to end", ours, raw)
    print(f"    command: {' '.join(command[1:])}  (baseline: python -c 'import app.cli.main')")


def bench_spot_check(desk: Desk) -> None:
    candidates = open_candidates(desk)
    ours = timed(lambda: (draw(candidates, 20, 20260301, False), candidates_digest(candidates),
                          encode_ids([c for c, _ in candidates])), 5)
    raw = timed(lambda: desk.conn.execute("SELECT case_id, origin FROM cases WHERE finished = 0").fetchall(), 5)
    show(f"(d) spot-check draw of 20 from {len(candidates)} open cases (+ digest, encoding)", ours, raw)
    size = len(str(encode_ids([c for c, _ in candidates])))
    print(f"    candidate list as recorded: {size} characters for {len(candidates)} case numbers")


def bench_common_problems(desk: Desk) -> None:
    conn = desk.conn
    open_cases = conn.execute("SELECT count(*) FROM cases WHERE finished = 0").fetchone()[0]
    start = time.perf_counter()
    groups = find_common_problems(conn, min_size=3)
    first = time.perf_counter() - start
    ours = timed(lambda: find_common_problems(conn, min_size=3), 3)
    raw = timed(lambda: conn.execute("SELECT case_id, township, village, domain, request_summary FROM cases "
                                     "WHERE finished = 0").fetchall(), 5)
    show(f"(e) common-problems over {open_cases} open cases → {len(groups)} groups of ≥3 "
         f"({sum(g.size for g in groups)} cases)", ours, raw)
    print(f"    first run {first * 1000:.0f} ms; largest group: {groups[0].size} cases, "
          f"{groups[0].township} {groups[0].domain}: {groups[0].summary}" if groups else "    no groups")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, help="a data dir with a station (default bench/data/demo100k)")
    args = parser.parse_args()
    folder = args.data or demo_dir("demo100k", 100_000)
    desk = open_bench(folder)
    try:
        bench_figures(desk)
        bench_spot_check(desk)
        bench_common_problems(desk)
    finally:
        desk.close()
    bench_cli(folder)


if __name__ == "__main__":
    main()
