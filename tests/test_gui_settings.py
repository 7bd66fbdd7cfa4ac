"""本站设置 from the 文件 menu: the handler's name, time limits (the lights change at once), holidays and make-up
workdays chosen with a date field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.models.deadlines import TimeLimits
from app.ops.accounts import add_account
from app.ops.desk import Desk
from app.views.main_window import MainWindow
from app.views.qt import Qt, QtCore, QtWidgets
from app.views.settings_dialog import DateList, SettingsDialog
from tests.conftest import TEST_PASSWORD, FakeNow, make_draft
from tests.gui_support import make_window, open_dialog, press


@pytest.fixture
def window(qtbot, desk: Desk) -> MainWindow:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, desk)
    yield w
    w.close()


def open_settings(window: MainWindow) -> SettingsDialog:
    file_menu = window.findChild(QtWidgets.QMenu, "fileMenu")
    action = next(a for a in file_menu.actions() if a.objectName() == "stationSettings")
    assert action.text() == "本站设置…"
    action.trigger()
    return open_dialog(window, SettingsDialog)


def colour_of(window: MainWindow, case_id: str) -> str:
    row = next(r for r in range(window.model.rowCount()) if window.model.case_id_at(r) == case_id)
    return str(window.model.data(window.model.index(row, window.model.columns.index("colour"))))


def add_date(qtbot: Any, dates: DateList, day: date) -> None:
    dates.date_edit.setDate(QtCore.QDate(day.year, day.month, day.day))
    qtbot.mouseClick(dates.add_button, Qt.MouseButton.LeftButton)


def shown_dates(dates: DateList) -> list[str]:
    return [dates.list.item(i).text() for i in range(dates.list.count())]


def test_a_seven_day_feedback_rule_turns_an_accepted_case_yellow_then_red(qtbot, window: MainWindow, desk: Desk,
                                                                          now: FakeNow) -> None:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "accept", {})
    desk.notify(case_id, "受理", "当面")
    now.advance(days=5)
    with qtbot.waitSignal(window.model.refreshed):
        window.refresh_action.trigger()
    window.select_case(case_id)
    assert colour_of(window, case_id) == "绿"  # 60 days to reply

    dialog = open_settings(window)
    spin = dialog.spins["local_feedback_days"]
    assert not dialog.local_on.isChecked() and not spin.isEnabled()
    qtbot.mouseClick(dialog.local_on, Qt.MouseButton.LeftButton, pos=QtCore.QPoint(6, dialog.local_on.height() // 2))
    assert spin.isEnabled()
    spin.setValue(7)
    with qtbot.waitSignal(window.model.refreshed):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert colour_of(window, case_id) == "黄"
    assert window.detail.deadline.text() == ("反馈期限：2026-03-09（本地时限）（剩2天）\n"
                                             "办理答复期限：2026-05-01（剩55天）")  # both, the nearer first

    now.advance(days=3)
    with qtbot.waitSignal(window.model.refreshed):
        window.refresh_action.trigger()
    assert colour_of(window, case_id) == "红"
    assert window.detail.deadline.text().startswith("反馈期限：2026-03-09（本地时限）（逾期1天）\n")


def test_only_an_admin_saves_the_station_settings(qtbot, window: MainWindow, desk: Desk) -> None:
    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    desk.sign_in("lina")
    dialog = open_settings(window)
    dialog.spins["handle_days"].setValue(30)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error.text() == "当前账号“李娜（lina）”是经办人，无权修改本站设置：需要管理员账号登录操作"
    assert desk.limits.handle_days == TimeLimits().handle_days


def test_holidays_and_make_up_workdays(qtbot, window: MainWindow, desk: Desk) -> None:
    dialog = open_settings(window)
    assert shown_dates(dialog.holidays) == ["未设置"]
    for day in (date(2026, 10, 2), date(2026, 10, 1), date(2026, 10, 1), date(2026, 10, 5)):
        add_date(qtbot, dialog.holidays, day)
    assert shown_dates(dialog.holidays) == ["2026-10-01 周四", "2026-10-02 周五", "2026-10-05 周一"]
    add_date(qtbot, dialog.makeup, date(2026, 10, 8))
    assert dialog.error.text() == "调休上班日应为周六或周日：2026-10-08 周四"
    add_date(qtbot, dialog.makeup, date(2026, 10, 10))
    assert dialog.error.isHidden()
    assert shown_dates(dialog.makeup) == ["2026-10-10 周六"]
    add_date(qtbot, dialog.holidays, date(2026, 10, 10))
    assert dialog.error.text() == "2026-10-10 已在“调休上班日（周末上班）”中，不能同时设为两种"
    assert len(shown_dates(dialog.holidays)) == 3

    dialog.holidays.list.setCurrentRow(2)  # 10-05: a mistake, taken out with Delete
    press(dialog.holidays.list, Qt.Key.Key_Delete)
    assert shown_dates(dialog.holidays) == ["2026-10-01 周四", "2026-10-02 周五"]
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert desk.limits.holidays == ("2026-10-01", "2026-10-02")
    assert desk.limits.makeup_workdays == ("2026-10-10",)
    again = open_settings(window)
    assert shown_dates(again.makeup) == ["2026-10-10 周六"]
    again.reject()


def test_defaults_come_back_without_touching_the_calendar(qtbot, window: MainWindow, desk: Desk) -> None:
    dialog = open_settings(window)
    dialog.spins["handle_days"].setValue(30)
    dialog.spins["yellow_days"].setValue(5)
    dialog.yellow_percent.setValue(50)
    add_date(qtbot, dialog.holidays, date(2026, 10, 1))
    qtbot.mouseClick(dialog.defaults_button, Qt.MouseButton.LeftButton)
    assert dialog.spins["handle_days"].value() == 60 and dialog.spins["yellow_days"].value() == 3
    assert dialog.yellow_percent.value() == 20
    assert shown_dates(dialog.holidays) == ["2026-10-01 周四"]
    assert dialog.spins["objection_workdays"].suffix() == " 个工作日"


def test_the_domain_list_is_edited_in_the_settings_and_offered_when_registering(qtbot, window: MainWindow,
                                                                              desk: Desk) -> None:
    dialog = open_settings(window)
    assert dialog.domains.toPlainText().splitlines()[-1] == "其他"
    dialog.domains.setPlainText("城乡建设\n生态环境\n")
    with qtbot.waitSignal(dialog.saved) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [["领域"]]
    new_case = window.new_case()
    offered = [new_case.domain.itemText(i) for i in range(new_case.domain.count())]
    assert offered == ["城乡建设", "生态环境", "其他"]
    new_case.reject()
