"""Signed checkpoints (app/store/signatures.py): what they cost, and why checkpoints rather than a signature on
each event.

    python bench/bench_signatures.py [--events 100000] [--verify-cases 9259,27778,117647] [--runs 3]

1. Ed25519 unit costs on this machine: one signature made, one checked.
2. Import of a bundle of about 100,000 events into its county, with the checkpoint checks vs the very same import
   with them switched off (``check_checkpoints`` a no-op), run alternately on fresh copies of the county; goal
   ≤ 1.3×. The bundle carries one checkpoint per event — the densest a station can make, every event its own
   operation — so parsing, matching and storing checkpoints is at its most. Beside it: what a signature checked
   on every event would add (events × one check), the alternative the checkpoints were chosen over.
3. ``verify`` of demo stores of three sizes up to about 1,000,000 events (goal ≤ 60 s at 1,000,000), the hash
   chains and the signatures on their own, and how the time grows with the number of events.
Data lives in bench/data/signatures-* (git-ignored), made once.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.demo import generate_demo  # noqa: E402
from app.ops import sync  # noqa: E402
from app.ops import sync_transfer as transfer  # noqa: E402
from app.ops.desk import Desk  # noqa: E402
from app.store import eventlog, signatures  # noqa: E402
from app.store.db import transaction  # noqa: E402
from app.store.integrity import verify  # noqa: E402
from app.sync import keys  # noqa: E402
from bench.common import new_bench_station, open_bench  # noqa: E402

DATA = ROOT / "bench" / "data"
EVENTS_PER_CASE = 8.5  # the demo's mix (788,650 events for 92,593 cases)
CITY, COUNTY, TOWN = "331000", "331002", "331002001"


def unit_costs(n: int = 2000) -> tuple[float, float]:
    key = keys.new_key()
    public = keys.raw_public(key)
    message = b"petition-desk checkpoint v1\n331002001\n1\n" + b"0" * 64
    start = time.perf_counter()
    for _ in range(n):
        signature = keys.sign(key, message)
    signed = (time.perf_counter() - start) / n
    start = time.perf_counter()
    for _ in range(n):
        keys.verify(public, signature, message)
    return signed, (time.perf_counter() - start) / n


def _enroll(child: Desk, parent: Desk, folder: Path) -> None:
    code = child.require_station().code
    sync.enroll_request(child, folder / f"{code}.req")
    sync.certify(parent, folder / f"{code}.req", folder / f"{code}.cert")
    sync.install_cert(child, folder / f"{code}.cert")


def import_setup(events: int) -> tuple[Path, Path]:
    """The county's data folder before the import, and the township's bundle (made once)."""
    folder = DATA / f"signatures-import-{events}"
    county_dir, bundle = folder / "county-before", folder / "up.zip"
    if bundle.exists():
        return county_dir, bundle
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"making {folder} (once)…", file=sys.stderr)
    city = new_bench_station(folder / "city", CITY, "台州市信访局", "city")
    sync.identity(city)
    county = new_bench_station(county_dir, COUNTY, "椒江区信访局", "county")
    _enroll(county, city, folder)
    town = new_bench_station(folder / "town", TOWN, "新河镇信访办", "township")
    _enroll(town, county, folder)
    generate_demo(town, max(1, round(events / EVENTS_PER_CASE)))
    # One checkpoint per event, as if every event had been its own operation (the demo writes all in one).
    key = keys.load_key(town.data_dir)
    assert key is not None
    with transaction(town.conn) as conn:
        rows = conn.execute("SELECT seq, hash FROM events WHERE origin = ?", (TOWN,)).fetchall()
        signatures.store(conn, [signatures.sign(key, TOWN, int(s), str(h)) for s, h in rows])
    transfer.export_bundle(town, COUNTY, bundle)
    for desk in (city, county, town):
        desk.close()
    return county_dir, bundle


def import_once(county_dir: Path, bundle: Path, checked: bool) -> tuple[float, int]:
    original = transfer.check_checkpoints
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        work = Path(tmp) / "county"
        shutil.copytree(county_dir, work)
        desk = open_bench(work, now=lambda: datetime(2030, 1, 1))
        if not checked:
            transfer.check_checkpoints = lambda *args, **kwargs: None  # type: ignore[assignment]
        try:
            start = time.perf_counter()
            result = transfer.import_bundle(desk, bundle)
            elapsed = time.perf_counter() - start
        finally:
            transfer.check_checkpoints = original
            desk.close()
    return elapsed, result.report.new_events


def verify_store(cases: int) -> Path:
    folder = DATA / f"signatures-verify-c{cases}"
    if not (folder / "station.db").exists():
        print(f"making {folder} (once)…", file=sys.stderr)
        desk = new_bench_station(folder, TOWN, "新河镇信访办", "township")
        generate_demo(desk, cases)
        desk.close()
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--verify-cases", default="9259,27778,117647", help="demo cases of each verified store")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    signed, checked = unit_costs()
    print(f"Ed25519 on this machine: sign {signed * 1e6:.0f} µs, check {checked * 1e6:.0f} µs", flush=True)

    if not args.skip_import:
        import_figures(args)
    verify_figures(args.verify_cases)


def import_figures(args: argparse.Namespace) -> None:
    _signed, checked = unit_costs()
    county_dir, bundle = import_setup(args.events)
    ours, raw = [], []
    events = 0
    for _ in range(args.runs):
        t, events = import_once(county_dir, bundle, True)
        ours.append(t)
        raw.append(import_once(county_dir, bundle, False)[0])
    a, b = statistics.median(ours), statistics.median(raw)
    verdict = "MET" if a / b <= 1.3 else "NOT MET"
    print(f"import of {events:,} events (one checkpoint per event): with checkpoint checks {a:.2f} s | without "
          f"{b:.2f} s | ratio {a / b:.2f}× | goal ≤ 1.3× | {verdict}", flush=True)
    print(f"  a signature checked on every event instead would add {events * checked:.1f} s "
          f"({(b + events * checked) / b:.2f}× the import without checks)", flush=True)



def read_every_event(conn: object) -> None:
    """The raw baseline: every event row read once, as any check of them must (SQLCipher's decryption included)."""
    for _row in conn.execute("SELECT id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash "  # type: ignore[attr-defined]
                             "FROM events"):
        pass


def verify_figures(sizes: str) -> None:
    print("verify (hash chains, signatures, rebuild and compare, search index):", flush=True)
    previous: tuple[int, float] | None = None
    for size in [int(s) for s in sizes.split(",")]:
        desk = open_bench(verify_store(size))
        held = desk.conn.execute("SELECT count(*) FROM events").fetchone()[0]
        start = time.perf_counter()
        ring = signatures.keyring(desk.conn, TOWN, desk.public_key())
        problem = signatures.check_all(desk.conn, ring)
        sig_time = time.perf_counter() - start
        start = time.perf_counter()
        chains = eventlog.check_chains(desk.conn)
        chain_time = time.perf_counter() - start
        start = time.perf_counter()
        read_every_event(desk.conn)
        raw = time.perf_counter() - start
        start = time.perf_counter()
        report = verify(desk.conn, desk.limits, None, own_public=desk.public_key())
        total = time.perf_counter() - start
        desk.close()
        assert problem is None and chains is None and report.ok, report.problem
        growth = ""
        if previous:
            growth = f" | ×{held / previous[0]:.1f} events → ×{total / previous[1]:.2f} time"
        goal = f" | goal ≤ 60 s | {'MET' if total <= 60 else 'NOT MET'}" if held >= 1_000_000 else ""
        load = os.getloadavg()[0]
        print(f"  {held:>9,} events: verify {total:.1f} s ({total / held * 1e6:.1f} µs an event) | reading every "
              f"event once {raw:.1f} s | ratio {total / raw:.1f}× | on their own: hash chains {chain_time:.1f} s, "
              f"signatures {sig_time:.2f} s{growth}{goal} | load {load:.1f}", flush=True)
        previous = (held, total)


if __name__ == "__main__":
    main()
