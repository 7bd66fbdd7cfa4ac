"""The login dialog: the account and its password open the station (app.ops.session.open_station). Used at start,
for 切换用户, and (with the account fixed) to unlock the window after it locked itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.demo.generator import DEMO_PASSWORD, DEMO_STATION, DEMO_USER
from app.models.errors import DomainError
from app.models.vocab import LEVELS
from app.ops.desk import Desk
from app.ops.session import open_station, station_of
from app.views.common import error_label, show_error
from app.views.qt import QtWidgets

TEXTS = {
    "title": "信访工作台 — 登录",
    "title_unlock": "信访工作台 — 已锁定",
    "station": "站点：{name}（{code}，{level}）",
    "unlock_intro": "窗口因长时间无操作已锁定，请输入账号“{user}”的密码继续。",
    "user": "账号",
    "password": "密码",
    "ok": "登录(&L)",
    "unlock": "解锁(&U)",
    "quit": "退出",
    "forgot": "忘记密码(&F)…",
    "demo": "演示站点：账号 {user}，密码 {password}（演示数据，勿录入真实信息）",
}


class LoginDialog(QtWidgets.QDialog):
    """Accepted once a login opened the station; ``desk`` is then the station with the account signed in.

    ``check`` replaces opening a new desk when the station is already open (unlocking: the password is checked
    against the keyring, the desk stays as it is)."""

    def __init__(self, data_dir: Path, parent: QtWidgets.QWidget | None = None, *, user: str = "",
                 fixed_user: bool = False, now: Callable[[], datetime] = datetime.now,
                 check: Callable[[str, str], None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.data_dir, self.now, self.check = Path(data_dir), now, check
        self.desk: Desk | None = None
        self.setWindowTitle(TEXTS["title_unlock" if fixed_user else "title"])
        layout = QtWidgets.QVBoxLayout(self)
        station = station_of(self.data_dir)
        if station is not None:
            heading = QtWidgets.QLabel(TEXTS["station"].format(name=station.name, code=station.code,
                                                               level=LEVELS.get(station.level, station.level)))
            heading.setObjectName("loginStation")
            layout.addWidget(heading)
            if station.code == DEMO_STATION[0]:
                layout.addWidget(QtWidgets.QLabel(TEXTS["demo"].format(user=DEMO_USER, password=DEMO_PASSWORD)))
        if fixed_user:
            intro = QtWidgets.QLabel(TEXTS["unlock_intro"].format(user=user))
            intro.setWordWrap(True)
            layout.addWidget(intro)
        self.user = QtWidgets.QLineEdit(user)
        self.user.setObjectName("loginUser")
        self.user.setReadOnly(fixed_user)
        self.password = QtWidgets.QLineEdit()
        self.password.setObjectName("loginPassword")
        self.password.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        form = QtWidgets.QFormLayout()
        form.addRow(TEXTS["user"] + "：", self.user)
        form.addRow(TEXTS["password"] + "：", self.password)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QtWidgets.QDialogButtonBox()
        self.ok_button = buttons.addButton(TEXTS["unlock" if fixed_user else "ok"],
                                           QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("loginButton")
        self.ok_button.setDefault(True)
        buttons.addButton(TEXTS["quit"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        if not fixed_user and check is None:  # at start, not to unlock: the recovery key opens the station itself
            forgot = buttons.addButton(TEXTS["forgot"], QtWidgets.QDialogButtonBox.ButtonRole.HelpRole)
            forgot.setObjectName("forgotPassword")
            forgot.clicked.connect(self.forgot)
        buttons.accepted.connect(self.log_in)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        (self.password if user else self.user).setFocus()

    def forgot(self) -> QtWidgets.QDialog:
        """忘记密码: the recovery key and a new password for an admin; a new password set logs that admin in."""
        from app.views.recover_dialog import RecoverDialog

        dialog = RecoverDialog(self.data_dir, self, admin=self.user.text().strip(), now=self.now)

        def recovered() -> None:
            self.desk = dialog.desk
            self.accept()

        dialog.accepted.connect(recovered)
        dialog.open()
        return dialog

    def log_in(self) -> None:
        user, password = self.user.text().strip(), self.password.text()
        try:
            if self.check is not None:
                self.check(user, password)
            else:
                self.desk = open_station(self.data_dir, user, password, now=self.now)
        except DomainError as err:
            self.password.clear()
            show_error(self.error, str(err))
            self.password.setFocus()
            return
        self.accept()
