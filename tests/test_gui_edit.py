"""修改信息 in the main window: correcting a case's fields as a handler types them, one event per changed field,
the timeline reading old → new, nothing recorded when nothing changed; and 包案领导 / 列为积案 from the detail."""

from __future__ import annotations

from typing import Any

import pytest

from app.ops.desk import Desk
from app.views.edit_dialog import EditCaseDialog
from app.views.main_window import MainWindow
from app.views.qt import Qt, QtWidgets
from app.views.step_dialogs import StepDialog
from tests.conftest import VALID_ID, make_draft
from tests.gui_support import make_window, open_dialog, press, type_text, use_case_action


@pytest.fixture
def window(qtbot, desk: Desk) -> MainWindow:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, desk)
    yield w
    w.close()


def open_edit(qtbot: Any, window: MainWindow, case_id: str) -> EditCaseDialog:
    window.select_case(case_id)
    use_case_action(qtbot, window, "editButton")
    return open_dialog(window, EditCaseDialog)


def retype(widget: QtWidgets.QLineEdit | QtWidgets.QPlainTextEdit, text: str) -> None:
    """Select what the field holds and type over it, as a handler would."""
    widget.setFocus()
    widget.selectAll()
    type_text(widget, text)


def notes(window: MainWindow) -> list[tuple[str, str]]:
    model = window.detail.timeline_model
    return [(model.data(model.index(r, 1)), model.data(model.index(r, 5))) for r in range(model.rowCount())]


def edit_events(desk: Desk, case_id: str) -> list[tuple[str, Any]]:
    return [(e.payload["field"], e.payload["value"]) for e in desk.events(case_id) if e.kind == "edit"]


