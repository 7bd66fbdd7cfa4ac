"""A small station tree for sync tests: city SZ, county TZJJ, townships TZ01 and TZ02, all enrolled."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.ops import sync
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.store.projection import fingerprint
from tests.conftest import FakeNow, make_draft

STATIONS = (("SZ", "台州市信访局", "city", None), ("TZJJ", "椒江区信访局", "county", "SZ"),
            ("TZ01", "新河镇信访办", "township", "TZJJ"), ("TZ02", "下陈街道信访办", "township", "TZJJ"))


def enroll(child: Desk, parent: Desk, folder: Path) -> None:
    code = child.require_station().code
    sync.enroll_request(child, folder / f"{code}.req")
    sync.certify(parent, folder / f"{code}.req", folder / f"{code}.cert")
    sync.install_cert(child, folder / f"{code}.cert")


@contextmanager
def station_tree(folder: Path, now: FakeNow, codes: tuple[str, ...] = ("SZ", "TZJJ", "TZ01", "TZ02")
                 ) -> Iterator[dict[str, Desk]]:
    desks: dict[str, Desk] = {}
    try:
        for code, name, level, parent in STATIONS:
            if code not in codes:
                continue
            desk = Desk(folder / code, now=now)
            desk.init_station(code, name, level, handler=f"{name[:2]}经办人")
            desks[code] = desk
            if parent:
                enroll(desk, desks[parent], folder)
            else:
                sync.identity(desk)
        yield desks
    finally:
        for desk in desks.values():
            desk.close()


def send(source: Desk, target: Desk, path: Path) -> transfer.ImportResult:
    transfer.export_bundle(source, target.require_station().code, path)
    return transfer.import_bundle(target, path)


def snapshot(desk: Desk) -> tuple[dict[str, str], int, list[tuple[object, ...]]]:
    """What must not change when an import is refused: projections, event count, sync bookkeeping."""
    conn = desk.conn
    sync_rows = [tuple(r) for table in ("sync_certificates", "sync_revocations", "sync_trust", "sync_acked",
                                        "sync_coverage", "sync_log")
                 for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
    return fingerprint(conn), conn.execute("SELECT count(*) FROM events").fetchone()[0], sync_rows


def new_case(desk: Desk, name: str = "王小明") -> str:
    return desk.register_case(make_draft(name=name))
