"""Sync bundles: export and import of a bundle with about 100,000 events and 20 MB of evidence, each beside its
raw baseline measured in the same run, plus peak memory of each phase.

    python bench/bench_sync.py [--events 100000] [--evidence-mb 20]

- export  vs  openpyxl write-only writing exactly the same cells (goal ≤ 1.3×)
- import  vs  two raw baselines, each parsing every sheet of the same workbook with python-calamine and writing
  with a raw ``executemany`` into a fresh station file opened as the program opens one (the same schema, indexes,
  triggers, full-text index and pragmas); goal ≤ 1.5×:
  * every row the import writes: the events, and every projection row (cases, petitioners, steps, evidence,
    checklist, search text and its full-text index), taken beforehand, untimed, from a station that imported the
    same bundle. Like for like, but for what no raw writer does: checking every event (hash, id against origin and
    sequence, chain, scope, evidence references) and folding the cases;
  * the workbook's own rows only: the events into the events table, the case, checklist and evidence sheets (for
    people; no station projects from them) each into a table of its own. This one also leaves out the projections
    and the full-text index, which are not sheets of the workbook.
  The import is also broken down by stage (one more run, timed by wrapping the functions of each stage).
- wall-clock and CPU time (the import parses the next sheet in a thread while it checks and writes this one)
- peak memory of export and import, each in a process of its own (VmHWM; goal ≤ 300 MB)
- for the choice of reader: the same event sheets parsed by openpyxl read-only
Data lives in bench/data/sync-* (git-ignored), made once with app.demo.generate_demo.
The raw baselines get the bundle's workbook as the county reads it on import (checked, unsealed with the county's
keys and read in place: ``sync_transfer.bundle_workbook``), into memory before their clock starts: no clear
workbook is ever written to disk, so their peak memory includes the whole workbook.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.demo import generate_demo  # noqa: E402
from app.ops import sync  # noqa: E402
from app.ops import sync_transfer as transfer  # noqa: E402
from app.store.db import open_connection  # noqa: E402
from bench.common import new_bench_station, open_bench  # noqa: E402

DATA = ROOT / "bench" / "data"
NOW = datetime(2026, 3, 2, 9, 0, 0)


def peak_mb() -> float:
    """This process's own high-water mark (VmHWM; ru_maxrss would carry a forking parent's)."""
    match = re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


def prepare(events: int, evidence_mb: int) -> Path:
    """City 331000, county 331002 and township 331002001 enrolled; the township holds the demo cases and the extra
    evidence."""
    folder = DATA / f"sync-{events}-{evidence_mb}mb"
    if (folder / "ready").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"making {folder} (once)…", file=sys.stderr)
    desks = {}
    for code, name, level in (("331000", "台州市信访局", "city"), ("331002", "椒江区信访局", "county"),
                              ("331002001", "新河镇信访办", "township")):
        desks[code] = new_bench_station(folder / code, code, name, level, now=lambda: NOW)
    sync.identity(desks["331000"])
    for child, parent in (("331002", "331000"), ("331002001", "331002")):
        sync.enroll_request(desks[child], folder / f"{child}.req")
        sync.certify(desks[parent], folder / f"{child}.req", folder / f"{child}.cert")
        sync.install_cert(desks[child], folder / f"{child}.cert")
    town = desks["331002001"]
    generate_demo(town, max(1, events * 1000 // 7960 - evidence_mb), seed=3)  # about 7.96 events per demo case
    have = town.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    cases = [r[0] for r in town.conn.execute("SELECT case_id FROM cases ORDER BY case_id LIMIT ?", (evidence_mb,))]
    media = folder / "media"
    media.mkdir()
    for number, case_id in enumerate(cases):  # 1 MB of incompressible "video" per case
        path = media / f"现场视频{number + 1}.mp4"
        path.write_bytes(os.urandom(1 << 20))
        town.attach(case_id, [path], "现场视频")
    shutil.rmtree(media)
    print(f"  {have + len(cases)} events, {len(cases)} MB of evidence", file=sys.stderr)
    for desk in desks.values():
        desk.close()
    (folder / "ready").write_text("ok")
    return folder


def phase_export(folder: Path, out: Path) -> dict[str, float]:
    desk = open_bench(folder / "331002001", now=lambda: NOW)
    start = time.perf_counter()
    result = transfer.export_bundle(desk, "331002", out)
    seconds = time.perf_counter() - start
    desk.close()
    return {"seconds": seconds, "peak_mb": peak_mb(), **result.manifest["counts"]}


def workbook_bytes(folder: Path, bundle: Path) -> bytes:
    """The workbook of ``bundle`` (sent to the county) through the program's own reading path: checked and unsealed
    at the county and read in place from the sealed member, held in memory (never written out in clear)."""
    desk = open_bench(folder / "331002", now=lambda: NOW)
    try:
        with transfer.bundle_workbook(desk, bundle) as (_info, book):
            return book.read()
    finally:
        desk.close()


def phase_book(folder: Path, bundle: Path) -> dict[str, float]:
    """How many sheets the bundle's workbook has, and the largest one's XML size."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(workbook_bytes(folder, bundle))) as book:
        sheets = [i.file_size for i in book.infolist() if i.filename.startswith("xl/worksheets/")]
    return {"sheets": len(sheets), "largest": max(sheets)}


