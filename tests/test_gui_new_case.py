"""Registering a case through the new-case dialog, as a handler types it: Chinese text, checks as you type,
earlier cases of the same person and the 事不过二 warning."""

from __future__ import annotations

import pytest

from app.ops.desk import Desk
from app.views.main_window import MainWindow
from app.views.new_case_dialog import NewCaseDialog
from app.views.qt import Qt, QtCore, QtWidgets
from tests.conftest import VALID_ID, VALID_PHONE, make_draft
from tests.gui_support import make_window, press, type_text


@pytest.fixture
def window(qtbot, desk: Desk) -> MainWindow:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, desk)
    yield w
    w.close()


def fill(dialog: NewCaseDialog, name: str = "王小明", id_number: str = VALID_ID, phone: str = VALID_PHONE,
         summary: str = "东岙村道路破损多年，要求修复") -> None:
    person = dialog.people[-1]
    type_text(person.name, name)
    type_text(person.id_number, id_number)
    type_text(person.phone, phone)
    type_text(person.address, "新河镇东岙村12号")
    dialog.summary.setFocus()
    type_text(dialog.summary, summary)


def test_a_case_typed_in_chinese_is_registered_and_shown(qtbot, window: MainWindow, desk: Desk) -> None:
    dialog = window.new_case()
    assert dialog.focusWidget() is dialog.people[0].name  # typing starts with the name
    assert not dialog.save_button.isEnabled()
    assert "信访人姓名" in dialog.missing.text() and "诉求" in dialog.missing.text()
    fill(dialog)
    dialog.domain.setCurrentText("农业农村")
    type_text(dialog.township, "新河镇")
    type_text(dialog.village, "东岙村")
    type_text(dialog.authority_unit, "镇农业农村办")
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(dialog.registered) as blocker:
        press(dialog.authority_unit, Qt.Key.Key_Return)  # Enter saves
    case_id = blocker.args[0]
    state = desk.case(case_id)
    assert state.petitioners[0].name == "王小明"
    assert state.request_summary == "东岙村道路破损多年，要求修复"
    assert (state.domain, state.township, state.village) == ("农业农村", "新河镇", "东岙村")
    # The list shows it at the top and the detail shows it, ID number in full.
    assert window.model.case_id_at(0) == case_id
    assert window.current_case_id() == case_id
    assert VALID_ID in window.detail.values["petitioners"].text()
    assert window.detail.title.text() == case_id


def test_a_wrong_check_character_is_named_and_blocks_saving(qtbot, window: MainWindow) -> None:
    dialog = window.new_case()
    fill(dialog, id_number=VALID_ID[:17] + "5")
    person = dialog.people[0]
    assert person.id_error.text() == "身份证号校验位错误：应为X，实为5"
    assert person.id_number.property("invalid") is True
    assert not dialog.save_button.isEnabled()
    person.id_number.setText(VALID_ID[:17] + "x")  # lower-case x is accepted
    assert person.id_error.text() == ""
    assert dialog.save_button.isEnabled()


def test_a_short_phone_number_is_named_and_blocks_saving(window: MainWindow) -> None:
    dialog = window.new_case()
    fill(dialog, phone="1380013800")
    assert dialog.people[0].phone_error.text() == "手机号应为11位，现为10位"
    assert not dialog.save_button.isEnabled()
    type_text(dialog.people[0].phone, "0")
    assert dialog.people[0].phone_error.text() == ""
    assert dialog.save_button.isEnabled()


def test_earlier_cases_are_shown_and_a_third_round_warns(qtbot, window: MainWindow, desk: Desk) -> None:
    first = desk.register_case(make_draft())
    second = desk.register_case(make_draft(repeat_of=[first]))
    desk.register_case(make_draft(name="李四", id_number="", phone="13900139000"))
    dialog = window.new_case()
    fill(dialog)
    assert dialog.earlier_case_ids() == [first, second]
    assert not dialog.warning.isVisible()
    dialog.set_linked(first)
    assert dialog.warning.text() == "重复信访（第2次）"
    dialog.set_linked(first, linked=False)
    dialog.set_linked(second)  # the second round alone: the first round before it still counts
    assert "事不过二" in dialog.warning.text() and "第3次" in dialog.warning.text()
    with qtbot.waitSignal(dialog.registered) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    state = desk.case(blocker.args[0])
    assert sorted(state.repeat_of) == [first, second]
    assert "事不过二" in window.detail.warning.text()