def test_each_changed_field_is_recorded_once_and_read_as_old_to_new(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    dialog = open_edit(qtbot, window, case_id)
    assert dialog.windowTitle() == f"{case_id}：修改信息"
    assert (dialog.village.text(), dialog.people_editor.boxes[0].name.text()) == ("东岙村", "王小明")
    assert dialog.changes.text() == "尚未修改任何内容"

    retype(dialog.village, "西岙村")
    dialog.domain.setCurrentText("教育")
    retype(dialog.people_editor.boxes[0].phone, "13900139000")
    assert dialog.changes.text() == "保存后将修改：领域、村（社区）、信访人"
    with qtbot.waitSignal(dialog.saved) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [3]
    assert not dialog.isVisible()

    assert [f for f, _v in edit_events(desk, case_id)] == ["domain", "village", "petitioners"]
    state = desk.case(case_id)
    assert (state.domain, state.village, state.petitioners[0].phone) == ("教育", "西岙村", "13900139000")
    assert window.detail.values["place"].text() == "新河镇西岙村"
    assert window.detail.values["domain"].text() == "教育"
    assert "13900139000" in window.detail.values["petitioners"].text()
    assert notes(window)[-3:] == [("修改信息", "领域：农业农村 → 教育"), ("修改信息", "村（社区）：东岙村 → 西岙村"),
                                  ("修改信息", "王小明的电话：13800138000 → 13900139000")]


def test_saving_with_nothing_changed_records_nothing(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    window.select_case(case_id)
    window.case_list.setFocus()
    qtbot.keyClick(window.case_list, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # the 案件 menu's shortcut
    dialog = open_dialog(window, EditCaseDialog)
    before = len(desk.events(case_id))
    retype(dialog.village, "东岙村")  # typed again, the same
    assert dialog.changes.text() == "尚未修改任何内容"
    with qtbot.waitSignal(dialog.saved) as saved:
        press(dialog.village, Qt.Key.Key_Return)  # Enter saves
    assert saved.args == [0]
    assert len(desk.events(case_id)) == before


def test_a_wrong_id_number_or_an_empty_summary_blocks_saving(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    dialog = open_edit(qtbot, window, case_id)
    person = dialog.people_editor.boxes[0]
    retype(person.id_number, VALID_ID[:17] + "5")
    assert person.id_error.text() == "身份证号校验位错误：应为X，实为5"
    assert person.id_number.property("invalid") is True
    assert not dialog.save_button.isEnabled()
    assert dialog.changes.text() == "请改正标红的字段"
    dialog.save()  # Enter in another field: refused the same way
    assert dialog.isVisible() and edit_events(desk, case_id) == []

    retype(person.id_number, VALID_ID[:17] + "x")  # lower-case x is fine, and stored upper-case: no change
    dialog.summary.selectAll()
    dialog.summary.textCursor().removeSelectedText()
    assert dialog.changes.text() == "尚需填写：诉求"
    assert not dialog.save_button.isEnabled()


def test_five_visitors_make_a_collective_visit(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    dialog = open_edit(qtbot, window, case_id)
    dialog.head_count.setValue(6)
    assert dialog.changes.text() == "保存后将修改：集体访、人数"
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    assert window.detail.values["channel"].text() == "来访　6人（集体访）"
    assert ("修改信息", "集体访：否 → 是") in notes(window)


def test_a_petitioner_added_and_removed_reads_by_name(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    dialog = open_edit(qtbot, window, case_id)
    qtbot.mouseClick(dialog.people_editor.add_button, Qt.MouseButton.LeftButton)
    second = dialog.people_editor.boxes[1]
    assert second.title() == "信访人2" and not dialog.save_button.isEnabled()
    type_text(second.name, "王大明")
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert desk.case(case_id).petitioner_names() == "王小明、王大明"

    dialog = open_edit(qtbot, window, case_id)
    qtbot.mouseClick(dialog.people_editor.boxes[1].remove, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    assert [n for _k, n in notes(window)[-2:]] == ["信访人：王小明 → 王小明、王大明", "信访人：王小明、王大明 → 王小明"]


def test_a_change_that_arrived_meanwhile_is_not_undone(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    dialog = open_edit(qtbot, window, case_id)
    desk.edit(case_id, "village", "北岙村")  # e.g. a sync import while the dialog is open
    dialog.domain.setCurrentText("教育")
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save()
    assert saved.args == [1]
    assert (desk.case(case_id).village, desk.case(case_id).domain) == ("北岙村", "教育")


def test_leader_and_backlog_from_the_detail(qtbot, window: MainWindow, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    window.select_case(case_id)
    use_case_action(qtbot, window, "leaderButton")
    dialog = open_dialog(window, StepDialog)
    type_text(dialog.page.fields["leader"], "陈建平（副县长）")
    with qtbot.waitSignal(dialog.recorded):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert window.detail.values["leader"].text() == "陈建平（副县长）"
    assert window.checklist.leader.text() == "包案领导：陈建平（副县长）"

    use_case_action(qtbot, window, "backlogButton")
    box = open_dialog(window, QtWidgets.QMessageBox)
    assert box.text() == f"将案件 {case_id} 列为积案？此操作会记入办理过程。"
    with qtbot.waitSignal(window.model.refreshed):
        qtbot.mouseClick(box.button(QtWidgets.QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    assert desk.case(case_id).backlog
    assert window.detail.values["leader"].text() == "陈建平（副县长）　积案"
    assert window.detail.offered_actions()["backlogButton"].text() == "取消积案"
    colour = window.model.columns.index("colour")
    assert window.model.case_id_at(0) == case_id
    assert window.model.data(window.model.index(0, colour)) == "红"
    assert notes(window)[-2:] == [("设定包案领导", "陈建平（副县长）"), ("设定积案", "列为积案")]


def test_the_edit_action_needs_a_case(qtbot, desk: Desk) -> None:
    window = make_window(qtbot, desk)  # an empty station: nothing chosen
    assert not window.edit_action.isEnabled()
    box = window.case_actions.edit(None)
    assert isinstance(box, QtWidgets.QMessageBox) and box.text() == "请先在列表中选择一件案件"
    window.close()
