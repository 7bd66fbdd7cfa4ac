"""督办 from the window: the detail's button, the 案件 menu and the right-click menu open one dialog that issues a
supervision order with its deadline and the step it asks for, through the same operation as ``supervise``; a
refusal stays in the dialog and records nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.ops.desk import Desk
from app.views.main_window import MainWindow
from app.views.qt import QtCore, QtWidgets
from app.views.supervise_dialog import SuperviseDialog
from tests.conftest import FakeNow, make_draft
from tests.gui_support import make_window, open_dialog, type_text, use_case_action


@pytest.fixture
def window(qtbot, desk: Desk) -> MainWindow:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, desk)
    yield w
    w.close()


def issue(qtbot, dialog: SuperviseDialog) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.issued, timeout=5000):
        dialog.ok.click()


def supervisions(desk: Desk, case_id: str) -> list[dict[str, object]]:
    return [e.payload for e in desk.events(case_id) if e.kind == "supervise"]


def test_the_detail_issues_an_order_whose_deadline_and_step_become_a_limit(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                          desk: Desk, now: FakeNow) -> None:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    window.select_case(case_id)
    use_case_action(qtbot, window, "superviseButton")
    dialog = open_dialog(window, SuperviseDialog)
    steps = [dialog.step.itemData(i) for i in range(dialog.step.count())]
    assert steps[0] == "" and steps[1] == "accept"  # any next step, then what can be done now first
    assert dialog.step.itemText(1) == "受理" and "（以后的步骤）" in dialog.step.itemText(steps.index("close"))
    dialog.step.setCurrentIndex(steps.index("accept"))
    dialog.deadline.setDate(QtCore.QDate(2026, 3, 6))
    type_text(dialog.note, "请限期受理并告知信访人")
    issue(qtbot, dialog)
    assert supervisions(desk, case_id) == [{"deadline": "2026-03-06", "note": "请限期受理并告知信访人",
                                            "step": "accept"}]
    # The order is a limit of the case: on the detail, nearest first, yellow from the day it was given.
    assert window.detail.deadline.text().splitlines()[0] == "督办期限：2026-03-06（剩4天）"
    assert "黄" in window.detail.colour.text()
    now.current = datetime(2026, 3, 7, 9)  # the day after the deadline, the step not recorded: red
    window.detail.reload()
    assert window.detail.deadline.text().splitlines()[0] == "督办期限：2026-03-06（逾期1天）"
    assert "红" in window.detail.colour.text()


def test_the_ordered_step_recorded_ends_the_order(qtbot, window: MainWindow, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(make_draft())
    window.select_case(case_id)
    case_menu = window.menuBar().findChild(QtWidgets.QMenu, "caseMenu")
    assert window.supervise_action in case_menu.actions()  # the 案件 menu holds it
    window.supervise_action.trigger()
    dialog = open_dialog(window, SuperviseDialog)
    dialog.step.setCurrentIndex(dialog.step.findData("dispatch"))
    type_text(dialog.note, "三日内转送")
    issue(qtbot, dialog)
    assert window.detail.deadline.text().startswith("督办期限：2026-03-09")  # a week by default
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    window.select_case(case_id)
    assert "督办" not in window.detail.deadline.text()


def test_a_refused_order_says_why_stays_open_and_records_nothing(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                 desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    window.select_case(case_id)
    use_case_action(qtbot, window, "superviseButton")
    dialog = open_dialog(window, SuperviseDialog)
    dialog.ok.click()  # no request typed
    assert dialog.isVisible() and dialog.error.text() == "请填写督办要求"
    assert supervisions(desk, case_id) == []
    # A past deadline cannot be chosen in the date field; the operation refuses one typed anyway (the command line).
    assert dialog.deadline.minimumDate() == QtCore.QDate(2026, 3, 2)
    dialog.reject()


def test_a_finished_case_is_not_supervised(qtbot, window: MainWindow, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    from app.models.errors import DomainError
    from app.ops import supervision

    case_id = desk.register_case(make_draft())
    desk.record(case_id, "decline", {"reason": "已在诉讼中"})
    window.select_case(case_id)
    assert "superviseButton" not in window.detail.offered_actions()
    box = window.case_actions.supervise(case_id)
    assert isinstance(box, QtWidgets.QMessageBox) and "已不予受理，不能再督办" in box.text()
    box.close()
    with pytest.raises(DomainError, match="已不予受理，不能再督办"):
        supervision.supervise(desk, case_id, "2026-03-20", "请答复")
    assert supervisions(desk, case_id) == []


def test_right_click_offers_the_order(qtbot, window: MainWindow, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(make_draft())
    window.select_case(case_id)
    window.detail.timeline.customContextMenuRequested.emit(QtCore.QPoint(5, 5))
    menu = window.last_menu
    action = next(a for a in menu.actions() if a.objectName() == "superviseCase")
    assert action.text() == "督办…"
    menu.close()
    action.trigger()
    open_dialog(window, SuperviseDialog).reject()


SUPERVISE_REFUSED = "当前账号“李娜（lina）”是经办人，无权下达督办：需要领导或管理员账号登录操作"


def test_only_a_leader_issues_an_order(qtbot, desk: Desk, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A supervision order comes from the county (or a superior) office or a leader (DOMAIN.md): a handler is
    refused in the window (before and after the form) and on the command line, and nothing is written; a leader
    may."""
    from app.models.errors import DomainError
    from app.ops import supervision
    from app.ops.accounts import add_account
    from tests.cli_support import run
    from tests.conftest import TEST_PASSWORD, reopen

    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    add_account(desk, "wangjz", "leader", TEST_PASSWORD, display="王局长")
    case_id = desk.register_case(make_draft())
    handler = reopen(desk, "lina")
    window = make_window(qtbot, handler)
    window.select_case(case_id)
    box = window.case_actions.supervise(case_id)
    assert isinstance(box, QtWidgets.QMessageBox) and box.text() == SUPERVISE_REFUSED
    box.close()
    dialog = SuperviseDialog(handler, case_id, window)  # a dialog left open when the account changed
    dialog.open()
    type_text(dialog.note, "三日内答复")
    dialog.ok.click()
    assert dialog.isVisible() and dialog.error.text() == SUPERVISE_REFUSED
    dialog.reject()
    with pytest.raises(DomainError, match="无权下达督办"):
        supervision.supervise(handler, case_id, "2026-03-20", "请答复")
    window.close()
    handler.close()
    folder = desk.data_dir
    later = "2099-03-20"  # the command line runs on the real clock
    code, _, err = run(capsys, folder, "supervise", case_id, "--deadline", later, "--note", "请答复", user="lina")
    assert code == 1 and SUPERVISE_REFUSED in err
    assert supervisions(desk, case_id) == []
    code, _, err = run(capsys, folder, "supervise", case_id, "--deadline", later, "--note", "请答复", user="wangjz")
    assert code == 0, err
    assert [s["note"] for s in supervisions(reopen(desk), case_id)] == ["请答复"]


