"""The recovery key, shown once right after a station is set up, with the printable sheet (PDF, QR code) to keep
in the office safe. It is never shown again: the program keeps only what it wraps."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from app.models.errors import DomainError
from app.ops.desk import Station
from app.views.common import error_label, show_error
from app.views.qt import QtGui, QtWidgets

TEXTS = {
    "title": "恢复密钥（只显示这一次）",
    "intro": "这是本站的恢复密钥。忘记全部管理员密码时，只有用它才能为管理员设置新密码并打开本站数据。"
             "请现在保存恢复密钥单并打印，密封存放于办公室保险柜；本窗口关闭后不再显示。",
    "sheet": "保存恢复密钥单（PDF）…",
    "done": "我已保存并打印",
    "save_title": "保存恢复密钥单",
    "saved": "已保存：{path}（打印后请删除电子文件）",
    "filter": "PDF 文件 (*.pdf)",
}


class RecoveryKeyDialog(QtWidgets.QDialog):
    def __init__(self, station: Station, recovery_key: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryKeyDialog")
        self.setWindowTitle(TEXTS["title"])
        self.station, self.recovery_key = station, recovery_key
        intro = QtWidgets.QLabel(TEXTS["intro"])
        intro.setWordWrap(True)
        self.key = QtWidgets.QLineEdit(recovery_key)
        self.key.setObjectName("recoveryKey")
        self.key.setReadOnly(True)
        mono = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        mono.setPointSize(12)
        self.key.setFont(mono)
        self.key.setMinimumWidth(self.key.fontMetrics().horizontalAdvance(recovery_key) + 24)
        self.status = error_label()
        buttons = QtWidgets.QDialogButtonBox()
        self.sheet_button = buttons.addButton(TEXTS["sheet"], QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.sheet_button.setObjectName("sheetButton")
        self.sheet_button.clicked.connect(self.ask_where)
        done = buttons.addButton(TEXTS["done"], QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        done.setObjectName("doneButton")
        buttons.accepted.connect(self.accept)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.key)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def ask_where(self) -> None:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(self, TEXTS["save_title"],
                                                        str(Path.home() / f"恢复密钥单-{self.station.code}.pdf"),
                                                        TEXTS["filter"])
        if name:
            self.save_sheet(Path(name))

    def save_sheet(self, path: Path) -> None:
        from app.reports.recovery_sheet import write_recovery_sheet

        try:
            write_recovery_sheet(path, self.station, self.recovery_key, datetime.now())
        except DomainError as err:
            show_error(self.status, str(err))
            return
        self.status.setStyleSheet("")
        self.status.setText(TEXTS["saved"].format(path=path))
        self.status.show()
