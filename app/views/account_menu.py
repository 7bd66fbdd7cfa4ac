"""The 账号 menu: who is signed in, 锁定 (and the lock after idle minutes), 切换用户, and 用户管理 for admins.

While locked, the window's content is hidden and only the signed-in account's password opens it again (the
dialog's 退出 closes the program). Every check is the operations layer's (app.ops.session, app.ops.accounts).
"""

from __future__ import annotations

from typing import Any

from app.models.errors import DomainError
from app.ops import accounts
from app.ops.session import switch_user
from app.views.common import error_label, show_error
from app.views.login_dialog import LoginDialog
from app.views.qt import QtCore, QtGui, QtWidgets
from app.views.role_gates import gate, tips_shown

LOCK_MINUTES = 10  # the station setting ``lock_minutes`` when not set
COLUMNS = ["账号", "显示名", "角色", "状态"]
TEXTS: dict[str, str] = {
    "menu": "账号",
    "who": "当前：{actor}（{role}）",
    "lock": "锁定(&L)",
    "switch": "切换用户(&S)…",
    "users": "用户管理(&U)…",
    "own_password": "修改我的密码(&P)…",
    "current_password": "当前密码",
    "password_changed": "密码已修改",
    "users_title": "用户管理",
    "active": "在用",
    "disabled": "已停用",
    "add": "新建账号…",
    "role": "更改角色…",
    "disable": "停用",
    "reset": "重设密码…",
    "close": "关闭",
    "name": "账号",
    "display": "显示名",
    "password": "初始密码（至少8个字符）",
    "new_password": "新密码（至少8个字符）",
    "pick_role": "角色",
    "confirm_disable": "停用账号“{actor}”？停用后不能再登录，其办理记录保留。",
}


def install(window: Any) -> None:
    """Add the 账号 menu and start the idle lock."""
    menu = window.menuBar().addMenu(TEXTS["menu"])
    menu.setObjectName("accountMenu")
    tips_shown(menu)  # 用户管理, greyed for others than an admin, says so
    who = QtGui.QAction(window)
    who.setObjectName("whoAmI")
    who.setEnabled(False)
    menu.addAction(who)
    menu.addSeparator()
    window.account_actions = {}
    for name, text, shortcut, slot in (("lock", TEXTS["lock"], "Ctrl+L", lambda: lock(window)),
                                       ("switch", TEXTS["switch"], "", lambda: switch(window)),
                                       ("own_password", TEXTS["own_password"], "", lambda: own_password(window)),
                                       ("users", TEXTS["users"], "", lambda: manage_users(window))):
        action = QtGui.QAction(text, window)
        action.setObjectName(f"account_{name}")
        if shortcut:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        window.account_actions[name] = action
    gate(window, window.account_actions["users"], "accounts")

    def refresh() -> None:
        account = window.desk.account
        who.setText(TEXTS["who"].format(actor=account.actor, role=account.role_label) if account else "")

    menu.aboutToShow.connect(refresh)
    refresh()
    window.idle_lock = IdleLock(window)


