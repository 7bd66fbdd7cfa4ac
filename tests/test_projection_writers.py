"""One contract for every projection writer (as eventsourcing's recorder test case runs one test against every
recorder): live updates through the desk, bulk registration from a ledger import, a full rebuild, and a sync
import (whole, and in two files taken in the wrong order) — given the same events, each writes the same tables."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.ops.desk import Desk
from app.reports.ledger_import import plan_import, run_import
from app.store.projection import fingerprint, rebuilt_fingerprint
from tests.conftest import FakeNow
from tests.sync_helpers import STATIONS, send, station_tree

CITY, COUNTY, TOWN = (s[0] for s in STATIONS[:3])
CASES = 60
Tables = dict[str, str]


def ledger(path: Path) -> Path:
    """A township's ledger of ``CASES`` rows, each its own person and matter."""
    wb = Workbook()
    ws = wb.active
    ws.append(["来访人", "主要诉求", "信访方式", "问题类别", "镇街", "村社区", "来信来访日期", "责任单位"])
    rng = random.Random(5)
    channels, domains = ["来访", "来信", "来电", "网上信访"], ["农业农村", "劳动保障", "生态环境", "教育"]
    for i in range(CASES):
        ws.append([f"测试人{i:03d}", f"第{i}号诉求：道路与排水问题{i}", rng.choice(channels), rng.choice(domains),
                   "新河镇", f"村{i % 7}", date(2026, 1, 5) + timedelta(days=i % 50), "镇农业农村办"])
    wb.save(path)
    return path


def live_steps(desk: Desk, ids: list[str], now: FakeNow) -> None:
    """Steps of every kind the desk records on a case, one operation each."""
    for n, case_id in enumerate(ids[:20]):
        desk.record(case_id, "dispatch", {"units": ["镇农业农村办"] + (["市农业农村局"] if n % 5 == 0 else [])})
        if n % 2:
            desk.record(case_id, "accept", {})
            desk.record(case_id, "contact", {"note": "电话联系"})
            desk.handle(case_id, f"现场查看{n}")
        if n % 4 == 1:
            desk.record(case_id, "feedback", {"reply": "已修复"})
            desk.record(case_id, "follow_up", {"rating": "dissatisfied" if n % 8 == 1 else "satisfied"})
        if n % 3 == 0:
            desk.set_leader(case_id, "陈建平（副县长）")
            desk.set_backlog(case_id, True)
            desk.set_checklist(case_id, "fix_leader", True, "县领导包案")
        if n % 6 == 2:
            desk.edit(case_id, "village", "改正后的村")
        now.advance(hours=5)


@pytest.fixture(scope="module")
def stations(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Desk], Tables, Path]]:
    """A township whose cases came in by a ledger import and were worked on live, its tables as those writers left
    them, and its county (which has imported nothing yet)."""
    folder = tmp_path_factory.mktemp("writers")
    now = FakeNow(__import__("datetime").datetime(2026, 3, 2, 9, 0, 0))
    with station_tree(folder, now, (CITY, COUNTY, TOWN)) as desks:
        town = desks[TOWN]
        ids = run_import(town, plan_import(town, ledger(folder / "台账.xlsx")))
        assert len(ids) == CASES
        live_steps(town, ids, now)
        yield desks, fingerprint(town.conn), folder


Writer = Callable[[dict[str, Desk], Path], Desk | Tables]


def rebuilt(desks: dict[str, Desk], folder: Path) -> Desk:
    desks[TOWN].rebuild()
    return desks[TOWN]


def folded(desks: dict[str, Desk], folder: Path) -> Tables:
    """What verify compares first: the tables a rebuild would write, computed without writing them."""
    return rebuilt_fingerprint(desks[TOWN].conn, desks[TOWN].limits)


def sync_import(desks: dict[str, Desk], folder: Path) -> Desk:
    send(desks[TOWN], desks[COUNTY], folder / "whole.zip")
    return desks[COUNTY]


def sync_rebuilt(desks: dict[str, Desk], folder: Path) -> Desk:
    desks[COUNTY].rebuild()
    return desks[COUNTY]


@pytest.mark.parametrize("writer", [folded, rebuilt, sync_import, sync_rebuilt], ids=lambda w: w.__name__)
def test_every_writer_writes_the_same_tables(stations: tuple[dict[str, Desk], Tables, Path], writer: Writer) -> None:
    desks, live, folder = stations
    written = writer(desks, folder)
    assert (written if isinstance(written, dict) else fingerprint(written.conn)) == live


def test_an_import_in_two_files_writes_the_same_tables(tmp_path: Path, now: FakeNow) -> None:
    """The second file changes cases the county already holds: the import's refresh of existing rows."""
    with station_tree(tmp_path, now, (CITY, COUNTY, TOWN)) as desks:
        town, county = desks[TOWN], desks[COUNTY]
        ids = run_import(town, plan_import(town, ledger(tmp_path / "台账.xlsx")))
        send(town, county, tmp_path / "first.zip")
        send(county, town, tmp_path / "ack.zip")  # carries the county's acknowledgement down
        live_steps(town, ids, now)
        second = send(town, county, tmp_path / "second.zip")
        assert second.report.new_events < town.conn.execute("SELECT count(*) FROM events").fetchone()[0]
        assert fingerprint(county.conn) == fingerprint(town.conn)
