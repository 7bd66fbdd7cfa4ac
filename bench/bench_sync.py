"""Sync bundles: export and import of a bundle with about 100,000 events and 20 MB of evidence, each beside its
raw baseline measured in the same run, plus peak memory of each phase.

    python bench/bench_sync.py [--events 100000] [--evidence-mb 20]

- export  vs  openpyxl write-only writing exactly the same cells (goal ≤ 1.3×)
- import  vs  a raw parse of the same workbook with python-calamine plus a raw ``executemany`` of every sheet's rows
  (events into an events table with the log's keys, cases, checklist and evidence each into a table of its own;
  goal ≤ 1.5×); the event rows alone are measured beside it
- peak memory of export and import, each in a process of its own (VmHWM; goal ≤ 300 MB)
- for the choice of reader: the same event sheets parsed by openpyxl read-only
Data lives in bench/data/sync-* (git-ignored), made once with app.demo.generate_demo.
"""

from __future__ import annotations

import argparse
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
import zipfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.demo import generate_demo  # noqa: E402
from app.ops import sync  # noqa: E402
from app.ops import sync_transfer as transfer  # noqa: E402
from app.ops.desk import Desk  # noqa: E402

DATA = ROOT / "bench" / "data"
NOW = datetime(2026, 3, 2, 9, 0, 0)


def peak_mb() -> float:
    """This process's own high-water mark (VmHWM; ru_maxrss would carry a forking parent's)."""
    match = re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


def prepare(events: int, evidence_mb: int) -> Path:
    """City SZ, county TZJJ and township TZ01 enrolled; TZ01 holds the demo cases and the extra evidence."""
    folder = DATA / f"sync-{events}-{evidence_mb}mb"
    if (folder / "ready").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"making {folder} (once)…", file=sys.stderr)
    desks = {}
    for code, name, level in (("SZ", "台州市信访局", "city"), ("TZJJ", "椒江区信访局", "county"),
                              ("TZ01", "新河镇信访办", "township")):
        desks[code] = Desk(folder / code, now=lambda: NOW)
        desks[code].init_station(code, name, level)
    sync.identity(desks["SZ"])
    for child, parent in (("TZJJ", "SZ"), ("TZ01", "TZJJ")):
        sync.enroll_request(desks[child], folder / f"{child}.req")
        sync.certify(desks[parent], folder / f"{child}.req", folder / f"{child}.cert")
        sync.install_cert(desks[child], folder / f"{child}.cert")
    town = desks["TZ01"]
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
    desk = Desk(folder / "TZ01", now=lambda: NOW)
    start = time.perf_counter()
    result = transfer.export_bundle(desk, "TZJJ", out)
    seconds = time.perf_counter() - start
    desk.close()
    return {"seconds": seconds, "peak_mb": peak_mb(), **result.manifest["counts"]}


def _sheets(book: Path) -> list[tuple[str, list[list[object]]]]:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(book))
    return [(name, wb.get_sheet_by_name(name).to_python()) for name in wb.sheet_names]


def phase_raw_write(book: Path, out: Path) -> dict[str, float]:
    """openpyxl write-only writing exactly the cells of our workbook (read back first, untimed)."""
    from openpyxl import Workbook

    sheets = _sheets(book)
    start = time.perf_counter()
    wb = Workbook(write_only=True)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(out)
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb()}


def phase_import(folder: Path, bundle: Path, work: Path) -> dict[str, float]:
    target = work / "TZJJ"
    shutil.copytree(folder / "TZJJ", target)
    desk = Desk(target, now=lambda: NOW)
    start = time.perf_counter()
    result = transfer.import_bundle(desk, bundle)
    seconds = time.perf_counter() - start
    desk.close()
    return {"seconds": seconds, "peak_mb": peak_mb(), "new_events": result.report.new_events,
            "new_cases": len(result.report.new_cases)}


def phase_raw_import(book: Path, work: Path, every: Path | None = None) -> dict[str, float]:
    """calamine parsing every sheet of the same workbook, then executemany of the event rows (and, when
    ``every`` is given, of every other sheet's rows too)."""
    every_sheet = every is not None
    import python_calamine

    start = time.perf_counter()
    wb = python_calamine.CalamineWorkbook.from_path(str(book))
    rows = []
    others = []
    for name in wb.sheet_names:
        data = wb.get_sheet_by_name(name).to_python()
        if name.startswith("办理事件"):
            rows += [(r[0], r[1], r[2], int(r[3]), r[4], r[5], r[6], r[7], r[9], r[10], r[11]) for r in data[1:]]
        else:
            others.append((name, data))
    conn = sqlite3.connect(work / "raw.db", isolation_level=None)
    conn.execute(
        "CREATE TABLE events (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, origin TEXT NOT NULL, seq INTEGER NOT "
        "NULL, hlc TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,"
        " prev_hash TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (origin, seq))")
    conn.execute("CREATE INDEX events_case ON events (case_id, hlc)")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    if every_sheet:  # the people's sheets too, each into a table of its own columns
        for number, (_name, data) in enumerate(others):
            width = len(data[0]) if data else 1
            conn.execute(f"CREATE TABLE t{number} ({', '.join(f'c{i}' for i in range(width))})")
            conn.executemany(f"INSERT INTO t{number} VALUES ({', '.join('?' * width)})", data[1:])
    conn.execute("COMMIT")
    conn.close()
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "rows": len(rows)}


