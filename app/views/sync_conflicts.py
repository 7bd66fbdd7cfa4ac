"""The conflicts view: one field changed at two stations without either seeing the other. A person picks one of
the values or types a merged one; the decision is an event that travels like any change. Changes to different
fields, merged on their own, are listed below for checking."""

from __future__ import annotations

import json
from typing import Any

from app.models.errors import DomainError
from app.models.events import minute_text
from app.ops import supervision
from app.ops.desk import Desk
from app.sync.conflicts import Choice, HardConflict, hard_conflicts, soft_pairs
from app.views.bus import ChangeBus
from app.views.common import confirm, error_label, fit_to_screen, fitted, show_error
from app.views.qt import QtWidgets

HARD_HEADERS = ("案件编号", "修改项", "不同的值")
SOFT_HEADERS = ("案件编号", "一处的修改", "另一处的修改")
TEXTS = {
    "title": "修改冲突",
    "hard": "须人工确定（同一项在两处同时被修改，两个值都已保留）",
    "soft": "已自动合并（不同项在两处同时被修改，请核对）",
    "pick": "保留：",
    "merge": "合并为：",
    "merge_hint": "留空则保留上面选的值；填写则以填写的值为准",
    "apply": "按此处理",
    "none": "没有修改冲突",
    "choose": "请先在上表中选择一处冲突",
    "confirm": "案件 {case} 的“{field}”将定为：\n{value}\n\n这一处理会记入办理过程，并随同步包发给其他站点。确定吗？",
    "compare": "两处的修改并排对照：",
    "ours": "本站（{origin}）",
    "theirs": "对方（{origin}）",
    "values": "{n} 个不同的值，见下方对照",
}
COMPARE_ROWS = ("值", "修改时间", "修改人", "站点")


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(p.get("name", "")) if isinstance(p, dict) else str(p) for p in value)
    return str(value)


def choice_text(choice: Choice) -> str:
    return f"{value_text(choice.value)}（{choice.origin} {choice.actor} {minute_text(choice.at)}）"


