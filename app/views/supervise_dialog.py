"""督办: issue a supervision order on a case — what is to be done (the ordered step, or any next step) and by
when. The order is recorded by the same operation as the command line's ``supervise`` (app.ops.supervision), which
checks it: the deadline is a time limit of the case, yellow from the order and red after it until the ordered
step is recorded.
"""

from __future__ import annotations

from datetime import date, timedelta

from app.models.errors import DomainError
from app.models.events import Event
from app.models.vocab import EVENT_LABELS
from app.models.workflow import CHAIN_STEPS, offered_steps
from app.ops.desk import Desk
from app.views.common import error_label, show_error
from app.views.qt import QtCore, QtWidgets, Signal

TEXTS = {
    "title": "{case_id}：督办",
    "case": "案件编号",
    "deadline": "督办期限",
    "step": "要求完成的步骤",
    "any_step": "任一后续办理步骤",
    "later": "（以后的步骤）",
    "note": "督办要求",
    "note_placeholder": "如：请于期限前完成受理并书面告知信访人，报送办理情况",
    "hint": "期限前为黄色、过期为红色，直到记录了要求完成的步骤；督办记入办理过程，随同步包发往各站点。",
    "ok": "下达督办",
    "cancel": "取消",
}
DEFAULT_DAYS = 7  # a week is the usual time a county gives a township to act on an order


class SuperviseDialog(QtWidgets.QDialog):
    """A supervision order on one case: deadline, ordered step, and what is asked."""

    issued = Signal(object)  # the supervise event

    def __init__(self, desk: Desk, case_id: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("superviseDialog")
        self.desk, self.case_id = desk, case_id
        self.setWindowTitle(TEXTS["title"].format(case_id=case_id))
        form = QtWidgets.QFormLayout(self)
        form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(TEXTS["case"], QtWidgets.QLabel(case_id))
        today = desk.today()
        due = today + timedelta(days=DEFAULT_DAYS)
        self.deadline = QtWidgets.QDateEdit(QtCore.QDate(due.year, due.month, due.day))
        self.deadline.setObjectName("superviseDeadline")
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        self.deadline.setMinimumDate(QtCore.QDate(today.year, today.month, today.day))
        form.addRow(TEXTS["deadline"], self.deadline)
        self.step = QtWidgets.QComboBox()
        self.step.setObjectName("superviseStep")
        self.step.addItem(TEXTS["any_step"], "")
        offered = offered_steps(desk.case(case_id))
        for kind in offered:  # what can be done now first, then the steps further along the chain
            self.step.addItem(EVENT_LABELS[kind], kind)
        for kind in CHAIN_STEPS:
            if kind not in offered:
                self.step.addItem(EVENT_LABELS[kind] + TEXTS["later"], kind)
        form.addRow(TEXTS["step"], self.step)
        self.note = QtWidgets.QPlainTextEdit()
        self.note.setObjectName("superviseNote")
        self.note.setPlaceholderText(TEXTS["note_placeholder"])
        self.note.setTabChangesFocus(True)
        self.note.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        form.addRow(TEXTS["note"], self.note)
        hint = QtWidgets.QLabel(TEXTS["hint"])
        hint.setWordWrap(True)
        form.addRow(hint)
        self.error = error_label()
        form.addRow(self.error)
        buttons = QtWidgets.QDialogButtonBox()
        self.ok = buttons.addButton(TEXTS["ok"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("superviseOk")
        buttons.addButton(TEXTS["cancel"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.issue)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(min(560, max(self.sizeHint().width(), 420)), self.sizeHint().height())

    def issue(self) -> None:
        """Record the order; on refusal (a past deadline, no request, a finished case …) say why and stay open."""
        from app.ops.supervision import supervise

        deadline = date.fromisoformat(self.deadline.date().toString("yyyy-MM-dd"))
        try:
            event: Event = supervise(self.desk, self.case_id, deadline.isoformat(), self.note.toPlainText(),
                                     str(self.step.currentData() or ""))
        except DomainError as err:
            show_error(self.error, str(err))
            return
        self.issued.emit(event)
        self.accept()