def test_earlier_cases_are_found_by_name_and_phone_without_an_id_number(window: MainWindow, desk: Desk) -> None:
    earlier = desk.register_case(make_draft(name="李四", id_number="", phone="13900139000"))
    dialog = window.new_case()
    fill(dialog, name="李四", id_number="", phone="13900139000")
    assert dialog.earlier_case_ids() == [earlier]


def test_a_second_petitioner_can_be_added(qtbot, window: MainWindow, desk: Desk) -> None:
    dialog = window.new_case()
    fill(dialog)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert len(dialog.people) == 2 and dialog.people[1].title() == "信访人2"
    assert not dialog.save_button.isEnabled(), "the second person has no name yet"
    type_text(dialog.people[1].name, "王大明")
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(dialog.registered) as blocker:
        dialog.save()
    assert desk.case(blocker.args[0]).petitioner_names() == "王小明、王大明"


def test_tab_goes_through_the_form_in_reading_order(window: MainWindow) -> None:
    dialog = window.new_case()
    person = dialog.people[0]
    order = [person.name]
    widget: QtWidgets.QWidget = person.name
    for _ in range(5):
        widget = widget.nextInFocusChain()
        while widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            widget = widget.nextInFocusChain()
        order.append(widget)
    assert order[1:] == [person.id_number, person.phone, person.address, dialog.add_button, dialog.summary]


def test_a_letter_received_earlier_is_registered_on_its_received_date(qtbot, window: MainWindow, desk: Desk,
                                                                       now) -> None:  # type: ignore[no-untyped-def]
    now.advance(days=3)
    dialog = window.new_case()
    fill(dialog)
    assert dialog.received.dateTime().toPython().date().isoformat() == "2026-03-05"
    dialog.received.setFocus()
    dialog.received.setSelectedSection(QtWidgets.QDateTimeEdit.Section.DaySection)
    for _ in range(3):
        press(dialog.received, Qt.Key.Key_Down)
    with qtbot.waitSignal(dialog.registered) as blocker:
        dialog.save()
    event = desk.events(blocker.args[0])[0]
    assert event.at == "2026-03-02T09:00:00" and event.payload["entered_at"] == "2026-03-05T09:00:00"


def test_an_earlier_case_settled_by_re_review_is_marked(qtbot, window: MainWindow, desk: Desk,
                                                        now) -> None:  # type: ignore[no-untyped-def]
    from tests.test_limits_table import settled_matter

    earlier = settled_matter(desk, now)
    dialog = window.new_case()
    fill(dialog)
    assert dialog.earlier_case_ids() == [earlier]
    assert "（已复核：同一事实和理由应不再受理）" in dialog.earlier.item(0).text()


def test_with_three_petitioners_on_a_small_screen_the_warning_and_save_stay_in_view(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                                                   desk: Desk) -> None:
    """At 150 % on a 1366×768 laptop the dialog is at most 1280×720 logical: the form scrolls, and the earlier
    cases found, the 事不过二 warning and 保存 stay below it in view; Alt+E scrolls to the earlier cases."""
    first = desk.register_case(make_draft())
    second = desk.register_case(make_draft(repeat_of=[first]))
    dialog = window.new_case()
    dialog.resize(700, 620)  # what fits a 1280×720 screen with its title bar and task bar
    type_text(dialog.add_person().name, "王大明")
    third = dialog.add_person()
    type_text(third.name, "王小明")
    type_text(third.id_number, VALID_ID)
    type_text(dialog.people[0].name, "李四")
    type_text(dialog.summary, "道路破损")
    assert dialog.earlier_case_ids() == [first, second]
    assert dialog.found.isVisible() and "既往案件 2 件" in dialog.found.text()
    scroll = dialog.form_scroll
    scroll.verticalScrollBar().setValue(0)  # back at the top, where the handler typed the first person
    qtbot.waitUntil(lambda: not scroll.viewport().rect().contains(  # laid out: the list is below the fold
        dialog.earlier.mapTo(scroll.viewport(), dialog.earlier.rect().topLeft())))
    press(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: scroll.viewport().rect().contains(
        dialog.earlier.mapTo(scroll.viewport(), dialog.earlier.rect().center())))
    dialog.set_linked(second)
    inside = dialog.rect()
    for widget in (dialog.found, dialog.warning, dialog.save_button):
        assert widget.isVisible() and inside.contains(QtCore.QRect(widget.mapTo(dialog, QtCore.QPoint(0, 0)),
                                                                   widget.size())), widget.objectName()
    assert "事不过二" in dialog.warning.text() and dialog.save_button.isEnabled()
    with qtbot.waitSignal(dialog.registered) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert desk.case(blocker.args[0]).petitioner_names() == "李四、王大明、王小明"
