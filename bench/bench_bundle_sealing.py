"""Sealed vs plain bundles: what the sealing layer costs an export and an import, measured in the same run.

    python bench/bench_bundle_sealing.py [--events 100000] [--evidence-mb 20] [--repeat 3]

The unsealed path no longer exists (every bundle is sealed to its receiver), so the sealing stage is timed inside
the same export and import: every AES-GCM call of the sealed streams (the workbook's scratch file, the bundle's
members, the chunks read back on import) is counted, and "plain" is the same run without that time — what the
bundle costs with the sealing layer taken out. Goal: sealed ≤ 1.25× plain for each. Each phase runs in a process of
its own (as bench/bench_sync.py does), on that benchmark's stations (bench/data/sync-*, made once).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_sync import DATA, NOW, prepare  # noqa: E402
from bench.common import open_bench  # noqa: E402

SPENT = {"seconds": 0.0}


class _TimedAead:
    """An AEAD whose every call is timed (the sealing layer's own work)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def encrypt(self, *args: Any) -> bytes:
        start = time.perf_counter()
        try:
            return self.inner.encrypt(*args)  # type: ignore[no-any-return]
        finally:
            SPENT["seconds"] += time.perf_counter() - start

    def decrypt(self, *args: Any) -> bytes:
        start = time.perf_counter()
        try:
            return self.inner.decrypt(*args)  # type: ignore[no-any-return]
        finally:
            SPENT["seconds"] += time.perf_counter() - start


def _time_the_sealing() -> None:
    from app.store import sealed

    inner = sealed._aead
    sealed._aead = lambda key, salt, purpose: _TimedAead(inner(key, salt, purpose))  # type: ignore[assignment]


def phase(name: str, folder: str, bundle: str, work: str = "") -> dict[str, float]:
    from app.ops import sync_transfer as transfer

    _time_the_sealing()
    if name == "export":
        desk = open_bench(Path(folder) / "331002001", now=lambda: NOW)
        start = time.perf_counter()
        transfer.export_bundle(desk, "331002", Path(bundle))
    else:
        target = Path(work) / "331002"
        shutil.copytree(Path(folder) / "331002", target)
        desk = open_bench(target, now=lambda: NOW)
        start = time.perf_counter()
        transfer.import_bundle(desk, Path(bundle))
    seconds = time.perf_counter() - start
    desk.close()
    return {"seconds": seconds, "sealing": SPENT["seconds"]}


def child(*args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--phase", *args], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--evidence-mb", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase", nargs="*")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(*args.phase)))
        return
    folder = prepare(args.events, args.evidence_mb)
    runs: dict[str, list[dict[str, float]]] = {"export": [], "import": []}
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        for run in range(args.repeat):
            bundle = Path(tmp) / f"b{run}.zip"
            runs["export"].append(child("export", str(folder), str(bundle)))
            work = Path(tmp) / f"w{run}"
            work.mkdir()
            runs["import"].append(child("import", str(folder), str(bundle), str(work)))
            shutil.rmtree(work)
        size = bundle.stat().st_size
    print(f"bundle of {args.events} events and {args.evidence_mb} MB of evidence ({size / 1e6:.1f} MB); medians of "
          f"{args.repeat} runs, each in a process of its own")
    for label, samples in runs.items():
        total = statistics.median(r["seconds"] for r in samples)
        sealing = statistics.median(r["sealing"] for r in samples)
        plain = total - sealing
        ratio = total / plain
        print(f"{label}  sealed {total:6.2f} s   of which the sealing layer (AES-GCM) {sealing:5.2f} s   "
              f"plain (the same run without it) {plain:6.2f} s   ratio {ratio:.3f}× (goal ≤ 1.25×: "
              f"{'met' if ratio <= 1.25 else 'NOT MET'})")


if __name__ == "__main__":
    main()
