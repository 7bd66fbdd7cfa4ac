"""The 打印 menu in the main window: Ctrl+P previews the selected cases, printing sends every page to the
printer, and a scanned QR code is checked against the record."""

from __future__ import annotations

import subprocess
from pathlib import Path

from app.ops.desk import Desk
from app.reports.sheet_data import sheet_data
from app.views.qt import QtGui, QtPrintSupport, QtWidgets
from app.views.report_print import PrintPreview
from tests.conftest import VALID_ID, make_draft
from tests.gui_support import make_window, open_dialog


def menu_action(window: QtWidgets.QMainWindow, name: str) -> QtGui.QAction:
    action = window.findChild(QtGui.QAction, name)
    assert action is not None, name
    return action


def test_ctrl_p_previews_selected_cases(qtbot: object, desk: Desk, tmp_path: Path) -> None:
    first = desk.register_case(make_draft())
    second = desk.register_case(make_draft(name="李秀英"))
    window = make_window(qtbot, desk)
    menu = window.findChild(QtWidgets.QMenu, "printMenu")
    assert menu is not None and menu.title() == "打印(&P)"
    action = menu_action(window, "print_sheets")
    assert action.shortcut().toString() == "Ctrl+P"
    window.case_list.selectAll()
    assert set(window.selected_case_ids()) == {first, second}
    action.trigger()
    preview = open_dialog(window, PrintPreview)
    assert preview.document.pageCount() == 2
    assert preview.summary.text() == "2 件案件，共 2 页"
    image = preview.page_image(0, 40)
    assert not image.isNull() and image.pixelColor(2, 2) == QtGui.QColor("white")  # white, not transparent
    dark = sum(1 for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)
               if image.pixelColor(x, y).lightness() < 100)
    assert dark > 50  # the page carries the sheet, not an empty render

    out = tmp_path / "printed.pdf"
    printer = QtPrintSupport.QPrinter(QtPrintSupport.QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QtPrintSupport.QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    assert preview.print_to(printer) == 2
    # poppler-utils comes with `make test` (installer/debian-deps.sh): the check is made, never skipped.
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           2" in info


def test_full_id_choice_and_save(qtbot: object, desk: Desk, tmp_path: Path) -> None:
    case_id = desk.register_case(make_draft())
    preview = PrintPreview(desk, [case_id])
    qtbot.addWidget(preview)  # type: ignore[attr-defined]
    preview.save_to(tmp_path / "masked.pdf")
    preview.full_id.setChecked(True)
    preview.save_to(tmp_path / "full.pdf")

    def text(name: str) -> str:
        return subprocess.run(["pdftotext", str(tmp_path / name), "-"], capture_output=True, text=True,
                              check=True).stdout

    assert VALID_ID not in text("masked.pdf") and "110105********002X" in text("masked.pdf")
    assert VALID_ID in text("full.pdf")


def test_nothing_selected_is_explained(qtbot: object, desk: Desk) -> None:
    window = make_window(qtbot, desk)
    window.case_list.clearSelection()
    window.detail.case_id = None  # nothing shown either
    menu_action(window, "print_sheets").trigger()
    box = open_dialog(window, QtWidgets.QMessageBox)
    assert "请先在案件列表中选择" in box.text()


def test_check_printout_dialog(qtbot: object, desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    window = make_window(qtbot, desk)
    printed = sheet_data(desk, case_id).qr
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    menu_action(window, "check_printout").trigger()
    dialog = open_dialog(window, QtWidgets.QInputDialog)
    dialog.setTextValue(printed)
    dialog.accept()
    box = open_dialog(window, QtWidgets.QMessageBox)
    assert "此后又有 1 项变更" in box.text()


def test_preview_and_print_all_open_with_a_very_long_note(qtbot: object, desk: Desk, tmp_path: Path) -> None:
    """A handling note of ~1,400 characters once stopped the preview and `print --all-open` (LayoutError)."""
    from app.cli.main import main

    long_one = desk.register_case(make_draft(request_summary="东岙村道路破损，要求修复。" * 260))
    for kind, payload in (("dispatch", {"units": ["镇农业农村办"]}), ("accept", {}), ("contact", {"note": "电话"})):
        desk.record(long_one, kind, payload)
    desk.handle(long_one, "召集村两委与施工方现场会商，明确修复方案。" * 70)
    short = desk.register_case(make_draft(name="李秀英"))
    preview = PrintPreview(desk, [long_one, short])
    qtbot.addWidget(preview)  # type: ignore[attr-defined]
    pages = preview.document.pageCount()
    assert pages >= 4 and preview.summary.text() == f"2 件案件，共 {pages} 页"
    out = tmp_path / "open.pdf"
    assert main(["--data-dir", str(desk.data_dir), "print", "--all-open", "--out", str(out)]) == 0
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert f"Pages:           {pages}" in info
