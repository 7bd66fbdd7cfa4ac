"""A handler's day in the main window: find a case by a 2-character search, move it through the chain with the
detail's buttons and dialogs, attach and open evidence, undo a step, tick 四定四包, see 办结 refused, then allowed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.demo import media
from app.ops.accounts import add_account
from app.ops.desk import Desk
from app.views.checklist_panel import ChecklistPanel, ChecklistRow
from app.views.main_window import MainWindow
from app.views.qt import Qt, QtCore, QtGui, QtWidgets
from app.views.step_dialogs import StepDialog
from tests.conftest import TEST_PASSWORD, make_draft
from tests.gui_support import make_window, open_dialog, press, type_text, use_case_action


@pytest.fixture
def window(qtbot, desk: Desk) -> MainWindow:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, desk)
    yield w
    w.close()


def offered(window: MainWindow) -> set[str]:
    return {name.removeprefix("step_") for name in window.detail.offered_actions() if name.startswith("step_")}


def open_step(qtbot: Any, window: MainWindow, button: str) -> StepDialog:
    use_case_action(qtbot, window, button)
    return open_dialog(window, StepDialog)


def save(qtbot: Any, dialog: StepDialog) -> None:
    with qtbot.waitSignal(dialog.recorded, timeout=3000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def step(qtbot: Any, window: MainWindow, kind: str, **texts: str) -> None:
    dialog = open_step(qtbot, window, f"step_{kind}")
    for key, text in texts.items():
        dialog.page.fields[key].setFocus()
        type_text(dialog.page.fields[key], text)
    save(qtbot, dialog)


def tick(qtbot: Any, window: MainWindow, key: str, note: str) -> ChecklistRow:
    panel = window.findChild(ChecklistPanel, "checklistPanel")
    row = panel.findChild(ChecklistRow, f"checklist_{key}")
    qtbot.mouseClick(row.check, Qt.MouseButton.LeftButton, pos=QtCore.QPoint(8, row.check.height() // 2))
    assert not row.check.isChecked(), "the tick waits for the note"
    dialog = open_dialog(window, StepDialog)
    type_text(dialog.page.fields["note"], note)
    save(qtbot, dialog)
    return row


def search(qtbot: Any, window: MainWindow, text: str) -> None:
    box = window.findChild(QtWidgets.QLineEdit, "caseSearch")
    box.setFocus()
    box.selectAll()
    with qtbot.waitSignal(window.model.refreshed, timeout=3000):
        type_text(box, text)


def test_a_case_goes_from_registration_to_closing(qtbot, window: MainWindow, desk: Desk, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    desk.register_case(make_draft(name="李大海", id_number="", phone="13900139000"))
    case_id = desk.register_case(make_draft(name="王小明"))
    desk.register_case(make_draft(name="张三", id_number="", phone="13700137000", village="小明村"))

    # Found by surname and part of the given name: two characters.
    search(qtbot, window, "王小")
    assert window.model.rowCount() == 1
    assert window.model.case_id_at(0) == case_id
    press(window.filters.search, Qt.Key.Key_Down)  # on to the list, first row current
    assert window.current_case_id() == case_id
    assert offered(window) == {"dispatch", "decline"}

    # A leader makes 四定四包 binding.
    dialog = open_step(qtbot, window, "leaderButton")
    dialog.page.set_text("leader", "")
    type_text(dialog.page.fields["leader"], "陈建平（副县长）")
    save(qtbot, dialog)
    assert window.checklist.leader.text() == "包案领导：陈建平（副县长）"

    dispatch = open_step(qtbot, window, "step_dispatch")
    assert dispatch.page.value("unit1") == "镇农业农村办"  # the authority unit, filled in
    save(qtbot, dispatch)
    assert window.detail.status.text() == "已派发"
    step(qtbot, window, "accept", note="予以受理")
    step(qtbot, window, "contact", note="电话联系信访人，约定上门")
    assert offered(window) >= {"handle", "extend", "terminate"}

    # A mistaken step is undone with a reason; the timeline keeps it, struck through.
    undo = open_step(qtbot, window, "annulButton")
    assert "联系信访人" in undo.findChild(QtWidgets.QLabel, "annulTarget").text()
    type_text(undo.page.fields["reason"], "误录")
    save(qtbot, undo)
    assert window.detail.status.text() == "已受理"
    labels = [window.detail.timeline_model.data(window.detail.timeline_model.index(r, 1))
              for r in range(window.detail.timeline_model.rowCount())]
    assert "联系信访人（已撤销）" in labels
    step(qtbot, window, "contact", note="上门走访")

    # A measure with a photo; the photo opens from the timeline.
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(media.png(20, 10, (200, 40, 40)))
    handle = open_step(qtbot, window, "step_handle")
    type_text(handle.page.fields["note"], "组织施工队修复路面")
    handle.page.fields["files"].add_files([photo])
    save(qtbot, handle)
    assert window.detail.evidence.item(0).text() == "现场照片.png（照片）"
    opened: list[QtCore.QUrl] = []
    monkeypatch.setattr(QtGui.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window.detail.evidence.setCurrentRow(0)
    qtbot.keyClick(window.detail.evidence, Qt.Key.Key_Return)
    assert Path(opened[0].toLocalFile()).read_bytes() == photo.read_bytes()

    step(qtbot, window, "feedback", reply="路面已修复，答复信访人")
    follow = open_step(qtbot, window, "step_follow_up")
    follow.page.fields["rating"].setCurrentIndex(0)  # 满意
    save(qtbot, follow)
    assert offered(window) >= {"close"}

    # 办结 is refused while 四定四包 is open: the reason names what is missing, the override is offered.
    tick(qtbot, window, "fix_leader", "陈建平副县长包案")
    close = open_step(qtbot, window, "step_close")
    type_text(close.page.fields["note"], "已化解")
    qtbot.mouseClick(close.save_button, Qt.MouseButton.LeftButton)
    assert close.isVisible()
    assert "1/8" in close.error.text()
    assert "未完成：定措施、定时间、定责任、包统筹、包协调、包疏导、包化解" in close.error.text()
    assert close.page.approval_box is not None and close.page.approval_box.isVisible()
    close.reject()
    assert desk.case(case_id).status == "followed_up"

    for key, note in (("fix_measures", "修复道路"), ("fix_deadline", "3月底前"), ("fix_responsibility", "镇农业农村办"),
                      ("own_planning", "镇统筹"), ("own_coordination", "协调交通站"), ("own_counselling", "上门疏导"),
                      ("own_resolution", "已化解")):
        row = tick(qtbot, window, key, note)
        assert row.check.isChecked() and row.note.text() == note and "张丽" in row.meta.text()
    assert window.checklist.count.text() == "8/8"

    step(qtbot, window, "close", note="已化解，予以销号")
    assert desk.case(case_id).status == "closed"
    assert window.detail.status.text() == "已办结"
    assert offered(window) >= {"request_review"} and "close" not in offered(window)
    assert case_id not in [window.model.case_id_at(r) for r in range(window.model.rowCount())]  # in hand only
    with qtbot.waitSignal(window.model.refreshed):
        window.views.choose("all")
    status_column = window.model.columns.index("status")
    row = next(r for r in range(window.model.rowCount()) if window.model.case_id_at(r) == case_id)
    assert window.model.data(window.model.index(row, status_column)) == "已办结"


def test_a_leader_approves_closing_with_the_checklist_open_by_typing_their_password(
        qtbot, window: MainWindow, desk: Desk) -> None:
    add_account(desk, "linht", "leader", TEST_PASSWORD, display="林海涛")
    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    case_id = desk.register_case(make_draft(backlog=True, leader="林海涛（县委常委）"))
    for kind, payload in (("dispatch", {"units": ["新河镇", "市农业农村局"]}), ("accept", {}),
                          ("contact", {"note": "走访"}), ("handle", {"note": "协调"}), ("feedback", {"reply": "答复"}),
                          ("follow_up", {"rating": "satisfied"})):
        desk.record(case_id, kind, payload)
    desk.sign_in("lina")  # a handler at the keyboard
    window.select_case(case_id)
    close = open_step(qtbot, window, "step_close")
    qtbot.mouseClick(close.save_button, Qt.MouseButton.LeftButton)
    assert "0/8" in close.error.text() and "须经领导批准" in close.error.text()
    box = close.page.approval_box
    assert box is not None and box.isVisible()
    type_text(box.account, "linht")
    type_text(box.password, "not-his-password")
    type_text(box.reason, "已息访三个月，同意销号")
    qtbot.mouseClick(close.save_button, Qt.MouseButton.LeftButton)
    assert close.isVisible() and close.error.text() == "批准未通过：账号“linht”的密码不正确"
    assert desk.case(case_id).status == "followed_up" and box.password.text() == ""
    type_text(box.password, TEST_PASSWORD)
    save(qtbot, close)
    notes = [window.detail.timeline_model.data(window.detail.timeline_model.index(r, 5))
             for r in range(window.detail.timeline_model.rowCount())]
    assert any("林海涛（linht）批准：已息访三个月，同意销号" in n for n in notes)
    closing = desk.events(case_id)[-1]
    assert closing.actor == "李娜（lina）" and closing.payload["approval"]["account"] == "linht"


def test_the_toolbar_close_explains_why_a_case_cannot_be_closed_yet(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    window.select_case(case_id)
    assert not window.close_action.isEnabled()
    assert "现在不能办结：案件当前状态为“已登记”，不能进行“办结销号”" in window.close_action.toolTip()
    for kind, payload in (("dispatch", {"units": ["镇农业农村办"]}), ("accept", {"unit": "镇农业农村办"}),
                          ("contact", {"note": "电话联系"}), ("handle", {"note": "修路"}),
                          ("feedback", {"reply": "已修复"})):
        desk.record(case_id, kind, payload)
    assert not window.close_action.isEnabled()  # answered, not yet visited
    desk.record(case_id, "follow_up", {"rating": "satisfied", "note": "满意"})
    qtbot.waitUntil(window.close_action.isEnabled)
    assert "现在不能办结" not in window.close_action.toolTip()
    window.close_action.trigger()
    assert open_dialog(window, StepDialog).kind == "close"


def test_ctrl_r_offers_the_allowed_steps_next_one_first(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    window.select_case(case_id)
    window.case_list.setFocus()
    qtbot.keyClick(window.case_list, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = open_dialog(window, StepDialog)
    kinds = [dialog.kind_combo.itemText(i) for i in range(dialog.kind_combo.count())]
    # The next step first; 派发, just recorded, last: saving the form untouched accepts, never dispatches again.
    assert kinds == ["受理", "异议退回", "不予受理", "派发"]
    save(qtbot, dialog)
    assert desk.case(case_id).status == "accepted"
    assert [s.kind for s in desk.case(case_id).steps].count("dispatch") == 1


def test_an_inline_refusal_keeps_the_dialog_open(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    window.select_case(case_id)
    decline = open_step(qtbot, window, "step_decline")
    qtbot.mouseClick(decline.save_button, Qt.MouseButton.LeftButton)
    assert decline.isVisible() and decline.error.text() == "请填写不予受理的理由"
    assert desk.case(case_id).status == "registered"


def test_a_unit_objects_to_a_dispatched_case_and_it_goes_back_to_be_dispatched(qtbot, window: MainWindow,
                                                                               desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    window.select_case(case_id)
    assert {"accept", "object", "decline"} <= offered(window)
    # Dispatched Monday 2 March: the unit may object until Monday 9 March (five working days).
    assert "单位异议期限：2026-03-09（派发后5个工作日）" in window.detail.deadline.text()
    dialog = open_step(qtbot, window, "step_object")
    assert dialog.page.value("unit") == "镇农业农村办"  # the unit it was dispatched to, filled in
    type_text(dialog.page.fields["reason"], "道路属县交通局管养，不属本单位职责")
    save(qtbot, dialog)
    assert window.detail.status.text() == "异议待审"  # the routing office agrees or refuses
    assert offered(window) == {"agree_objection", "refuse_objection"}
    step(qtbot, window, "agree_objection", reason="经核属县交通局职责")
    assert window.detail.status.text() == "已登记"
    assert "dispatch" in offered(window)
    labels = [window.detail.timeline_model.data(window.detail.timeline_model.index(r, 1))
              for r in range(window.detail.timeline_model.rowCount())]
    assert labels[-2:] == ["异议退回", "同意异议"]


def test_a_step_is_dated_when_it_happened_and_not_later_than_now(qtbot, window: MainWindow, desk: Desk,
                                                                  now) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(make_draft(), at=datetime(2026, 2, 25, 9, 0))
    now.advance(hours=1)
    window.select_case(case_id)
    dialog = open_step(qtbot, window, "step_dispatch")
    assert dialog.when_row.isVisible()
    type_text(dialog.page.fields["unit1"], "镇农业农村办")
    maximum = dialog.when_edit.maximumDateTime().toPython()
    assert maximum.date().isoformat() == "2026-03-02"  # a date in the future cannot be picked
    dialog.when_edit.setDateTime(QtCore.QDateTime(datetime(2026, 2, 26, 15, 0)))
    save(qtbot, dialog)
    dispatched = desk.events(case_id)[-1]
    assert dispatched.at == "2026-02-26T15:00:00" and dispatched.payload["entered_at"] == "2026-03-02T10:00:00"
    model = window.detail.timeline_model
    qtbot.waitUntil(lambda: model.rowCount() == 2)
    assert model.data(model.index(1, 0)) == "2026-02-26 15:00"
    assert model.data(model.index(1, 5)).endswith("（2026-03-02 10:00录入）")
