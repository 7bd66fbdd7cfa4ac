"""Long jobs off the GUI thread, with a progress bar and 取消: the ledger, the reports, printing many cases, the
ledger import, the demo, sync export and import (and any later job: one call to ``run_job``).

A job is a function ``work(desk, say)``. It runs in a thread on a desk of its own (its own SQLite connection, so
the window keeps reading the last committed state and never sees half of a write), and calls ``say(stage, done,
total)`` as it goes. Pressing 取消 makes the next ``say`` raise ``Cancelled``, which unwinds through the job's own
transaction (rolled back) and output file (written to a temporary file, removed): a cancelled job leaves nothing
behind. When it is done the window's desk announces what changed, and every view refreshes through the usual
change notices.

The long jobs are ``ProcessJob``s (app.ops.job_process): they run in a child process, so the window's GUI thread
never waits for the interpreter lock while they work; the thread here only waits for the child's answers.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from app.models.errors import Cancelled, DomainError
from app.ops.desk import Desk
from app.ops.job_process import ChildRun, Opening, ProcessJob
from app.store.eventlog import last_hlc
from app.views.background_read import OffThread
from app.views.errors import write_log
from app.views.qt import Qt, QtCore, QtWidgets, Signal

Say = Callable[[str, int, int], None]
Work = Callable[[Desk, Say], Any]
SHOW_AFTER_MS = 250  # a job that ends sooner never shows its progress dialog
IN_CHILD_PROCESS = True  # a ProcessJob runs in a process of its own (tests that patch a job's code run it here)
REPORT_EVERY_S = 0.05  # progress crosses to the GUI thread at most this often (a job may report every row)
TEXTS = {
    "cancel": "取消",
    "cancelling": "正在取消，已完成的部分将全部撤回…",
    "failed": "操作失败：{error}（详细情况已记入 {log}）",
}


def counter(say: Say, stage: str) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` for the functions that count without naming a stage."""
    return lambda done, total: say(stage, done, total)


class _Worker(QtCore.QObject):
    progress = Signal(str, int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, desk: Desk | None, work: Work, log_dir: Path) -> None:
        super().__init__()
        self.desk = desk
        self.log_dir = log_dir
        self.work = work
        self.stop = threading.Event()
        self.child: ChildRun | None = None  # a ProcessJob's process, once started
        self._last = 0.0
        self._stage = ""

    def say(self, stage: str, done: int, total: int) -> None:
        # A report of the end (done == total) never cancels: the writers report it after their commit or file
        # move, when there is nothing left to undo and the result stands.
        if self.stop.is_set() and not 0 < total <= done:
            raise Cancelled
        now = time.monotonic()
        if stage != self._stage or done >= total or now - self._last >= REPORT_EVERY_S:
            self._stage, self._last = stage, now
            self.progress.emit(stage, done, total)

    def _unexpected(self, err: Exception) -> str:
        """Logged as the window logs its own faults (logs/ in the data folder), and told in a sentence."""
        path, _problem = write_log(self.log_dir, sys.exc_info())  # type: ignore[arg-type]
        return TEXTS["failed"].format(error=err, log=path)

    def run(self) -> None:
        OffThread.begin()
        try:
            self._run()
        finally:
            OffThread.end()

    def _run(self) -> None:
        if isinstance(self.work, ProcessJob) and IN_CHILD_PROCESS:
            self._run_in_child(self.work)
            return
        try:
            own = self.desk.twin() if self.desk is not None else None  # same key, same account signed in
        except DomainError as err:
            self.failed.emit(str(err))
            return
        except Exception as err:  # the same as a fault of the job itself
            self.failed.emit(self._unexpected(err))
            return
        # The desk is closed before the outcome is told: closing it after a big write takes tens of milliseconds,
        # which the GUI thread, waiting for this thread to end, would stand still for.
        told: tuple[Any, ...]
        try:
            self.say("", 0, 0)  # 取消 pressed before the thread got going
            result = self.work(own, self.say)  # type: ignore[arg-type]  # None: a job that makes its station
            # the clock read here, not on the GUI thread
            told = (self.succeeded, (result, last_hlc(own.conn) if own is not None else None))
        except Cancelled:
            told = (self.cancelled,)
        except DomainError as err:
            told = (self.failed, str(err))
        except Exception as err:  # an unexpected fault must reach the user, not kill the thread silently
            told = (self.failed, self._unexpected(err))
        finally:
            if own is not None:
                own.close()
        told[0].emit(*told[1:])

    def _run_in_child(self, job: ProcessJob) -> None:
        """The job in a process of its own (app.ops.job_process); this thread only waits for its answers."""
        desk = self.desk
        opening = Opening(desk.data_dir, desk.master_key, desk.account, desk.now) if desk is not None else None
        self.child = ChildRun(opening, job)
        if self.stop.is_set():  # 取消 pressed before the thread got going
            self.child.stop()
        told: tuple[Any, ...]
        try:
            told = (self.succeeded, self.child.wait(self.progress.emit))
        except Cancelled:
            told = (self.cancelled,)
        except DomainError as err:
            told = (self.failed, str(err))
        except Exception as err:  # a fault in the child (its traceback logged) or in starting it
            told = (self.failed, self._unexpected(err))
        told[0].emit(*told[1:])


_RUNNING: set[JobRunner] = set()


