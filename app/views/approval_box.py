"""The box in which a leader approves a step on the spot: their account, their password (typed by the leader, never
shown) and a reason. The step is recorded with both accounts (app.ops.approval)."""

from __future__ import annotations

from collections.abc import Callable

from app.ops.approval import Approval
from app.views.qt import QtWidgets

TEXTS = {
    "title": "领导批准：{what}",
    "title_plain": "领导批准",
    "account": "批准领导账号",
    "account_hint": "当前账号为领导或管理员时可留空",
    "password": "领导密码",
    "password_hint": "由批准的领导本人输入",
    "reason": "批准理由",
}


class ApprovalBox(QtWidgets.QGroupBox):
    """Hidden until a step turns out to need approval; ``approval()`` is what the leader typed."""

    def __init__(self, on_submit: Callable[[], None], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(TEXTS["title_plain"], parent)
        self.setObjectName("approvalBox")
        form = QtWidgets.QFormLayout(self)
        self.account = QtWidgets.QLineEdit()
        self.account.setObjectName("approvalAccount")
        self.account.setPlaceholderText(TEXTS["account_hint"])
        self.password = QtWidgets.QLineEdit()
        self.password.setObjectName("approvalPassword")
        self.password.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(TEXTS["password_hint"])
        self.reason = QtWidgets.QLineEdit()
        self.reason.setObjectName("approvalReason")
        for line in (self.account, self.password, self.reason):
            line.returnPressed.connect(on_submit)
        form.addRow(TEXTS["account"] + "：", self.account)
        form.addRow(TEXTS["password"] + "：", self.password)
        form.addRow(TEXTS["reason"] + "：", self.reason)
        self.hide()

    def ask(self, what: str) -> None:
        """Show the box for ``what`` (the Chinese name of what needs approval)."""
        self.setTitle(TEXTS["title"].format(what=what))
        if self.isHidden():
            self.show()
            self.account.setFocus()
        self.password.clear()  # a password is typed for one try only

    def approval(self) -> Approval | None:
        if self.isHidden():
            return None
        return Approval(self.account.text().strip(), self.password.text(), self.reason.text().strip())
