"""The 打印 menu: a print preview of case summary sheets (QPdfView) and printing through the system dialog.

The preview shows the very PDF the command line writes (app.reports.sheet), so what is seen is what is
printed. Printing renders each PDF page to an image at the printer's resolution (at most 300 dpi) on white:
QPdfDocument.render() gives a transparent image, which prints as black on some drivers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.ops import long_jobs, outputs
from app.ops.desk import Desk
from app.ops.job_process import ProcessJob
from app.reports.sheet_data import match_printout, open_case_ids, parse_qr_text
from app.store.files import output_file, write_bytes
from app.views.common import fit_to_screen, fitted, message
from app.views.jobs import JobRunner, Say, run_job
from app.views.qt import QtCore, QtGui, QtPdf, QtPdfWidgets, QtPrintSupport, QtWidgets
from app.views.role_gates import show_right

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
    "making": "正在生成办理情况表…",
    "opening": "正在打开 {cases} 件案件的办理情况表…",
    "printing": "正在打印…",
    "page_prefix": "第 ",
    "page_suffix": " 页",
}
MAX_DPI = 300
INLINE_CASES = 5  # up to this many sheets (about 0.1 s) are made at once; more run as a job with 取消
MULTI_PAGE_CASES = 40  # more cases than this are previewed a page at a time, with a page box
INLINE_PAGES = 4  # up to this many pages are printed at once; more run as a job with 取消


class PrintPreview(QtWidgets.QDialog):
    """A preview of the sheets of some cases, with 打印 and 另存为 PDF."""

    def __init__(self, desk: Desk, case_ids: list[str], parent: QtWidgets.QWidget | None = None,
                 pdf: bytes | None = None, load_later: bool = False) -> None:
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
        # Laying out every page of a long document in one scroll takes the GUI thread about 0.3 ms a page (4,500
        # pages of all open cases: over a second); past a few dozen cases the preview shows a page at a time.
        self.many = len(case_ids) > MULTI_PAGE_CASES
        self.view.setPageMode(QtPdfWidgets.QPdfView.PageMode.SinglePage if self.many
                              else QtPdfWidgets.QPdfView.PageMode.MultiPage)
        self.page_box = QtWidgets.QSpinBox()
        self.page_box.setObjectName("pageBox")
        self.page_box.setPrefix(TEXTS["page_prefix"])
        self.page_box.setSuffix(TEXTS["page_suffix"])
        self.page_box.setVisible(self.many)
        self.page_box.valueChanged.connect(
            lambda number: self.view.pageNavigator().jump(number - 1, QtCore.QPointF(), 0))
        self.view.setZoomMode(QtPdfWidgets.QPdfView.ZoomMode.FitToWidth)
        self.summary = QtWidgets.QLabel()
        self.full_id = QtWidgets.QCheckBox(TEXTS["full_id"])
        show_right(self.full_id, self.desk.account, "full_id", "")  # a leader's: greyed, saying so
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
        top.addWidget(self.page_box)
        top.addWidget(self.full_id)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        fit_to_screen(fitted(self), 820, 960)
        self.runner: JobRunner | None = None
        if pdf is None:
            self.reload()
        elif load_later:  # the dialog is painted first, the document loaded on the next turn: two short waits
            self.summary.setText(TEXTS["opening"].format(cases=len(case_ids)))
            QtCore.QTimer.singleShot(0, self, lambda: self.show_pdf(pdf))
        else:
            self.show_pdf(pdf)

    def reload(self) -> None:
        """Make the PDF again (after the ID-number choice changed) and show it: a few cases at once, more as a
        job with progress and 取消 (cancelled, the PDF shown before stays, with the choice it was made with)."""
        full_id = self.full_id.isChecked()
        if full_id:
            try:
                outputs.may_output(self.desk, full_id=True)  # a handler is told a leader is needed
            except DomainError:
                self.full_id.setChecked(False)
                raise
        if len(self.case_ids) <= INLINE_CASES:
            self.show_pdf(sheets_pdf(self.desk, self.case_ids, full_id))
            return

        def back() -> None:
            with QtCore.QSignalBlocker(self.full_id):
                self.full_id.setChecked(not full_id)

        def refused(text: str) -> None:
            back()
            message(self, TEXTS["error"], text)

        self.runner = run_job(self.desk, TEXTS["making"],
                              sheets_job(self.case_ids, full_id),
                              parent=self, done=self.show_pdf, failed=refused)
        self.runner.cancelled.connect(back)

    def show_pdf(self, pdf: bytes) -> None:
        self.pdf_bytes = pdf
        self.document.close()
        self._buffer = QtCore.QBuffer(self)
        self._buffer.setData(QtCore.QByteArray(self.pdf_bytes))
        self._buffer.open(QtCore.QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.summary.setText(TEXTS["summary"].format(cases=len(self.case_ids), pages=self.document.pageCount()))
        self.page_box.setRange(1, max(1, self.document.pageCount()))

    def _reload_shown(self) -> None:
        try:
            self.reload()
        except DomainError as err:
            message(self, TEXTS["error"], str(err))

    def page_image(self, page: int, dpi: int) -> QtGui.QImage:
        """One page at ``dpi`` on a white background."""
        return page_image(self.document, page, dpi)

    def print_to(self, printer: QtPrintSupport.QPrinter) -> int:
        """Print every page on ``printer``; returns the number of pages sent."""
        return print_pages(self.pdf_bytes, printer)

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
        """Print what is shown: a few pages at once, more as a job (painting on a printer works in any thread)."""
        if self.document.pageCount() <= INLINE_PAGES:
            try:
                self.print_to(printer)
                self._record(f"打印：{printer.printerName() or '打印机'}")
            except DomainError as err:
                message(self, TEXTS["error"], str(err))
            return
        pdf = self.pdf_bytes
        self.runner = run_job(self.desk, TEXTS["printing"], lambda _own, say: print_pages(pdf, printer, say),
                              parent=self, failed=lambda text: message(self, TEXTS["error"], text),
                              done=lambda _pages: self._record(f"打印：{printer.printerName() or '打印机'}"))

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


def page_image(document: QtPdf.QPdfDocument, page: int, dpi: int) -> QtGui.QImage:
    """One page at ``dpi`` on a white background (QPdfDocument.render gives a transparent one, which prints as
    black on some drivers)."""
    points = document.pagePointSize(page)
    size = QtCore.QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
    rendered = document.render(page, size)
    image = QtGui.QImage(size, QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    return image


def print_pages(pdf: bytes, printer: QtPrintSupport.QPrinter, say: Say | None = None) -> int:
    """Print every page of ``pdf`` on ``printer``; returns the number of pages sent. Usable in a worker thread (its
    own QPdfDocument). 取消 during a job aborts the print run, so the printer's queue gets nothing of it.

    Printed to a PDF file (the print dialog's 打印到文件), the file appears whole or not at all: Qt's PDF printer
    writes its file as it goes and, stopped half-way, leaves the pages so far (an abort is not supported for PDF), so
    it writes to a temporary file beside the chosen one, moved over it once the last page is done."""
    target = printer.outputFileName()
    if printer.outputFormat() != QtPrintSupport.QPrinter.OutputFormat.PdfFormat or not target:
        return _print_pages(pdf, printer, say)
    with output_file(target) as temp:
        printer.setOutputFileName(str(temp))
        try:
            return _print_pages(pdf, printer, say)
        finally:
            printer.setOutputFileName(target)


def _print_pages(pdf: bytes, printer: QtPrintSupport.QPrinter, say: Say | None) -> int:
    document = QtPdf.QPdfDocument()
    buffer = QtCore.QBuffer()
    buffer.setData(QtCore.QByteArray(pdf))
    buffer.open(QtCore.QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    pages = document.pageCount()
    dpi = min(printer.resolution(), MAX_DPI)
    painter = QtGui.QPainter()
    if not painter.begin(printer):
        raise DomainError("无法开始打印：打印机不可用")
    try:
        for page in range(pages):
            if say:
                say(TEXTS["printing"], page, pages)
            if page:
                printer.newPage()
            image = page_image(document, page, dpi)
            target = painter.viewport()
            scaled = image.size().scaled(target.size(), QtCore.Qt.AspectRatioMode.KeepAspectRatio)
            painter.setViewport(target.x(), target.y(), scaled.width(), scaled.height())
            painter.setWindow(image.rect())
            painter.drawImage(0, 0, image)
            painter.setViewport(target)
    except BaseException:
        printer.abort()
        raise
    finally:
        painter.end()
        document.close()
    return pages


def sheets_pdf(desk: Desk, case_ids: list[str], full_id: bool) -> bytes:
    """The summary sheets of these cases as one PDF, in memory (a few: made at once, on this thread)."""
    return long_jobs.sheets(desk, lambda stage, done, total: None, case_ids, full_id, TEXTS["making"])


def sheets_job(case_ids: list[str], full_id: bool) -> ProcessJob:
    """The summary sheets of many cases as one PDF, made as a job in a process of its own."""
    return ProcessJob(long_jobs.sheets, case_ids, full_id, TEXTS["making"])


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


def preview(window: Any, case_ids: list[str]) -> PrintPreview | JobRunner | None:
    """Open the preview of these cases (a refusal is shown, not raised); more than a few are made first as a job,
    whose runner is returned."""
    if not case_ids:
        message(window, TEXTS["error"], TEXTS["no_case"])
        return None
    if len(case_ids) > INLINE_CASES:
        def show(pdf: bytes) -> None:
            open_made(window, case_ids, pdf)

        return run_job(window.desk, TEXTS["making"],
                       sheets_job(case_ids, False), parent=window, done=show,
                       failed=lambda text: message(window, TEXTS["error"], text))
    try:
        dialog = PrintPreview(window.desk, case_ids, window)
    except DomainError as err:
        message(window, TEXTS["error"], str(err))
        return None
    dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def open_made(window: Any, case_ids: list[str], pdf: bytes) -> PrintPreview:
    """Open the preview of sheets a job made (thousands of pages: laying out the dialog and loading the document
    each take the GUI thread a while, so they are done on two turns of the event loop)."""
    dialog = PrintPreview(window.desk, case_ids, window, pdf, load_later=len(case_ids) > MULTI_PAGE_CASES)
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
