"""Shared by the benchmarks: demo data dirs, timing, and one way of printing a figure beside its baseline."""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
sys.path.insert(0, str(ROOT))

from datetime import datetime  # noqa: E402

from app.demo import DEMO_PASSWORD, DEMO_USER, create_demo_station, generate_demo  # noqa: E402
from app.demo.generator import DEMO_COST, DEMO_STATION  # noqa: E402
from app.ops.desk import Desk  # noqa: E402
from app.ops.session import create_station, has_accounts, open_station  # noqa: E402

# Every benchmark station's admin is the demo's account: the data is made up.
BENCH_USER, BENCH_PASSWORD = DEMO_USER, DEMO_PASSWORD


def new_bench_station(folder: Path, code: str, name: str, level: str,
                      now: Callable[[], datetime] = datetime.now) -> Desk:
    """A new station for a benchmark, its admin signed in."""
    desk, _recovery = create_station(folder, code, name, level, BENCH_USER, BENCH_PASSWORD, now=now, cost=DEMO_COST)
    return desk


class FixedClock:
    """A clock that always says ``moment`` (a bench's fixed time), which a job's own process can be given."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def open_bench(folder: Path, now: Callable[[], datetime] = datetime.now) -> Desk:
    """A benchmark station opened with its login, as the program opens it."""
    return open_station(folder, BENCH_USER, BENCH_PASSWORD, now=now)


def demo_dir(name: str, cases: int, seed: int = 1) -> Path:
    """A demo data dir under bench/data (made once, reused while it holds ``cases`` cases; one made before
    accounts existed gets the demo account)."""
    folder = DATA / name
    if (folder / "station.db").exists():
        if not has_accounts(folder):
            create_station(folder, *DEMO_STATION, admin=BENCH_USER, password=BENCH_PASSWORD,
                           cost=DEMO_COST)[0].close()
        desk = open_bench(folder)
        have = desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        desk.close()
        if have == cases:
            return folder
        raise SystemExit(f"{folder} holds {have} cases, not {cases}: remove it and run again")
    print(f"making {folder} with {cases} demo cases (once)…", file=sys.stderr)
    desk = create_demo_station(folder)
    generate_demo(desk, cases, seed)
    desk.close()
    return folder


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``fn`` in seconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def timed_pair(ours: Callable[[], object], raw: Callable[[], object], repeat: int = 9, *,
               clock: Callable[[], float] = time.perf_counter,
               reduce: Callable[[list[float]], float] = statistics.median) -> tuple[float, float]:
    """Times of two functions run alternately, so a busy machine weighs on both alike: by default the median
    wall time; ``clock=time.process_time`` leaves out time spent waiting for a shared core, ``reduce=min`` takes
    the fastest run (the steadiest figure on a shared machine)."""
    a, b = [], []
    for _ in range(repeat):
        for fn, samples in ((ours, a), (raw, b)):
            start = clock()
            fn()
            samples.append(clock() - start)
    return reduce(a), reduce(b)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def show(label: str, ours: float, baseline: float | None = None, goal_ratio: float | None = None,
         goal_ms: float | None = None, unit: str = "ms") -> None:
    """One line: the figure, its raw baseline and ratio, and whether the goal is met."""
    scale = 1000 if unit == "ms" else 1

    def fmt(value: float) -> str:
        return f"{value * scale:.2f}" if value * scale < 10 else f"{value * scale:.1f}"

    parts = [f"{label}: {fmt(ours)} {unit}"]
    verdicts = []
    if baseline is not None:
        ratio = ours / baseline if baseline else float("inf")
        parts.append(f"raw baseline {fmt(baseline)} {unit}, ratio {ratio:.2f}×")
        if goal_ratio is not None:
            parts.append(f"goal ≤ {goal_ratio}×")
            verdicts.append(ratio <= goal_ratio)
    if goal_ms is not None:
        parts.append(f"goal ≤ {goal_ms:g} ms")
        verdicts.append(ours * 1000 <= goal_ms)
    if verdicts:
        parts.append("MET" if all(verdicts) else "NOT MET")
    print(" | ".join(parts), flush=True)