def _book(data: bytes) -> Any:
    import io

    import python_calamine

    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))


def phase_raw_write(folder: Path, bundle: Path) -> dict[str, float]:
    """openpyxl write-only writing exactly the cells of our workbook, into memory as the export writes into its
    sealed scratch file. Each sheet's cells are read back first, untimed."""
    import io

    from openpyxl import Workbook

    book = _book(workbook_bytes(folder, bundle))
    wb = Workbook(write_only=True)
    seconds = 0.0
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python()
        start = time.perf_counter()
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        seconds += time.perf_counter() - start
        del rows
    start = time.perf_counter()
    wb.save(io.BytesIO())
    seconds += time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": peak_mb()}


def phase_import(folder: Path, bundle: Path, work: Path) -> dict[str, float]:
    target = work / "331002"
    shutil.copytree(folder / "331002", target)
    desk = open_bench(target, now=lambda: NOW)
    start, cpu = time.perf_counter(), time.process_time()
    result = transfer.import_bundle(desk, bundle)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    desk.close()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "new_events": result.report.new_events,
            "new_cases": len(result.report.new_cases)}


class Stages:
    """Wall-clock time spent in each stage of one import, told by wrapping the functions that do them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextlib.contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - start

    def wrap(self, owner: object, name: str, stage: str) -> None:
        inner = getattr(owner, name)

        def timed(*args: object, **kwargs: object) -> object:
            with self.timing(stage):
                return inner(*args, **kwargs)
        setattr(owner, name, timed)

    def wrap_iterator(self, owner: object, name: str, stage: str) -> None:
        inner = getattr(owner, name)

        def timed(*args: object, **kwargs: object) -> Iterator[object]:
            items = iter(inner(*args, **kwargs))
            clock, spent = time.perf_counter, 0.0
            try:
                while True:  # per item, so kept to two clock readings
                    start = clock()
                    item = next(items, items)
                    spent += clock() - start
                    if item is items:
                        return
                    yield item
            finally:
                self.seconds[stage] += spent
        setattr(owner, name, timed)


def phase_import_stages(folder: Path, bundle: Path, work: Path) -> dict[str, float]:
    """One more import, its time split by stage (its total is not one of the samples: the wrappers cost a little)."""
    from app.sync import apply, project, workbook

    stages = Stages()
    stages.wrap(transfer, "_apply", "apply")
    stages.wrap(transfer, "apply_events", "events")
    stages.wrap_iterator(workbook, "read_events", "read")
    stages.wrap(apply, "_flush", "write_events")
    stages.wrap(apply, "_check_links", "links")
    stages.wrap(transfer, "refresh", "refresh")
    stages.wrap(project, "_write", "write_projection")
    result = phase_import(folder, bundle, work)
    t = stages.seconds
    return {**result,
            "verify bundle, copy evidence": result["seconds"] - t["apply"],
            "read event rows (and wait for the parse thread)": t["read"],
            "check events and write them": t["write_events"],
            "the event loop itself (ids seen, batches)": t["events"] - t["read"] - t["write_events"] - t["links"],
            "chain links": t["links"],
            "read back, fold, build projection rows": t["refresh"] - t["write_projection"],
            "write projections and full-text index": t["write_projection"],
            "commit, coverage, log": t["apply"] - t["events"] - t["refresh"]}


_EVENT_ROW = "INSERT INTO events (id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash) " \
             "VALUES (?,?,?,?,?,?,?,?,?,?,?)"


def _parse_all(data: bytes) -> tuple[list[tuple[object, ...]], list[tuple[str, list[list[object]]]]]:
    """calamine parsing every sheet; the event rows as the events table's columns, the other sheets as they are."""
    wb = _book(data)
    rows: list[tuple[object, ...]] = []
    others = []
    for name in wb.sheet_names:
        data = wb.get_sheet_by_name(name).to_python()
        if name.startswith("办理事件"):
            rows += [(r[0], r[1], r[2], int(r[3]), r[4], r[5], r[6], r[7], r[9], r[10], r[11]) for r in data[1:]]
        else:
            others.append((name, data))
    return rows, others


