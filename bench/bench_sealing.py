"""Sealing: the list's filters on the encrypted store beside the plain store, and a backup of a 100,000-case station
beside a plain file copy of its data folder, each measured in the same run.

    .venv/bin/python bench/bench_sealing.py [--source FOLDER]

- filters: each filter of the list (``case_numbers``) on the SQLCipher store opened with its master key, beside the
  same filter on the plain store it was made from (goal ≤ 1.3×)
- backup: ``backup --out`` of the sealed station (flushed to the disk: a backup not on the disk is none), beside
  copying its data folder with ``shutil.copytree``, and beside that copy flushed to the disk (``fsync``, as the
  backup is) (goal ≤ 2× the plain copy; both ratios printed); ``--only backup`` measures it on the 100,000-case
  demo station itself (bench/data/demo100k) without making the two copies below; ``--repeat N`` rounds
Data: bench/data/seal-plain (a plain 100,000-case demo store, made once with app.demo.generate_demo, or copied from
``--source``) and bench/data/seal-sealed (that store encrypted with a fixed test key).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from common import DATA, demo_dir, open_bench, show, timed_pair

from app.ops.desk import Desk
from app.store import backup
from app.store.db import DB_NAME, seal_plain_store
from app.store.queries import CaseFilter, case_numbers

KEY = bytes(range(32))  # a bench key: never a station's


def _plain(source: Path | None) -> Path:
    """A plain copy of the demo station's store: the demo is sealed, so it is opened with its login and exported
    in clear by SQLCipher (``sqlcipher_export`` into a database attached with an empty key). Its evidence is not
    copied: the filters never read it."""
    folder = DATA / "seal-plain"
    if (folder / DB_NAME).exists():
        return folder
    source = source or demo_dir("demo100k", 100_000)
    print(f"copying {source} in clear to {folder} (once)…", file=sys.stderr)
    folder.mkdir(parents=True)
    desk = open_bench(source)
    try:
        version = int(desk.conn.execute("PRAGMA user_version").fetchone()[0])
        desk.conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(folder / DB_NAME),))
        desk.conn.execute("SELECT sqlcipher_export('plain')")
        desk.conn.execute(f"PRAGMA plain.user_version = {version}")
        desk.conn.execute("DETACH DATABASE plain")
    finally:
        desk.close()
    return folder


def _sealed(plain: Path) -> Path:
    folder = DATA / "seal-sealed"
    if (folder / DB_NAME).exists():
        return folder
    print(f"encrypting a copy into {folder} (once)…", file=sys.stderr)
    shutil.copytree(plain, folder)
    start = time.perf_counter()
    seal_plain_store(folder / DB_NAME, KEY)
    print(f"  sqlcipher_export of the store: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    Desk(folder, master_key=KEY).close()  # seals the evidence files too
    return folder


def bench_filters(plain: Desk, sealed: Desk) -> None:
    today = plain.today()
    row = plain.conn.execute("SELECT id_number FROM petitioners WHERE idx = 0 LIMIT 1 OFFSET 4321").fetchone()
    filters = [("colour red", CaseFilter(colour="red")), ("domain 生态环境", CaseFilter(domain="生态环境")),
               ("text '化工厂' (3 chars, trigram index)", CaseFilter(text="化工厂")),
               ("text '王建' (2 chars, full scan)", CaseFilter(text="王建")),
               ("ID number", CaseFilter(text=row[0])), ("backlog, open", CaseFilter(backlog=True, open_only=True))]
    for label, flt in filters:
        assert sorted(case_numbers(plain.conn, flt, today)) == sorted(case_numbers(sealed.conn, flt, today))
        ours, raw = timed_pair(lambda f=flt: case_numbers(sealed.conn, f, today),
                               lambda f=flt: case_numbers(plain.conn, f, today), 11)
        show(f"filter {label}: sealed vs plain store", ours, raw, 1.3)


def _synced_copy(source: Path, target: Path) -> None:
    """A folder copy that reaches the disk, as a backup must: ``copytree``, then every file flushed."""
    shutil.copytree(source, target)
    for path in target.rglob("*"):
        if path.is_file():
            with path.open("rb+") as handle:
                os.fsync(handle.fileno())


def _load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_backup(folder: Path, desk: Desk, key: bytes, repeat: int = 5) -> None:
    """The backup (the store's files copied by the kernel into the zip under a read transaction, each block's
    CRC-32 read from the zip as written, flushed to the disk, its listing checked) beside copying the data folder
    with ``shutil.copytree``, and beside that copy with every file flushed to the disk (``fsync``).

    Fair to both sides: one untimed run of each first (the store's pages in memory for all), then rounds of the
    three in turn; before each timed run its previous output is removed and ``os.sync()`` called, both untimed,
    so each starts with the same free memory and nothing waiting to be written. (On this kind of virtual machine
    writing into memory not lately used is up to 20× slower than into memory just freed: a run that wrote its
    1 GB beside its previous output while the other side had removed its own measured that, not itself.) The
    figure is the median of ``repeat`` rounds; the backup's own phases are timed from its progress calls."""
    out = DATA / "seal-backup.zip"
    copy = DATA / "seal-copy"
    phases: dict[str, list[float]] = {}
    seen: dict[str, list[float]] = {}

    def note(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        seen.setdefault(stage, [now, now])[1] = now

    def ours() -> None:
        backup.make_backup(folder, desk.conn, key, {"code": "X", "name": "X"}, out, datetime.now(), note)

    def raw() -> None:
        shutil.copytree(folder, copy)

    def synced() -> None:
        _synced_copy(folder, copy)

    def clear() -> None:
        out.unlink(missing_ok=True)
        shutil.rmtree(copy, ignore_errors=True)
        os.sync()

    cpu: dict[Callable[[], None], list[float]] = {}

    def timed_run(fn: Callable[[], None]) -> float:
        clear()
        seen.clear()
        start, used = time.perf_counter(), time.process_time()
        fn()
        took = time.perf_counter() - start
        cpu.setdefault(fn, []).append(time.process_time() - used)
        if seen:  # a stage runs from its first progress call to the next stage's first (the last: to the end)
            marks = sorted((first, stage) for stage, (first, _last) in seen.items())
            ends = [first for first, _ in marks[1:]] + [start + took]
            phases.setdefault("(start)", []).append(marks[0][0] - start)
            for (first, stage), end in zip(marks, ends, strict=True):
                phases.setdefault(stage, []).append(end - first)
        return took

    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    print(f"warming up (one untimed run of each), {_load()}", flush=True)
    for fn in (ours, raw, synced):
        timed_run(fn)
    phases.clear()
    samples: dict[str, list[float]] = {"ours": [], "raw": [], "synced": []}
    for _ in range(repeat):
        for name, fn in (("ours", ours), ("raw", raw), ("synced", synced)):
            samples[name].append(timed_run(fn))
    clear()
    for (name, times), fn in zip(samples.items(), (ours, raw, synced), strict=True):
        print(f"  {name:6s} runs (ms): {' '.join(f'{t * 1000:.0f}' for t in times)}; "
              f"CPU median {statistics.median(cpu[fn][-repeat:]) * 1000:.0f} ms")
    print("  (CPU: of this process, both threads; the kernel's copy is counted, the system's later writing of an "
          "unflushed copy to the disk is not)")
    print("  backup phases, median ms: " + ", ".join(
        f"{stage} {statistics.median(times) * 1000:.0f}" for stage, times in phases.items()))
    mine = statistics.median(samples["ours"])
    show(f"backup of the sealed station ({size:.0f} MB, flushed to the disk) vs copying its data folder "
         f"(median of {repeat}, {_load()})", mine, statistics.median(samples["raw"]), 2.0)
    show("backup of the sealed station vs copying its data folder and flushing the copy to the disk", mine,
         statistics.median(samples["synced"]), 2.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", type=Path, help="a plain 100,000-case data folder to copy instead of a demo")
    parser.add_argument("--only", choices=("filters", "backup"), help="one of the two measures")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the backup's measure (median)")
    args = parser.parse_args()
    if args.only == "backup":  # the 100,000-case demo station as it is (sealed, with its login): no copies made
        folder = demo_dir("demo100k", 100_000)
        desk = open_bench(folder)
        try:
            bench_backup(folder, desk, desk.require_master_key(), args.repeat)
        finally:
            desk.close()
        return
    plain_dir = _plain(args.source)
    sealed_dir = _sealed(plain_dir)
    plain, sealed = Desk(plain_dir), Desk(sealed_dir, master_key=KEY)
    try:
        for desk in (plain, sealed):  # warm both caches alike
            case_numbers(desk.conn, CaseFilter(text="王建"), desk.today())
        bench_filters(plain, sealed)
        if args.only is None:
            bench_backup(sealed_dir, sealed, KEY, args.repeat)
    finally:
        plain.close()
        sealed.close()


if __name__ == "__main__":
    main()
