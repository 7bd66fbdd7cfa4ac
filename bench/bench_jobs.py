"""The window never freezes: the longest stall of the GUI thread during each long job, on the 100,000-case demo
station (goal ≤ 100 ms).

Each job runs through ``app.views.jobs.JobRunner`` exactly as the window runs it (a worker thread on a desk of its
own, a progress dialog, the window's desk told of the change at the end) over the program's own main window with
its whole 100,000-case list loaded, so the list's refresh after the job is counted too, while a QTimer ticks every
10 ms on the GUI thread; the longest gap between two ticks, less the 10 ms period, is the longest time the window
could not answer. Beside it, the job's own run time: how long the window froze when the same job ran on the GUI thread.
Where a job ends by showing something (the print preview), showing it is counted too.

    python bench/bench_jobs.py [--only ledger,report,print,backup,import,demo,sync] [--demo-cases 100000]
                               [--import-rows 10000] [--why]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.ops import backup as backup_ops  # noqa: E402
from app.ops import long_jobs  # noqa: E402
from app.ops.desk import Desk  # noqa: E402
from app.ops.job_process import ProcessJob  # noqa: E402
from app.reports.ledger import LedgerFilter, write_ledger  # noqa: E402
from app.reports.sheet_data import open_case_ids  # noqa: E402
from app.views.app import application, setup_application  # noqa: E402
from app.views.jobs import JobRunner, Say, Work  # noqa: E402
from app.views.main_window import MainWindow  # noqa: E402
from app.views.qt import QtCore, QtWidgets  # noqa: E402
from app.views.report_print import open_made, sheets_job  # noqa: E402
from bench.common import FixedClock, demo_dir, open_bench  # noqa: E402

TICK_MS = 10
GOAL_MS = 100
WHY = "--why" in sys.argv  # print where the GUI thread was during its stalls
SETTLE_MS = 500  # after the job, the ticks go on this long (the window repaints, a preview opens)


class StallMeter(QtCore.QObject):
    """Ticks on the GUI thread; ``longest()`` is the largest gap between two ticks beyond the period."""

    def __init__(self) -> None:
        super().__init__()
        self.ticks: list[float] = []
        self.timer = QtCore.QTimer(self)
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.cpu: list[float] = []  # the GUI thread's own CPU time at each tick (with --why)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())
        if WHY:
            self.cpu.append(time.thread_time())

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self.cpu = [time.thread_time()]
        self.timer.start()
        if WHY:
            self.watching = True
            self.watch = threading.Thread(target=self._sample, args=(threading.get_ident(),), daemon=True)
            self.watch.start()

    def _sample(self, gui: int) -> None:
        """With --why: while the GUI thread has not ticked for half the goal, note where it is (our code's frames)."""
        self.seen: Counter[str] = Counter()
        while self.watching:
            time.sleep(0.005)
            if time.perf_counter() - self.ticks[-1] > GOAL_MS / 2000:
                frames = sys._current_frames()
                stack = self._ours(frames.get(gui))
                if not stack:  # the GUI thread waits for the interpreter lock: what holds it?
                    others = [self._ours(f) for ident, f in frames.items()
                              if ident not in (gui, threading.get_ident())]
                    stack = ["(GUI waits) worker " + " < ".join(s[-1:]) for s in others if s][:1]
                self.seen[" < ".join(reversed(stack[-4:])) or "(outside our code)"] += 5

    @staticmethod
    def _ours(frame: Any) -> list[str]:
        return [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in traceback.extract_stack(frame)
                if str(ROOT) in f.filename and "bench" not in f.filename] if frame is not None else []

    def stop(self) -> float:
        self.timer.stop()
        self._tick()
        if WHY:
            self.watching = False
            self.watch.join()
            for where, ms in self.seen.most_common(8):
                print(f"    {ms:5d} ms stalled in {where}", flush=True)
            # Of each gap, how long the GUI thread itself ran (its work) — the rest it waited (for a core, the lock).
            worst = sorted(range(len(self.ticks) - 1), key=lambda i: self.ticks[i] - self.ticks[i + 1])[:4]
            print(f"    clock started at {self.ticks[0]:.3f}; longest gaps (ms, of which the GUI thread ran, at s "
                  "from the start): " + ", ".join(
                      f"{(self.ticks[i + 1] - self.ticks[i]) * 1000:.0f} ({(self.cpu[i + 1] - self.cpu[i]) * 1000:.0f})"
                      f" at {self.ticks[i] - self.ticks[0]:.2f}" for i in worst), flush=True)
        gaps = [b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)]
        self.over_goal = sum(1 for g in gaps if g - TICK_MS / 1000 > GOAL_MS / 1000)
        return max(0.0, max(gaps) - TICK_MS / 1000)


