"""The 四定四包 panel: the eight items of the current case, each done or not, with who, when and what was done.

Ticking an item opens the note dialog (what measures, which deadline, which unit) and records it only when saved;
the tick on screen always mirrors the store, never a click that was cancelled.
"""

from __future__ import annotations

from app.models.case import CaseState
from app.models.errors import DomainError
from app.models.events import minute_text
from app.models.vocab import CHECKLIST_ITEMS
from app.ops.desk import Desk
from app.views.bus import ChangeBus
from app.views.case_actions import CaseActions
from app.views.common import escape
from app.views.qt import Qt, QtCore, QtWidgets

TEXTS = {
    "done_label": "已落实",
    "no_case": "未选择案件",
    "count": "{done}/{total}",
    "binding": "包案领导：{leader}",
    "not_binding": "本件未设包案领导、不是积案，四定四包可选填",
    "complete": "已全部落实，可以办结销号",
    "incomplete": "尚有 {n} 项未落实，办结须全部落实或经督办领导批准",
    "not_done": "未落实",
    "meta": "{by} · {at}",
}


class ChecklistRow(QtWidgets.QFrame):
    """One item: tick, label, who and when, and the note."""

    def __init__(self, key: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"checklist_{key}")
        self.setProperty("checklistRow", True)
        self.setProperty("done", False)
        self.check = QtWidgets.QCheckBox(CHECKLIST_ITEMS[key])
        self.check.setObjectName("done")
        self.meta = QtWidgets.QLabel(TEXTS["not_done"])
        self.meta.setObjectName("meta")
        self.meta.setIndent(22)  # under the label, not the tick box
        self.note = QtWidgets.QLabel()
        self.note.setObjectName("note")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setIndent(22)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(1)
        layout.addWidget(self.check)
        layout.addWidget(self.meta)
        layout.addWidget(self.note)

    def show_entry(self, done: bool, by: str, at: str, note: str) -> None:
        self.check.blockSignals(True)
        self.check.setChecked(done)
        self.check.blockSignals(False)
        self.meta.setText(TEXTS["meta"].format(by=escape(by), at=minute_text(at)) if done or by
                          else TEXTS["not_done"])
        self.note.setText(note)
        self.note.setVisible(bool(note))
        if self.property("done") != done:
            self.setProperty("done", done)
            self.style().unpolish(self)
            self.style().polish(self)


class ChecklistPanel(QtWidgets.QWidget):
    """The current case's 四定四包, kept in step with the store through the change bus."""

    def __init__(self, desk: Desk, bus: ChangeBus, actions: CaseActions,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checklistPanel")
        self.desk, self.case_actions = desk, actions
        self.case_id: str | None = None
        self.count = QtWidgets.QLabel()
        self.count.setObjectName("checklistCount")
        self.progress = QtWidgets.QProgressBar()
        self.progress.setObjectName("checklistProgress")
        self.progress.setRange(0, len(CHECKLIST_ITEMS))
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        self.leader = QtWidgets.QLabel()
        self.leader.setObjectName("checklistLeader")
        self.leader.setWordWrap(True)
        self.hint = QtWidgets.QLabel()
        self.hint.setObjectName("checklistHint")
        self.hint.setWordWrap(True)
        head = QtWidgets.QHBoxLayout()
        head.addWidget(QtWidgets.QLabel(TEXTS["done_label"]))
        head.addStretch(1)
        head.addWidget(self.count)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.progress)
        layout.addWidget(self.leader)
        # The eight rows are built by build_rows(), which the window calls once its first rows of cases are
        # painted (or the first case shown): about thirty styled widgets the first paint can do without.
        self.rows: dict[str, ChecklistRow] = {}
        self._rows_at = layout.count()
        layout.addWidget(self.hint)
        layout.addStretch(1)
        bus.changed.connect(self._on_changed)
        self.reload()

    def build_rows(self) -> None:
        if self.rows:
            return
        layout = self.layout()
        assert isinstance(layout, QtWidgets.QVBoxLayout)
        for i, key in enumerate(CHECKLIST_ITEMS):
            row = ChecklistRow(key)
            row.check.clicked.connect(lambda checked, k=key: self._clicked(k, checked))
            self.rows[key] = row
            layout.insertWidget(self._rows_at + i, row)
        self.reload()

    def sizeHint(self) -> QtCore.QSize:
        # Narrow and tall: notes wrap, and the list and detail keep the width.
        return QtCore.QSize(self.fontMetrics().horizontalAdvance("中") * 15, super().sizeHint().height())

    def show_case(self, case_id: str | None) -> None:
        self.case_id = case_id
        if not self.rows:
            self.build_rows()  # and reloads
            return
        self.reload()

    def _on_changed(self, kinds: frozenset[str], case_ids: tuple[str, ...]) -> None:
        if self.case_id and "cases" in kinds and (not case_ids or self.case_id in case_ids):
            self.reload()

    def reload(self) -> None:
        state: CaseState | None = None
        if self.case_id:
            try:
                state = self.desk.case(self.case_id)
            except DomainError:
                state = None
        for row in self.rows.values():
            row.setEnabled(state is not None and not state.finished)
        if state is None:
            for row in self.rows.values():
                row.show_entry(False, "", "", "")
            self.count.setText("")
            self.progress.setValue(0)
            self.leader.setText(TEXTS["no_case"])
            self.hint.setText("")
            return
        for key, row in self.rows.items():
            entry = state.checklist[key]
            row.show_entry(entry.done, entry.by, entry.at, entry.note)
        done, total = state.checklist_done, len(CHECKLIST_ITEMS)
        self.count.setText(TEXTS["count"].format(done=done, total=total))
        self.progress.setValue(done)
        self.leader.setText(TEXTS["binding"].format(leader=state.leader) if state.leader
                            else ("" if state.backlog else TEXTS["not_binding"]))
        if state.needs_checklist:
            self.hint.setText(TEXTS["complete"] if done == total else TEXTS["incomplete"].format(n=total - done))
        else:
            self.hint.setText("")

    def _clicked(self, key: str, checked: bool) -> None:
        # Put the tick back until the store says otherwise: a cancelled dialog must not leave a false tick.
        self.rows[key].check.setChecked(not checked)
        self.case_actions.tick_checklist(self.case_id, key, checked)
