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

from app.demo import generate_demo  # noqa: E402
from app.ops.desk import Desk  # noqa: E402


def demo_dir(name: str, cases: int, seed: int = 1) -> Path:
    """A demo data dir under bench/data (made once, reused while it holds ``cases`` cases)."""
    folder = DATA / name
    if (folder / "station.db").exists():
        desk = Desk(folder)
        have = desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        desk.close()
        if have == cases:
            return folder
        raise SystemExit(f"{folder} holds {have} cases, not {cases}: remove it and run again")
    print(f"making {folder} with {cases} demo cases (once)…", file=sys.stderr)
    desk = Desk(folder)
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