def run(desk: Desk, title: str, work: Work, kinds: set[str] | None = None,
        then: Callable[[Any, Any], None] | None = None, outcome: dict[str, Any] | None = None
        ) -> tuple[float, float, int]:
    """(longest stall, the job's run time, stalls over the goal) of one job run as the window runs it; what it
    gave is put in ``outcome`` under "result"."""
    window = MainWindow(desk)
    window.resize(1366, 768)
    window.views.choose("all")  # the longest list (全部): its refresh after the job is part of the job
    loaded: list[bool] = []
    window.loaded.connect(lambda: loaded.append(True))
    window.show()
    window.load()
    while not loaded:  # the list filled before the clock starts
        QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(1000, loop.quit)  # and what the window does after its first paint (the detail, menus)
    loop.exec()
    meter = StallMeter()
    outcome = {} if outcome is None else outcome
    runner = JobRunner(desk, title, work, kinds or set(), window)
    runner.done.connect(lambda result: outcome.update(result=result, end=time.perf_counter()))
    runner.failed.connect(lambda text: outcome.update(error=text))
    if then is not None:
        runner.done.connect(lambda result: then(window, result))
    runner.finished.connect(lambda: QtCore.QTimer.singleShot(SETTLE_MS, loop.quit))
    meter.start()
    start = time.perf_counter()
    runner.start()
    loop.exec()
    stall = meter.stop()
    if "error" in outcome:
        raise SystemExit(f"{title}: {outcome['error']}")
    for widget in QtWidgets.QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QtCore.QCoreApplication.processEvents()
    return stall, outcome["end"] - start, meter.over_goal


def run_demo(folder: Path, cases: int) -> tuple[float, float, int]:
    """The demo as the program makes it: 打开演示站点 in the first-start dialog, until the dialog is accepted (the
    demo made in its working folder, moved into place and opened)."""
    from app.views.setup_dialog import SetupDialog

    dialog = SetupDialog(folder, demo_cases=cases)
    dialog.show()
    meter = StallMeter()
    loop = QtCore.QEventLoop()
    dialog.accepted.connect(lambda: QtCore.QTimer.singleShot(SETTLE_MS, loop.quit))
    dialog.rejected.connect(loop.quit)
    meter.start()
    start = time.perf_counter()
    dialog.demo_button.click()
    loop.exec()
    seconds = time.perf_counter() - start - SETTLE_MS / 1000
    stall = meter.stop()
    if dialog.desk is None:
        raise SystemExit(f"demo: {dialog.error.text()}")
    dialog.desk.close()
    dialog.deleteLater()
    return stall, seconds, meter.over_goal


BASELINE: list[float] = []


def show(label: str, stall: float, seconds: float, over_goal: int) -> None:
    verdict = "met" if stall * 1000 <= GOAL_MS else "NOT met"
    load = os.getloadavg()[0]
    baseline = f"; the same window with a job that only waits: {BASELINE[0] * 1000:.0f} ms" if BASELINE else ""
    print(f"{label}: longest GUI stall {stall * 1000:.0f} ms during a job of {seconds:.1f} s "
          f"(the window froze {seconds:.1f} s when it ran on the GUI thread); goal ≤ {GOAL_MS} ms — {verdict}; "
          f"{over_goal} stalls over {GOAL_MS} ms{baseline}; load average {load:.1f} on {os.cpu_count()} cores",
          flush=True)


def waiting_job(seconds: float) -> Work:
    """The raw baseline: a job that holds nothing (the runner, its dialog, the window; the machine's load)."""
    def work(desk: Desk, say: Say) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            say("等待", 0, 0)
            time.sleep(0.05)
    return work


def ledger_job(out: Path) -> Work:
    """As the ledger dialog makes it (app.views.report_excel)."""
    return ProcessJob(long_jobs.writing, ProcessJob(long_jobs.ledger, out, LedgerFilter(), False, "正在写入台账…"), out)


def report_job(kind: str, day: date, out: Path) -> Work:
    """As the report dialog makes it (app.views.report_excel)."""
    return ProcessJob(long_jobs.writing, ProcessJob(long_jobs.report, kind, day, out, ("正在统计…", "正在写入报表…")),
                      out)


