"""Long jobs run off the GUI thread with a progress bar and 取消, and 取消 leaves nothing half-written.

Each test stops a job at a progress report half-way (the worker waits there while the window keeps running),
presses the progress dialog's 取消 as a person would, lets the job go on, and checks what is left: the old file as
it was and no temporary file beside it, no case, no station, no event.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from app.demo import generate_demo
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.reports import ledger
from app.views import jobs
from app.views.jobs import JobRunner, run_job
from app.views.qt import QtCore, QtWidgets
from app.views.report_excel import LedgerExportDialog
from app.views.report_import import LedgerImportWizard
from app.views.report_print import INLINE_CASES, PrintPreview, preview
from app.views.setup_dialog import SetupDialog
from app.views.sync_dialogs import start_import
from tests.conftest import FakeNow, make_draft
from tests.gui_support import make_window, open_dialog
from tests.sync_helpers import new_case, station_tree, store_state


class Hold:
    """Stops the next job at its first report of ``stage`` (any stage when None) that may still cancel, until
    ``release``: the job is then half-way, with its transaction or its file open."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, stage: str | None = None, after: int = 0) -> None:
        self.stage, self.after = stage, after
        self.reached, self.released, self.used = threading.Event(), threading.Event(), False
        self.seen_on: list[bool] = []  # was each report made off the GUI thread?
        real = jobs._Worker.say
        hold = self

        def say(worker: jobs._Worker, stage: str, done: int, total: int) -> None:
            app = QtWidgets.QApplication.instance()
            hold.seen_on.append(QtCore.QThread.currentThread() is not app.thread())  # type: ignore[union-attr]
            if (not hold.used and stage and (hold.stage is None or stage == hold.stage) and done >= hold.after
                    and not 0 < total <= done):
                hold.used = True
                hold.reached.set()
                hold.released.wait(30)
            real(worker, stage, done, total)

        monkeypatch.setattr(jobs._Worker, "say", say)

    def cancel(self, qtbot: object, runner: JobRunner) -> None:
        """Wait until the job is held, then press 取消 in its progress dialog and let it go on."""
        qtbot.waitUntil(self.reached.is_set, timeout=30000)  # type: ignore[attr-defined]
        qtbot.waitUntil(runner.dialog.isVisible, timeout=5000)  # type: ignore[attr-defined]
        assert runner.dialog.findChild(QtWidgets.QProgressBar) is runner.bar
        buttons = [b for b in runner.dialog.findChildren(QtWidgets.QPushButton) if b.text() == "取消"]
        assert len(buttons) == 1 and buttons[0].isVisible()
        with qtbot.waitSignal(runner.cancelled, timeout=30000):  # type: ignore[attr-defined]
            buttons[0].click()
            self.released.set()
        assert not runner.dialog.isVisible() and not runner.worker_thread.isRunning()
        assert self.seen_on and all(self.seen_on)  # the work ran on the worker thread throughout


