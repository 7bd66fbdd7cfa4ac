"""从备份恢复: who may restore a backup is decided by the backup itself — an admin account of the backed-up
station with its password, or that station's recovery key — as on the command line (``restore``,
app.ops.backup.restore_as_admin), whoever is signed in to the window. The restore runs as a job (progress,
取消); a refusal is told in the dialog, which stays open for another try, and leaves the folder as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.ops import backup as backup_ops
from app.ops.desk import Desk
from app.views.common import error_label, show_error
from app.views.jobs import JobRunner
from app.views.qt import QtWidgets, Signal

TEXTS = {
    "title": "从备份恢复",
    "intro": "备份：{code} {name}，备份于 {created}。\n恢复到：{folder}\n\n"
             "恢复须由备份中本站的管理员进行（与当前登录的账号无关）：请输入备份时本站一个管理员的账号和密码，"
             "或本站《恢复密钥单》上的恢复密钥。",
    "by_password": "用管理员账号和密码",
    "by_key": "用恢复密钥",
    "user": "管理员账号",
    "password": "密码",
    "key": "恢复密钥",
    "key_hint": "XXXX-XXXX-XXXX-…（共52个字母和数字）",
    "ok": "恢复(&R)",
    "cancel": "取消",
    "empty_user": "请输入备份中一个管理员的账号和密码",
    "empty_key": "请输入恢复密钥单上的恢复密钥",
    "cancelled": "已取消恢复，已写入的文件已删除",
}


class RestoreDialog(QtWidgets.QDialog):
    """Asks for the backup's admin (or its recovery key) and restores ``file`` into ``folder``; emits
    ``restored(manifest)`` and closes when done."""

    restored = Signal(object)

    def __init__(self, desk: Desk, file: Path, folder: Path, manifest: dict[str, Any],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restoreDialog")
        self.setWindowTitle(TEXTS["title"])
        self.desk, self.file, self.folder = desk, Path(file), Path(folder)
        self.runner: JobRunner | None = None
        station = manifest.get("station") or {}
        layout = QtWidgets.QVBoxLayout(self)
        intro = QtWidgets.QLabel(TEXTS["intro"].format(
            code=station.get("code", ""), name=station.get("name", ""),
            created=str(manifest.get("created_at", ""))[:16].replace("T", " "), folder=self.folder))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.by_password = QtWidgets.QRadioButton(TEXTS["by_password"])
        self.by_password.setObjectName("restoreByPassword")
        self.by_key = QtWidgets.QRadioButton(TEXTS["by_key"])
        self.by_key.setObjectName("restoreByKey")
        self.by_password.setChecked(True)
        self.user = QtWidgets.QLineEdit()
        self.user.setObjectName("restoreUser")
        self.password = QtWidgets.QLineEdit()
        self.password.setObjectName("restorePassword")
        self.password.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.key = QtWidgets.QLineEdit()
        self.key.setObjectName("restoreKey")
        self.key.setPlaceholderText(TEXTS["key_hint"])
        form = QtWidgets.QFormLayout()
        form.addRow(self.by_password)
        form.addRow(TEXTS["user"] + "：", self.user)
        form.addRow(TEXTS["password"] + "：", self.password)
        form.addRow(self.by_key)
        form.addRow(TEXTS["key"] + "：", self.key)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QtWidgets.QDialogButtonBox()
        self.ok_button = buttons.addButton(TEXTS["ok"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("restoreButton")
        self.ok_button.setDefault(True)
        buttons.addButton(TEXTS["cancel"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.by_password.toggled.connect(self._choose)
        self._choose()
        self.setMinimumWidth(600)  # the whole key in view (64 characters with its dashes)
        self.user.setFocus()

    def _choose(self) -> None:
        with_password = self.by_password.isChecked()
        for field in (self.user, self.password):
            field.setEnabled(with_password)
        self.key.setEnabled(not with_password)

    def start(self) -> JobRunner | None:
        """Restore with what was typed, as a job; None when something is missing (told in the dialog)."""
        if self.runner is not None:
            return None
        user, password, key = self.user.text().strip(), self.password.text(), ""
        if self.by_key.isChecked():
            user, password, key = "", "", self.key.text().strip()
            if not key:
                show_error(self.error, TEXTS["empty_key"])
                self.key.setFocus()
                return None
        elif not user or not password:
            show_error(self.error, TEXTS["empty_user"])
            (self.password if user else self.user).setFocus()
            return None
        show_error(self.error, "")
        self.ok_button.setEnabled(False)
        file, folder, now = self.file, self.folder, self.desk.now
        self.runner = JobRunner(self.desk, TEXTS["title"], lambda _own, say: backup_ops.restore_as_admin(
            file, folder, user, password, say, now=now, recovery_key=key), (), self)
        self.runner.done.connect(self._done)
        self.runner.failed.connect(self._refused)
        self.runner.cancelled.connect(lambda: self._refused(TEXTS["cancelled"]))
        return self.runner.start()

    def _done(self, manifest: Any) -> None:
        self.runner = None
        self.restored.emit(manifest)
        self.accept()

    def _refused(self, text: str) -> None:
        self.runner = None
        self.ok_button.setEnabled(True)
        self.password.clear()
        show_error(self.error, text)