def new_rows_ledger(folder: Path, rows: int, out: Path) -> Path:
    """A ledger of ``rows`` cases with full ID numbers, each request reworded so that none is already here."""
    from openpyxl import load_workbook

    desk = open_bench(folder)
    first = desk.conn.execute("SELECT min(registered_at) FROM cases").fetchone()[0][:10]
    last = desk.conn.execute("SELECT registered_at FROM cases ORDER BY registered_at LIMIT 1 OFFSET ?",
                             (rows - 1,)).fetchone()[0][:10]
    written = out.with_name("exported.xlsx")
    write_ledger(desk.conn, written, LedgerFilter("", "", date.fromisoformat(first), date.fromisoformat(last)),
                 desk.today(), station="bench", full_id=True)
    desk.close()
    wb = load_workbook(written)
    ws = wb["台账"]
    column = [c.value for c in ws[1]].index("反映问题") + 1
    for row in range(2, ws.max_row + 1):
        cell = ws.cell(row, column)
        cell.value = f"{cell.value}（补录）"
    wb.save(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="")
    parser.add_argument("--demo-cases", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--why", action="store_true", help="where the GUI thread stood still, sampled")
    args = parser.parse_args()
    wanted = set(filter(None, args.only.split(",")))

    def want(name: str) -> bool:
        return not wanted or name in wanted

    app = application()
    setup_application(app)
    folder = demo_dir("demo100k", 100_000)
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp_name:
        tmp = Path(tmp_name)
        desk = open_bench(folder)
        cases = desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        print(f"station: {cases:,} cases; a tick every {TICK_MS} ms on the GUI thread", flush=True)
        stall, seconds, over_goal = run(desk, "等待", waiting_job(15))
        BASELINE.append(stall)
        show("baseline: a job that only waits", stall, seconds, over_goal)
        if want("ledger"):
            show(f"ledger export, {cases:,} cases", *run(desk, "导出台账", ledger_job(tmp / "ledger.xlsx")))
        if want("report"):
            day = desk.today()
            show("daily report (每日一报)", *run(desk, "每日一报", report_job("daily", day, tmp / "daily.xlsx")))
            show("weekly report (周报)", *run(desk, "周报", report_job("weekly", day, tmp / "weekly.xlsx")))
        if want("print"):
            ids = open_case_ids(desk)
            show(f"print all open ({len(ids):,} sheets) and open the preview",
                 *run(desk, "打印", sheets_job(ids, False),
                      then=lambda window, pdf: open_made(window, ids, pdf)))
        if want("backup"):
            # As 文件 → 备份 runs it: in a thread of the window's process (the kernel copies the store's bytes, so
            # the job holds the interpreter lock little), with the 0.98 GB station as it is.
            target = tmp / "backup.zip"
            show(f"backup of the {cases:,}-case station",
                 *run(desk, "备份", lambda own, say: backup_ops.make(own, target, say), {"settings"}))
            target.unlink()
        desk.close()
        if want("import"):
            source = new_rows_ledger(folder, args.import_rows, tmp / "import.xlsx")
            copy = tmp / "import-station"
            copy.mkdir()
            for name in ("station.db", "keyring.json"):  # the sealed store and its wrapped key
                shutil.copy2(folder / name, copy / name)
            target = open_bench(copy)

            # As the import wizard runs it: the ledger read and checked as one job, then imported as another.
            planned: dict[str, Any] = {}
            show(f"ledger import, reading and checking {args.import_rows:,} rows",
                 *run(target, "读取台账", ProcessJob(long_jobs.plan_ledger_import, source, "", "", "正在检查…"),
                      outcome=planned))
            show(f"ledger import of {args.import_rows:,} rows into the {cases:,}-case station",
                 *run(target, "导入台账", ProcessJob(long_jobs.ledger_import, planned["result"], "正在导入…"),
                      {"cases"}))
            target.close()
        if want("demo"):
            show(f"demo station of {args.demo_cases:,} cases", *run_demo(tmp / "station", args.demo_cases))
        if want("sync"):
            from bench.bench_sync import NOW, prepare

            tree = prepare(100_000, 20)
            town = open_bench(tree / "331002001", now=FixedClock(NOW))
            bundle = tmp / "up.zip"
            events = town.conn.execute("SELECT count(*) FROM events").fetchone()[0]
            show(f"sync export ({events:,} events, 20 MB evidence)",
                 *run(town, "导出同步包", ProcessJob(long_jobs.sync_export, "331002", bundle),
                      {"sync"}))
            town.close()
            shutil.copytree(tree / "331002", tmp / "331002")
            county = open_bench(tmp / "331002", now=FixedClock(NOW + timedelta(hours=1)))
            show("sync import of that bundle",
                 *run(county, "导入同步包", ProcessJob(long_jobs.sync_import, bundle),
                      {"cases", "sync", "conflicts", "stations"}))
            county.close()


if __name__ == "__main__":
    main()
