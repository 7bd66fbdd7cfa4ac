"""Reads of a big station's whole list off the GUI thread.

After a job changed cases, the window reads the order of the whole list and the status bar's counts again. On a
station of 100,000 cases each such read takes the GUI thread 40-100 ms (more on a busy machine, more again just
after a job wrote, when SQLCipher decrypts the pages afresh), so the window would stand still at the very moment the
job ends. A ``BackgroundRead`` runs the read on a connection of its own in the one reading thread (SQLite lets go of
the interpreter lock while it works) and hands the result to the GUI thread; the newest request wins, an older
result arriving late is dropped. Small stations read at once, as before: the answer is there before a repaint.
"""

from __future__ import annotations

import gc
import sqlite3
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from app.ops.desk import Desk
from app.views.qt import QtCore, Signal

BACKGROUND_ROWS = 20_000  # a station with more cases than this reads its whole list off the GUI thread
Read = Callable[[sqlite3.Connection], Any]


# One thread reads for every view, one read after another: after a job the list's order, the counts and the
# filters' choices would otherwise be three threads taking the cores from the GUI thread at the same moment.
_READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background-read")
SWITCH_INTERVAL_S = 0.001  # while work runs off the GUI thread (Python's default: 0.005)


class OffThread:
    """While work runs in another thread (a job, a background read), the GUI thread gets the interpreter lock
    sooner and is not held up by full garbage collections.

    Painting a screenful calls into Python thousands of times (the models' data()), each needing the lock; a
    thread busy in Python gives it up only when asked, after the switch interval, so at Python's 5 ms a repaint
    during a job could take a hundred milliseconds. And a full (oldest-generation) collection walks every live
    object of the process holding the lock: 0.4-0.5 s each, about once a second, in a report at 100,000 cases
    (bench/bench_jobs.py); they wait until the work is done, the young generations are still collected as usual,
    and reference counting frees everything else as it goes."""

    lock = threading.Lock()
    running = 0
    saved: tuple[tuple[int, int, int], float] = (gc.get_threshold(), sys.getswitchinterval())

    @classmethod
    def begin(cls) -> None:
        with cls.lock:
            if cls.running == 0:
                cls.saved = (gc.get_threshold(), sys.getswitchinterval())
                threshold = cls.saved[0]
                gc.set_threshold(threshold[0], threshold[1], 1_000_000_000)
                sys.setswitchinterval(min(SWITCH_INTERVAL_S, cls.saved[1]))
            cls.running += 1

    @classmethod
    def end(cls) -> None:
        with cls.lock:
            cls.running -= 1
            if cls.running == 0:
                gc.set_threshold(*cls.saved[0])
                sys.setswitchinterval(cls.saved[1])


def many_cases(conn: sqlite3.Connection) -> bool:
    """Whether the station is big enough for its whole-list reads to go to the background (the largest row number:
    one step down the table's b-tree)."""
    row = conn.execute("SELECT max(n) FROM cases").fetchone()
    return bool(row and row[0] and row[0] > BACKGROUND_ROWS)


class BackgroundRead(QtCore.QObject):
    """One kind of read for one view: ``run(read, done)`` calls ``done(read(connection))`` on the GUI thread, the
    read made on a connection of its own in a thread; a newer ``run`` or ``drop`` makes an older result go unused."""

    delivered = Signal(int, object)

    def __init__(self, desk: Desk, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._ticket = 0
        self._done: Callable[[Any], None] | None = None
        self.reads: list[Future[None]] = []  # for tests: the reads under way
        self.delivered.connect(self._deliver)  # queued: emitted from the reading thread

    @property
    def pending(self) -> bool:
        return self._done is not None

    def run(self, read: Read, done: Callable[[Any], None]) -> None:
        """Start the read once the GUI thread is back in its event loop: what it does now (the rest of a refresh)
        is not slowed by a thread starting up beside it."""
        self._ticket += 1
        self._done = done
        ticket = self._ticket
        QtCore.QTimer.singleShot(0, self, lambda: self._start(ticket, read))

    def _start(self, ticket: int, read: Read) -> None:
        if ticket != self._ticket:
            return  # a newer read or an answer read at once came meanwhile
        OffThread.begin()  # ended by the read
        self.reads = [f for f in self.reads if not f.done()] + [_READER.submit(self._read, ticket, read)]

    def drop(self) -> None:
        """Forget the read under way (what it would bring was read at once meanwhile)."""
        self._ticket += 1
        self._done = None

    def _read(self, ticket: int, read: Read) -> None:
        result: Any
        try:
            own = self.desk.twin()
            try:
                result = read(own.conn)
            finally:
                own.close()
        except Exception as err:  # told on the GUI thread, where the read is made again at once
            result = _Failed(read, err)
        finally:
            OffThread.end()
        try:
            self.delivered.emit(ticket, result)
        except RuntimeError:  # the view went away meanwhile
            pass

    def _deliver(self, ticket: int, result: Any) -> None:
        if ticket != self._ticket or self._done is None:
            return
        done, self._done = self._done, None
        if isinstance(result, _Failed):  # e.g. the station's file could not be opened twice: read it here
            result = result.read(self.desk.conn)
        done(result)


class _Failed:
    def __init__(self, read: Read, error: Exception) -> None:
        self.read, self.error = read, error
