"""忘记密码: a new password for an admin account, set with the station's recovery key (the sheet printed at set-up
and kept in the office safe), from the login dialog. The same operation as ``recover --recovery-key`` on the
command line (app.ops.session.recover): the account must be an admin in use; the change is recorded as an event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.models.errors import DomainError
from app.ops.desk import Desk
from app.ops.session import recover
from app.views.common import error_label, show_error
from app.views.qt import QtWidgets

TEXTS = {
    "title": "忘记密码 — 用恢复密钥设置新密码",
    "intro": "请取出设置本站时打印的《恢复密钥单》（应存放在单位保险柜中），输入其上的恢复密钥（52个字母和数字，"
             "每4个一组，大小写和短横线均可），为一个管理员账号设置新密码。设置后即以该账号登录；"
             "其他账号的密码可由管理员在“账号管理”中重设。",
    "key": "恢复密钥",
    "key_hint": "XXXX-XXXX-XXXX-…（共52个字母和数字）",
    "admin": "管理员账号",
    "password": "新密码",
    "again": "再次输入新密码",
    "ok": "设置新密码并登录(&S)",
    "cancel": "取消",
    "mismatch": "两次输入的新密码不一致，请重新输入",
    "empty_key": "请输入恢复密钥单上的恢复密钥",
}


class RecoverDialog(QtWidgets.QDialog):
    """Accepted once the new password is set; ``desk`` is then the station with the admin signed in."""

    def __init__(self, data_dir: Path, parent: QtWidgets.QWidget | None = None, *, admin: str = "",
                 now: Callable[[], datetime] = datetime.now) -> None:
        super().__init__(parent)
        self.setObjectName("recoverDialog")
        self.setWindowTitle(TEXTS["title"])
        self.data_dir, self.now = Path(data_dir), now
        self.desk: Desk | None = None
        layout = QtWidgets.QVBoxLayout(self)
        intro = QtWidgets.QLabel(TEXTS["intro"])
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.key = QtWidgets.QLineEdit()
        self.key.setObjectName("recoveryKey")
        self.key.setPlaceholderText(TEXTS["key_hint"])
        self.admin = QtWidgets.QLineEdit(admin)
        self.admin.setObjectName("recoverAdmin")
        self.password = QtWidgets.QLineEdit()
        self.password.setObjectName("recoverPassword")
        self.again = QtWidgets.QLineEdit()
        self.again.setObjectName("recoverAgain")
        for field in (self.password, self.again):
            field.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        form = QtWidgets.QFormLayout()
        for label, field in ((TEXTS["key"], self.key), (TEXTS["admin"], self.admin),
                             (TEXTS["password"], self.password), (TEXTS["again"], self.again)):
            form.addRow(label + "：", field)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QtWidgets.QDialogButtonBox()
        self.ok_button = buttons.addButton(TEXTS["ok"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("recoverButton")
        self.ok_button.setDefault(True)
        buttons.addButton(TEXTS["cancel"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.set_password)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(600)  # the whole key in view (64 characters with its dashes)
        self.key.setFocus()

    def set_password(self) -> None:
        if not self.key.text().strip():
            show_error(self.error, TEXTS["empty_key"])
            self.key.setFocus()
            return
        if self.password.text() != self.again.text():
            self.again.clear()
            show_error(self.error, TEXTS["mismatch"])
            self.again.setFocus()
            return
        try:
            self.desk = recover(self.data_dir, self.key.text(), self.admin.text().strip(), self.password.text(),
                                now=self.now)
        except DomainError as err:
            show_error(self.error, str(err))
            return
        self.accept()
