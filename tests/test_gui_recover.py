"""忘记密码 in the login dialog: the recovery key sets a new password for an admin and logs it in; a wrong key, a
handler's account or two different new passwords are refused in Chinese and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops.accounts import add_account
from app.views.login_dialog import LoginDialog
from app.views.qt import QtWidgets
from app.views.recover_dialog import RecoverDialog
from tests.conftest import ADMIN, TEST_PASSWORD, login, new_station

NEW_PASSWORD = "a-new-password"


@pytest.fixture
def station(tmp_path: Path) -> tuple[Path, str]:
    """A closed station with a handler besides its admin; its folder and recovery key."""
    desk = new_station(tmp_path / "station")
    add_account(desk, "王经办", "handler", TEST_PASSWORD)
    recovery_key = desk.recovery_key  # type: ignore[attr-defined]
    desk.close()
    return tmp_path / "station", recovery_key


def _fill(dialog: RecoverDialog, key: str, admin: str, password: str, again: str | None = None) -> None:
    dialog.key.setText(key)
    dialog.admin.setText(admin)
    dialog.password.setText(password)
    dialog.again.setText(password if again is None else again)


def test_the_recovery_key_sets_a_new_admin_password_from_the_login_dialog(qtbot, station: tuple[Path, str]) -> None:  # type: ignore[no-untyped-def]
    folder, recovery_key = station
    login_dialog = LoginDialog(folder)
    qtbot.addWidget(login_dialog)
    login_dialog.user.setText(ADMIN)
    forgot = login_dialog.findChild(QtWidgets.QPushButton, "forgotPassword")
    assert forgot is not None and forgot.text() == "忘记密码(&F)…"
    forgot.click()
    dialog = login_dialog.findChild(RecoverDialog, "recoverDialog")
    assert dialog is not None and dialog.isVisible() and dialog.admin.text() == ADMIN
    _fill(dialog, recovery_key.lower().replace("-", " "), ADMIN, NEW_PASSWORD)  # as typed from the sheet
    with qtbot.waitSignal(login_dialog.accepted, timeout=10000):
        dialog.ok_button.click()
    desk = login_dialog.desk
    assert desk is not None and desk.account is not None and desk.account.name == ADMIN
    actions = [p for (p,) in desk.conn.execute("SELECT payload FROM events WHERE kind = 'account'")]
    assert any('"recover"' in p for p in actions)  # recorded, as every change is
    desk.close()
    login(folder, ADMIN, NEW_PASSWORD).close()
    with pytest.raises(DomainError, match="密码不正确"):
        login(folder, ADMIN, TEST_PASSWORD)


def test_refusals_say_why_and_change_nothing(qtbot, station: tuple[Path, str]) -> None:  # type: ignore[no-untyped-def]
    folder, recovery_key = station
    keyring = (folder / "keyring.json").read_bytes()
    dialog = RecoverDialog(folder)
    qtbot.addWidget(dialog)
    for values, told in (((recovery_key, ADMIN, NEW_PASSWORD, "another-password"), "两次输入的新密码不一致"),
                         (("", ADMIN, NEW_PASSWORD), "请输入恢复密钥单上的恢复密钥"),
                         (("ABCD-" * 12 + "ABCD", ADMIN, NEW_PASSWORD), "恢复密钥不正确"),
                         (("XYZ", ADMIN, NEW_PASSWORD), "恢复密钥格式不对"),
                         ((recovery_key, "王经办", NEW_PASSWORD), "不是本站在用的管理员账号"),
                         ((recovery_key, ADMIN, "short"), "密码至少8个字符")):
        _fill(dialog, *values)
        dialog.ok_button.click()
        assert told in dialog.error.text(), (values, dialog.error.text())
        assert dialog.result() != QtWidgets.QDialog.DialogCode.Accepted and dialog.desk is None
    assert (folder / "keyring.json").read_bytes() == keyring
    login(folder).close()  # the old password still opens the station


def test_unlocking_and_switching_user_offer_no_recovery(qtbot, station: tuple[Path, str]) -> None:  # type: ignore[no-untyped-def]
    folder, _key = station
    unlock = LoginDialog(folder, user=ADMIN, fixed_user=True)
    qtbot.addWidget(unlock)
    assert unlock.findChild(QtWidgets.QPushButton, "forgotPassword") is None
