"""Exporting a bundle to the parent or a child, and importing one: progress, then what came in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.models.case_conflicts import FIELD_LABELS
from app.models.errors import DomainError
from app.ops import long_jobs
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.ops.job_process import ProcessJob
from app.sync import parts
from app.views.common import error_label, message, show_error
from app.views.jobs import JobRunner
from app.views.qt import Qt, QtWidgets

TEXTS = {
    "export_title": "导出同步包",
    "to": "发往：",
    "file": "保存到：",
    "browse": "浏览…",
    "export": "导出",
    "cancel": "取消",
    "up": "上级：{code} {name}",
    "down": "下级：{code} {name}",
    "no_peer": "本站还没有可以发往的上级或下级站点：请先在“同步 → 站点与证书”中完成入网（生成入网申请，"
               "由上级签发证书后安装）。",
    "exported": "已导出同步包：\n{path}\n\n事件 {events} 个，涉及案件 {cases} 件，佐证材料 {evidence} 个。\n"
                "请将文件拷贝到 U 盘交给 {code}（{name}）。",
    "import_title": "导入同步包",
    "filter": "同步包 (*.zip *.zip.part*);;所有文件 (*)",
    "failed": "导入失败：{reason}\n\n本站数据未作任何改动。",
    "export_failed": "导出失败：{reason}",
    "summary_title": "导入完成",
    "summary": "已导入 {sender}（{name}）{at} 生成的同步包。",
    "figures": "新案件 {new} 件　有变化的案件 {changed} 件　新的修改冲突 {conflicts} 处　重复事件已跳过 {dups} 个",
    "new_cases": "新案件",
    "changed_cases": "有变化的案件",
    "conflicts": "修改冲突（请在“同步 → 修改冲突”中处理）",
    "held": "暂存的事件：{count} 件案件的登记还没有同步到本站，关于它们的办理事件已保存，登记到达后一并显示。",
    "close": "关闭",
}


def default_name(own: str, peer: str, when: str) -> str:
    return f"同步包_{own}_至_{peer}_{when[:16].replace('-', '').replace(':', '').replace('T', '-')}.zip"


class ExportDialog(QtWidgets.QDialog):
    """Choose the parent or a child and where to write; the export runs with a progress bar."""

    def __init__(self, desk: Desk, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.setObjectName("syncExportDialog")
        self.setWindowTitle(TEXTS["export_title"])
        self.peer = QtWidgets.QComboBox()
        self.peer.setObjectName("syncPeer")
        self.path = QtWidgets.QLineEdit()
        self.path.setObjectName("syncExportPath")
        browse = QtWidgets.QPushButton(TEXTS["browse"])
        browse.clicked.connect(self.browse)
        self.error = error_label()
        self.buttons = QtWidgets.QDialogButtonBox()
        self.ok = self.buttons.addButton(TEXTS["export"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("syncExportButton")
        self.buttons.addButton(TEXTS["cancel"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QtWidgets.QFormLayout(self)
        form.addRow(TEXTS["to"], self.peer)
        form.addRow(TEXTS["file"], row)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.runner: JobRunner | None = None
        self.result: Any = None
        try:
            peers = transfer.peers(desk)
        except DomainError:  # no certificate yet: say where to get one in the program, not on the command line
            peers = []
        for cert, direction in peers:
            self.peer.addItem(TEXTS[direction].format(code=cert.code, name=cert.name), cert.code)
        if not peers:
            show_error(self.error, TEXTS["no_peer"])
        self.ok.setEnabled(bool(peers))
        self.peer.currentIndexChanged.connect(self._suggest)
        self._suggest()
        self.resize(560, self.sizeHint().height())
        self._fit()

    def _suggest(self) -> None:
        code = self.peer.currentData()
        if code:
            folder = Path(self.path.text()).parent if self.path.text() else Path.home()
            name = default_name(self.desk.require_station().code, code, self.desk.now().isoformat())
            self.path.setText(str(folder / name))

    def browse(self) -> None:
        chosen, _ = QtWidgets.QFileDialog.getSaveFileName(self, TEXTS["export_title"], self.path.text(),
                                                          TEXTS["filter"])
        if chosen:
            self.path.setText(chosen)

    def start(self) -> None:
        code = self.peer.currentData()
        out = Path(self.path.text().strip())
        if not code or not self.path.text().strip():
            return
        show_error(self.error, "")
        self.ok.setEnabled(False)
        self.runner = JobRunner(self.desk, TEXTS["export_title"],
                                 ProcessJob(long_jobs.sync_export, code, out), {"sync"}, self)
        self.runner.done.connect(self._done)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(lambda: self.ok.setEnabled(True))
        self.runner.start()

    def _done(self, result: Any) -> None:
        self.result = result
        counts, m = result.manifest["counts"], result.manifest
        message(self.parentWidget(), TEXTS["export_title"], TEXTS["exported"].format(
            path=parts.describe(result.parts), code=m["receiver"], name=m["receiver_name"], **counts),
            QtWidgets.QMessageBox.Icon.Information)
        self.accept()

    def _failed(self, text: str) -> None:
        self.ok.setEnabled(True)
        show_error(self.error, TEXTS["export_failed"].format(reason=text))
        self._fit()

    def _fit(self) -> None:
        """Grow to show the whole message under the form (a wrapped label does not ask for room by itself)."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.resize(self.width(), max(self.height(), self.heightForWidth(self.width()), self.sizeHint().height()))