def phase_openpyxl_read(book: Path) -> dict[str, float]:
    from openpyxl import load_workbook

    start = time.perf_counter()
    wb = load_workbook(book, read_only=True)
    count = 0
    for ws in wb.worksheets:
        if ws.title.startswith("办理事件"):
            for _row in ws.iter_rows(values_only=True):
                count += 1
    wb.close()
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "rows": count}


def phase_calamine_read(book: Path) -> dict[str, float]:
    import python_calamine

    start = time.perf_counter()
    wb = python_calamine.CalamineWorkbook.from_path(str(book))
    count = 0
    for name in wb.sheet_names:
        if name.startswith("办理事件"):
            for _row in wb.get_sheet_by_name(name).iter_rows():
                count += 1
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "rows": count}


def child(*args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--phase", *args], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--evidence-mb", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase", nargs="*")
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        paths: list[object] = [Path(p) for p in rest]
        result = {"export": phase_export, "raw_write": phase_raw_write, "import": phase_import,
                  "raw_import": phase_raw_import, "openpyxl_read": phase_openpyxl_read,
                  "calamine_read": phase_calamine_read}[name](*paths)
        print(json.dumps(result))
        return
    folder = prepare(args.events, args.evidence_mb)
    runs: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        work = Path(tmp)
        for run in range(args.repeat):  # ours and raw alternately, so a busy machine weighs on both alike
            bundle = work / f"bundle{run}.zip"
            runs.setdefault("export", []).append(child("export", str(folder), str(bundle)))
            book = work / "data.xlsx"
            with zipfile.ZipFile(bundle) as zf:
                zf.extract("data.xlsx", work)
            runs.setdefault("raw_write", []).append(child("raw_write", str(book), str(work / f"raw{run}.xlsx")))
            for key, extra in (("import", ()), ("raw_import", ()), ("raw_import_all", ("all",))):
                place = work / f"{key}{run}"
                place.mkdir()
                if key == "import":
                    runs.setdefault(key, []).append(child("import", str(folder), str(bundle), str(place)))
                else:
                    runs.setdefault(key, []).append(child("raw_import", str(book), str(place), *extra))
                shutil.rmtree(place)
        runs["calamine"] = [child("calamine_read", str(book))]
        runs["openpyxl"] = [child("openpyxl_read", str(book))]
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
    peak = {k: max(r["peak_mb"] for r in v) for k, v in runs.items()}
    e = runs["export"][0]
    print(f"bundle: {e['events']:.0f} events, {e['cases']:.0f} cases, {e['evidence']:.0f} evidence files "
          f"({e['evidence_bytes'] / 1e6:.1f} MB); medians of {args.repeat} alternating runs")
    print(f"export   {med['export']:7.2f} s   raw openpyxl write of the same cells {med['raw_write']:7.2f} s   "
          f"ratio {med['export'] / med['raw_write']:.2f}× (goal ≤ 1.3×)   peak {peak['export']:.0f} MB")
    # The goal's baseline is the raw import of the whole workbook: every sheet parsed and every sheet's rows
    # (events, cases, checklist, evidence) inserted. The event rows alone are shown beside it.
    print(f"import   {med['import']:7.2f} s   raw calamine parse + executemany of every sheet's rows "
          f"{med['raw_import_all']:6.2f} s   ratio {med['import'] / med['raw_import_all']:.2f}× (goal ≤ 1.5×)   "
          f"peak {peak['import']:.0f} MB")
    print(f"         raw parse + executemany of the event rows only {med['raw_import']:6.2f} s   "
          f"ratio {med['import'] / med['raw_import']:.2f}×")
    print(f"reader   calamine {med['calamine']:.2f} s ({peak['calamine']:.0f} MB)   openpyxl read-only "
          f"{med['openpyxl']:.2f} s ({peak['openpyxl']:.0f} MB) for {runs['calamine'][0]['rows'] - 1:.0f} event rows")
    for key in ("export", "raw_write", "import", "raw_import", "raw_import_all"):
        samples = ", ".join(f"{r['seconds']:.2f}" for r in runs[key])
        print(f"  samples {key}: {samples} s")
    print(f"peak memory goal ≤ 300 MB: export {'ok' if peak['export'] <= 300 else 'OVER'}, "
          f"import {'ok' if peak['import'] <= 300 else 'OVER'}")


if __name__ == "__main__":
    main()
