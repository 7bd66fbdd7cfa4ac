"""What a handler can do to a case, shared by the toolbar, the menus, the detail's buttons and the checklist.

Each action opens its dialog without blocking and returns it (or the message box that says why it cannot be
done), so keyboard users, other menus and tests all reach the same dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from app.models.errors import DomainError
from app.models.vocab import CHECKLIST_ITEMS, STATUSES
from app.models.workflow import ALLOWED_FROM, offered_steps, why_not
from app.ops.desk import Desk
from app.views.common import confirm, message
from app.views.qt import Qt, QtWidgets

if TYPE_CHECKING:  # the dialogs' modules load when one is first opened, not before the window's first paint
    from app.views.step_dialogs import StepDialog

TEXTS = {
    "no_case": "请先在列表中选择一件案件",
    "title": "信访工作台",
    "no_steps": "案件 {case_id} 已{status}，没有可以记录的办理步骤",
    "no_annul": "案件 {case_id} 没有可撤销的办理步骤",
    "finished": "案件 {case_id} 已{status}，不能再督办",
    "confirm_backlog": "将案件 {case_id} {what}？此操作会记入办理过程。",
    "backlog_on": "列为积案",
    "backlog_off": "取消积案",
    "undone_title": "四定四包",
    "confirm_undone": "将“{label}”改为未落实？此操作会记入办理过程。",
}

Opened = QtWidgets.QDialog | QtWidgets.QMessageBox


class CaseActions:
    """Opens the dialogs for one desk, on behalf of a parent window."""

    def __init__(self, desk: Desk, parent: QtWidgets.QWidget) -> None:
        self.desk = desk
        self.parent = parent

    def _dialog(self, case_id: str, kinds: list[str], checklist_key: str = "") -> StepDialog:
        from app.views.step_dialogs import StepDialog

        dialog = StepDialog(self.desk, case_id, kinds, self.parent, checklist_key)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _refuse(self, text: str) -> QtWidgets.QMessageBox:
        return message(self.parent, TEXTS["title"], text)

    def record_step(self, case_id: str | None, kinds: list[str] | None = None) -> Opened:
        """Record a chain step: the given kinds, or every step allowed now (the next one first, the step just
        recorded last)."""
        if not case_id:
            return self._refuse(TEXTS["no_case"])
        state = self.desk.case(case_id)
        allowed = offered_steps(state)
        chosen = [k for k in (kinds or allowed) if k in allowed]
        if not chosen:
            wanted = (kinds or [""])[0]
            reason = why_not(state, wanted, self.desk.limits, self.desk.today()) if wanted else ""
            return self._refuse(reason or TEXTS["no_steps"].format(case_id=case_id, status=STATUSES[state.status]))
        return self._dialog(case_id, chosen)

    def record_other(self, case_id: str | None, kind: str) -> Opened:
        """A notice (告知), a completion report (办结报告) or 诉求分类."""
        if not case_id:
            return self._refuse(TEXTS["no_case"])
        return self._dialog(case_id, [kind])

    def supervise(self, case_id: str | None) -> Opened:
        """督办: a supervision order with its deadline and the step it asks for (app.views.supervise_dialog)."""
        if not case_id:
            return self._refuse(TEXTS["no_case"])
        try:  # told before the form is filled in; the operation checks the right again when the order is issued
            self.desk.require("supervise")
        except DomainError as err:
            return self._refuse(str(err))
        state = self.desk.case(case_id)
        if state.finished:
            return self._refuse(TEXTS["finished"].format(case_id=case_id,
                                                         status=STATUSES[state.status].removeprefix("已")))
        from app.views.supervise_dialog import SuperviseDialog

        dialog = SuperviseDialog(self.desk, case_id, self.parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def close_case(self, case_id: str | None) -> Opened:
        return self.record_step(case_id, ["close"])

    def attach(self, case_id: str | None) -> Opened:
        if not case_id:
            return self._refuse(TEXTS["no_case"])
        return self._dialog(case_id, ["attach"])

    def annul(self, case_id: str | None) -> Opened:
        if not case_id:
            return self._refuse(TEXTS["no_case"])
        if not any(s.kind in ALLOWED_FROM for s in self.desk.case(case_id).steps):
            return self._refuse(TEXTS["no_annul"].format(case_id=case_id))
        return self._dialog(case_id, ["annul"])

    def edit(self, case_id: str | None) -> Opened:
        """修改信息: correct the fields set at registration."""
        if not case_id:
            return self._refuse(TEXTS["no_case"])
        from app.views.edit_dialog import EditCaseDialog

        dialog = EditCaseDialog(self.desk, case_id, self.parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def set_leader(self, case_id: str | None) -> Opened:
        if not case_id:
            return self._refuse(TEXTS["no_case"])
        return self._dialog(case_id, ["set_leader"])

    def toggle_backlog(self, case_id: str | None) -> Opened:
        if not case_id:
            return self._refuse(TEXTS["no_case"])
        backlog = not self.desk.case(case_id).backlog
        what = TEXTS["backlog_on"] if backlog else TEXTS["backlog_off"]
        return self._confirm(TEXTS["confirm_backlog"].format(case_id=case_id, what=what),
                             lambda: self.desk.set_backlog(case_id, backlog))

    def tick_checklist(self, case_id: str | None, key: str, done: bool) -> Opened:
        """Ticking asks what was done (the note); unticking asks for confirmation."""
        if not case_id:
            return self._refuse(TEXTS["no_case"])
        if done:
            return self._dialog(case_id, ["checklist"], checklist_key=key)
        text = TEXTS["confirm_undone"].format(label=CHECKLIST_ITEMS[key])
        return self._confirm(text, lambda: self.desk.set_checklist(case_id, key, False))

    def _confirm(self, text: str, do: Callable[[], object]) -> QtWidgets.QMessageBox:
        def run() -> None:
            try:
                do()
            except DomainError as err:
                self._refuse(str(err))

        return confirm(self.parent, TEXTS["title"], text, run)