def test_a_handler_sees_the_order_greyed_with_the_role_it_needs(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    """督办 stays where a leader finds it (the detail's 更多, the 案件 menu, right-click), greyed for a handler with
    the refusal's words as its tip, as 办结 says what it lacks; after 切换用户 to a leader it is usable at once."""
    from app.ops.accounts import add_account
    from app.views import account_menu
    from tests.conftest import TEST_PASSWORD

    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    add_account(desk, "wangjz", "leader", TEST_PASSWORD, display="王局长")
    case_id = desk.register_case(make_draft())

    def switch_to(window: MainWindow, user: str) -> None:
        dialog = account_menu.switch(window)
        dialog.user.setText(user)
        dialog.password.setText(TEST_PASSWORD)
        with qtbot.waitSignal(dialog.accepted):
            dialog.log_in()

    window = make_window(qtbot, desk)
    switch_to(window, "lina")
    window.select_case(case_id)
    button = window.detail.offered_actions()["superviseButton"]
    assert not button.isEnabled() and button.toolTip().endswith("\n" + SUPERVISE_REFUSED)
    assert window.detail.action_bar.more_menu.toolTipsVisible()
    window.detail.action_bar.more_menu.aboutToShow.emit()
    shown = next(a for a in window.detail.action_bar.more_menu.actions() if a.objectName() == "superviseButton")
    assert not shown.isEnabled()
    assert not window.supervise_action.isEnabled()
    assert window.supervise_action.toolTip().endswith("\n" + SUPERVISE_REFUSED)
    window.detail.timeline.customContextMenuRequested.emit(QtCore.QPoint(5, 5))
    menu = window.last_menu
    assert menu.toolTipsVisible()
    entry = next(a for a in menu.actions() if a.objectName() == "superviseCase")
    assert not entry.isEnabled() and SUPERVISE_REFUSED in entry.toolTip()
    menu.close()
    window.supervise_action.trigger()  # a shortcut or a stale menu still opens nothing
    assert not any(isinstance(w, SuperviseDialog) and w.isVisible() for w in QtWidgets.QApplication.topLevelWidgets())

    switch_to(window, "wangjz")
    button = window.detail.offered_actions()["superviseButton"]
    assert button.isEnabled() and "无权" not in button.toolTip()
    assert window.supervise_action.isEnabled() and "无权" not in window.supervise_action.toolTip()
    use_case_action(qtbot, window, "superviseButton")
    open_dialog(window, SuperviseDialog).reject()
    window.close()
