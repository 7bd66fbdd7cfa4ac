"""The hub's ranking (赛马晾晒) over more than one level: at the city one row per county holding its own cases and
its townships', at a county one row per township and one for its own cases; the numbers equal counts made here
from what each station registered."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from app.cli.main import main
from app.ops.desk import Desk
from app.reports.figures import compute_figures, group_label, station_names
from app.store.stations import StationTree
from tests.conftest import FakeNow, make_draft
from tests.hub_tree import NAME, PARENT, hub_tree, sync_up

TODAY = date(2026, 3, 20)
# Per registering station: (open cases, cases closed with a satisfied follow-up, open backlog cases).
PLAN = {"331000": (1, 0, 0), "331002": (2, 1, 0), "331002001": (3, 2, 1), "331002002": (1, 0, 2),
        "331082": (0, 1, 1), "331082001": (4, 1, 0), "331082002": (2, 3, 1)}


def _closed(desk: Desk, name: str) -> str:
    case_id = desk.register_case(make_draft(name=name))
    for kind, payload in (("dispatch", {"units": ["镇农业农村办"]}), ("accept", {}),
                          ("contact", {"note": "电话联系"}), ("handle", {"note": "现场核查"}),
                          ("feedback", {"reply": "书面答复"}), ("follow_up", {"rating": "satisfied"}),
                          ("close", {})):
        desk.record(case_id, kind, payload)
    return case_id


def _register(desks: dict[str, Desk]) -> dict[str, str]:
    """Register the plan; case id → the station that registered it."""
    made: dict[str, str] = {}
    for code, (open_count, closed_count, backlog_count) in PLAN.items():
        desk = desks[code]
        for i in range(open_count):
            made[desk.register_case(make_draft(name=f"甲{i}"))] = code
        for i in range(closed_count):
            made[_closed(desk, f"乙{i}")] = code
        for i in range(backlog_count):
            made[desk.register_case(make_draft(name=f"丙{i}", backlog=True, leader="陈建平"))] = code
    return made


def _under(code: str, top: str) -> str:
    """The station directly below ``top`` on the way to ``code`` (``top`` itself for its own), by the plan's
    parent links written out in this test."""
    chain = [code]
    while chain[-1] != top:
        chain.append(PARENT[chain[-1]] or "")
        assert chain[-1], f"{code} is not below {top}"
    return chain[-2] if len(chain) > 1 else top


def _expected(top: str) -> dict[str, Counter[str]]:
    """The counts per station directly below ``top``, from the plan alone."""
    expected: dict[str, Counter[str]] = {}
    for origin, (open_count, closed_count, backlog_count) in PLAN.items():
        if origin != top and top not in _ancestors(origin):
            continue
        bucket = expected.setdefault(_under(origin, top), Counter())
        bucket["cases"] += open_count + closed_count + backlog_count
        bucket["concluded"] += closed_count
        bucket["satisfied"] += closed_count
        bucket["backlog_total"] += backlog_count
        bucket["backlog_open"] += backlog_count
    return expected


def _ancestors(code: str) -> list[str]:
    found = []
    while PARENT[code]:
        code = PARENT[code]  # type: ignore[assignment]
        found.append(code)
    return found


@pytest.fixture
def synced(tmp_path: Path, now: FakeNow):  # type: ignore[no-untyped-def]
    now.current = datetime(2026, 3, 10, 9, 0, 0)
    with hub_tree(tmp_path, now) as desks:
        made = _register(desks)
        sync_up(desks, tmp_path)
        yield desks, made


KEYS = ("cases", "concluded", "satisfied", "backlog_total", "backlog_open")


def _figures(desk: Desk) -> dict[str, dict[str, int]]:
    rows = compute_figures(desk.conn, date_from=None, date_to=None, by="station", today=TODAY)
    return {r["group"]: {k: r[k] for k in KEYS} for r in rows}


def test_the_city_ranks_counties_with_their_townships_and_its_own_cases_apart(synced) -> None:  # type: ignore[no-untyped-def]
    desks, made = synced
    city = desks["331000"]
    assert len(made) == city.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    expected = _expected("331000")
    assert set(expected) == {"331000", "331002", "331082"}
    assert _figures(city) == {g: {k: c[k] for k in KEYS} for g, c in expected.items()}
    rows = compute_figures(city.conn, date_from=None, date_to=None, by="station", today=TODAY)
    assert [r["group"] for r in rows] == ["331000", "331002", "331082"]  # its own first, then by code
    assert rows[1]["origins"] == ["331002", "331002001", "331002002"]
    assert rows[1]["satisfaction_rate"] == 1.0 and rows[1]["cases"] == 3 + 6 + 3
    # The rows add up to the whole station's figures.
    [total] = compute_figures(city.conn, date_from=None, date_to=None, by=None, today=TODAY)
    assert sum(r["cases"] for r in rows) == total["cases"] == len(made)
    names = station_names(city.conn)
    assert group_label("station", "331002", names) == "椒江区信访局（331002）"


def test_a_county_ranks_its_townships_and_its_own_cases(synced) -> None:  # type: ignore[no-untyped-def]
    desks, made = synced
    county = desks["331002"]
    expected = _expected("331002")
    assert set(expected) == {"331002", "331002001", "331002002"}
    assert _figures(county) == {g: {k: c[k] for k in KEYS} for g, c in expected.items()}
    names = station_names(county.conn)
    assert group_label("station", "331002002", names) == f"{NAME['331002002']}（331002002）"


def test_the_station_tree_places_every_station(synced) -> None:  # type: ignore[no-untyped-def]
    desks, _made = synced
    tree = StationTree.load(desks["331000"].conn)
    assert tree.group_of("331002001") == "331002" and tree.group_of("331082002") == "331082"
    assert tree.group_of("331000") == "331000"
    assert tree.path("331002001") == ["331002", "331002001"] and tree.depth("331002001") == 1
    assert tree.group_of("XX99") == "XX99"  # a station it cannot place stands alone
    county = StationTree.load(desks["331002"].conn)
    assert county.group_of("331002001") == "331002001" and county.group_of("331002") == "331002"


def test_stats_command_at_the_city_prints_a_row_per_county(synced, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    desks, made = synced
    city = str(desks["331000"].data_dir)
    assert main(["--data-dir", city, "stats", "--by", "station", "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line.split() for line in out.splitlines()
             if line.strip() and line.split()[0].endswith("）")}
    assert set(lines) == {"台州市信访局（331000）", "椒江区信访局（331002）", "临海市信访局（331082）"}
    expected = _expected("331000")
    assert lines["临海市信访局（331082）"][1] == str(expected["331082"]["cases"])
    assert "新河镇信访办" not in out and "本站自身登记的案件单列一行" in out  # townships are in their county
    assert main(["--data-dir", city, "stats", "--by", "station", "--json", "--today", TODAY.isoformat()]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["group"]: r["label"] for r in rows}["331082"] == "临海市信访局（331082）"
