"""Moving a township to another county, from the stations view: the county's hand-over, the city's confirmation
(app.ops.township_moves). One small form for each; a refusal is shown under the form and changes nothing."""

from __future__ import annotations

from typing import Any

from app.models.errors import DomainError
from app.ops import township_moves
from app.ops.desk import Desk
from app.views.common import error_label, message, show_error
from app.views.qt import QtWidgets

TEXTS = {
    "hand_over_title": "移交乡镇（行政区划调整）",
    "move_title": "确认乡镇迁移（行政区划调整）",
    "hand_over_intro": "把本县（区）的一个乡镇移交给本市另一个县（区）。移交后本站不能再在该乡镇的案件上记录；"
                       "请先导入该乡镇最后的同步包，移交后把同步包导出给市局。",
    "move_intro": "原县（区）移交的记录已随其同步包导入本站后，确认该乡镇迁入新的县（区）。之后导出给新县（区）"
                  "的同步包带去该乡镇的全部历史；原有案件保留原编号。",
    "code": "乡镇（原站点代码）：",
    "to": "迁入的县（区）代码：",
    "successor": "乡镇的新站点代码：",
    "successor_hint": "如 331003101（以迁入县（区）的代码开头）",
    "note": "说明：",
    "note_hint": "如 区划调整文件文号",
    "reason": "迁移原因：",
    "reason_hint": "行政区划调整",
    "ok_hand_over": "移交",
    "ok_move": "确认迁移",
    "cancel": "取消",
    "handed_over": "已把乡镇 {code} 移交给 {to}。本站有该乡镇的 {events} 个事件：请把同步包导出给市局，"
                   "由市局确认迁移。",
    "moved": "已确认：乡镇 {code} 由 {old} 迁入 {new}，新站点代码 {successor}。\n\n请把同步包导出给 {new}，"
             "再由 {new} 为 {successor} 签发证书。",
}


class MoveDialog(QtWidgets.QDialog):
    """The county's hand-over (``city`` False) or the city's confirmation of a move (``city`` True)."""

    def __init__(self, desk: Desk, city: bool, code: str = "", parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.city = city
        self.setObjectName("moveDialog")
        self.setWindowTitle(TEXTS["move_title" if city else "hand_over_title"])
        intro = QtWidgets.QLabel(TEXTS["move_intro" if city else "hand_over_intro"])
        intro.setWordWrap(True)
        self.code = self._line("moveCode", "")
        self.code.setText(code)
        self.to = self._line("moveTo", "")
        self.successor = self._line("moveSuccessor", "successor_hint")
        self.note = self._line("moveNote", "reason_hint" if city else "note_hint")
        self.error = error_label()
        self.buttons = QtWidgets.QDialogButtonBox()
        self.ok = self.buttons.addButton(TEXTS["ok_move" if city else "ok_hand_over"],
                                         QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("moveOk")
        self.buttons.addButton(TEXTS["cancel"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QtWidgets.QFormLayout(self)
        form.addRow(intro)
        form.addRow(TEXTS["code"], self.code)
        form.addRow(TEXTS["to"], self.to)
        form.addRow(TEXTS["successor"], self.successor)
        form.addRow(TEXTS["reason" if city else "note"], self.note)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.result_text = ""
        self.resize(560, self.sizeHint().height())

    @staticmethod
    def _line(name: str, hint: str) -> QtWidgets.QLineEdit:
        line = QtWidgets.QLineEdit()
        line.setObjectName(name)
        if hint:
            line.setPlaceholderText(TEXTS[hint])
        return line

    def submit(self) -> None:
        values = [w.text().strip() for w in (self.code, self.to, self.successor, self.note)]
        try:
            done: Any
            if self.city:
                done = township_moves.move_township(self.desk, *values)
                text = TEXTS["moved"].format(code=done.code, old=done.old_county, new=done.new_county,
                                             successor=done.successor)
            else:
                done = township_moves.hand_over(self.desk, *values)
                text = TEXTS["handed_over"].format(code=done.code, to=done.to, events=done.events_held)
        except DomainError as err:
            show_error(self.error, str(err))
            return
        self.result_text = text
        message(self.parentWidget(), self.windowTitle(), text, QtWidgets.QMessageBox.Icon.Information)
        self.accept()