class IdleLock(QtCore.QObject):
    """Locks the window after the station's idle minutes without a key press or a click."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        minutes = int(window.desk.setting("lock_minutes", LOCK_MINUTES) or 0)
        self.timer = QtCore.QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(minutes, 1) * 60_000)
        self.timer.timeout.connect(lambda: lock(window))
        if minutes > 0:
            self.timer.start()
            app = QtWidgets.QApplication.instance()
            if app is not None:
                app.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if event.type() in (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.MouseButtonPress,
                            QtCore.QEvent.Type.Wheel) and not getattr(self.window, "locked", False):
            self.timer.start()
        return False


def lock(window: Any) -> None:
    """Hide the window's content until the signed-in account's password is typed again."""
    if getattr(window, "locked", False) or window.desk.account is None:
        return
    window.locked = True
    # Everything that can show a case goes: the list and detail, docked panes (四定四包), toolbars (the search text).
    hidden = [w for w in (window.centralWidget(), *window.findChildren(QtWidgets.QDockWidget),
                          *window.findChildren(QtWidgets.QToolBar)) if w is not None and w.isVisible()]
    for widget in hidden:
        widget.hide()
    user = window.desk.account.name
    dialog = LoginDialog(window.desk.data_dir, window, user=user, fixed_user=True,
                         check=lambda name, password: switch_user(window.desk, name, password))
    dialog.setObjectName("unlockDialog")

    def done(result: int) -> None:
        window.locked = False
        if result != QtWidgets.QDialog.DialogCode.Accepted:
            window.close()  # 退出: nobody unlocks, the program ends
            return
        for widget in hidden:
            widget.show()
        window.idle_lock.timer.start()

    dialog.finished.connect(done)
    dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
    dialog.open()
    window.unlock_dialog = dialog


def switch(window: Any) -> LoginDialog:
    """Another account signs in on the open station; the events it records from now on name it."""
    dialog = LoginDialog(window.desk.data_dir, window,
                         check=lambda name, password: switch_user(window.desk, name, password))
    dialog.setObjectName("switchUserDialog")
    dialog.accepted.connect(window.account_changed)  # 我的在办 and the role's actions are now the new account's
    dialog.open()
    return dialog


def own_password(window: Any) -> AccountForm:
    """The signed-in account changes its own password: the current one first (an unlocked session left alone
    must not let a colleague take the account over)."""
    form = AccountForm(window, new=False, current=True)

    def save() -> None:
        desk = window.desk
        try:
            switch_user(desk, desk.account.name, form.current.text())
            accounts.change_password(desk, desk.account.name, form.password.text())
        except DomainError as err:
            show_error(form.error, str(err))
            return
        form.accept()

    form.submit = save  # type: ignore[method-assign]
    form.open()
    return form


def manage_users(window: Any) -> UsersDialog:
    dialog = UsersDialog(window.desk, window)
    dialog.open()
    return dialog


class UsersDialog(QtWidgets.QDialog):
    """用户管理: the station's accounts; add, change role, disable, reset a password (admins)."""

    def __init__(self, desk: Any, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usersDialog")
        self.setWindowTitle(TEXTS["users_title"])
        self.desk = desk
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("usersTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.error = error_label()
        buttons = QtWidgets.QHBoxLayout()
        for name, slot in (("add", self.add), ("role", self.change_role), ("disable", self.disable),
                           ("reset", self.reset)):
            button = QtWidgets.QPushButton(TEXTS[name])
            button.setObjectName(f"users_{name}")
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QtWidgets.QPushButton(TEXTS["close"])
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(560, 360)
        self.reload()

    def reload(self) -> None:
        rows = sorted(self.desk.accounts().values(), key=lambda a: not a.active)
        self.table.setRowCount(len(rows))
        for r, a in enumerate(rows):
            for c, text in enumerate((a.name, a.display, a.role_label,
                                      TEXTS["active"] if a.active else TEXTS["disabled"])):
                self.table.setItem(r, c, QtWidgets.QTableWidgetItem(text))

    def chosen(self) -> str:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.text() if item else ""

    def _do(self, action: Any) -> bool:
        try:
            action()
        except DomainError as err:
            show_error(self.error, str(err))
            return False
        show_error(self.error, "")
        self.reload()
        return True

    def add(self) -> None:
        form = AccountForm(self, new=True)
        if form.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self._do(lambda: accounts.add_account(self.desk, form.name.text(), str(form.role.currentData()),
                                                  form.password.text(), form.display.text()))

    def change_role(self) -> None:
        name = self.chosen()
        role, ok = QtWidgets.QInputDialog.getItem(self, TEXTS["role"], TEXTS["pick_role"],
                                                  list(accounts.ROLES.values()), 0, False)
        if name and ok:
            code = next(k for k, v in accounts.ROLES.items() if v == role)
            self._do(lambda: accounts.set_role(self.desk, name, code))

    def disable(self) -> None:
        name = self.chosen()
        if not name:
            return
        answer = QtWidgets.QMessageBox.question(self, TEXTS["disable"], TEXTS["confirm_disable"].format(actor=name))
        if answer == QtWidgets.QMessageBox.StandardButton.Yes:
            self._do(lambda: accounts.disable_account(self.desk, name))

    def reset(self) -> None:
        name = self.chosen()
        form = AccountForm(self, new=False)
        if name and form.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self._do(lambda: accounts.change_password(self.desk, name, form.password.text()))


class AccountForm(QtWidgets.QDialog):
    """A new account (account, display name, role, first password) or a new password."""

    def __init__(self, parent: QtWidgets.QWidget, *, new: bool, current: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("accountForm")
        self.setWindowTitle(TEXTS["add"] if new else TEXTS["reset"])
        form = QtWidgets.QFormLayout(self)
        self.name, self.display = QtWidgets.QLineEdit(), QtWidgets.QLineEdit()
        self.role = QtWidgets.QComboBox()
        for code, label in accounts.ROLES.items():
            self.role.addItem(label, code)
        self.password = QtWidgets.QLineEdit()
        self.password.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.current = QtWidgets.QLineEdit()
        self.current.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.error = error_label()
        if current:
            form.addRow(TEXTS["current_password"] + "：", self.current)
        if new:
            form.addRow(TEXTS["name"] + "：", self.name)
            form.addRow(TEXTS["display"] + "：", self.display)
            form.addRow(TEXTS["pick_role"] + "：", self.role)
        form.addRow(TEXTS["password" if new else "new_password"] + "：", self.password)
        form.addRow(self.error)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(lambda: self.submit())  # noqa: PLW0108 - submit may be replaced after construction
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def submit(self) -> None:
        """OK: accepted as typed (the caller checks); replaced where the form checks before closing."""
        self.accept()
