"""The ledger import wizard: pick a file → see how its columns are read → see what the check found → import.

Nothing is written before the last step; the import itself is one transaction (app.ops.bulk), so it creates
every valid row or, if anything goes wrong, nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.models.vocab import CHANNELS, HOTLINE_CHANNEL
from app.ops import long_jobs, outputs
from app.ops.desk import Desk
from app.ops.job_process import ProcessJob
from app.reports.ledger_import import (
    FIELDS,
    HOTLINE_SOURCE,
    MASKED_ID_HELP,
    ImportPlan,
    default_rejected_path,
    masked_rows,
)
from app.views.common import ERROR_HEX, fit_to_screen, fitted, message
from app.views.jobs import JobRunner, Work, run_job
from app.views.qt import QtGui, QtWidgets, Signal
from app.views.role_gates import show_right

MAPPING_HEAD = ("台账中的表头", "识别为")
REJECTED_HEAD = ("行号", "信访人", "原因")
TEXTS = {
    "title": "导入台账",
    "file_title": "选择台账文件",
    "file_sub": "选择已有的信访事项台账（Excel、WPS 或 LibreOffice 保存的 xlsx，也可以是 xls 或 ods）。",
    "browse": "浏览…",
    "filter": "台账文件 (*.xlsx *.xls *.ods)",
    "mapping_title": "列的对应",
    "mapping_sub": "按表头识别各列。必需的列：{required}。",
    "sheet": "工作表“{sheet}”，表头在第 {row} 行。",
    "ignored": "未使用的列：{columns}",
    "missing": "缺少必需的列：{columns}。请在台账中补上这些列（或改用常见的表头名称）后重新选择文件。",
    "channel": "来源渠道未填写（或台账没有这一列）时，按",
    "no_channel": "不补（该行不导入）",
    "hotline": "这是12345热线工单导出表",
    "hotline_tip": "每行须有工单编号；全部按“12345热线”渠道登记，已导入过的工单跳过",
    "missing_channel": "台账没有来源渠道列：请在上面选择这些案件的来源渠道（来信、来访、来电或网上）。",
    "check_title": "检查结果",
    "check_sub": "每一行都按登记新案件的规则检查（身份证号校验位、电话、必填项），与本站已有案件重复的行不导入。",
    "counts": "可导入 {valid} 件；未通过检查 {rejected} 行。",
    "counts_skipped": "可导入 {valid} 件；已导入过（跳过）{skipped} 行；未通过检查 {rejected} 行。",
    "save_rejected": "保存未通过的行…",
    "rejected_full_id": "完整身份证号（需领导账号；默认脱敏）",
    "saved": "未通过的行已保存：{path}",
    "save_failed": "无法保存未通过的行",
    "import": "导入",
    "nothing": "没有可导入的行。",
    "done_title": "导入完成",
    "done": "已导入 {count} 件案件（{first} 至 {last}）。",
    "error": "无法导入",
    "reading": "正在读取台账…",
    "checking": "正在逐行检查…",
    "read_cancelled": "已取消读取。请按“下一步”重新读取，或按“上一步”另选文件。",
    "importing": "正在导入案件…",
}


class FilePage(QtWidgets.QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(TEXTS["file_title"])
        self.setSubTitle(TEXTS["file_sub"])
        self.path = QtWidgets.QLineEdit()
        self.path.setObjectName("ledgerPath")
        self.path.textChanged.connect(self.completeChanged)
        browse = QtWidgets.QPushButton(TEXTS["browse"])
        browse.clicked.connect(self._browse)
        row = QtWidgets.QHBoxLayout(self)
        row.addWidget(self.path, 1)
        row.addWidget(browse)

    def _browse(self) -> None:
        dialog = QtWidgets.QFileDialog(self, TEXTS["file_title"], str(Path.home()), TEXTS["filter"])
        dialog.setFileMode(QtWidgets.QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.path.setText)
        dialog.open()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return Path(self.path.text().strip()).is_file()


class MappingPage(QtWidgets.QWizardPage):
    def __init__(self, wizard: LedgerImportWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(TEXTS["mapping_title"])
        required = "、".join(label for label, _, needed in FIELDS.values() if needed)
        self.setSubTitle(TEXTS["mapping_sub"].format(required=required))
        self.where = QtWidgets.QLabel()
        self.table = QtWidgets.QTableWidget(0, 2)
        self.table.setObjectName("mappingTable")
        self.table.verticalHeader().hide()
        self.table.setHorizontalHeaderLabels(MAPPING_HEAD)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.note = QtWidgets.QLabel()
        self.note.setWordWrap(True)
        # A ledger without a 来源渠道 column (or with blank cells) is given one channel for those rows.
        self.channel = QtWidgets.QComboBox()
        self.channel.setObjectName("defaultChannel")
        self.channel.addItem(TEXTS["no_channel"], "")
        for code, label in CHANNELS.items():
            if code != HOTLINE_CHANNEL:  # 12345 work orders come in through the box below, with their numbers
                self.channel.addItem(label, code)
        self.channel.currentIndexChanged.connect(lambda _index: self.initializePage())
        self.hotline = QtWidgets.QCheckBox(TEXTS["hotline"])
        self.hotline.setObjectName("hotlineSource")
        self.hotline.setToolTip(TEXTS["hotline_tip"])
        self.hotline.toggled.connect(lambda _on: self.initializePage())
        channel_row = QtWidgets.QHBoxLayout()
        channel_row.addWidget(QtWidgets.QLabel(TEXTS["channel"]))
        channel_row.addWidget(self.channel)
        channel_row.addWidget(self.hotline)
        channel_row.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.table, 1)
        layout.addLayout(channel_row)
        layout.addWidget(self.note)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        """Read the ledger as a job (a big one takes seconds); the page fills when it is read."""
        self.owner.plan = None
        self.where.setText("")
        self.table.setRowCount(0)
        self._note(TEXTS["reading"], error=False)
        path, channel = Path(self.owner.file_page.path.text().strip()), str(self.channel.currentData() or "")
        source = HOTLINE_SOURCE if self.hotline.isChecked() else ""
        self.owner.run(TEXTS["reading"],
                       ProcessJob(long_jobs.plan_ledger_import, path, channel, source, TEXTS["checking"]),
                       self.show_plan, lambda text: self._note(text, error=True),
                       lambda: self._note(TEXTS["read_cancelled"], error=True))

    def show_plan(self, plan: ImportPlan) -> None:
        self.owner.plan = plan
        self.where.setText(TEXTS["sheet"].format(sheet=plan.sheet, row=plan.header_row))
        lines = plan.mapping_lines()
        self.table.setRowCount(len(lines))
        for row, (header, label) in enumerate(lines):
            self.table.setItem(row, 0, QtWidgets.QTableWidgetItem(header))
            self.table.setItem(row, 1, QtWidgets.QTableWidgetItem(label))
        if plan.missing == ["channel"]:
            self._note(TEXTS["missing_channel"], error=True)
        elif plan.missing:
            self._note(TEXTS["missing"].format(columns="、".join(FIELDS[k][0] for k in plan.missing)), error=True)
        else:
            ignored = plan.ignored_headers
            self._note(TEXTS["ignored"].format(columns="、".join(ignored)) if ignored else "", error=False)

    def _note(self, text: str, error: bool) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(f"color: {ERROR_HEX};" if error else "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        plan = self.owner.plan
        return plan is not None and not plan.missing


class CheckPage(QtWidgets.QWizardPage):
    def __init__(self, wizard: LedgerImportWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(TEXTS["check_title"])
        self.setSubTitle(TEXTS["check_sub"])
        self.setButtonText(QtWidgets.QWizard.WizardButton.NextButton, TEXTS["import"])
        self.counts = QtWidgets.QLabel()
        self.counts.setObjectName("checkCounts")
        self.counts.setWordWrap(True)
        self.table = QtWidgets.QTableWidget(0, 3)
        self.table.setObjectName("rejectedTable")
        self.table.verticalHeader().hide()  # the 行号 column is the spreadsheet's own row number
        self.table.setHorizontalHeaderLabels(REJECTED_HEAD)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.save = QtWidgets.QPushButton(TEXTS["save_rejected"])
        self.save.clicked.connect(self._ask_save)
        self.full_id = QtWidgets.QCheckBox(TEXTS["rejected_full_id"])
        show_right(self.full_id, wizard.desk.account, "full_id", "")  # a leader's: greyed, saying so
        self.full_id.setObjectName("rejectedFullId")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.save)
        row.addWidget(self.full_id)
        row.addStretch(1)
        layout.addLayout(row)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        plan = self.owner.plan
        assert plan is not None
        self.imported = False
        rejected = plan.rejected
        counts = TEXTS["counts_skipped"] if plan.skipped else TEXTS["counts"]
        text = counts.format(valid=len(plan.valid), rejected=len(rejected), skipped=len(plan.skipped))
        self.counts.setText(text + ("\n" + MASKED_ID_HELP if masked_rows(plan) else ""))
        self.table.setRowCount(len(rejected))
        name_column = plan.mapping.get("name")
        for row, result in enumerate(rejected):
            name = result.values[name_column] if name_column is not None and name_column < len(result.values) else ""
            for column, text in enumerate((str(result.row), str(name or ""), result.reason)):
                item = QtWidgets.QTableWidgetItem(text)
                if column == 2:
                    item.setForeground(QtGui.QColor(ERROR_HEX))
                self.table.setItem(row, column, item)
        self.table.resizeColumnToContents(0)
        self.save.setEnabled(bool(rejected))

    def _ask_save(self) -> None:
        plan = self.owner.plan
        assert plan is not None
        dialog = QtWidgets.QFileDialog(self, TEXTS["save_rejected"], str(default_rejected_path(plan.path)),
                                       "Excel (*.xlsx)")
        dialog.setAcceptMode(QtWidgets.QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("xlsx")
        dialog.fileSelected.connect(lambda name: self.save_rejected(Path(name)))
        dialog.open()

    def save_rejected(self, path: Path) -> bool:
        """Write the refused rows (recorded as an output); a refusal (full ID numbers asked by a handler, the file
        open in Excel, a read-only stick…) is shown."""
        assert self.owner.plan is not None
        try:
            outputs.save_rejected_rows(self.owner.desk, self.owner.plan, path, full_id=self.full_id.isChecked())
        except DomainError as err:
            message(self, TEXTS["save_failed"], str(err))
            return False
        message(self, TEXTS["save_rejected"], TEXTS["saved"].format(path=path), QtWidgets.QMessageBox.Icon.Information)
        return True

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.owner.plan is not None and bool(self.owner.plan.valid)

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        """The import itself, as a job: one transaction, so 取消 or a refusal creates nothing and keeps the wizard
        on this page; once it is done the wizard moves on."""
        plan = self.owner.plan
        assert plan is not None
        if self.imported:
            return True

        def done(created: list[str]) -> None:
            self.owner.created, self.imported = created, True
            self.owner.next()

        self.owner.run(TEXTS["importing"], ProcessJob(long_jobs.ledger_import, plan, TEXTS["importing"]),
                       done, lambda text: message(self, TEXTS["error"], text), lambda: None, kinds={"cases"})
        return False


class DonePage(QtWidgets.QWizardPage):
    def __init__(self, wizard: LedgerImportWizard) -> None:
        super().__init__()
        self.owner = wizard
        self.setTitle(TEXTS["done_title"])
        self.text = QtWidgets.QLabel()
        self.text.setObjectName("doneText")
        QtWidgets.QVBoxLayout(self).addWidget(self.text)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        ids = self.owner.created
        self.text.setText(TEXTS["done"].format(count=len(ids), first=ids[0], last=ids[-1]) if ids
                          else TEXTS["nothing"])


class LedgerImportWizard(QtWidgets.QWizard):
    """Import an existing ledger as new cases."""

    job_finished = Signal()  # reading or importing the ledger ended (done, refused or cancelled)

    def __init__(self, desk: Desk, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ledgerImportWizard")
        self.setWindowTitle(TEXTS["title"])
        self.setWizardStyle(QtWidgets.QWizard.WizardStyle.ModernStyle)
        self.desk = desk
        self.plan: ImportPlan | None = None
        self.created: list[str] = []
        self.file_page = FilePage()
        self.mapping_page = MappingPage(self)
        self.check_page = CheckPage(self)
        self.done_page = DonePage(self)
        for page in (self.file_page, self.mapping_page, self.check_page, self.done_page):
            self.addPage(page)
        self.setOption(QtWidgets.QWizard.WizardOption.NoBackButtonOnLastPage)
        buttons = QtWidgets.QWizard.WizardButton
        for button, text in ((buttons.BackButton, "上一步"), (buttons.NextButton, "下一步"),
                             (buttons.CancelButton, "取消"), (buttons.FinishButton, "完成")):
            self.setButtonText(button, text)
        fit_to_screen(fitted(self), 760, 560)
        self.runner: JobRunner | None = None

    def run(self, title: str, work: Work, done: Callable[[Any], object], failed: Callable[[str], object],
            cancelled: Callable[[], object], kinds: Iterable[str] = ()) -> None:
        """Run a step of the wizard as a job (progress, 取消) on the wizard's desk."""
        self.runner = run_job(self.desk, title, work, parent=self, kinds=kinds, done=done, failed=failed)
        self.runner.cancelled.connect(cancelled)
        self.runner.finished.connect(self.job_finished)
