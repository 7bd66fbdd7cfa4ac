"""Running a sync operation (export or import) off the GUI thread, with a progress dialog.

The work runs on a desk of its own (its own SQLite connection), so the window keeps reading the last committed
state while an import is under way and never sees half of it. When it is done the window's desk announces the
change, and every view refreshes through the usual change notices.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.models.errors import DomainError
from app.ops.desk import Desk
from app.views.qt import Qt, QtCore, QtWidgets, Signal

Work = Callable[[Desk, Callable[[str, int, int], None]], Any]


class _Worker(QtCore.QObject):
    progress = Signal(str, int, int)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, desk: Desk, work: Work) -> None:
        super().__init__()
        self.desk = desk  # only read here: the worker opens its own twin of it on its thread
        self.work = work

    def run(self) -> None:
        try:
            own = self.desk.twin()
        except DomainError as err:
            self.failed.emit(str(err))
            return
        try:
            result = self.work(own, self.progress.emit)
        except DomainError as err:
            self.failed.emit(str(err))
        except Exception as err:  # an unexpected fault must reach the user, not kill the thread silently
            self.failed.emit(f"操作失败：{err}")
        else:
            self.succeeded.emit(result)
        finally:
            own.close()


class SyncRunner(QtCore.QObject):
    """Runs ``work`` in a thread with a QProgressDialog; emits ``done(result)`` or ``failed(message)`` on the GUI
    thread after the desk has announced ``kinds``."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, desk: Desk, title: str, work: Work, kinds: set[str],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.kinds = kinds
        self.dialog = QtWidgets.QProgressDialog(title, "", 0, 0, parent)
        self.dialog.setObjectName("syncProgress")
        self.dialog.setWindowTitle(title)
        self.dialog.setCancelButton(None)  # an import is one transaction: it finishes or leaves nothing behind
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)
        self.worker_thread = QtCore.QThread(self)
        self.worker = _Worker(desk, work)
        self.worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(self.worker.run)
        self.worker.progress.connect(self._progress)
        self.worker.succeeded.connect(self._succeeded)
        self.worker.failed.connect(self._failed)

    def start(self) -> None:
        self.worker_thread.start()

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.dialog.setLabelText(stage)
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, max(total, 1)))

    def _finish(self) -> None:
        self.worker_thread.quit()
        self.worker_thread.wait()
        self.dialog.reset()
        self.dialog.close()

    def _succeeded(self, result: object) -> None:
        self._finish()
        self.desk.announce(self.kinds)
        self.done.emit(result)

    def _failed(self, message: str) -> None:
        self._finish()
        self.failed.emit(message)
