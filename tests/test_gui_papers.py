"""The case detail's 文书 menu: it offers the papers the case may have now; a notice asks its date and way, and
writing it records the 告知 with the paper's number; a refusal stays in the dialog and writes nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.ops.desk import Desk
from app.views.main_window import MainWindow
from app.views.paper_dialog import PaperDialog
from app.views.qt import QtCore
from tests.conftest import FakeNow, make_draft
from tests.gui_support import make_window, open_dialog, type_text


@pytest.fixture
def window(qtbot, desk: Desk) -> MainWindow:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, desk)
    yield w
    w.close()


def menu_kinds(window: MainWindow) -> list[str]:
    menu = window.detail.offered_actions()["papersButton"].menu()
    return [action.text() for action in menu.actions()]


def choose(window: MainWindow, kind: str) -> PaperDialog:
    menu = window.detail.offered_actions()["papersButton"].menu()
    next(a for a in menu.actions() if a.text() == kind).trigger()
    return open_dialog(window, PaperDialog)


def test_papers_menu_writes_a_notice_and_records_its_notify(qtbot, window: MainWindow, desk: Desk,  # type: ignore[no-untyped-def]
                                                            tmp_path: Path, now: FakeNow) -> None:
    case_id = desk.register_case(make_draft())
    window.select_case(case_id)
    qtbot.waitUntil(lambda: "papersButton" in window.detail.offered_actions())
    assert menu_kinds(window) == ["信访事项登记表"]
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "accept", {})
    now.advance(days=2)
    qtbot.waitUntil(lambda: "受理告知书" in menu_kinds(window))
    assert menu_kinds(window) == ["信访事项登记表", "受理告知书", "转送/交办单"]

    dialog = choose(window, "受理告知书")
    assert dialog.way.isVisibleTo(dialog) and dialog.path.text().endswith(f"{case_id}-受理告知书.pdf")
    dialog.date.setDate(QtCore.QDate(2026, 3, 3))
    dialog.way.setCurrentText("邮寄")
    dialog.path.setText(str(tmp_path / "out" / "受理.pdf"))
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.ok.click()
    pages = PdfReader(tmp_path / "out" / "受理.pdf").pages
    assert "新河镇信受〔2026〕第1号" in "".join(page.extract_text() for page in pages)
    assert desk.case(case_id).notices[-1] == {"notice": "受理", "way": "邮寄", "document": "新河镇信受〔2026〕第1号",
                                              "at": datetime(2026, 3, 3, 9).isoformat()}
    box = dialog.result_box
    assert box is not None and "已制作受理告知书 新河镇信受〔2026〕第1号，并记录受理告知（邮寄）" in box.text()
    box.close()


def test_a_refused_paper_keeps_the_dialog_open(qtbot, window: MainWindow, desk: Desk,  # type: ignore[no-untyped-def]
                                               tmp_path: Path) -> None:
    case_id = desk.register_case(make_draft())
    window.select_case(case_id)
    qtbot.waitUntil(lambda: "papersButton" in window.detail.offered_actions())
    dialog = choose(window, "信访事项登记表")
    assert not dialog.way.isVisibleTo(dialog)
    dialog.format.setCurrentIndex(1)
    assert dialog.path.text().endswith(".docx")
    dialog.path.clear()
    type_text(dialog.path, str(tmp_path / "登记表.txt"))
    dialog.ok.click()
    assert dialog.isVisible() and "须以 .pdf 或 .docx 结尾" in dialog.error.text()
    assert not (tmp_path / "登记表.txt").exists()
    assert [e for e in desk.events(case_id) if e.kind == "document"] == []
    dialog.reject()
