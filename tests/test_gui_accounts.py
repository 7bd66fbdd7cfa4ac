"""The 账号 menu: locking (only the account's password opens it), 切换用户, and 用户管理 for admins."""

from __future__ import annotations

from app.ops.accounts import add_account
from app.ops.desk import Desk
from app.views import account_menu
from app.views.qt import QtWidgets
from tests.conftest import ADMIN, TEST_PASSWORD, login, make_draft
from tests.gui_support import make_window


def test_a_locked_window_hides_the_cases_until_the_accounts_password(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    desk.register_case(make_draft())
    window = make_window(qtbot, desk)
    window.account_actions["lock"].trigger()
    assert window.locked and not window.centralWidget().isVisible()
    dialog = window.unlock_dialog
    assert dialog.user.text() == ADMIN and dialog.user.isReadOnly()
    dialog.password.setText("not-the-password")
    dialog.log_in()
    assert dialog.isVisible() and "密码不正确" in dialog.error.text() and not window.centralWidget().isVisible()
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.waitSignal(dialog.finished):
        dialog.log_in()
    assert not window.locked and window.centralWidget().isVisible()


def test_switching_user_names_the_new_account_on_the_next_steps(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    window = make_window(qtbot, desk)
    dialog = account_menu.switch(window)
    dialog.user.setText("lina")
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        dialog.log_in()
    assert desk.actor == "李娜（lina）"
    case_id = desk.register_case(make_draft())
    assert desk.events(case_id)[0].actor == "李娜（lina）"
    window.menuBar().findChild(QtWidgets.QMenu, "accountMenu").aboutToShow.emit()
    users = window.account_actions["users"]
    assert not users.isEnabled() and "无权管理账号：需要管理员账号登录操作" in users.toolTip(), "用户管理 is for admins"


def test_user_management_adds_an_account_and_refuses_what_the_rules_refuse(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    window = make_window(qtbot, desk)
    dialog = account_menu.manage_users(window)
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 0).text() == ADMIN
    dialog._do(lambda: add_account(desk, "lina", "handler", "short", display="李娜"))
    assert dialog.error.text() == "密码至少8个字符"
    dialog._do(lambda: add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜"))
    assert dialog.table.rowCount() == 2 and dialog.table.item(1, 2).text() == "经办人"
    dialog.table.setCurrentCell(0, 0)
    dialog._do(lambda: account_menu.accounts.set_role(desk, dialog.chosen(), "handler"))
    assert "唯一的管理员" in dialog.error.text()


def test_changing_ones_own_password_asks_for_the_current_one(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    window = make_window(qtbot, desk)
    form = account_menu.own_password(window)
    form.current.setText("not-mine")
    form.password.setText("a-new-password")
    form.submit()
    assert form.isVisible() and "密码不正确" in form.error.text()
    form.current.setText(TEST_PASSWORD)
    with qtbot.waitSignal(form.accepted):
        form.submit()
    login(desk.data_dir, ADMIN, "a-new-password").close()


def test_my_open_cases_are_the_signed_in_accounts_and_follow_switching_user(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    """我的在办: the open cases the signed-in account registered or recorded a step of, by login name; 切换用户
    changes the list at once."""
    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    add_account(desk, "xlina", "handler", TEST_PASSWORD, display="李娜")  # same display name, another account
    admins = desk.register_case(make_draft(name="王小明"))
    window = make_window(qtbot, desk)
    with qtbot.waitSignal(window.model.refreshed):
        window.views.buttons["mine"].click()
    shown = lambda: {window.model.case_id_at(r) for r in range(window.model.rowCount())}  # noqa: E731
    assert shown() == {admins}

    dialog = account_menu.switch(window)
    dialog.user.setText("lina")
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.waitSignal(window.model.refreshed):
        dialog.log_in()
    assert window.views.buttons["mine"].isChecked() and shown() == set()  # lina has no case yet
    linas = desk.register_case(make_draft(name="李四"))
    desk.record(admins, "dispatch", {"units": ["镇农业农村办"]})  # a step on the admin's case makes it hers too
    qtbot.waitUntil(lambda: shown() == {linas, admins})

    desk.sign_in("xlina")  # the other 李娜: her events read 李娜（xlina）, not 李娜（lina）
    window.filters.reapply()
    qtbot.waitUntil(lambda: shown() == set())
    desk.sign_in(ADMIN)
    window.filters.reapply()
    qtbot.waitUntil(lambda: shown() == {admins})
    window.close()
