"""Who may back up (a leader or an admin) and restore (an admin of the backed-up station), on the command line
and in the window; every refusal says why and leaves nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops import backup as backup_ops
from app.ops.accounts import add_account
from app.ops.desk import Desk
from app.ops.session import switch_user
from app.store.db import DB_NAME
from tests.cli_support import run
from tests.conftest import ADMIN, TEST_PASSWORD, make_draft

HANDLER, LEADER = "王经办", "李领导"


@pytest.fixture
def staffed(desk: Desk) -> Desk:
    """The test station with a handler and a leader, one case, the admin signed in."""
    add_account(desk, HANDLER, "handler", TEST_PASSWORD)
    add_account(desk, LEADER, "leader", TEST_PASSWORD)
    desk.register_case(make_draft())
    return desk


def test_a_handler_may_not_back_up_a_leader_may(staffed: Desk, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    switch_user(staffed, HANDLER, TEST_PASSWORD)
    with pytest.raises(DomainError, match="经办人，无权备份本站数据"):
        backup_ops.make(staffed, tmp_path / "h.zip")
    assert not (tmp_path / "h.zip").exists()
    assert "请领导或管理员登录后" in (backup_ops.reminder(staffed) or "")
    with pytest.raises(DomainError, match="无权修改本站设置"):
        backup_ops.set_auto(staffed, tmp_path / "auto")
    switch_user(staffed, LEADER, TEST_PASSWORD)
    assert backup_ops.make(staffed, tmp_path / "l.zip").path.exists()
    staffed.close()
    code, _out, err = run(capsys, staffed.data_dir, "backup", "--out", str(tmp_path / "c.zip"), user=HANDLER)
    assert code == 1 and "无权备份本站数据" in err and not (tmp_path / "c.zip").exists()
    code, out, _err = run(capsys, staffed.data_dir, "backup", "--out", str(tmp_path / "c.zip"), user=LEADER)
    assert code == 0 and "已备份到" in out


def test_the_backup_on_exit_an_admin_set_runs_whoever_closes(staffed: Desk, tmp_path: Path) -> None:
    backup_ops.set_auto(staffed, tmp_path / "auto", keep=2)
    switch_user(staffed, HANDLER, TEST_PASSWORD)
    result = backup_ops.on_exit(staffed)
    assert result is not None and result.path.parent == tmp_path / "auto"


def test_only_an_admin_of_the_backup_restores_it_on_the_command_line(staffed: Desk, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = backup_ops.make(staffed, tmp_path / "b.zip").path
    recovery_key = staffed.recovery_key  # type: ignore[attr-defined]
    staffed.close()
    target = tmp_path / "new"
    for user, password, told in ((LEADER, TEST_PASSWORD, "领导，无权从备份恢复站点"),
                                 (ADMIN, "wrong-password", "密码不正确"),
                                 ("没有这人", TEST_PASSWORD, "没有账号")):
        code, _out, err = run(capsys, target, "restore", str(out), user=user, password=password)
        assert code == 1 and told in err, (user, err)
        assert not target.exists()  # nothing of the backup stays behind a refusal
    target.mkdir()
    code, _out, err = run(capsys, target, "restore", str(out), "--recovery-key", "A" * 52)
    assert code == 1 and "恢复密钥" in err and list(target.iterdir()) == []  # a folder given empty stays empty
    code, out_text, _err = run(capsys, target, "restore", str(out), user=ADMIN)
    assert code == 0 and "已把 TZ01 新河镇信访办" in out_text and (target / DB_NAME).exists()
    other = tmp_path / "by-key"
    code, out_text, _err = run(capsys, other, "restore", str(out), "--recovery-key", recovery_key)
    assert code == 0 and (other / DB_NAME).exists()


def test_the_window_refuses_a_backup_to_a_handler(qtbot, staffed: Desk,  # type: ignore[no-untyped-def]
                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.views import backup_actions
    from app.views.qt import QtWidgets

    warned: list[str] = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    switch_user(staffed, HANDLER, TEST_PASSWORD)
    assert backup_actions.start_backup(window, staffed, tmp_path / "b.zip") is None
    assert "无权备份本站数据" in warned[-1] and not (tmp_path / "b.zip").exists()


def _restore_in_window(qtbot, dialog, target: Path, **typed: str) -> str:  # type: ignore[no-untyped-def]
    """Type into the restore dialog, press 恢复 and wait for the job: '' when restored, else the dialog's error."""
    if "key" in typed:
        dialog.by_key.setChecked(True)
        dialog.key.setText(typed["key"])
    else:
        dialog.by_password.setChecked(True)
        dialog.user.setText(typed["user"])
        dialog.password.setText(typed["password"])
    runner = dialog.start()
    assert runner is not None
    with qtbot.waitSignal(runner.finished, timeout=30000):
        pass
    return dialog.error.text() if dialog.error.isVisibleTo(dialog) else ""


