"""The law's steps in the window: 交办 with its report date, the notice (告知) with its way, an extension with
the leader who approved it, 依法终结 with its ground, 诉求分类, and every running limit in the detail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from app.ops.accounts import add_account
from app.ops.desk import Desk
from app.views.main_window import MainWindow
from app.views.qt import Qt, QtCore, QtWidgets
from app.views.step_dialogs import StepDialog
from tests.conftest import FakeNow, make_draft
from tests.gui_support import make_window, open_dialog, type_text, use_case_action


@pytest.fixture
def window(qtbot, desk: Desk) -> MainWindow:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, desk)
    yield w
    w.close()


def open_button(qtbot: Any, window: MainWindow, name: str) -> StepDialog:
    use_case_action(qtbot, window, name)
    return open_dialog(window, StepDialog)


def choose(dialog: StepDialog, key: str, text: str) -> None:
    combo = dialog.page.fields[key]
    assert isinstance(combo, QtWidgets.QComboBox)
    combo.setCurrentIndex(combo.findText(text))
    assert combo.currentText() == text


def save(qtbot: Any, dialog: StepDialog) -> None:
    with qtbot.waitSignal(dialog.recorded, timeout=3000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def test_assigning_a_case_asks_for_its_report_and_the_detail_shows_both_limits(qtbot, window: MainWindow,
                                                                                desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    window.select_case(case_id)
    dialog = open_button(qtbot, window, "step_dispatch")
    due = dialog.page.fields["due"]
    assert not due.isVisible()  # 转送 by default: no report date
    choose(dialog, "mode", "交办")
    assert due.isVisible()
    assert isinstance(due, QtWidgets.QDateEdit)
    due.setDate(QtCore.QDate(2026, 3, 12))
    save(qtbot, dialog)
    state = desk.case(case_id)
    assert (state.dispatch_mode, state.report_due) == ("assign", "2026-03-12")
    assert window.detail.deadline.text().splitlines() == ["办结报告期限：2026-03-12（剩10天）",
                                                          "告知受理期限：2026-03-17（剩15天）",
                                                          "单位异议期限：2026-03-09（派发后5个工作日）"]
    assert "other_completion_report" in window.detail.offered_actions()


def test_a_notice_is_recorded_with_its_way_and_ends_the_notice_limit(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "accept", {})
    window.select_case(case_id)
    assert window.detail.deadline.text().startswith("告知受理期限：2026-03-17")
    dialog = open_button(qtbot, window, "other_notify")
    notice = dialog.page.fields["notice"]
    assert isinstance(notice, QtWidgets.QComboBox)
    assert [notice.itemText(i) for i in range(notice.count())] == ["受理", "转送"]  # what there is to tell
    choose(dialog, "notice", "受理")
    choose(dialog, "way", "邮寄")
    type_text(dialog.page.fields["document"], "新河信告〔2026〕第1号")
    save(qtbot, dialog)
    assert desk.case(case_id).notices[0]["way"] == "邮寄"
    assert window.detail.deadline.text() == "办理答复期限：2026-05-01（剩60天）"


def test_an_extension_names_the_approving_leader(qtbot, window: MainWindow, desk: Desk, now: FakeNow) -> None:
    add_account(desk, "lizz", "leader", "lizz-password", display="李镇长")
    case_id = desk.register_case(make_draft())
    for kind in ("dispatch", "accept"):
        desk.record(case_id, kind, {"units": ["镇农业农村办"]} if kind == "dispatch" else {})
    window.select_case(case_id)
    dialog = open_button(qtbot, window, "step_extend")
    box = dialog.page.approval_box
    assert box is not None and box.isVisible()
    type_text(dialog.page.fields["reason"], "需第三方鉴定")
    type_text(box.account, "lizz")
    type_text(box.password, "lizz-password")
    type_text(box.reason, "鉴定需时")
    save(qtbot, dialog)
    extend = desk.events(case_id)[-1]
    assert extend.payload["approval"] == {"account": "lizz", "display": "李镇长", "role": "leader",
                                          "reason": "鉴定需时"}
    assert extend.actor == "张丽"


def test_termination_before_a_reply_is_refused_until_a_leader_approves(qtbot, window: MainWindow,
                                                                       desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    for kind in ("dispatch", "accept"):
        desk.record(case_id, kind, {"units": ["镇农业农村办"]} if kind == "dispatch" else {})
    window.select_case(case_id)
    dialog = open_button(qtbot, window, "step_terminate")
    choose(dialog, "ground", "诉求无法律政策依据")
    type_text(dialog.page.fields["reason"], "要求无政策依据")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "尚未书面答复信访人，不能依法终结" in dialog.error.text()
    box = dialog.page.approval_box
    assert box is not None and box.isVisible()
    type_text(box.reason, "经集体研究")  # the admin signed in is a leader too: it approves its own step
    save(qtbot, dialog)
    state = desk.case(case_id)
    assert (state.status, state.termination_ground) == ("terminated", "诉求无法律政策依据")


def test_classifying_a_matter_for_arbitration_offers_the_legal_route(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    window.select_case(case_id)
    dialog = open_button(qtbot, window, "other_classify")
    choose(dialog, "category", "申诉求决")
    choose(dialog, "legal_route", "仲裁")
    save(qtbot, dialog)
    qtbot.waitUntil(lambda: "step_route_legal" in window.detail.offered_actions())
    assert "step_dispatch" in window.detail.offered_actions()  # offered, but refused with the reason
    state = desk.case(case_id)
    assert (state.category, state.legal_route) == ("申诉求决", "仲裁")


def test_a_declined_case_shows_the_notice_it_owes_until_it_is_recorded(qtbot, window: MainWindow,
                                                                         desk: Desk, now: FakeNow) -> None:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "decline", {"reason": "已在诉讼程序中"}, at=now() - timedelta(hours=1))
    window.select_case(case_id)
    assert window.detail.deadline.text() == ("不予受理告知期限：2026-03-17（尚未书面告知信访人，须记录“不予受理告知”）"
                                             "（剩15天）")
    assert "绿" in window.detail.colour.text()
    dialog = open_button(qtbot, window, "other_notify")
    choose(dialog, "notice", "不予受理")
    choose(dialog, "way", "邮寄")
    save(qtbot, dialog)
    # The day of the decision, though 不予受理 has no conclusion date (closed_at).
    assert window.detail.deadline.text() == f"已不予受理，{now().date().isoformat()}"
    assert "绿" not in window.detail.colour.text()


def test_a_day_given_without_its_time_shows_as_a_date_in_the_detail(qtbot, window: MainWindow, desk: Desk,
                                                                     now: FakeNow) -> None:
    from app.models.events import parse_when

    now.advance(days=3)
    case_id = desk.register_case(make_draft(channel="letter"), at=parse_when("2026-03-02", now()))
    window.select_case(case_id)
    assert window.detail.values["registered_at"].text().startswith("2026-03-02　")
    model = window.detail.timeline_model
    assert model.data(model.index(0, 0)) == "2026-03-02"