def _raw_store(work: Path) -> sqlite3.Connection:
    """A fresh station file opened as the program opens one (sealed with a key of its own; schema, indexes,
    triggers, WAL, pragmas)."""
    return open_connection(work / "raw" / "station.db", os.urandom(32))


def phase_raw_import(folder: Path, bundle: Path, work: Path, every: Path | None = None) -> dict[str, float]:
    """calamine parsing every sheet of the same workbook, then executemany of the event rows into the store's own
    events table (and, when ``every`` is given, of every other sheet's rows, each into a table of its own)."""
    book = workbook_bytes(folder, bundle)
    conn = _raw_store(work)  # made before the clock starts, as the station file exists before an import
    start, cpu = time.perf_counter(), time.process_time()
    rows, others = _parse_all(book)
    conn.execute("BEGIN")
    conn.executemany(_EVENT_ROW, rows)
    if every is not None:  # the people's sheets too, each into a table of its own columns
        for number, (_name, data) in enumerate(others):
            width = len(data[0]) if data else 1
            conn.execute(f"CREATE TABLE t{number} ({', '.join(f'c{i}' for i in range(width))})")
            conn.executemany(f"INSERT INTO t{number} VALUES ({', '.join('?' * width)})", data[1:])
    conn.execute("COMMIT")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    conn.close()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "rows": len(rows)}


def phase_raw_writes(folder: Path, bundle: Path, imported: Path, work: Path) -> dict[str, float]:
    """calamine parsing every sheet, then executemany of every row an import writes: the events and every
    projection row of the imported station (read from it before the clock starts), the full-text index too."""
    from app.store.projection import _CASE_INSERT, _CHILD_INSERTS
    from app.store.schema import CASE_COLUMNS

    desk = open_bench(imported, now=lambda: NOW)
    source = desk.conn
    cases = source.execute(f"SELECT {', '.join(CASE_COLUMNS)} FROM cases ORDER BY case_id").fetchall()
    texts = source.execute("SELECT c.case_id, t.body FROM cases c JOIN case_text t ON t.n = c.n "
                           "ORDER BY c.case_id").fetchall()
    children = {table: source.execute(f"SELECT * FROM {table} ORDER BY case_id").fetchall()
                for table in _CHILD_INSERTS}
    desk.close()
    book = workbook_bytes(folder, bundle)
    conn = _raw_store(work)
    start, cpu = time.perf_counter(), time.process_time()
    rows, _others = _parse_all(book)
    conn.execute("BEGIN")
    conn.executemany(_EVENT_ROW, rows)
    conn.executemany(_CASE_INSERT, cases)
    numbers = dict(conn.execute("SELECT case_id, n FROM cases"))
    numbered = [(numbers[case_id], body) for case_id, body in texts]
    conn.executemany("INSERT INTO case_text (n, body) VALUES (?, ?)", numbered)
    conn.executemany("INSERT INTO case_fts (rowid, body) VALUES (?, ?)", numbered)
    for table, sql in _CHILD_INSERTS.items():
        conn.executemany(sql, children[table])
    conn.execute("COMMIT")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    conn.close()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(),
            "rows": len(rows) + len(cases) + 2 * len(texts) + sum(map(len, children.values()))}


def phase_openpyxl_read(folder: Path, bundle: Path) -> dict[str, float]:
    import io

    from openpyxl import load_workbook

    book = workbook_bytes(folder, bundle)
    start = time.perf_counter()
    wb = load_workbook(io.BytesIO(book), read_only=True)
    count = 0
    for ws in wb.worksheets:
        if ws.title.startswith("办理事件"):
            for _row in ws.iter_rows(min_row=2, values_only=True):  # the header row left out
                count += 1
    wb.close()
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "rows": count}


def phase_calamine_read(folder: Path, bundle: Path) -> dict[str, float]:
    book = workbook_bytes(folder, bundle)
    start = time.perf_counter()
    wb = _book(book)
    count = 0
    for name in wb.sheet_names:
        if name.startswith("办理事件"):
            rows = wb.get_sheet_by_name(name).iter_rows()
            next(rows, None)  # the header row
            for _row in rows:
                count += 1
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "rows": count}


