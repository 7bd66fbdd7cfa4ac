"""Ledger benchmark: the 台账 of 100,000 cases (query, rows, styles, write-only workbook) beside the raw writer
(openpyxl write_only appending the very same cell values, already in memory) — goal ≤ 1.3×. Also the
import check (dry run) of a ledger of 10,000 rows.

    .venv/bin/python bench/bench_ledger.py [--data DIR] [--repeat N]

The data dir defaults to bench/data/demo100k (made once if missing). Workbooks go to a temporary folder.

Each side runs in a process of its own, so that each one's peak memory is its own: the raw baseline holds all
the rows in a list before it writes (that is what "the same cell values, already in memory" costs: some
hundreds of MB for 100,000 rows), while the ledger streams its rows from SQLite into the write-only sheet, so
its peak stays near that of an idle process whatever the number of cases.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

from common import demo_dir, new_bench_station, open_bench, peak_rss_mb, show
from openpyxl import Workbook

from app.reports.ledger import HEADERS, LEDGER_SHEET, LedgerFilter, ledger_rows, write_ledger
from app.reports.ledger_import import plan_import


def raw_write(rows: list[list[object]], out: Path) -> None:
    """The baseline: the same header and values, no styles, no widths, no query."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(LEDGER_SHEET)
    ws.append(list(HEADERS))
    for row in rows:
        ws.append(row)
    wb.save(str(out))


def one_side(side: str, folder: Path, out: Path) -> dict[str, float]:
    """One run of one side in this (fresh) process: its time, and the process's peak memory before and after."""
    desk = open_bench(folder)
    today = desk.today()
    before = peak_rss_mb()
    result: dict[str, float] = {}
    if side == "ours":
        start = time.perf_counter()
        result["count"] = write_ledger(desk.conn, out, LedgerFilter(), today, station="bench")
        result["seconds"] = time.perf_counter() - start
    else:
        start = time.perf_counter()
        rows = list(ledger_rows(desk.conn, LedgerFilter(), today))
        result["query"] = time.perf_counter() - start
        result["rows_mb"] = peak_rss_mb() - before
        start = time.perf_counter()
        raw_write(rows, out)
        result["seconds"] = time.perf_counter() - start
        result["count"] = len(rows)
    result["start_mb"], result["peak_mb"] = before, peak_rss_mb()
    desk.close()
    return result


def run_side(side: str, folder: Path, out: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--side", side, "--data", str(folder), "--out", str(out)],
                          check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, help="data dir (default bench/data/demo100k)")
    parser.add_argument("--repeat", type=int, default=2, help="alternate runs of each (median taken)")
    parser.add_argument("--side", choices=["ours", "raw"], help=argparse.SUPPRESS)  # one run, in a subprocess
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.data or demo_dir("demo100k", 100_000)
    if args.side:
        print(json.dumps(one_side(args.side, folder, args.out)))
        return
    desk = open_bench(folder)
    cases = desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    print(f"store: {folder}, {cases} cases; each run in a process of its own")
    with tempfile.TemporaryDirectory() as tmp:
        ours_out, raw_out = Path(tmp) / "ours.xlsx", Path(tmp) / "raw.xlsx"
        ours_runs, raw_runs = [], []
        for _ in range(args.repeat):
            ours_runs.append(run_side("ours", folder, ours_out))
            raw_runs.append(run_side("raw", folder, raw_out))
        ours = statistics.median(r["seconds"] for r in ours_runs)
        raw = statistics.median(r["seconds"] for r in raw_runs)
        count = int(ours_runs[0]["count"])
        cells = count * len(HEADERS)
        show(f"(a) ledger of {count} cases ({cells:,} cells), query to saved file", ours, raw, 1.3, unit="s")
        ours_list = ", ".join(f"{r['seconds']:.1f}" for r in ours_runs)
        raw_list = ", ".join(f"{r['seconds']:.1f}" for r in raw_runs)
        print(f"    runs: ours {ours_list} s; raw {raw_list} s")
        query = statistics.median(r["query"] for r in raw_runs)
        size, raw_size = (p.stat().st_size / 1024 / 1024 for p in (ours_out, raw_out))
        print(f"    the query and row building alone: {query:.1f} s; ours {cells / ours:,.0f} cells/s; "
              f"file {size:.1f} MB (raw {raw_size:.1f} MB)")
        o, r = ours_runs[-1], raw_runs[-1]
        print(f"    peak memory, ours: {o['peak_mb']:.0f} MB (the process before writing: {o['start_mb']:.0f} MB)")
        print(f"    peak memory, raw:  {r['peak_mb']:.0f} MB (before: {r['start_mb']:.0f} MB; the rows held in a "
              f"list: +{r['rows_mb']:.0f} MB)")

        today = desk.today()
        sample = Path(tmp) / "sample.xlsx"
        write_ledger(desk.conn, sample, LedgerFilter(), today, station="bench", full_id=True)
        small = Path(tmp) / "ledger10k.xlsx"
        from python_calamine import CalamineWorkbook

        # The masked rows would all be refused: re-read the first 10,000 rows of the full-id file instead (row by
        # row: the whole sheet as Python values would cost this process some 300 MB it does not need).
        sheet = CalamineWorkbook.from_path(str(sample)).get_sheet_by_name(LEDGER_SHEET)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(LEDGER_SHEET)
        for row in islice(sheet.iter_rows(), 10_001):
            ws.append(row)
        wb.save(str(small))
        empty = new_bench_station(Path(tmp) / "station", "BENCH", "基准站", "township")
        start = time.perf_counter()
        plan = plan_import(empty, small)
        elapsed = time.perf_counter() - start
        show(f"(b) import-ledger --dry-run of {len(plan.rows)} rows (read, map, check each row)", elapsed, unit="s")
        print(f"    {len(plan.valid)} valid, {len(plan.rejected)} refused; {len(plan.rows) / elapsed:,.0f} rows/s")
        empty.close()
    print(f"peak memory of this process (the import check; the ledger runs above are not in it): "
          f"{peak_rss_mb():.0f} MB")
    desk.close()


if __name__ == "__main__":
    main()
