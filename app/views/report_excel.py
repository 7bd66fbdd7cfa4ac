"""The 台账 menu: export the ledger, import an existing ledger (wizard), and the daily and weekly reports.

Each dialog only collects choices and a file name, then calls the same functions as the command line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.models.vocab import STATUSES
from app.ops import long_jobs, outputs
from app.ops.desk import Desk
from app.ops.job_process import ProcessJob
from app.reports.ledger import LedgerFilter
from app.reports.periodic import KINDS
from app.views.common import message
from app.views.jobs import JobRunner, run_job
from app.views.qt import QtCore, QtGui, QtWidgets
from app.views.report_import import LedgerImportWizard
from app.views.report_print import menu_before_help
from app.views.role_gates import show_right

TEXTS = {
    "menu": "台账(&L)",
    "export": "导出台账…",
    "import": "导入台账…",
    "daily": "每日一报…",
    "weekly": "周报…",
    "export_title": "导出信访事项台账",
    "all": "全部",
    "status": "办理状态",
    "colour": "督办颜色",
    "by_date": "按登记日期",
    "to": "至",
    "full_id": "导出完整身份证号（默认只显示前6位和后4位）",
    "file": "保存到",
    "browse": "浏览…",
    "go_export": "导出",
    "go_report": "生成",
    "xlsx_filter": "Excel 工作簿 (*.xlsx)",
    "exported": "已导出 {count} 件案件到：\n{path}",
    "report_title": "生成{name}",
    "report_day": "报表日期",
    "report_note": "周报统计该日所在一周的周一至该日；在办等按该日日终计算；超期含期内超期办结的和期末在办已超期的。",
    "reported": "{name}已生成：\n{path}",
    "no_file": "请选择保存位置",
    "error": "无法完成",
    "writing_ledger": "正在写入台账…",
    "counting": "正在统计…",
    "writing_report": "正在写入报表…",
}
COLOUR_CHOICES = (("", "全部"), ("red", "红"), ("yellow", "黄"), ("green", "绿"))


class _SaveRow(QtWidgets.QWidget):
    """A file name with a 浏览… button (a non-blocking save dialog)."""

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.edit = QtWidgets.QLineEdit(str(default))
        button = QtWidgets.QPushButton(TEXTS["browse"])
        button.clicked.connect(self._browse)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(button)

    def _browse(self) -> None:
        dialog = QtWidgets.QFileDialog(self, TEXTS["file"], self.edit.text(), TEXTS["xlsx_filter"])
        dialog.setAcceptMode(QtWidgets.QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("xlsx")
        dialog.fileSelected.connect(self.edit.setText)
        dialog.open()

    def path(self) -> Path:
        text = self.edit.text().strip()
        if not text:
            raise DomainError(TEXTS["no_file"])
        return Path(text)


def _qdate(day: date) -> QtCore.QDate:
    return QtCore.QDate(day.year, day.month, day.day)


def _pydate(value: QtCore.QDate) -> date:
    return date(value.year(), value.month(), value.day())


class _Dialog(QtWidgets.QDialog):
    def __init__(self, desk: Desk, title: str, go: str, parent: QtWidgets.QWidget | None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.setWindowTitle(title)
        self.form = QtWidgets.QFormLayout()
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.go = buttons.addButton(go, QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(buttons)
        self.done_path: Path | None = None
        self.runner: JobRunner | None = None
        self.save: _SaveRow  # set by each dialog

    def job(self) -> tuple[Path, ProcessJob]:
        """The file and the work that writes it, from the choices made (read here, on the GUI thread)."""
        raise NotImplementedError

    def told(self, result: Any, path: Path) -> str:
        """What to say when the file is written."""
        raise NotImplementedError

    def accept(self) -> None:
        """Write the file as a job (progress, 取消); a refusal is shown and the dialog stays open to correct the
        choice, as it does after 取消."""
        try:
            path, work = self.job()
        except DomainError as err:
            message(self, TEXTS["error"], str(err))
            return

        def done(result: Any) -> None:
            self.done_path = path
            message(self.parentWidget(), self.windowTitle(), self.told(result, path),
                    QtWidgets.QMessageBox.Icon.Information)
            super(_Dialog, self).accept()

        self.go.setEnabled(False)
        self.runner = run_job(self.desk, self.windowTitle(), ProcessJob(long_jobs.writing, work, path),
                              parent=self, done=done,
                              failed=lambda text: message(self, TEXTS["error"], text))
        self.runner.finished.connect(lambda: self.go.setEnabled(True))


class LedgerExportDialog(_Dialog):
    """Filters and a file name, then the ledger."""

    def __init__(self, desk: Desk, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(desk, TEXTS["export_title"], TEXTS["go_export"], parent)
        self.setObjectName("ledgerExportDialog")
        self.status = QtWidgets.QComboBox()
        self.status.addItem(TEXTS["all"], "")
        for code, label in STATUSES.items():
            self.status.addItem(label, code)
        self.colour = QtWidgets.QComboBox()
        for code, label in COLOUR_CHOICES:
            self.colour.addItem(label, code)
        today = desk.today()
        self.by_date = QtWidgets.QCheckBox(TEXTS["by_date"])
        self.date_from = QtWidgets.QDateEdit(_qdate(today.replace(day=1)))
        self.date_to = QtWidgets.QDateEdit(_qdate(today))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            self.by_date.toggled.connect(edit.setEnabled)
        dates = QtWidgets.QHBoxLayout()
        for widget in (self.by_date, self.date_from, QtWidgets.QLabel(TEXTS["to"]), self.date_to):
            dates.addWidget(widget)
        self.full_id = QtWidgets.QCheckBox(TEXTS["full_id"])
        show_right(self.full_id, self.desk.account, "full_id", "")  # a leader's: greyed, saying so
        self.save = _SaveRow(Path.home() / f"信访事项台账-{today:%Y%m%d}.xlsx")
        self.form.addRow(TEXTS["status"], self.status)
        self.form.addRow(TEXTS["colour"], self.colour)
        self.form.addRow("", dates)
        self.form.addRow("", self.full_id)
        self.form.addRow(TEXTS["file"], self.save)
        self.count = 0
        self.resize(560, 0)

    def ledger_filter(self) -> LedgerFilter:
        on = self.by_date.isChecked()
        return LedgerFilter(self.status.currentData(), self.colour.currentData(),
                            _pydate(self.date_from.date()) if on else None,
                            _pydate(self.date_to.date()) if on else None)

    def job(self) -> tuple[Path, ProcessJob]:
        path = self.save.path()
        self.desk.require_station()
        flt, full_id = self.ledger_filter(), self.full_id.isChecked()
        outputs.may_output(self.desk, full_id=full_id)  # the right to it, checked before any work
        return path, ProcessJob(long_jobs.ledger, path, flt, full_id, TEXTS["writing_ledger"])

    def told(self, result: Any, path: Path) -> str:
        self.count = int(result)
        return TEXTS["exported"].format(count=self.count, path=path)


class ReportDialog(_Dialog):
    """A date and a file name, then 每日一报 or 周报."""

    def __init__(self, desk: Desk, kind: str, parent: QtWidgets.QWidget | None = None) -> None:
        name = KINDS[kind]
        super().__init__(desk, TEXTS["report_title"].format(name=name), TEXTS["go_report"], parent)
        self.setObjectName(f"{kind}ReportDialog")
        self.kind = kind
        today = desk.today()
        self.day = QtWidgets.QDateEdit(_qdate(today))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setMaximumDate(_qdate(today))
        self.save = _SaveRow(Path.home() / f"{name}-{today:%Y%m%d}.xlsx")
        note = QtWidgets.QLabel(TEXTS["report_note"])
        note.setWordWrap(True)
        self.form.addRow(TEXTS["report_day"], self.day)
        self.form.addRow(TEXTS["file"], self.save)
        self.form.addRow("", note)
        self.resize(520, 0)

    def job(self) -> tuple[Path, ProcessJob]:
        path = self.save.path()
        kind, day = self.kind, _pydate(self.day.date())
        outputs.may_output(self.desk, full_id=False)

        return path, ProcessJob(long_jobs.report, kind, day, path, (TEXTS["counting"], TEXTS["writing_report"]))

    def told(self, result: Any, path: Path) -> str:
        return TEXTS["reported"].format(name=KINDS[self.kind], path=path)


def install(window: Any) -> None:
    """Add the 台账 menu."""
    menu = menu_before_help(window, TEXTS["menu"])
    menu.setObjectName("ledgerMenu")

    def open_dialog(make: Any) -> QtWidgets.QDialog:
        dialog = make()
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    entries = (
        ("ledger_export", TEXTS["export"], lambda: LedgerExportDialog(window.desk, window)),
        ("ledger_import", TEXTS["import"], lambda: LedgerImportWizard(window.desk, window)),
        ("report_daily", TEXTS["daily"], lambda: ReportDialog(window.desk, "daily", window)),
        ("report_weekly", TEXTS["weekly"], lambda: ReportDialog(window.desk, "weekly", window)),
    )
    for name, text, make in entries:
        action = QtGui.QAction(text, window)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False, m=make: open_dialog(m))
        menu.addAction(action)
        if name == "ledger_import":
            menu.addSeparator()