class ImportSummary(QtWidgets.QDialog):
    """What an import brought: new and changed cases, conflicts, duplicates skipped."""

    def __init__(self, result: transfer.ImportResult, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importSummary")
        self.setWindowTitle(TEXTS["summary_title"])
        info, report = result.info, result.report
        layout = QtWidgets.QVBoxLayout(self)
        head = QtWidgets.QLabel(TEXTS["summary"].format(sender=info.sender, name=info.sender_name,
                                                        at=info.created_at.replace("T", " ")))
        figures = QtWidgets.QLabel(TEXTS["figures"].format(
            new=len(report.new_cases), changed=len(report.changed_cases), conflicts=len(report.conflicts),
            dups=report.duplicates))
        figures.setObjectName("importFigures")
        layout.addWidget(head)
        layout.addWidget(figures)
        for text, name in ((result.recovery_message, "importRecovery"),
                           (TEXTS["held"].format(count=len(report.held_cases)) if report.held_cases else "",
                            "importHeld")):
            if text:
                label = QtWidgets.QLabel(text)
                label.setObjectName(name)
                label.setWordWrap(True)
                layout.addWidget(label)
        for key, items in (("new_cases", report.new_cases), ("changed_cases", report.changed_cases),
                           ("conflicts", [f"{c} {FIELD_LABELS.get(f, f)}" for c, f in report.conflicts])):
            if items:
                box = QtWidgets.QListWidget()
                box.setObjectName(f"import_{key}")
                box.addItems(items[:500])
                layout.addWidget(QtWidgets.QLabel(TEXTS[key]))
                layout.addWidget(box)
        close = QtWidgets.QPushButton(TEXTS["close"])
        close.clicked.connect(self.accept)
        layout.addWidget(close, alignment=Qt.AlignmentFlag.AlignRight)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)


def start_import(desk: Desk, path: Path, parent: QtWidgets.QWidget | None = None) -> JobRunner:
    """Import ``path`` with a progress dialog, then show the summary (or the reason it was refused)."""
    runner = JobRunner(desk, TEXTS["import_title"], ProcessJob(long_jobs.sync_import, path),
                        {"cases", "sync", "conflicts", "stations"}, parent)

    def done(result: transfer.ImportResult) -> None:
        summary = ImportSummary(result, parent)
        summary.open()

    def failed(text: str) -> None:
        message(parent, TEXTS["import_title"], TEXTS["failed"].format(reason=text))

    runner.done.connect(done)
    runner.failed.connect(failed)
    runner.start()
    return runner


def choose_and_import(desk: Desk, parent: QtWidgets.QWidget) -> JobRunner | None:
    chosen, _ = QtWidgets.QFileDialog.getOpenFileName(parent, TEXTS["import_title"], str(Path.home()),
                                                      TEXTS["filter"])
    return start_import(desk, Path(chosen), parent) if chosen else None