class ConflictsView(QtWidgets.QDialog):
    """Lists conflicts and settles the selected one."""

    def __init__(self, desk: Desk, bus: ChangeBus | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.setObjectName("conflictsView")
        self.setWindowTitle(TEXTS["title"])
        self.hard = QtWidgets.QTableWidget(0, 3)
        self.hard.setObjectName("hardConflicts")
        self.hard.setHorizontalHeaderLabels(list(HARD_HEADERS))
        self.hard.horizontalHeader().setStretchLastSection(True)
        self.hard.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.hard.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.hard.itemSelectionChanged.connect(self._show_choices)
        # The selected conflict side by side: one column per value (ours, theirs), what / when / who / where.
        self.compare = QtWidgets.QTableWidget(len(COMPARE_ROWS), 0)
        self.compare.setObjectName("conflictCompare")
        self.compare.setVerticalHeaderLabels(list(COMPARE_ROWS))
        self.compare.setWordWrap(True)
        self.compare.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.compare.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.soft = QtWidgets.QTableWidget(0, 3)
        self.soft.setObjectName("softConflicts")
        self.soft.setHorizontalHeaderLabels(list(SOFT_HEADERS))
        self.soft.horizontalHeader().setStretchLastSection(True)
        self.soft.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.choices = QtWidgets.QComboBox()
        self.choices.setObjectName("conflictChoices")
        self.merged = QtWidgets.QLineEdit()
        self.merged.setObjectName("conflictMerged")
        self.merged.setPlaceholderText(TEXTS["merge_hint"])
        self.apply = QtWidgets.QPushButton(TEXTS["apply"])
        self.apply.setObjectName("conflictApply")
        self.apply.clicked.connect(self.ask_settle)
        self.error = error_label()
        self.empty = QtWidgets.QLabel(TEXTS["none"])
        form = QtWidgets.QFormLayout()
        form.addRow(TEXTS["pick"], self.choices)
        form.addRow(TEXTS["merge"], self.merged)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(QtWidgets.QLabel(TEXTS["hard"]))
        layout.addWidget(self.hard, 2)
        layout.addWidget(QtWidgets.QLabel(TEXTS["compare"]))
        layout.addWidget(self.compare, 2)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.apply)
        layout.addWidget(QtWidgets.QLabel(TEXTS["soft"]))
        layout.addWidget(self.soft, 1)
        self.items: list[HardConflict] = []
        if bus is not None:
            bus.changed.connect(lambda kinds, ids: self.refresh() if {"cases", "conflicts"} & set(kinds) else None)
        self.refresh()
        fit_to_screen(fitted(self), 820, 560)

    def refresh(self) -> None:
        self.items = hard_conflicts(self.desk.conn)
        self.hard.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            for column, text in enumerate((item.case_id, item.label,
                                           TEXTS["values"].format(n=len(item.choices)))):
                self.hard.setItem(row, column, QtWidgets.QTableWidgetItem(text))
        pairs = soft_pairs(self.desk.conn)
        self.soft.setRowCount(len(pairs))
        for row, pair in enumerate(pairs):
            cells = [pair.case_id] + [f"{name}：{choice_text(c)}" for name, c in zip(pair.fields, pair.changes,
                                                                                     strict=True)]
            for column, text in enumerate(cells):
                self.soft.setItem(row, column, QtWidgets.QTableWidgetItem(text))
        self.hard.resizeColumnsToContents()
        self.soft.resizeColumnsToContents()
        self.empty.setVisible(not self.items and not pairs)
        if self.items:
            self.hard.selectRow(0)
        self._show_choices()

    def _selected(self) -> HardConflict | None:
        rows = {i.row() for i in self.hard.selectedIndexes()}
        return self.items[min(rows)] if rows and min(rows) < len(self.items) else None

    def _show_choices(self) -> None:
        self.choices.clear()
        item = self._selected()
        for number, choice in enumerate(item.choices if item else [], start=1):
            self.choices.addItem(f"[{number}] {choice_text(choice)}", number)
        self._compare(item)
        for widget in (self.apply, self.choices, self.merged):
            widget.setEnabled(item is not None)

    def _compare(self, item: HardConflict | None) -> None:
        own = self.desk.require_station().code
        choices = item.choices if item else []
        self.compare.setColumnCount(len(choices))
        self.compare.setHorizontalHeaderLabels(
            [f"[{n}] " + TEXTS["ours" if c.origin == own else "theirs"].format(origin=c.origin)
             for n, c in enumerate(choices, start=1)])
        for column, choice in enumerate(choices):
            for row, text in enumerate((value_text(choice.value), minute_text(choice.at), choice.actor,
                                        choice.origin)):
                self.compare.setItem(row, column, QtWidgets.QTableWidgetItem(text))
        self.compare.resizeRowsToContents()

    def ask_settle(self) -> QtWidgets.QMessageBox | None:
        """Settling is an event every station will receive: name the case, the field and the value kept."""
        item = self._selected()
        if item is None:
            show_error(self.error, TEXTS["choose"])
            return None
        kept = self.merged.text().strip() or self.choices.currentText()
        text = TEXTS["confirm"].format(case=item.case_id, field=item.label, value=kept)
        return confirm(self, TEXTS["apply"], text, self.settle)

    def settle(self) -> None:
        item = self._selected()
        if item is None:
            show_error(self.error, TEXTS["choose"])
            return
        merged = self.merged.text().strip()
        try:
            if merged:
                if item.field == "petitioners" and not merged.startswith("["):
                    merged = json.dumps([{"name": n} for n in merged.replace("，", "、").split("、") if n],
                                        ensure_ascii=False)
                supervision.resolve(self.desk, item.case_id, item.field, value=merged)
            else:
                supervision.resolve(self.desk, item.case_id, item.field, pick=int(self.choices.currentData()))
        except DomainError as err:
            show_error(self.error, str(err))
            return
        show_error(self.error, "")
        self.merged.clear()
        self.refresh()