def test_the_window_restores_only_for_an_admin_of_the_backup_not_of_the_station_signed_in(
        qtbot, staffed: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from app.views import backup_actions
    from app.views.qt import QtWidgets
    from tests.conftest import new_station

    # A backup of another station, whose admin this station does not have (and whose handler shares a name
    # with this station's admin).
    other = new_station(tmp_path / "other", "TZ02", "白塔镇信访办", admin="赵管理")
    add_account(other, ADMIN, "handler", TEST_PASSWORD)
    other.register_case(make_draft(name="欧阳秘密"))
    other_key = other.recovery_key  # type: ignore[attr-defined]
    out = backup_ops.make(other, tmp_path / "other.zip").path
    other.close()
    told: list[str] = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "information", lambda parent, title, text: told.append(text))
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    target = tmp_path / "restored"
    target.mkdir()
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(out), ""))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(target))
    dialog = backup_actions.choose_restore(window, staffed)  # this station's admin is signed in
    assert dialog is not None and dialog.isVisible()
    assert "TZ02 白塔镇信访办" in dialog.findChild(QtWidgets.QLabel).text()
    # This station's admin, its own password: refused (in the backup the name is a handler's); so is a wrong
    # password and this station's recovery key; the folder stays empty each time and the dialog stays open.
    for typed, refusal in (({"user": ADMIN, "password": TEST_PASSWORD}, "经办人，无权从备份恢复站点"),
                           ({"user": "赵管理", "password": "wrong-password"}, "密码不正确"),
                           ({"key": staffed.recovery_key}, "恢复密钥")):  # type: ignore[attr-defined]
        assert refusal in _restore_in_window(qtbot, dialog, target, **typed), typed
        assert list(target.iterdir()) == [] and dialog.isVisible() and told == []
    assert _restore_in_window(qtbot, dialog, target, user="赵管理", password=TEST_PASSWORD) == ""
    assert (target / DB_NAME).exists() and not dialog.isVisible()
    assert told and "已把 TZ02 白塔镇信访办 的备份恢复到" in told[0]
    # A leader signed in here restores with the backup's recovery key just the same.
    switch_user(staffed, LEADER, TEST_PASSWORD)
    by_key = tmp_path / "by-key"
    by_key.mkdir()
    dialog = backup_actions.ask_restore(window, staffed, out, by_key)
    assert dialog is not None
    assert _restore_in_window(qtbot, dialog, by_key, key=other_key) == ""
    assert (by_key / DB_NAME).exists()
    # A folder not empty is refused before any question.
    warned: list[str] = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    assert backup_actions.ask_restore(window, staffed, out, by_key) is None and "不是空的" in warned[-1]


def test_a_restore_cancelled_half_way_leaves_the_folder_as_it_was(staffed: Desk, tmp_path: Path) -> None:
    from app.models.errors import Cancelled

    out = backup_ops.make(staffed, tmp_path / "b.zip").path
    staffed.close()

    def cancel_while_writing(stage: str, done: int, total: int) -> None:
        if stage == "恢复文件" and done == 1:  # a file of the backup is written, the others not yet
            raise Cancelled

    for target, given in ((tmp_path / "new", False), (tmp_path / "given", True)):
        if given:
            target.mkdir()
        with pytest.raises(Cancelled):
            backup_ops.restore_as_admin(out, target, ADMIN, TEST_PASSWORD, cancel_while_writing)
        assert target.exists() == given and (not given or list(target.iterdir()) == [])
