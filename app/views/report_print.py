"""The 打印 menu: a print preview of case summary sheets (QPdfView) and printing through the system dialog.

The preview shows the very PDF the command line writes (app.reports.sheet), so what is seen is what is
printed. Printing renders each PDF page to an image at the printer's resolution (at most 300 dpi) on white:
QPdfDocument.render() gives a transparent image, which prints as black on some drivers.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.ops import outputs
from app.ops.desk import Desk
from app.reports.sheet import write_sheets
from app.reports.sheet_data import match_printout, open_case_ids, parse_qr_text, sheets
from app.store.files import write_bytes
from app.views.common import fit_to_screen, fitted, message
from app.views.qt import QtCore, QtGui, QtPdf, QtPdfWidgets, QtPrintSupport, QtWidgets

TEXTS = {
    "menu": "打印(&P)",
    "print": "打印办理情况表…",
    "print_open": "打印全部未办结案件…",
    "check": "核对打印件…",
    "title": "打印预览 — 信访事项办理情况表",
    "summary": "{cases} 件案件，共 {pages} 页",
    "full_id": "显示完整身份证号",
    "print_button": "打印…",
    "save": "另存为 PDF…",
    "close": "关闭",
    "no_case": "请先在案件列表中选择要打印的案件",
    "no_open": "没有未办结的案件",
    "pdf_filter": "PDF 文件 (*.pdf)",
    "saved": "已保存：{path}",
    "check_title": "核对打印件",
    "check_prompt": "请扫描打印件右上角的二维码，或输入“案件编号 校验码”：",
    "error": "无法打印",
    "save_failed": "无法保存 PDF",
}
MAX_DPI = 300


class PrintPreview(QtWidgets.QDialog):
    """A preview of the sheets of some cases, with 打印 and 另存为 PDF."""

    def __init__(self, desk: Desk, case_ids: list[str], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("printPreview")
        self.setWindowTitle(TEXTS["title"])
        self.desk, self.case_ids = desk, case_ids
        self.pdf_bytes = b""
        self.document = QtPdf.QPdfDocument(self)
        self._buffer: QtCore.QBuffer | None = None
        self.view = QtPdfWidgets.QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setDocument(self.document)
        self.view.setPageMode(QtPdfWidgets.QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QtPdfWidgets.QPdfView.ZoomMode.FitToWidth)
        self.summary = QtWidgets.QLabel()
        self.full_id = QtWidgets.QCheckBox(TEXTS["full_id"])
        self.full_id.toggled.connect(self._reload_shown)
        buttons = QtWidgets.QDialogButtonBox()
        self.print_button = buttons.addButton(TEXTS["print_button"], QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = buttons.addButton(TEXTS["save"], QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(TEXTS["close"], QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        self.print_button.clicked.connect(self.ask_print)
        self.save_button.clicked.connect(self.ask_save)
        buttons.rejected.connect(self.reject)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.full_id)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        fit_to_screen(fitted(self), 820, 960)
        self.reload()

    def reload(self) -> None:
        """Make the PDF again (after the ID-number choice changed) and show it."""
        out = io.BytesIO()
        if self.full_id.isChecked():
            try:
                outputs.may_output(self.desk, full_id=True)  # a handler is told a leader is needed
            except DomainError:
                self.full_id.setChecked(False)
                raise
        QtWidgets.QApplication.setOverrideCursor(QtGui.QCursor(QtCore.Qt.CursorShape.WaitCursor))
        try:
            write_sheets(out, sheets(self.desk, self.case_ids, full_id=self.full_id.isChecked()))
        finally:
            QtWidgets.QApplication.restoreOverrideCursor()
        self.pdf_bytes = out.getvalue()
        self.document.close()
        self._buffer = QtCore.QBuffer(self)
        self._buffer.setData(QtCore.QByteArray(self.pdf_bytes))
        self._buffer.open(QtCore.QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.summary.setText(TEXTS["summary"].format(cases=len(self.case_ids), pages=self.document.pageCount()))

    def _reload_shown(self) -> None:
        try:
            self.reload()
        except DomainError as err:
            message(self, TEXTS["error"], str(err))

    def page_image(self, page: int, dpi: int) -> QtGui.QImage:
        """One page at ``dpi`` on a white background."""
        points = self.document.pagePointSize(page)
        size = QtCore.QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
        rendered = self.document.render(page, size)
        image = QtGui.QImage(size, QtGui.QImage.Format.Format_RGB32)
        image.fill(QtGui.QColor("white"))
        painter = QtGui.QPainter(image)
        painter.drawImage(0, 0, rendered)
        painter.end()
        return image

    def print_to(self, printer: QtPrintSupport.QPrinter) -> int:
        """Print every page on ``printer``; returns the number of pages sent."""
        dpi = min(printer.resolution(), MAX_DPI)
        painter = QtGui.QPainter()
        if not painter.begin(printer):
            raise DomainError("无法开始打印：打印机不可用")
        try:
            for page in range(self.document.pageCount()):
                if page:
                    printer.newPage()
                image = self.page_image(page, dpi)
                target = painter.viewport()
                scaled = image.size().scaled(target.size(), QtCore.Qt.AspectRatioMode.KeepAspectRatio)
                painter.setViewport(target.x(), target.y(), scaled.width(), scaled.height())
                painter.setWindow(image.rect())
                painter.drawImage(0, 0, image)
                painter.setViewport(target)
        finally:
            painter.end()
        return self.document.pageCount()

    def ask_print(self) -> None:
        printer = QtPrintSupport.QPrinter(QtPrintSupport.QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4))
        printer.setFullPage(True)  # the PDF carries its own margins
        dialog = QtPrintSupport.QPrintDialog(printer, self)
        dialog.setObjectName("printDialog")
        dialog.accepted.connect(lambda: self._print_shown(printer))
        self._printer = printer  # kept alive until the dialog is answered
        dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        dialog.show()

    def _record(self, target: str) -> None:
        """The sheets left the program (printed or saved): recorded as an output of personal data."""
        outputs.record_output(self.desk, "sheet", target, cases=len(self.case_ids),
                              people=outputs.people_in(self.desk, self.case_ids), full_id=self.full_id.isChecked())

    def _print_shown(self, printer: QtPrintSupport.QPrinter) -> None:
        try:
            self.print_to(printer)
            self._record(f"打印：{printer.printerName() or '打印机'}")
        except DomainError as err:
            message(self, TEXTS["error"], str(err))

    def ask_save(self) -> None:
        dialog = QtWidgets.QFileDialog(self, TEXTS["save"], str(Path.home() / f"{self.case_ids[0]}.pdf"),
                                       TEXTS["pdf_filter"])
        dialog.setAcceptMode(QtWidgets.QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.fileSelected.connect(lambda name: self.save_to(Path(name)))
        dialog.open()

    def save_to(self, path: Path) -> bool:
        """Save the PDF shown; a refusal (file open in a reader, no room on the stick…) is shown, not raised."""
        try:
            write_bytes(path, self.pdf_bytes)
            self._record(str(path))
        except DomainError as err:
            message(self, TEXTS["save_failed"], str(err))
            return False
        message(self, TEXTS["save"], TEXTS["saved"].format(path=path), QtWidgets.QMessageBox.Icon.Information)
        return True


def menu_before_help(window: QtWidgets.QMainWindow, title: str) -> QtWidgets.QMenu:
    bar = window.menuBar()
    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QtWidgets.QMenu) and menu.title() == title:
            return menu
    menu = QtWidgets.QMenu(title, bar)
    help_menu = bar.findChild(QtWidgets.QMenu, "helpMenu")
    before = help_menu.menuAction() if help_menu is not None else None
    if before is not None and before in bar.actions():
        bar.insertMenu(before, menu)
    else:
        bar.addMenu(menu)
    return menu


def preview(window: Any, case_ids: list[str]) -> PrintPreview | None:
    """Open the preview of these cases (a refusal is shown, not raised)."""
    if not case_ids:
        message(window, TEXTS["error"], TEXTS["no_case"])
        return None
    try:
        dialog = PrintPreview(window.desk, case_ids, window)
    except DomainError as err:
        message(window, TEXTS["error"], str(err))
        return None
    dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def chosen_cases(window: Any) -> list[str]:
    """The selected cases, or the one shown in the detail."""
    selected = list(window.selected_case_ids())
    current = window.current_case_id()
    return selected or ([current] if current else [])


def check_printout(window: Any, text: str) -> str:
    """What a scanned QR code says about its printout, as a sentence."""
    case_id, code = parse_qr_text(text)
    events = window.desk.events(case_id)
    if not events:
        raise DomainError(f"找不到案件：{case_id}")
    return f"{case_id}：{match_printout(events, code).describe()}"


def ask_check(window: Any) -> QtWidgets.QInputDialog:
    dialog = QtWidgets.QInputDialog(window)
    dialog.setObjectName("checkPrintout")
    dialog.setWindowTitle(TEXTS["check_title"])
    dialog.setLabelText(TEXTS["check_prompt"])

    def answer(text: str) -> None:
        try:
            message(window, TEXTS["check_title"], check_printout(window, text),
                    QtWidgets.QMessageBox.Icon.Information)
        except DomainError as err:
            message(window, TEXTS["check_title"], str(err))

    dialog.textValueSelected.connect(answer)
    dialog.open()
    return dialog


def install(window: Any) -> None:
    """Add the 打印 menu: Ctrl+P previews the selected cases (or the case shown)."""
    menu = menu_before_help(window, TEXTS["menu"])
    menu.setObjectName("printMenu")
    actions = (
        ("print_sheets", TEXTS["print"], "Ctrl+P", lambda: preview(window, chosen_cases(window))),
        ("print_open", TEXTS["print_open"], "", lambda: preview(window, open_case_ids(window.desk))),
        ("check_printout", TEXTS["check"], "", lambda: ask_check(window)),
    )
    for name, text, shortcut, slot in actions:
        action = QtGui.QAction(text, window)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False, run=slot: run())
        menu.addAction(action)
