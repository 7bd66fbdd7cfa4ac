"""The supervision windows show what the store holds: colours, figures, backlog by month, the ranking; the
spot-check dialog draws and exports; the common-problems window records a batch on all cases or none."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from app.ops.desk import Desk
from app.ops.spot_check import spot_checks
from app.reports.figures import backlog_by_month, month_range
from app.views.bus import ChangeBus
from app.views.common_problems_view import CommonProblemsView
from app.views.dashboard import Dashboard, count_axis, segments
from app.views.dashboard_models import SORT_ROLE
from app.views.qt import Qt, QtCharts, QtGui, QtWidgets
from app.views.spot_check_dialog import SpotCheckDialog
from tests.conftest import FakeNow, make_draft
from tests.gui_support import make_window


def _close(desk: Desk, case_id: str, rating: str, when: datetime) -> None:
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]}, at=when)
    desk.record(case_id, "accept", {}, at=when)
    desk.record(case_id, "contact", {"note": "电话联系"}, at=when)
    desk.record(case_id, "handle", {"note": "现场核查"}, at=when)
    desk.record(case_id, "feedback", {"reply": "已答复"}, at=when + timedelta(days=2))
    desk.record(case_id, "follow_up", {"rating": rating}, at=when + timedelta(days=3))
    desk.record(case_id, "close", {}, at=when + timedelta(days=3))


@pytest.fixture
def station(desk: Desk, now: FakeNow) -> dict[str, str]:
    """Today 2026-03-02. Open: one red (backlog), one yellow (2 days to its limit), one green. Closed in
    February: one satisfied (农业农村), one dissatisfied (生态环境)."""
    ids = {
        "red": desk.register_case(make_draft(name="甲", backlog=True, leader="陈建平"),
                                  at=datetime(2026, 1, 10, 9, 0)),
        "yellow": desk.register_case(make_draft(name="乙"), at=now() - timedelta(days=13)),
        "green": desk.register_case(make_draft(name="丙")),
        "good": desk.register_case(make_draft(name="丁"), at=datetime(2026, 2, 2, 9, 0)),
        "bad": desk.register_case(make_draft(name="戊", domain="生态环境"), at=datetime(2026, 2, 3, 9, 0)),
    }
    _close(desk, ids["good"], "satisfied", datetime(2026, 2, 4, 9, 0))
    _close(desk, ids["bad"], "dissatisfied", datetime(2026, 2, 5, 9, 0))
    return ids


@pytest.fixture
def dashboard(qtbot: Any, desk: Desk, station: dict[str, str]) -> Dashboard:
    board = Dashboard(desk, ChangeBus(desk))
    qtbot.addWidget(board)
    board.show()
    return board


def test_dashboard_shows_colours_tiles_and_backlog(dashboard: Dashboard, desk: Desk) -> None:
    slices = {s.label(): s.value() for s in dashboard.colour_series.slices()}
    assert slices == {"红 1件": 1.0, "黄 1件": 1.0, "绿 1件": 1.0}
    assert dashboard.colour_chart.title() == "在办及待告知案件督办颜色（共 3 件）"
    assert dashboard.tiles["satisfaction_rate"].text() == "50.00%"
    assert dashboard.tiles["satisfaction_rate:detail"].text() == "1 / 2"
    assert dashboard.tiles["one_time_resolution_rate"].text() == "50.00%"
    assert dashboard.tiles["backlog_clearance_rate"].text() == "0.00%"
    line = dashboard.backlog_line
    assert line is not None and line.count() == 12
    months = month_range(desk.today(), 12)
    expected = [float(open_count) for _m, open_count, _t in backlog_by_month(desk.conn, months)]
    assert [line.at(i).y() for i in range(12)] == expected
    assert expected[-3:] == [1.0, 1.0, 1.0] and expected[0] == 0.0  # registered in January
    [trend] = dashboard.trend_series["satisfaction_rate"]
    assert [(p.x(), p.y()) for p in trend.points()] == [(10.0, 50.0)]  # only February had follow-ups


def test_small_counts_get_whole_number_ticks(dashboard: Dashboard) -> None:
    """One backlog case: the axis is ticked 0, 1, 2 — not 0, 0.25, 0.5 … printed "0 0 0 1 1"."""
    y = next(a for a in dashboard.backlog_chart.axes() if isinstance(a, QtCharts.QValueAxis))
    assert y.tickType() == QtCharts.QValueAxis.TickType.TicksDynamic and y.tickInterval() >= 1
    ticks = [y.min() + i * y.tickInterval() for i in range(int((y.max() - y.min()) / y.tickInterval()) + 1)]
    labels = [y.labelFormat() % t for t in ticks]
    assert labels == ["0", "1", "2"] and len(set(labels)) == len(labels)
    assert count_axis(54).tickInterval() == 20 and count_axis(54).max() == 60
    assert count_axis(6).tickInterval() == 2


def test_a_month_without_data_leaves_a_gap_in_the_trend() -> None:
    assert segments([0.5, None, None, 0.75, 1.0, None]) == [[(0, 0.5)], [(3, 0.75), (4, 1.0)]]
    assert segments([None, None]) == []


def test_trend_lines_break_where_a_month_has_nothing(qtbot: Any, desk: Desk, now: FakeNow) -> None:
    """Follow-ups rated in December and in February, none in January: the satisfaction line stops and starts
    again rather than drawing through January."""
    for month in (12, 2):
        when = datetime(2025 if month == 12 else 2026, month, 3, 9, 0)
        case_id = desk.register_case(make_draft(name=f"甲{month}"), at=when)
        _close(desk, case_id, "satisfied", when)
    board = Dashboard(desk)
    qtbot.addWidget(board)
    board.show()
    lines = board.trend_series["satisfaction_rate"]
    assert [[(p.x(), p.y()) for p in line.points()] for line in lines] == [[(8.0, 100.0)], [(10.0, 100.0)]]
    markers = [m for line in lines for m in board.trend_chart.legend().markers(line)]
    assert [m.isVisible() for m in markers] == [True, False]  # named once in the legend


def test_ranking_table_ranks_and_passes_the_model_tester(dashboard: Dashboard, qtmodeltester: Any) -> None:
    model = dashboard.ranking_model
    qtmodeltester.check(model)
    assert dashboard.by.currentData() == "domain"  # a township ranks its domains (or leaders)
    names = [model.index(r, 1).data() for r in range(model.rowCount())]
    assert names == ["农业农村", "生态环境"]
    column = [c.key for c in model.columns].index("one_time_resolution_rate")
    assert [model.index(r, column).data() for r in range(2)] == ["100.00%", "0.00%"]
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is not None  # first place tinted
    worse = [c.key for c in model.columns].index("dissatisfaction_rate")
    dashboard.ranking.sortByColumn(worse, Qt.SortOrder.AscendingOrder)
    assert model.index(0, 1).data() == "农业农村"  # lower dissatisfaction ranks first
    assert model.index(0, worse).data(SORT_ROLE) == 0.0
    dashboard.by.setCurrentIndex(dashboard.by.findData("leader"))
    assert [model.index(r, 1).data() for r in range(model.rowCount())] == ["陈建平"]
    qtmodeltester.check(model)


def test_dashboard_follows_changes(qtbot: Any, dashboard: Dashboard, desk: Desk,
                                   station: dict[str, str]) -> None:
    with qtbot.waitSignal(dashboard.refreshed, timeout=3000):
        desk.set_backlog(station["green"], True)
    slices = {s.label(): s.value() for s in dashboard.colour_series.slices()}
    assert slices == {"红 2件": 2.0, "黄 1件": 1.0, "绿 0件": 0.0}


def test_spot_check_dialog_draws_exports_and_verifies(qtbot: Any, desk: Desk, station: dict[str, str],
                                                      tmp_path: Path, qtmodeltester: Any) -> None:
    dialog = SpotCheckDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.count.setValue(2)
    dialog.seed.setText("77")
    check = dialog.draw()
    assert check is not None and check.seed == 77
    open_ids = {station["red"], station["yellow"], station["green"]}
    shown = [dialog.model.index(r, 1).data() for r in range(dialog.model.rowCount())]
    assert shown == check.drawn and set(shown) <= open_ids
    assert "随机种子 <b>77</b>" in dialog.summary.text() and "从 3 件未化解案件中" in dialog.summary.text()
    qtmodeltester.check(dialog.model)
    box = dialog.verify_current()
    assert box is not None and "复核通过" in box.text()
    dialog.export(tmp_path / "list.pdf")
    dialog.export(tmp_path / "list.xlsx")
    assert (tmp_path / "list.pdf").read_bytes().startswith(b"%PDF")
    cells = {c for row in load_workbook(tmp_path / "list.xlsx").active.iter_rows(values_only=True) for c in row}
    assert set(check.drawn) <= cells
    dialog.seed.clear()
    dialog.count.setValue(1)
    assert dialog.draw() is not None and "（由当前时间生成）" in dialog.summary.text()
    assert dialog.history.count() == 2
    dialog.backlog_only.setChecked(True)
    dialog.count.setValue(3)
    assert dialog.draw() is not None and dialog.model.rowCount() == 1  # only the backlog case


SMELL = ("前王村附近化工厂夜间排放刺鼻异味，影响村民休息", "前王村附近化工厂夜间排放刺鼻异味，影响老人休息",
         "前王村附近化工厂夜间排放刺鼻异味，要求查处")


def test_common_problems_window_records_a_batch_all_or_nothing(qtbot: Any, desk: Desk,
                                                               qtmodeltester: Any) -> None:
    ids = [desk.register_case(make_draft(name=f"甲{i}", request_summary=text, village="前王村",
                                         domain="生态环境")) for i, text in enumerate(SMELL)]
    for case_id in ids[:2]:
        desk.record(case_id, "dispatch", {"units": ["县生态环境分局"]})
        desk.record(case_id, "accept", {})
        desk.record(case_id, "contact", {"note": "电话联系"})
    bus = ChangeBus(desk)
    view = CommonProblemsView(desk, bus)
    qtbot.addWidget(view)
    view.show()
    assert view.groups_model.rowCount() == 1
    assert view.groups_model.index(0, 0).data() == "3"
    qtmodeltester.check(view.groups_model)
    qtmodeltester.check(view.cases_model)
    assert view.checked_case_ids() == ids[:2]  # the third is not at the handling stage yet: not ticked
    assert view.apply_button.text() == "记入所勾选的 2 件案件"
    # Tick the third by hand: the whole batch is refused, naming it, and nothing is written.
    view.cases_model.setData(view.cases_model.index(2, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    view.text.setPlainText("会同环保部门夜间突击检查")
    before = desk.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert view.apply() is None
    assert ids[2] in view.error.text() and "整批3件均未记录" in view.error.text()
    assert desk.conn.execute("SELECT count(*) FROM events").fetchone()[0] == before
    view.cases_model.setData(view.cases_model.index(2, 0), Qt.CheckState.Unchecked,
                             Qt.ItemDataRole.CheckStateRole)
    with qtbot.waitSignal(view.recorded, timeout=3000) as blocker:
        events = view.apply()
    assert blocker.args == [ids[:2]] and events is not None and len(events) == 2
    assert [desk.case(c).measures for c in ids] == [1, 1, 0]
    assert desk.case(ids[0]).steps[-1].note == "会同环保部门夜间突击检查"
    view.feedback_kind.setChecked(True)  # both now have a measure, so both may be answered
    assert view.checked_case_ids() == ids[:2]


def test_supervise_menu_opens_the_windows(qtbot: Any, desk: Desk, station: dict[str, str]) -> None:
    window = make_window(qtbot, desk)
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    menu = menus["督查(&S)"]
    assert isinstance(menu, QtWidgets.QMenu)
    actions = {a.objectName(): a for a in menu.actions()}
    assert set(actions) == {"supervise_dashboard", "supervise_spot_check", "supervise_common"}
    actions["supervise_dashboard"].trigger()
    board = window.supervise_windows["dashboard"]
    assert isinstance(board, Dashboard) and board.isVisible()
    actions["supervise_dashboard"].trigger()
    assert window.supervise_windows["dashboard"] is board  # shown again, not made twice
    actions["supervise_spot_check"].trigger()
    assert isinstance(window.supervise_windows["spot_check"], SpotCheckDialog)
    assert actions["supervise_dashboard"].shortcut() == QtGui.QKeySequence("Ctrl+Shift+D")


def _answer(qtbot: Any, box: QtWidgets.QMessageBox, yes: bool) -> None:
    button = box.button(QtWidgets.QMessageBox.StandardButton.Yes if yes else QtWidgets.QMessageBox.StandardButton.No)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_spot_check_is_drawn_only_after_a_confirmation_that_names_it(qtbot: Any, desk: Desk,
                                                                        station: dict[str, str]) -> None:
    dialog = SpotCheckDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.count.setValue(2)
    dialog.seed.setText("77")
    qtbot.mouseClick(dialog.draw_button, Qt.MouseButton.LeftButton)
    box = dialog.findChild(QtWidgets.QMessageBox, "confirmBox")
    assert box is not None and box.isVisible()
    assert "随机抽取 2 件" in box.text() and "随机种子 77" in box.text() and "不能撤销" in box.text()
    assert box.defaultButton() is box.button(QtWidgets.QMessageBox.StandardButton.No)  # Enter writes nothing
    _answer(qtbot, box, yes=False)
    assert spot_checks(desk) == []
    qtbot.mouseClick(dialog.draw_button, Qt.MouseButton.LeftButton)
    box = next(b for b in dialog.findChildren(QtWidgets.QMessageBox, "confirmBox") if b.isVisible())
    _answer(qtbot, box, yes=True)
    assert len(spot_checks(desk)) == 1 and dialog.model.rowCount() == 2


def test_a_batch_names_its_cases_before_writing(qtbot: Any, desk: Desk) -> None:
    ids = [desk.register_case(make_draft(name=f"甲{i}", request_summary=text, village="前王村",
                                         domain="生态环境")) for i, text in enumerate(SMELL)]
    for case_id in ids:
        desk.record(case_id, "dispatch", {"units": ["县生态环境分局"]})
        desk.record(case_id, "accept", {})
        desk.record(case_id, "contact", {"note": "电话联系"})
    view = CommonProblemsView(desk, ChangeBus(desk))
    qtbot.addWidget(view)
    view.show()
    view.text.setPlainText("会同环保部门夜间突击检查")
    before = desk.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    qtbot.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
    box = view.findChild(QtWidgets.QMessageBox, "confirmBox")
    assert box is not None and "以下 3 件案件" in box.text() and "会同环保部门夜间突击检查" in box.text()
    assert all(case_id in box.text() for case_id in ids)
    _answer(qtbot, box, yes=False)
    assert desk.conn.execute("SELECT count(*) FROM events").fetchone()[0] == before
    qtbot.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
    box = next(b for b in view.findChildren(QtWidgets.QMessageBox, "confirmBox") if b.isVisible())
    with qtbot.waitSignal(view.recorded, timeout=3000):
        _answer(qtbot, box, yes=True)
    assert [desk.case(c).measures for c in ids] == [1, 1, 1]


def test_colour_is_never_the_only_signal_in_the_charts(qtbot: Any, desk: Desk, station: dict[str, str]) -> None:
    board = Dashboard(desk)
    qtbot.addWidget(board)
    shown = [s for s in board.colour_series.slices() if s.value() > 0]
    assert shown and all(s.isLabelVisible() and s.label()[0] in "红黄绿" for s in shown)
    strokes = {lines[0].pen().style() for lines in board.trend_series.values() if lines}
    assert len(strokes) == len(board.trend_series)  # each trend line drawn its own way, not only its colour