def child(*args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--phase", *args], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--evidence-mb", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="alternating export / raw write runs")
    parser.add_argument("--import-repeat", type=int, default=7, help="alternating import / raw import runs")
    parser.add_argument("--phase", nargs="*")
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        paths: list[object] = [Path(p) for p in rest]
        phases: dict[str, Callable[..., dict[str, float]]] = {
            "export": phase_export, "raw_write": phase_raw_write, "import": phase_import,
            "import_stages": phase_import_stages, "raw_import": phase_raw_import, "raw_writes": phase_raw_writes,
            "openpyxl_read": phase_openpyxl_read, "calamine_read": phase_calamine_read,
            "book": phase_book}
        print(json.dumps(phases[name](*paths)))
        return
    folder = prepare(args.events, args.evidence_mb)
    runs: dict[str, list[dict[str, float]]] = defaultdict(list)
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        work = Path(tmp)
        for run in range(args.repeat):  # ours and raw alternately, so a busy machine weighs on both alike
            bundle = work / f"bundle{run}.zip"
            runs["export"].append(child("export", str(folder), str(bundle)))
            runs["raw_write"].append(child("raw_write", str(folder), str(bundle)))
        bundle = work / f"bundle{args.repeat - 1}.zip"  # the one the raw baselines read
        imported = work / "imported"  # an imported station, whose rows the raw writes write (and a warm-up)
        imported.mkdir()
        child("import", str(folder), str(bundle), str(imported))
        for _run in range(args.import_repeat):
            for key, phase, extra in (("import", "import", (str(folder), str(bundle))),
                                      ("raw_import_all", "raw_import", (str(folder), str(bundle))),
                                      ("raw_writes", "raw_writes",
                                       (str(folder), str(bundle), str(imported / "331002")))):
                place = work / key
                place.mkdir()
                if key == "raw_import_all":
                    runs[key].append(child(phase, *extra, str(place), "all"))
                else:
                    runs[key].append(child(phase, *extra, str(place)))
                shutil.rmtree(place)
        place = work / "stages"
        place.mkdir()
        stages = child("import_stages", str(folder), str(bundle), str(place))
        runs["calamine"] = [child("calamine_read", str(folder), str(bundle))]
        runs["openpyxl"] = [child("openpyxl_read", str(folder), str(bundle))]
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
    cpu = {k: statistics.median(r["cpu"] for r in v) for k, v in runs.items() if "cpu" in v[0]}
    peak = {k: max(r["peak_mb"] for r in v) for k, v in runs.items()}
    e = runs["export"][0]
    print(f"bundle: {e['events']:.0f} events, {e['cases']:.0f} cases, {e['evidence']:.0f} evidence files "
          f"({e['evidence_bytes'] / 1e6:.1f} MB); medians of {args.repeat} alternating export runs and "
          f"{args.import_repeat} alternating import runs")
    print(f"export   {med['export']:7.2f} s   raw openpyxl write of the same cells {med['raw_write']:7.2f} s   "
          f"ratio {med['export'] / med['raw_write']:.2f}× (goal ≤ 1.3×)   peak {peak['export']:.0f} MB")
    # Two raw baselines, both parsing every sheet of the same workbook and writing into the store's own tables:
    # every row the import writes (the like-for-like one), and the workbook's own rows only (which leaves out the
    # projections and the full-text index an import cannot do without). Both are printed with their verdicts.
    print(f"import   {med['import']:7.2f} s   CPU {cpu['import']:.2f} s   peak {peak['import']:.0f} MB")

    def versus(key: str, label: str) -> None:
        ratio = med["import"] / med[key]
        print(f"  vs raw {label}\n         {med[key]:6.2f} s (CPU {cpu[key]:.2f} s)   ratio {ratio:.2f}× "
              f"(CPU {cpu['import'] / cpu[key]:.2f}×)   goal ≤ 1.5×: {'met' if ratio <= 1.5 else 'NOT MET'}")
    versus("raw_writes", "calamine parse + executemany of every row the import writes (events, cases, "
                         "petitioners, steps, evidence, checklist, search text, full-text index)")
    versus("raw_import_all", "calamine parse + executemany of the workbook's own rows (events into the events "
                             "table, the case/checklist/evidence sheets into tables of their own; no projections)")
    print(f"  one more import, by stage ({stages['seconds']:.2f} s):")
    for label, seconds in stages.items():
        if label not in ("seconds", "cpu", "peak_mb", "new_events", "new_cases"):
            print(f"         {seconds:6.2f} s  {label}")
    print(f"reader   calamine {med['calamine']:.2f} s ({peak['calamine']:.0f} MB)   openpyxl read-only "
          f"{med['openpyxl']:.2f} s ({peak['openpyxl']:.0f} MB) for {runs['calamine'][0]['rows']:.0f} event rows")
    for key in ("export", "raw_write", "import", "raw_import_all", "raw_writes"):
        samples = ", ".join(f"{r['seconds']:.2f}" for r in runs[key])
        print(f"  samples {key}: {samples} s")
    print(f"peak memory goal ≤ 300 MB: export {'ok' if peak['export'] <= 300 else 'OVER'}, "
          f"import {'ok' if peak['import'] <= 300 else 'OVER'}")


if __name__ == "__main__":
    main()
