"""The window's long jobs run in a process of their own (app.ops.job_process), as the program runs them: the
result, progress, 取消 (nothing half-written), a refusal, a fault (logged with the child's traceback) and a child
that dies all reach the window as they do from a thread, and long lists cross the pipe whole."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from app.models.errors import DomainError
from app.ops import long_jobs
from app.ops.desk import Desk
from app.ops.job_process import BATCH, ProcessJob
from app.reports import ledger
from app.views.jobs import run_job
from app.views.qt import QtWidgets
from app.views.report_excel import LedgerExportDialog
from tests.conftest import make_draft
from tests.gui_support import make_window, open_dialog

# A job's child runs at a lower priority (nice +10): on a machine busy with other work it may get a core only now
# and then, so its waits are long; a job that truly hangs still fails.
CHILD_WAIT_MS = 240_000

pytestmark = pytest.mark.child_process


# Jobs of this test, run by the child process (which imports this module to find them).

def whose(desk: Desk, say: Any) -> tuple[int, str, str, str]:
    """Who the child is and what it sees."""
    cases = desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    return os.getpid(), desk.actor, str(desk.data_dir), f"{cases} {desk.now():%Y-%m-%d %H:%M}"


@dataclass
class Rows:
    title: str
    rows: list[tuple[int, str]] = field(default_factory=list)


def echo(desk: Desk, say: Any, given: Rows, numbers: list[int]) -> tuple[Rows, list[int]]:
    return Rows(given.title + "!", [(n + 1, s) for n, s in given.rows]), [n * 2 for n in numbers]


def gated(desk: Desk, say: Any, job: ProcessJob, reached: Path) -> Any:
    """``job``, stopped at its first report half-way (``reached`` made), where it goes on reporting the same
    progress until 取消 reaches it (or a minute has passed)."""
    held = []

    def hold(stage: str, done: int, total: int) -> None:
        if not held and 0 < done < total:
            held.append(True)
            reached.touch()
            end = time.monotonic() + 60
            while time.monotonic() < end:
                say(stage, done, total)  # raises Cancelled once the window has asked the job to stop
                time.sleep(0.01)
        say(stage, done, total)

    return job(desk, hold)


def refuse(desk: Desk, say: Any) -> None:
    raise DomainError("台账文件被占用")


NAME = "王小明"


def fault(desk: Desk, say: Any) -> None:
    raise RuntimeError(f"{NAME} disk controller")  # the traceback shows this line, not the name


def die(desk: Desk, say: Any) -> None:
    os._exit(3)


def finish(qtbot: Any, runner: Any, signal: str) -> list[Any]:
    with qtbot.waitSignal(getattr(runner, signal), timeout=CHILD_WAIT_MS) as told:
        pass
    return told.args


def test_a_job_runs_in_a_process_of_its_own_on_the_station_as_the_window_has_it(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    desk.register_case(make_draft(name="王小明"))
    runner = run_job(desk, "演示", ProcessJob(whose), parent=None)
    pid, actor, folder, seen = finish(qtbot, runner, "done")[0]
    assert pid != os.getpid()
    assert (actor, folder, seen) == (desk.actor, str(desk.data_dir), f"1 {desk.now():%Y-%m-%d %H:%M}")


def test_long_lists_cross_whole_both_ways(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    many = BATCH * 2 + 7
    given = Rows("台账", [(n, f"第{n}行") for n in range(many)])
    runner = run_job(desk, "演示", ProcessJob(echo, given, list(range(many))), parent=None)
    rows, numbers = finish(qtbot, runner, "done")[0]
    assert rows == Rows("台账!", [(n + 1, f"第{n}行") for n in range(many)])
    assert numbers == [n * 2 for n in range(many)]
    assert len(given.rows) == many  # what was sent is left as it was


def test_the_ledger_dialog_writes_the_file_from_its_process(qtbot, desk: Desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for name in ("王小明", "李秀英", "张建国"):
        desk.register_case(make_draft(name=name))
    window = make_window(qtbot, desk)
    dialog = LedgerExportDialog(window.desk, window)
    qtbot.addWidget(dialog)
    dialog.show()
    target = tmp_path / "台账.xlsx"
    dialog.save.edit.setText(str(target))
    dialog.accept()
    assert dialog.runner is not None
    finish(qtbot, dialog.runner, "done")
    rows = list(load_workbook(target)[ledger.LEDGER_SHEET].iter_rows(values_only=True))
    assert len(rows) == 4 and dialog.count == 3
    box = open_dialog(window, QtWidgets.QMessageBox)
    assert box.text() == f"已导出 3 件案件到：\n{target}"
    kinds = [r[0] for r in desk.conn.execute("SELECT kind FROM events WHERE case_id = '' ORDER BY seq")]
    assert kinds[-1] == "output"  # the output recorded by the child, in the station's record


ROWS = 210


def test_cancelling_an_import_in_its_process_creates_nothing(qtbot, desk: Desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "旧台账.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "反映问题", "来源", "登记日期"])
    for n in range(1, ROWS + 1):  # the import reports every 200 cases: held at the 200th
        ws.append([f"王{n}", "", f"道路积水第{n}处", "来访", "2026-02-01"])
    wb.save(source)
    plan = long_jobs.plan_ledger_import(desk, lambda *a: None, source, "", "", "检查")
    assert len(plan.valid) == ROWS
    window = make_window(qtbot, desk)
    reached = tmp_path / "reached"
    job = ProcessJob(gated, ProcessJob(long_jobs.ledger_import, plan, "正在导入…"), reached)
    runner = run_job(desk, "导入台账", job, parent=window, kinds={"cases"})
    qtbot.waitUntil(reached.exists, timeout=CHILD_WAIT_MS)  # cases inserted in the child's open transaction
    qtbot.waitUntil(runner.dialog.isVisible, timeout=5000)
    [button] = [b for b in runner.dialog.findChildren(QtWidgets.QPushButton) if b.text() == "取消"]
    with qtbot.waitSignal(runner.cancelled, timeout=CHILD_WAIT_MS):
        button.click()
    assert desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 0
    assert desk.conn.execute("SELECT count(*) FROM events WHERE case_id != ''").fetchone()[0] == 0

    runner = run_job(desk, "导入台账", ProcessJob(long_jobs.ledger_import, plan, "正在导入…"), parent=window,
                     kinds={"cases"})
    created = finish(qtbot, runner, "done")[0]
    assert len(created) == ROWS and desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == ROWS
    qtbot.waitUntil(lambda: window.model.rowCount() == ROWS, timeout=5000)


def test_a_refusal_in_the_process_is_told_as_it_is(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    runner = run_job(desk, "导出台账", ProcessJob(refuse), parent=None, failed=lambda text: None)
    assert finish(qtbot, runner, "failed") == ["台账文件被占用"]


def test_a_fault_in_the_process_is_told_and_logged_with_its_own_traceback(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    runner = run_job(desk, "导出台账", ProcessJob(fault), parent=None, failed=lambda text: None)
    [text] = finish(qtbot, runner, "failed")
    assert text.startswith("操作失败：王小明 disk controller（详细情况已记入 ")
    [log] = (desk.data_dir / "logs").glob("error-*.log")
    logged = log.read_text(encoding="utf-8")
    assert "test_job_process.py" in logged and "in fault" in logged and "RuntimeError" in logged
    assert "王小明" not in logged  # the message, which may carry a name, is not written down


def test_a_process_that_dies_is_a_failure_told_in_chinese(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    runner = run_job(desk, "导出台账", ProcessJob(die), parent=None, failed=lambda text: None)
    [text] = finish(qtbot, runner, "failed")
    assert text.startswith("后台作业进程意外退出（代码 3）")


def test_the_demo_is_made_whole_in_its_process_and_opened(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.views.setup_dialog import SetupDialog

    dialog = SetupDialog(tmp_path / "station", demo_cases=40)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.accepted, timeout=CHILD_WAIT_MS):
        dialog.demo_button.click()
    assert dialog.desk is not None and dialog.desk.account is not None
    assert dialog.desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 40
    assert sorted(p.name for p in tmp_path.iterdir()) == ["station-demo"]  # no working mark left
    dialog.desk.close()


def test_cancelling_before_the_process_has_started_runs_nothing(qtbot, desk: Desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "台账.xlsx"
    job = ProcessJob(long_jobs.ledger, target, ledger.LedgerFilter(), False, "正在写入台账…")
    runner = run_job(desk, "导出台账", job, parent=None)
    with qtbot.waitSignal(runner.cancelled, timeout=CHILD_WAIT_MS):
        runner.cancel()  # at once: the process is still being started
    assert not target.exists() and list(tmp_path.iterdir()) == [desk.data_dir]


def niceness(desk: Desk, say: Any) -> int:
    return os.getpriority(os.PRIO_PROCESS, 0)


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="Unix scheduling priority")
def test_the_job_yields_the_cores_to_the_window(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    runner = run_job(desk, "演示", ProcessJob(niceness), parent=None)
    assert finish(qtbot, runner, "done")[0] == os.getpriority(os.PRIO_PROCESS, 0) + 10
