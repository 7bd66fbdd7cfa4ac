"""The 台账 menu: the import wizard page by page, the ledger export dialog and the report dialogs."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from app.ops.desk import Desk
from app.reports.ledger import LEDGER_SHEET
from app.views.qt import QtGui, QtWidgets
from app.views.report_excel import LedgerExportDialog, ReportDialog
from app.views.report_import import LedgerImportWizard
from tests.conftest import make_draft
from tests.gui_support import make_window, open_dialog
from tests.test_ledger_import import ROWS, VALID, hand_ledger


def trigger(window: QtWidgets.QMainWindow, name: str) -> None:
    action = window.findChild(QtGui.QAction, name)
    assert action is not None, name
    action.trigger()


def test_import_wizard_walks_file_mapping_check_import(qtbot: object, desk: Desk, tmp_path: Path) -> None:
    source = hand_ledger(tmp_path / "台账.xlsx")
    window = make_window(qtbot, desk)
    menu = window.findChild(QtWidgets.QMenu, "ledgerMenu")
    assert menu is not None and menu.title() == "台账(&L)"
    trigger(window, "ledger_import")
    wizard = open_dialog(window, LedgerImportWizard)
    next_button = wizard.button(QtWidgets.QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # no file yet
    wizard.file_page.path.setText(str(source))
    assert next_button.isEnabled()
    with qtbot.waitSignal(wizard.job_finished, timeout=10000):  # type: ignore[attr-defined]
        next_button.click()  # the ledger is read as a job

    table = wizard.mapping_page.table
    mapped = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert mapped["来访人"] == "信访人" and mapped["主要诉求"] == "诉求" and mapped["信访方式"] == "来源渠道"
    assert "第 2 行" in wizard.mapping_page.where.text()
    next_button.click()

    counts_line, why_masked = wizard.check_page.counts.text().split("\n")
    assert counts_line == f"可导入 {VALID} 件；未通过检查 {len(ROWS) - VALID} 行。"
    # One of the rows has a masked ID number: the page says once why and how to export one with full IDs.
    assert why_masked.startswith("脱敏（部分隐去）的身份证号不能导入") and "导出完整身份证号" in why_masked
    rejected = wizard.check_page.table
    assert rejected.rowCount() == len(ROWS) - VALID
    assert "校验位错误" in rejected.item(0, 2).text() and rejected.item(0, 1).text() == "赵错号"
    wizard.check_page.save_rejected(tmp_path / "未导入.xlsx")
    assert load_workbook(tmp_path / "未导入.xlsx").active.max_row == len(ROWS) - VALID + 1
    assert next_button.text() == "导入"
    with qtbot.waitSignal(window.bus.changed, timeout=10000):  # type: ignore[attr-defined]
        next_button.click()  # the import runs as a job; the wizard moves on when it is done

    assert wizard.currentPage() is wizard.done_page
    assert wizard.done_page.text.text() == f"已导入 {VALID} 件案件（TZ01-2026-00001 至 TZ01-2026-0000{VALID}）。"
    assert desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == VALID


def test_import_wizard_stops_on_missing_columns(qtbot: object, desk: Desk, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    wb.save(tmp_path / "short.xlsx")
    wizard = LedgerImportWizard(desk)
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    wizard.show()
    wizard.file_page.path.setText(str(tmp_path / "short.xlsx"))
    with qtbot.waitSignal(wizard.job_finished, timeout=10000):  # type: ignore[attr-defined]
        wizard.next()
    assert "缺少必需的列：诉求、来源渠道、登记日期" in wizard.mapping_page.note.text()
    assert not wizard.button(QtWidgets.QWizard.WizardButton.NextButton).isEnabled()


def test_ledger_export_dialog(qtbot: object, desk: Desk, tmp_path: Path) -> None:
    red = desk.register_case(make_draft(backlog=True, leader="陈建平"))
    desk.register_case(make_draft(name="李秀英"))
    window = make_window(qtbot, desk)
    trigger(window, "ledger_export")
    dialog = open_dialog(window, LedgerExportDialog)
    dialog.colour.setCurrentIndex(dialog.colour.findData("red"))
    dialog.save.edit.setText(str(tmp_path / "红色.xlsx"))
    dialog.accept()
    assert dialog.runner is not None
    with qtbot.waitSignal(dialog.runner.finished, timeout=10000):  # type: ignore[attr-defined]
        pass
    assert dialog.count == 1
    rows = list(load_workbook(tmp_path / "红色.xlsx")[LEDGER_SHEET].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [red]
    box = open_dialog(window, QtWidgets.QMessageBox)
    assert "已导出 1 件案件" in box.text()


def test_weekly_report_dialog(qtbot: object, desk: Desk, tmp_path: Path) -> None:
    desk.register_case(make_draft())
    window = make_window(qtbot, desk)
    trigger(window, "report_weekly")
    dialog = open_dialog(window, ReportDialog)
    dialog.save.edit.setText(str(tmp_path / "周报.xlsx"))
    dialog.accept()
    assert dialog.runner is not None
    with qtbot.waitSignal(dialog.runner.finished, timeout=10000):  # type: ignore[attr-defined]
        pass
    workbook = load_workbook(tmp_path / "周报.xlsx")
    assert workbook.sheetnames == ["概况", "按领域", "按乡镇", "各项指标", "超期案件"]
    summary = {r[0]: r[1] for r in workbook["概况"].iter_rows(min_row=3, values_only=True)}
    assert summary["新登记"] == 1 and summary["期末在办"] == 1


def test_import_wizard_asks_for_a_channel_and_skips_what_is_there(qtbot: object, desk: Desk, tmp_path: Path) -> None:
    from tests.test_ledger_import import clean_ledger

    source = clean_ledger(tmp_path / "nochannel.xlsx", channel=False)
    wizard = LedgerImportWizard(desk)
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    wizard.show()
    wizard.file_page.path.setText(str(source))
    with qtbot.waitSignal(wizard.job_finished, timeout=10000):  # type: ignore[attr-defined]
        wizard.next()
    page = wizard.mapping_page
    next_button = wizard.button(QtWidgets.QWizard.WizardButton.NextButton)
    assert "台账没有来源渠道列" in page.note.text() and not next_button.isEnabled()
    with qtbot.waitSignal(wizard.job_finished, timeout=10000):  # type: ignore[attr-defined]
        page.channel.setCurrentIndex(page.channel.findData("visit"))  # read again with that channel
    assert next_button.isEnabled()
    next_button.click()
    assert wizard.check_page.counts.text() == "可导入 2 件；未通过检查 0 行。"
    with qtbot.waitSignal(wizard.job_finished, timeout=10000):  # type: ignore[attr-defined]
        next_button.click()
    assert desk.conn.execute("SELECT count(*) FROM cases WHERE channel = 'visit'").fetchone()[0] == 2

    again = LedgerImportWizard(desk)
    qtbot.addWidget(again)  # type: ignore[attr-defined]
    again.show()
    again.file_page.path.setText(str(source))
    with qtbot.waitSignal(again.job_finished, timeout=10000):  # type: ignore[attr-defined]
        again.next()
    with qtbot.waitSignal(again.job_finished, timeout=10000):  # type: ignore[attr-defined]
        again.mapping_page.channel.setCurrentIndex(again.mapping_page.channel.findData("visit"))
    again.next()
    assert again.check_page.counts.text() == "可导入 0 件；已导入过（跳过）2 行；未通过检查 0 行。"
    assert again.check_page.table.rowCount() == 0  # not listed as refused


def test_import_wizard_explains_a_file_that_is_not_a_workbook(qtbot: object, desk: Desk, tmp_path: Path) -> None:
    bad = tmp_path / "台账.xlsx"
    bad.write_bytes(b"not a workbook at all")
    wizard = LedgerImportWizard(desk)
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    wizard.show()
    wizard.file_page.path.setText(str(bad))
    with qtbot.waitSignal(wizard.job_finished, timeout=10000):  # type: ignore[attr-defined]
        wizard.next()
    note = wizard.mapping_page.note.text()
    assert "不是 Excel 工作簿" in note and "EOCD" not in note
    assert QtWidgets.QApplication.overrideCursor() is None  # the wait cursor given back after the refusal


def test_import_wizard_takes_a_12345_work_order_export(qtbot: object, desk: Desk, tmp_path: Path) -> None:
    from tests.test_national import hotline_workbook

    source = hotline_workbook(tmp_path / "12345.xlsx")
    wizard = LedgerImportWizard(desk)
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    wizard.show()
    wizard.file_page.path.setText(str(source))
    with qtbot.waitSignal(wizard.job_finished, timeout=10000):  # type: ignore[attr-defined]
        wizard.next()
    page = wizard.mapping_page
    assert page.channel.findData("hotline") == -1  # 12345 comes in through its own box, with work orders
    with qtbot.waitSignal(wizard.job_finished, timeout=10000):  # type: ignore[attr-defined]
        page.hotline.setChecked(True)  # read again as a work-order export
    table = page.table
    mapped = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert mapped["工单编号"] == "12345工单编号" and mapped["来电人"] == "信访人"
    wizard.next()
    assert wizard.check_page.counts.text() == "可导入 2 件；未通过检查 1 行。"
    with qtbot.waitSignal(wizard.job_finished, timeout=10000):  # type: ignore[attr-defined]
        wizard.next()
    assert desk.conn.execute("SELECT count(*) FROM cases WHERE channel = 'hotline' AND work_order != ''"
                             ).fetchone()[0] == 2


def test_refused_rows_saved_by_a_handler_have_masked_id_numbers_and_are_recorded(qtbot: object, desk: Desk,
                                                                                 tmp_path: Path) -> None:
    from app.ops.accounts import add_account
    from tests.conftest import TEST_PASSWORD

    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    desk.sign_in("lina")
    wizard = LedgerImportWizard(desk)
    qtbot.addWidget(wizard)  # type: ignore[attr-defined]
    wizard.show()
    wizard.file_page.path.setText(str(hand_ledger(tmp_path / "台账.xlsx")))
    with qtbot.waitSignal(wizard.job_finished, timeout=10000):  # type: ignore[attr-defined]
        wizard.next()
    wizard.next()
    page, out = wizard.check_page, tmp_path / "未导入.xlsx"
    page.full_id.setChecked(True)
    assert page.save_rejected(out) is False and not out.exists()
    box = open_dialog(wizard, QtWidgets.QMessageBox)
    assert "无权打印或导出完整身份证号：需要领导或管理员账号登录操作" in box.text()
    box.close()
    page.full_id.setChecked(False)
    assert page.save_rejected(out) is True
    cells = {str(c) for row in load_workbook(out).active.iter_rows(values_only=True) for c in row}
    assert "110105********0021" in cells and "110105194912310021" not in cells
    recorded = desk.conn.execute("SELECT actor, json_extract(payload, '$.what') FROM events WHERE kind = 'output'")
    assert recorded.fetchall() == [("李娜（lina）", "rejected_rows")]