class JobRunner(QtCore.QObject):
    """Runs ``work`` in a thread with a QProgressDialog (a bar, the stage, 取消); on the GUI thread emits
    ``done(result)`` after the desk has announced ``kinds``, ``failed(message)``, or ``cancelled()``."""

    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()  # after any of the three

    def __init__(self, desk: Desk | None, title: str, work: Work, kinds: Iterable[str] = (),
                 parent: QtWidgets.QWidget | None = None, cancellable: bool = True, log_dir: Path | None = None
                 ) -> None:
        super().__init__()  # not the window's child: when done it goes, with nothing of it left in the window
        self.desk = desk
        self.kinds = set(kinds)
        self.running = False
        self.dialog = QtWidgets.QProgressDialog(title, TEXTS["cancel"], 0, 0, parent)
        self.dialog.setObjectName("jobProgress")
        self.dialog.setMinimumWidth(420)  # room for the stage and the title
        self.dialog.setWindowTitle(title)
        # The bar is ours and set directly: QProgressDialog.setValue on a shown modal dialog runs the event loop
        # re-entrantly (processEvents), so a job's end could be handled in the middle of a progress report.
        self.bar = QtWidgets.QProgressBar()
        self.bar.setObjectName("jobProgressBar")
        self.bar.setRange(0, 0)
        self.dialog.setBar(self.bar)
        self.dialog.setAutoReset(False)
        self.dialog.setAutoClose(False)
        if not cancellable:
            self.dialog.setCancelButton(None)  # type: ignore[arg-type]
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.canceled.connect(self.cancel)
        self.dialog.reset()  # hidden; shown by our own timer (QProgressDialog's shows only on setValue calls)
        self.show_timer = QtCore.QTimer(self)
        self.show_timer.setSingleShot(True)
        self.show_timer.setInterval(SHOW_AFTER_MS)
        self.show_timer.timeout.connect(self._show)
        self.worker_thread = QtCore.QThread(self)
        if desk is None and (log_dir is None or self.kinds):
            raise ValueError("a job with no station open needs a folder for its log and changes nothing shown")
        self.worker = _Worker(desk, work, log_dir if desk is None else desk.data_dir)  # type: ignore[arg-type]
        self.worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(self.worker.run)
        self.worker_thread.finished.connect(self.worker.deleteLater)  # in its own thread, as that thread ends
        self.worker.progress.connect(self._progress)
        self.worker.succeeded.connect(self._succeeded)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(self._cancelled)

    def start(self) -> JobRunner:
        _RUNNING.add(self)  # kept alive while it runs, though whoever started it may not keep it
        self.running = True
        self.bar.setRange(0, 0)
        self.show_timer.start()
        self.worker_thread.start()
        return self

    def _show(self) -> None:
        if self.running:
            self.dialog.show()

    def cancel(self) -> None:
        """Ask the job to stop at its next progress report; it then unwinds and ``cancelled`` follows."""
        if self.running and not self.worker.stop.is_set():
            self.worker.stop.set()
            child = self.worker.child
            if child is not None:
                child.stop()
            self.dialog.setLabelText(TEXTS["cancelling"])
            button = self.dialog.findChild(QtWidgets.QPushButton)
            if button is not None:
                button.setEnabled(False)
            self.dialog.show()  # canceled() hid it; the job is still winding down

    def _progress(self, stage: str, done: int, total: int) -> None:
        if self.worker.stop.is_set():
            return
        # Only what changed: a new label text lays the dialog out again, a new range repaints the whole bar.
        if stage and stage != self.dialog.labelText():
            self.dialog.setLabelText(stage)
        if self.bar.maximum() != max(total, 0):
            self.bar.setRange(0, max(total, 0))
        self.bar.setValue(min(done, total) if total > 0 else 0)

    def _finish(self) -> None:
        self.running = False
        self.show_timer.stop()
        self.worker_thread.quit()
        self.worker_thread.wait()
        self.dialog.reset()
        self.dialog.close()

    def _end(self) -> None:
        """After the last signal nothing of the job stays: the dialog (a child of the window, which may stay open
        for hours) and the finished thread are deleted once control is back in the event loop, and the runner is
        let go (a caller may still hold it, to read what it did)."""
        self.finished.emit()
        self.dialog.deleteLater()
        self.worker_thread.deleteLater()
        QtCore.QTimer.singleShot(0, lambda: _RUNNING.discard(self))

    def _succeeded(self, outcome: tuple[object, str | None]) -> None:
        result, newest = outcome
        self._finish()
        if self.kinds and self.desk is not None:
            self.desk.announce(self.kinds, last_hlc=newest)
        self.done.emit(result)
        self._end()

    def _failed(self, message: str) -> None:
        self._finish()
        self.failed.emit(message)
        self._end()

    def _cancelled(self) -> None:
        self._finish()
        self.cancelled.emit()
        self._end()


def run_job(desk: Desk | None, title: str, work: Work, *, parent: QtWidgets.QWidget | None,
            kinds: Iterable[str] = (), done: Callable[[Any], object] | None = None,
            failed: Callable[[str], object] | None = None, cancellable: bool = True,
            log_dir: Path | None = None) -> JobRunner:
    """Start ``work`` as a job; ``done(result)`` runs on the GUI thread when it succeeded, ``failed(message)``
    when it was refused (by default a message box titled ``title``). A cancelled job calls neither. With no
    ``desk`` the job works on no station (it makes one) and logs a fault in ``log_dir``."""
    from app.views.common import message

    runner = JobRunner(desk, title, work, kinds, parent, cancellable, log_dir)
    if done is not None:
        runner.done.connect(done)
    runner.failed.connect(failed if failed is not None else (lambda text: message(parent, title, text)))
    return runner.start()
