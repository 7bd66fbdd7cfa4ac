"""文书: the case detail's menu of the papers the case may have now, and the dialog that writes one.

A notice (告知书) asks for its date and way, which are its 告知 step; every paper asks where to save it, as PDF
(to print) or as .docx (to edit in Word or WPS first).
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from app.models.case import CaseState
from app.models.errors import DomainError
from app.models.papers import PAPER_KINDS, allowed_papers
from app.models.vocab import NOTICE_WAYS
from app.ops.desk import Desk
from app.views.common import error_label, message, show_error
from app.views.qt import QtCore, QtWidgets

TEXTS = {
    "button": "文书",
    "title": "制作{kind}",
    "case": "案件编号",
    "date": "告知日期",
    "paper_date": "文书日期",
    "way": "告知方式",
    "format": "文件格式",
    "pdf": "PDF（直接打印）",
    "docx": "Word/WPS 文档 .docx（可先修改再打印）",
    "path": "保存到",
    "browse": "浏览…",
    "ok": "制作",
    "cancel": "取消",
    "notice_hint": "制作告知书即记录“{notice}告知”：日期和方式为告知的日期和方式，文书编号一并记入办理过程。",
    "done": "已制作{kind} {number}，保存到：\n{path}",
    "done_notice": "已制作{kind} {number}，并记录{notice}告知（{way}），保存到：\n{path}",
    "no_path": "请选择保存位置",
}
SUFFIX = {"pdf": ".pdf", "docx": ".docx"}


def papers_menu(desk: Desk, state: CaseState, parent: QtWidgets.QWidget) -> QtWidgets.QMenu:
    """The papers the case may have now; choosing one opens its dialog."""
    menu = QtWidgets.QMenu(TEXTS["button"], parent)
    menu.setObjectName("papersMenu")
    case_id = state.case_id
    for kind in allowed_papers(state):
        action = menu.addAction(kind)
        action.triggered.connect(lambda _c=False, k=kind: open_paper_dialog(desk, case_id, k, parent))
    return menu


def open_paper_dialog(desk: Desk, case_id: str, kind: str, parent: QtWidgets.QWidget) -> PaperDialog:
    dialog = PaperDialog(desk, case_id, kind, parent)
    dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


class PaperDialog(QtWidgets.QDialog):
    """One paper of one case: date (and way, for a notice), format and where to save it."""

    def __init__(self, desk: Desk, case_id: str, kind: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paperDialog")
        self.desk, self.case_id, self.kind = desk, case_id, PAPER_KINDS[kind]
        self.setWindowTitle(TEXTS["title"].format(kind=kind))
        form = QtWidgets.QFormLayout(self)
        form.addRow(TEXTS["case"], QtWidgets.QLabel(case_id))
        today = desk.today()
        self.date = QtWidgets.QDateEdit(QtCore.QDate(today.year, today.month, today.day))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMaximumDate(QtCore.QDate(today.year, today.month, today.day))
        form.addRow(TEXTS["date"] if self.kind.notice else TEXTS["paper_date"], self.date)
        self.way = QtWidgets.QComboBox()
        self.way.addItems(list(NOTICE_WAYS))
        if self.kind.notice:
            form.addRow(TEXTS["way"], self.way)
            hint = QtWidgets.QLabel(TEXTS["notice_hint"].format(notice=self.kind.notice))
            hint.setWordWrap(True)
            form.addRow(hint)
        self.format = QtWidgets.QComboBox()
        for key in SUFFIX:
            self.format.addItem(TEXTS[key], key)
        self.format.currentIndexChanged.connect(self._suggest)
        form.addRow(TEXTS["format"], self.format)
        row = QtWidgets.QHBoxLayout()
        self.path = QtWidgets.QLineEdit()
        self.path.setObjectName("paperPath")
        browse = QtWidgets.QPushButton(TEXTS["browse"])
        browse.clicked.connect(self.browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow(TEXTS["path"], row)
        self.error = error_label()
        form.addRow(self.error)
        buttons = QtWidgets.QDialogButtonBox()
        self.ok = buttons.addButton(TEXTS["ok"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(TEXTS["cancel"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.make)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.result_box: QtWidgets.QMessageBox | None = None
        self._suggest()
        self.resize(560, self.sizeHint().height())

    def _suggest(self) -> None:
        folder = Path(self.path.text()).parent if self.path.text().strip() else Path.home()
        name = f"{self.case_id}-{self.kind.name.replace('/', '')}{SUFFIX[self.format.currentData()]}"
        self.path.setText(str(folder / name))

    def browse(self) -> None:
        chosen, _ = QtWidgets.QFileDialog.getSaveFileName(self, self.windowTitle(), self.path.text(),
                                                          "PDF (*.pdf);;Word/WPS (*.docx)")
        if chosen:
            self.path.setText(chosen)

    def make(self) -> None:
        from app.ops.papers import make_paper

        text = self.path.text().strip()
        if not text:
            show_error(self.error, TEXTS["no_path"])
            return
        day = date.fromisoformat(self.date.date().toString("yyyy-MM-dd"))
        # Today's paper is dated now; an earlier day's at the start of the office day, so its 告知 sorts after
        # the steps of that day already recorded.
        at = None if day == self.desk.today() else datetime.combine(day, time(9, 0))
        way = self.way.currentText() if self.kind.notice else ""
        try:
            paper = make_paper(self.desk, self.case_id, self.kind.name, Path(text), way=way, at=at)
        except DomainError as err:
            show_error(self.error, str(err))
            return
        key = "done_notice" if paper.notice else "done"
        self.result_box = message(self.parentWidget(), TEXTS["button"],
                                  TEXTS[key].format(kind=self.kind.name, number=paper.number, path=paper.path,
                                                    notice=paper.notice, way=way),
                                  QtWidgets.QMessageBox.Icon.Information)
        self.accept()
