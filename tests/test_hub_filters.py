"""The hub's case list: filtered by a station directly below (a county with its townships, or one township), the
status bar's counts per such station, the station column by name near the front."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.ops.desk import Desk
from app.store.queries import CaseFilter, count_cases, station_counts
from app.views.qt import Qt
from tests.conftest import FakeNow, make_draft
from tests.hub_tree import NAME, PARENT, hub_tree, register_plan, sync_up

# Open cases registered at each station (one more, closed, at each township).
PLAN = {"331000": 1, "331002": 2, "331002001": 3, "331002002": 4, "331082": 1, "331082001": 2, "331082002": 5}


@pytest.fixture
def synced(tmp_path: Path, now: FakeNow):  # type: ignore[no-untyped-def]
    now.current = datetime(2026, 3, 10, 9, 0, 0)
    with hub_tree(tmp_path, now) as desks:
        made = register_plan(desks, PLAN, backlog=lambda i: i == 0, leader="陈建平")
        for code in PLAN:
            desk = desks[code]
            if PARENT[code] in ("331002", "331082"):
                closed = desk.register_case(make_draft(name="赵六"))
                desk.record(closed, "dispatch", {"units": ["镇农业农村办"]})
                desk.record(closed, "decline", {"reason": "不属受理范围"})
                made[closed] = code
        sync_up(desks, tmp_path)
        yield desks, made


def _in_county(code: str, county: str) -> bool:
    return code == county or PARENT[code] == county


def test_filter_by_a_county_covers_its_townships(synced) -> None:  # type: ignore[no-untyped-def]
    desks, made = synced
    city: Desk = desks["331000"]
    today = city.today()
    for county in ("331002", "331082"):
        expected = sum(1 for origin in made.values() if _in_county(origin, county))
        flt = CaseFilter(origins=(county, *(c for c, p in PARENT.items() if p == county)))
        assert count_cases(city.conn, flt, today) == expected
    assert count_cases(city.conn, CaseFilter(origins=("331002002",)), today) == PLAN["331002002"] + 1


def test_status_bar_counts_per_station_below(synced) -> None:  # type: ignore[no-untyped-def]
    desks, made = synced
    city: Desk = desks["331000"]
    rows = station_counts(city.conn, city.today())
    assert [group.code for group, _ in rows] == ["331000", "331002", "331082"]
    open_per_county: Counter[str] = Counter()
    for origin, count in PLAN.items():
        open_per_county[origin if PARENT[origin] in ("331000", None) else str(PARENT[origin])] += count
    assert {group.code: bucket["open"] for group, bucket in rows} == dict(open_per_county)
    backlog = {group.code: bucket["backlog"] for group, bucket in rows}
    assert backlog == {"331000": 1, "331002": 3, "331082": 3}  # the first case of each station is a backlog case
    county_rows = station_counts(desks["331002"].conn, desks["331002"].today())
    assert [(g.code, g.name, b["open"]) for g, b in county_rows] == [
        ("331002", NAME["331002"], 2), ("331002001", NAME["331002001"], 3), ("331002002", NAME["331002002"], 4)]


# ----- in the window --------------------------------------------------------------------------------------------
def _window(qtbot: Any, desk: Desk):  # type: ignore[no-untyped-def]
    from tests.gui_support import make_window

    return make_window(qtbot, desk)


def test_the_city_window_filters_by_county_and_names_stations(qtbot: Any, synced, qtmodeltester: Any) -> None:  # type: ignore[no-untyped-def]
    desks, made = synced
    window = _window(qtbot, desks["331000"])
    with qtbot.waitSignal(window.model.refreshed):
        window.views.choose("all")  # closed cases too
    model, combo = window.model, window.filters.origin
    assert combo is not None
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:3] == ["督办", "案件编号", "站点"]  # near the front, not off-screen at the end
    choices = [combo.itemText(i) for i in range(combo.count())]
    assert choices == [
        "全部", "本级：台州市信访局（331000）",
        "椒江区信访局（331002）及所辖站点", "　椒江区信访局（331002）本级", "　新河镇信访办（331002001）",
        "　下陈街道信访办（331002002）",
        "临海市信访局（331082）及所辖站点", "　临海市信访局（331082）本级", "　杜桥镇信访办（331082001）",
        "　汛桥镇信访办（331082002）"]
    for text, expected in (("椒江区信访局（331002）及所辖站点", [o for o in made.values() if _in_county(o, "331002")]),
                           ("　下陈街道信访办（331002002）", [o for o in made.values() if o == "331002002"]),
                           ("本级：台州市信访局（331000）", [o for o in made.values() if o == "331000"])):
        with qtbot.waitSignal(model.refreshed):
            combo.setCurrentIndex(combo.findText(text))
        assert model.rowCount() == len(expected)
        shown = {model.data(model.index(r, 2)) for r in range(model.rowCount())}
        assert shown == {NAME[o] for o in expected}
        if expected[0] == "331002002":
            tip = model.data(model.index(0, 2), Qt.ItemDataRole.ToolTipRole)
            assert tip == "椒江区信访局（331002） › 下陈街道信访办（331002002）"
    qtmodeltester.check(model, force_py=True)
    counts = window.counts.per_origin
    assert counts.text() == "各站点在办：本级 1（红1）　椒江区信访局 9（红3）　临海市信访局 8（红3）"
    assert "椒江区信访局（331002）及所辖站点：在办 9" in counts.toolTip()
    window.close()


def test_a_county_window_lists_its_townships_by_name(qtbot: Any, synced) -> None:  # type: ignore[no-untyped-def]
    desks, _made = synced
    window = _window(qtbot, desks["331002"])
    combo = window.filters.origin
    assert combo is not None
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "全部", "本级：椒江区信访局（331002）", "新河镇信访办（331002001）", "下陈街道信访办（331002002）"]
    assert window.counts.per_origin.text() == ("各站点在办：本级 2（红1）　新河镇信访办 3（红1）　"
                                               "下陈街道信访办 4（红1）")
    window.close()