CITY, COUNTY, TOWN = "331000", "331002", "331002001"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_cancelling_the_ledger_keeps_the_old_file_and_leaves_no_part(qtbot, desk: Desk, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("王小明", "李秀英", "张建国", "陈美华"):
        desk.register_case(make_draft(name=name))
    monkeypatch.setattr(ledger, "PROGRESS_EVERY", 2)
    target = tmp_path / "out" / "台账.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"the ledger written last month")
    window = make_window(qtbot, desk)
    dialog = LedgerExportDialog(window.desk, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.save.edit.setText(str(target))
    hold = Hold(monkeypatch, after=2)  # two rows written, two to go
    dialog.accept()
    assert dialog.runner is not None and not dialog.go.isEnabled()
    hold.cancel(qtbot, dialog.runner)
    assert target.read_bytes() == b"the ledger written last month"
    assert leftovers(target.parent) == []
    assert dialog.isVisible() and dialog.go.isEnabled()  # the dialog stays, to try again

    with qtbot.waitSignal(dialog.finished, timeout=20000):  # not held this time: the file is written whole
        dialog.accept()
    rows = list(load_workbook(target)[ledger.LEDGER_SHEET].iter_rows(values_only=True))
    assert len(rows) == 5 and dialog.count == 4


def test_cancelling_a_sync_import_half_applied_changes_nothing(qtbot, tmp_path: Path, now: FakeNow,  # type: ignore[no-untyped-def]
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with station_tree(tmp_path, now, (CITY, COUNTY, TOWN)) as d:
        case_id = new_case(d[TOWN])
        transfer.export_bundle(d[TOWN], COUNTY, tmp_path / "up.zip")
        county = d[COUNTY]
        before = store_state(county)
        window = make_window(qtbot, county)
        hold = Hold(monkeypatch, stage="更新案件")  # the events are inserted, the transaction still open
        runner = start_import(window.desk, tmp_path / "up.zip", window)
        hold.cancel(qtbot, runner)
        assert store_state(county) == before
        assert window.model.rowCount() == 0

        runner = start_import(window.desk, tmp_path / "up.zip", window)  # the same file, not cancelled
        with qtbot.waitSignal(runner.done, timeout=20000):
            pass
        qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
        assert county.case(case_id).case_id == case_id
        for dialog in window.findChildren(QtWidgets.QDialog):
            dialog.close()
        window.close()  # before the stations' files close


def big_ledger(path: Path, rows: int) -> Path:
    wb = Workbook()
    wb.active.append(["姓名", "诉求", "来源", "登记日期", "领域"])
    for number in range(rows):
        wb.active.append(["王小明", f"东岙村第{number + 1}段道路破损", "来访", date(2026, 2, 3), "城乡建设"])
    wb.save(path)
    return path


def test_cancelling_a_ledger_import_creates_no_case(qtbot, desk: Desk, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    wizard = LedgerImportWizard(desk)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(big_ledger(tmp_path / "台账.xlsx", 450)))
    with qtbot.waitSignal(wizard.job_finished, timeout=20000):
        wizard.next()
    wizard.next()
    assert wizard.check_page.counts.text() == "可导入 450 件；未通过检查 0 行。"
    hold = Hold(monkeypatch, stage="正在导入案件…", after=1)  # 200 cases registered in the open transaction
    wizard.next()
    assert wizard.runner is not None
    hold.cancel(qtbot, wizard.runner)
    assert desk.conn.execute("SELECT count(*) FROM events WHERE case_id != ''").fetchone()[0] == 0
    assert wizard.currentPage() is wizard.check_page

    with qtbot.waitSignal(wizard.job_finished, timeout=30000):
        wizard.next()
    assert wizard.currentPage() is wizard.done_page
    assert desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 450


def test_cancelling_the_demo_leaves_no_demo_folder_and_it_is_made_whole_later(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    hold = Hold(monkeypatch, after=100)  # 100 cases made in the open transaction
    dialog = SetupDialog(tmp_path / "station", demo_cases=250)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.demo_button.click()
    assert dialog.runner is not None
    hold.cancel(qtbot, dialog.runner)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # neither the demo folder nor its working folder
    assert dialog.isVisible() and dialog.desk is None

    (tmp_path / "station-demo").mkdir()  # what a program killed while making it would leave: a folder, its mark
    (tmp_path / "station-demo" / "station.db").write_bytes(b"half")
    (tmp_path / "station-demo.part").touch()
    with qtbot.waitSignal(dialog.accepted, timeout=60000):
        dialog.demo_button.click()
    assert dialog.desk is not None and dialog.desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 250
    assert sorted(p.name for p in tmp_path.iterdir()) == ["station-demo"]
    assert hold.seen_on and all(hold.seen_on)  # made off the window's thread
    dialog.desk.close()


def test_printing_many_cases_is_a_job_and_cancelling_opens_nothing(qtbot, desk: Desk,  # type: ignore[no-untyped-def]
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    generate_demo(desk, 12, seed=4)
    ids = [r[0] for r in desk.conn.execute("SELECT case_id FROM cases ORDER BY case_id")]
    assert len(ids) > INLINE_CASES
    window = make_window(qtbot, desk)
    hold = Hold(monkeypatch, after=3)
    runner = preview(window, ids)
    assert isinstance(runner, JobRunner)
    hold.cancel(qtbot, runner)
    assert not [d for d in window.findChildren(PrintPreview) if d.isVisible()]

    runner = preview(window, ids)
    assert isinstance(runner, JobRunner)
    with qtbot.waitSignal(runner.done, timeout=30000):
        pass
    shown = open_dialog(window, PrintPreview)
    assert shown.summary.text().startswith(f"{len(ids)} 件案件，共 ")


def test_a_refused_job_says_why_and_the_window_answers_meanwhile(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    from app.models.errors import DomainError

    window = make_window(qtbot, desk)
    ticks = []
    timer = QtCore.QTimer(window)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(5)
    gate = threading.Event()

    def work(own: Desk, say: jobs.Say) -> None:
        assert own is not desk and own.data_dir == desk.data_dir  # a desk of its own
        gate.wait(10)
        raise DomainError("台账文件被占用")

    runner = run_job(desk, "导出台账", work, parent=window)
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=5000)  # the GUI thread runs while the job waits
    with qtbot.waitSignal(runner.failed, timeout=5000) as failed:
        gate.set()
    assert failed.args == ["台账文件被占用"]
    box = open_dialog(window, QtWidgets.QMessageBox)
    assert box.windowTitle() == "导出台账" and box.text() == "台账文件被占用"


def test_printing_many_pages_is_a_job_and_cancelling_aborts_the_print_run(qtbot, desk: Desk, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from app.views.qt import QtPrintSupport

    generate_demo(desk, 12, seed=4)
    ids = [r[0] for r in desk.conn.execute("SELECT case_id FROM cases ORDER BY case_id LIMIT 5")]
    shown = PrintPreview(desk, ids)
    qtbot.addWidget(shown)
    shown.show()
    pages = shown.document.pageCount()
    assert pages > 4

    def printer(name: str) -> QtPrintSupport.QPrinter:
        made = QtPrintSupport.QPrinter(QtPrintSupport.QPrinter.PrinterMode.ScreenResolution)
        made.setOutputFormat(QtPrintSupport.QPrinter.OutputFormat.PdfFormat)
        made.setOutputFileName(str(tmp_path / name))
        return made

    (tmp_path / "cancelled.pdf").write_bytes(b"%PDF printed last week")
    hold = Hold(monkeypatch, stage="正在打印…", after=2)  # two pages printed to the file
    shown._print_shown(printer("cancelled.pdf"))
    assert shown.runner is not None
    hold.cancel(qtbot, shown.runner)
    assert (tmp_path / "cancelled.pdf").read_bytes() == b"%PDF printed last week"  # not two pages of the new one
    assert leftovers(tmp_path) == []

    whole = printer("printed.pdf")
    shown._print_shown(whole)
    with qtbot.waitSignal(shown.runner.done, timeout=30000):
        pass
    info = subprocess.run(["pdfinfo", str(tmp_path / "printed.pdf")], capture_output=True, text=True,
                          check=True).stdout
    assert f"Pages:           {pages}" in info
    assert leftovers(tmp_path) == []


def test_an_unexpected_fault_in_a_job_is_told_and_logged(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    def work(own: Desk, say: jobs.Say) -> None:
        raise RuntimeError("disk controller")

    runner = run_job(desk, "导出台账", work, parent=None, failed=lambda text: None)
    with qtbot.waitSignal(runner.failed, timeout=5000) as failed:
        pass
    assert failed.args[0].startswith("操作失败：disk controller（详细情况已记入 ")
    logs = list((desk.data_dir / "logs").glob("error-*.log"))
    assert len(logs) == 1 and "RuntimeError" in logs[0].read_text(encoding="utf-8")


def test_a_job_works_on_a_twin_of_the_window_desk(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[object, object, str]] = []

    def work(own: Desk, say: jobs.Say) -> None:
        seen.append((own.master_key, own.account, str(own.data_dir)))

    runner = run_job(desk, "演示", work, parent=None)
    with qtbot.waitSignal(runner.done, timeout=20000):
        pass
    assert seen == [(desk.master_key, desk.account, str(desk.data_dir))]  # the same key, the same account


def test_a_long_preview_shows_a_page_at_a_time_with_a_page_box(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    from app.views.qt import QtPdfWidgets
    from app.views.report_print import MULTI_PAGE_CASES, sheets_pdf

    generate_demo(desk, MULTI_PAGE_CASES + 2, seed=4)
    ids = [r[0] for r in desk.conn.execute("SELECT case_id FROM cases ORDER BY case_id")]
    shown = PrintPreview(desk, ids, None, sheets_pdf(desk, ids, False))
    qtbot.addWidget(shown)
    shown.show()
    pages = shown.document.pageCount()
    assert pages >= len(ids) and shown.view.pageMode() == QtPdfWidgets.QPdfView.PageMode.SinglePage
    assert shown.page_box.isVisible() and shown.page_box.maximum() == pages
    shown.page_box.setValue(3)
    assert shown.view.pageNavigator().currentPage() == 2


@pytest.mark.parametrize("ending", ["done", "failed", "cancelled"])
def test_a_finished_job_leaves_nothing_behind(qtbot, desk: Desk, ending: str) -> None:  # type: ignore[no-untyped-def]
    from shiboken6 import isValid

    from app.models.errors import DomainError

    window = make_window(qtbot, desk)
    gate = threading.Event()

    def work(own: Desk, say: jobs.Say) -> int:
        gate.wait(10)
        say("写入", 1, 2)  # where 取消 takes effect
        if ending == "failed":
            raise DomainError("台账文件被占用")
        return 7

    runner = run_job(desk, "导出台账", work, parent=window, failed=lambda text: None)
    dialog, thread = runner.dialog, runner.worker_thread
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert thread.isRunning() and window.findChildren(QtWidgets.QProgressDialog) == [dialog]
    with qtbot.waitSignal(getattr(runner, ending), timeout=10000):
        if ending == "cancelled":
            dialog.findChild(QtWidgets.QPushButton).click()
        gate.set()
    qtbot.waitUntil(lambda: not isValid(dialog) and not isValid(thread), timeout=5000)
    assert window.findChildren(QtWidgets.QProgressDialog) == []
    assert window.findChildren(QtCore.QThread) == [] and window.findChildren(JobRunner) == []
    qtbot.waitUntil(lambda: not jobs._RUNNING, timeout=5000)


def test_a_long_preview_made_by_a_job_opens_first_and_loads_on_the_next_turn(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    from app.views.report_print import MULTI_PAGE_CASES, open_made, sheets_pdf

    generate_demo(desk, MULTI_PAGE_CASES + 2, seed=4)
    ids = [r[0] for r in desk.conn.execute("SELECT case_id FROM cases ORDER BY case_id")]
    window = make_window(qtbot, desk)
    shown = open_made(window, ids, sheets_pdf(desk, ids, False))
    assert shown.isVisible() and shown.summary.text() == f"正在打开 {len(ids)} 件案件的办理情况表…"
    qtbot.waitUntil(lambda: shown.document.pageCount() >= len(ids), timeout=10000)
    assert shown.summary.text() == f"{len(ids)} 件案件，共 {shown.document.pageCount()} 页"
    assert shown.page_box.maximum() == shown.document.pageCount()
