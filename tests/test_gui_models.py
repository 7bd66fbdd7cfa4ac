"""The Qt item models: they pass pytest-qt's model tester, fetch rows lazily, filter, sort and say when done."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.demo import generate_demo
from app.ops.desk import Desk
from app.store.queries import CaseFilter, counts
from app.views import case_list_model
from app.views.case_list_model import CaseIdRole, CaseListModel
from app.views.qt import Qt, QtGui
from app.views.timeline_model import TimelineModel
from tests.conftest import FakeNow, new_station


@pytest.fixture(autouse=True)
def _app(qapp):  # type: ignore[no-untyped-def]
    """Icons and brushes need a QApplication."""
    return qapp


@pytest.fixture
def demo_desk(desk: Desk) -> Desk:
    generate_demo(desk, 300, seed=3)
    return desk


def column(model: CaseListModel, key: str) -> int:
    return model.columns.index(key)


def texts(model: CaseListModel, key: str) -> list[str]:
    c = column(model, key)
    return [model.data(model.index(r, c)) for r in range(model.rowCount())]


def test_case_list_model_passes_the_model_tester(qtmodeltester, demo_desk: Desk) -> None:
    model = CaseListModel(demo_desk)
    model.refresh()
    assert model.rowCount() == 300
    qtmodeltester.check(model, force_py=True)
    model.set_filter(CaseFilter(colour="red"))
    qtmodeltester.check(model, force_py=True)


def test_timeline_model_passes_the_model_tester(qtmodeltester, demo_desk: Desk) -> None:
    case_id = demo_desk.conn.execute("SELECT case_id FROM cases ORDER BY measures DESC LIMIT 1").fetchone()[0]
    model = TimelineModel()
    model.set_events(demo_desk.events(case_id))
    assert model.rowCount() >= 6
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0, 1)) == "登记"


def test_rows_are_fetched_a_window_at_a_time(qtbot, demo_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    fetched: list[int] = []
    real = case_list_model.list_rows

    def counting(conn, numbers, today):  # type: ignore[no-untyped-def]
        fetched.append(len(numbers))
        return real(conn, numbers, today)

    monkeypatch.setattr(case_list_model, "list_rows", counting)
    model = CaseListModel(demo_desk)
    with qtbot.waitSignal(model.refreshed) as blocker:
        model.refresh()
    assert blocker.args == [300]
    assert fetched == []  # refreshing asks for row numbers only
    for row in range(0, 10):
        model.data(model.index(row, 1))
    assert fetched == [case_list_model.WINDOW]
    model.data(model.index(299, 1))
    assert fetched == [case_list_model.WINDOW, 300 - case_list_model.WINDOW]


def test_colour_filter_shows_only_that_colour_and_matches_the_counts(demo_desk: Desk) -> None:
    model = CaseListModel(demo_desk)
    model.set_filter(CaseFilter(colour="red"))
    red = counts(demo_desk.conn, demo_desk.today())["red"]
    assert model.rowCount() == red > 0
    assert set(texts(model, "colour")) == {"红"}
    icon = model.data(model.index(0, column(model, "colour")), Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QtGui.QIcon) and not icon.isNull()


def test_sorting_by_a_header_re_queries_in_that_order(demo_desk: Desk) -> None:
    model = CaseListModel(demo_desk)
    model.refresh()
    model.sort(column(model, "case_id"), Qt.SortOrder.AscendingOrder)
    ids = texts(model, "case_id")
    assert ids == sorted(ids) and len(ids) == 300
    model.sort(column(model, "case_id"), Qt.SortOrder.DescendingOrder)
    assert texts(model, "case_id") == sorted(ids, reverse=True)
    model.sort(column(model, "days_left"), Qt.SortOrder.AscendingOrder)
    days = [d for d in texts(model, "days_left") if d]
    assert days[0].startswith("逾期"), "the most overdue case comes first"


def test_days_left_reads_overdue_in_red(desk: Desk, now: FakeNow) -> None:
    from tests.conftest import make_draft

    case_id = desk.register_case(make_draft())
    model = CaseListModel(desk)
    model.refresh()
    index = model.index(0, column(model, "days_left"))
    assert model.data(index) == "剩15天"
    now.advance(days=18)
    model.refresh()
    assert model.data(index) == "逾期3天"
    assert model.data(index, Qt.ItemDataRole.ForegroundRole).color().name() == "#c0392b"
    assert model.data(model.index(0, 0)) == "红"
    assert model.data(index, CaseIdRole) == case_id


def test_a_county_list_has_a_station_column(tmp_path: Path, now: FakeNow) -> None:
    county = new_station(tmp_path / "county", "TZX", "台州市某县信访局", "county", now=now)
    generate_demo(county, 20, seed=2)
    model = CaseListModel(county, with_origin=True)
    model.refresh()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[2] == "站点"  # near the front: at the end it was off-screen
    assert set(texts(model, "origin")) == {"台州市某县信访局"}  # the station's name, not its code
    county.close()


def test_the_first_screenful_comes_before_the_whole_order(qtbot, qtmodeltester, demo_desk: Desk) -> None:
    model = CaseListModel(demo_desk)
    emitted: list[int] = []
    model.refreshed.connect(emitted.append)
    model.refresh(first_screen=True)
    assert model.rowCount() == 300 and emitted == []  # the scroll bar is right at once…
    first = texts(model, "case_id")[: case_list_model.WINDOW]
    assert all(first) and model.data(model.index(250, 1)) is None  # …the rows past the first screenful follow
    qtmodeltester.check(model, force_py=True)
    with qtbot.waitSignal(model.refreshed) as blocker:
        model.complete()
    assert blocker.args == [300] and emitted == [300]
    assert texts(model, "case_id")[: case_list_model.WINDOW] == first
    assert model.data(model.index(250, 1)) is not None
