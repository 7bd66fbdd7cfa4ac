"""A long job in a process of its own: the window's process then never shares its interpreter lock with the job.

A job run in a thread of the window's process (app.views.jobs) competes with the GUI thread for Python's one
interpreter lock: whatever the job does in Python or in a library holding the lock (openpyxl building a sheet,
reportlab a page, a spreadsheet parser, the demo's generator) the GUI thread waits for, in turns of the switch
interval, for every call from Qt into Python (a repaint calls the models thousands of times). A ``ProcessJob`` runs
in a child process started with ``spawn`` (a fresh interpreter, no copy of the window's memory): the window's
thread that waits for it only reads a pipe.

Nothing secret is on a command line, in the environment or in a file: the station's key, the signed-in account and
the job itself go to the child over the pipe multiprocessing starts it with. The child opens a desk of its own on
the station (as a thread's job does), reports progress over the pipe, takes a request to stop from it (the next
report raises ``Cancelled``, which rolls back and removes what the job had begun), and answers with the result, a
refusal in Chinese, or an unexpected fault (its redacted traceback, logged by the window). A child that dies
without an answer (killed, out of memory) is a failure told in Chinese; its transaction was never committed.

This module imports no Qt: the child loads only what its job needs.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.models.errors import Cancelled, DomainError

REPORT_EVERY_S = 0.1  # progress crosses the pipe at most this often (a job may report every row)
NICENESS = 10  # the job's process yields the cores to the window's (Unix nice; below-normal class on Windows)
BELOW_NORMAL_PRIORITY_CLASS = 0x4000
TEXTS = {
    "died": "后台作业进程意外退出（代码 {code}），本次操作没有完成，也没有留下半成品，请重试",
}

Say = Callable[[str, int, int], None]


class ProcessJob:
    """``function(desk, say, *args, **kwargs)`` as a job to run in a child process. ``function`` must be a
    module-level function and the arguments picklable (paths, case numbers, plain values). Called directly it
    runs where it is called (a test, a small station)."""

    def __init__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.function, self.args, self.kwargs = function, args, kwargs

    def __call__(self, desk: Any, say: Say) -> Any:
        return self.function(desk, say, *self.args, **self.kwargs)


@dataclass(frozen=True)
class Opening:
    """What the child needs to open the station as the window has it open."""

    data_dir: Path
    master_key: bytes | None
    account: Any
    now: Callable[[], datetime]


class Fault(Exception):
    """An unexpected fault of a job in its process: the message and the redacted traceback, for the log."""

    def __init__(self, text: str, trace: str) -> None:
        super().__init__(text)
        self.trace = trace


def redacted_traceback(kind: type[BaseException], error: BaseException, trace: Any) -> str:
    """Where the error happened (the code's lines and the error's type), without its message: a message may
    carry what a user typed (a petitioner's name), and the log is a plain file in the data folder."""
    lines = traceback.format_tb(trace)
    shown = f"{kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" else kind.__qualname__
    return "".join(["Traceback (most recent call last):\n", *lines,
                    f"{shown}（说明 {len(str(error))} 字，不记录：可能含个人信息）\n"])


class _Duplex:
    """Two one-way pipes as one two-way connection. (A two-way multiprocessing pipe is a socket pair on Unix, and
    the program opens no socket of any kind: tests/no_network.py.)"""

    def __init__(self, reading: Any, writing: Any) -> None:
        self.reading, self.writing = reading, writing

    def send(self, message: Any) -> None:
        self.writing.send(message)

    def recv(self) -> Any:
        return self.reading.recv()

    def poll(self, timeout: float = 0.0) -> bool:
        return bool(self.reading.poll(timeout))

    def close(self) -> None:
        self.reading.close()
        self.writing.close()


class _ChildSay:
    """The job's ``say`` in the child: throttled reports to the pipe, and the stop request read from it."""

    def __init__(self, pipe: Any) -> None:
        self.pipe = pipe
        self.stop = False
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        changed = stage != self._stage or done >= total
        if changed or now - self._last >= REPORT_EVERY_S:
            self._stage, self._last = stage, now
            while not self.stop and self.pipe.poll():
                self.stop = self.pipe.recv() == "stop"
            self.pipe.send(("say", stage, done, total))
        # A report of the end (done == total) never cancels: the writers report it after their commit or file
        # move, when there is nothing left to undo and the result stands.
        if self.stop and not 0 < total <= done:
            raise Cancelled


# What crosses the pipe is pickled, and pickling or unpickling one object holds the interpreter lock throughout: a
# ledger import's plan of 10,000 rows took the window's process 75 ms to send and 140 ms to take. A long list (at the
# top of a value, or a field of a dataclass value) crosses in batches, each a short hold.
BATCH = 500


def _long_lists(value: Any) -> tuple[Any, dict[str, list[Any]]]:
    """The value with its long lists left empty, and those lists by name ("" for the value itself)."""
    if isinstance(value, list) and len(value) > BATCH:
        return [], {"": value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        long = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)
                if isinstance(getattr(value, f.name), list) and len(getattr(value, f.name)) > BATCH}
        if long:
            shell = copy.copy(value)
            for name in long:
                object.__setattr__(shell, name, [])
            return shell, long
    return value, {}


def _send_long_lists(pipe: Any, kind: str, value: Any, *where: Any) -> Any:
    """Send the long lists of ``value`` in batches (messages ``(kind, *where, name, batch)``); returns the value
    without them, to be sent whole."""
    shell, long = _long_lists(value)
    for name, items in long.items():
        for start in range(0, len(items), BATCH):
            pipe.send((kind, *where, name, items[start:start + BATCH]))
    return shell


def _joined(shell: Any, pieces: dict[str, list[Any]]) -> Any:
    """The value whose long lists came in batches, whole again."""
    if "" in pieces:
        return pieces[""]
    for name, items in pieces.items():
        object.__setattr__(shell, name, items)
    return shell


def _send_job(pipe: Any, opening: Opening | None, job: ProcessJob) -> None:
    args = tuple(_send_long_lists(pipe, "arg", arg, index) for index, arg in enumerate(job.args))
    pipe.send(("start", opening, ProcessJob(job.function, *args, **job.kwargs)))


def _receive_job(pipe: Any) -> tuple[Opening | None, ProcessJob]:
    pieces: dict[int, dict[str, list[Any]]] = {}
    while (message := pipe.recv())[0] == "arg":
        _kind, index, name, batch = message
        pieces.setdefault(index, {}).setdefault(name, []).extend(batch)
    _start, opening, job = message
    args = tuple(_joined(arg, pieces[index]) if index in pieces else arg for index, arg in enumerate(job.args))
    return opening, ProcessJob(job.function, *args, **job.kwargs)


def _lower_priority(pid: int) -> None:
    """Give the job's process a lower scheduling priority than the window's: on a laptop's two busy cores the job
    waits for a core, not the window (the job takes a little longer, the window answers at once). Set by the window
    as soon as the process exists, so its start (a new interpreter importing the job's modules, about a third of a
    second of work, just when the progress dialog shows) yields too; Windows sets it from inside the process."""
    if hasattr(os, "setpriority") and pid:
        with contextlib.suppress(OSError):  # a job at normal priority still works
            os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)


def _yield_to_the_window() -> None:
    """Windows: this process's priority below the window's (``_lower_priority``)."""
    try:
        if sys.platform == "win32":
            import ctypes

            kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
            kernel.SetPriorityClass(kernel.GetCurrentProcess(), BELOW_NORMAL_PRIORITY_CLASS)
    except OSError:
        pass  # a job at normal priority still works


def serve(pipe: Any) -> None:
    """The child's side: open the station, run the job, answer (see the module's note)."""
    _yield_to_the_window()
    from app.ops.desk import Desk
    from app.store.eventlog import last_hlc

    opening, job = _receive_job(pipe)
    answer: tuple[Any, ...]
    desk: Desk | None = None
    try:
        if opening is not None:  # else a job that opens no station (it makes one)
            desk = Desk(opening.data_dir, now=opening.now, master_key=opening.master_key)
            desk.account = opening.account
    except DomainError as err:
        pipe.send(("refused", str(err)))
        return
    try:
        say = _ChildSay(pipe)
        say("", 0, 0)  # 取消 pressed before the process got going
        result = job(desk, say)
        answer = ("done", _send_long_lists(pipe, "piece", result), last_hlc(desk.conn) if desk else None)
    except Cancelled:
        answer = ("cancelled",)
    except DomainError as err:
        answer = ("refused", str(err))
    except Exception as err:  # noqa: BLE001 - every fault must reach the window, which logs it
        answer = ("fault", str(err), redacted_traceback(type(err), err, err.__traceback__))
    finally:
        if desk is not None:
            desk.close()
    pipe.send(answer)


class ChildRun:
    """One job in a child process, waited for in a thread of the window's process (``wait``); ``stop`` may be called
    from any thread (the GUI thread's 取消). The waiting thread sleeps in the pipe's read until the child says
    something: it wakes only for a report, and holds the interpreter lock only to take it."""

    def __init__(self, opening: Opening | None, job: ProcessJob) -> None:
        self.opening, self.job = opening, job
        self._lock = threading.Lock()  # the job's batches (waiting thread) and a stop (GUI thread) share a pipe
        self._stopped = False
        self._ours: _Duplex | None = None

    def stop(self) -> None:
        """Ask the child to stop at its next progress report (the report of its end excepted)."""
        with self._lock:
            self._stopped = True
            if self._ours is not None:
                with contextlib.suppress(OSError):  # the child has ended meanwhile
                    self._ours.send("stop")

    def wait(self, say: Say) -> Any:
        """Start the child and wait for its answer: its reports go to ``say``. Returns ``(result, newest
        clock)``; raises ``Cancelled``, ``DomainError`` (a refusal, or the child died) or ``Fault``."""
        import multiprocessing  # here, not above: about 8 ms the window's first paint does not wait for

        context = multiprocessing.get_context("spawn")
        down, up = context.Pipe(duplex=False), context.Pipe(duplex=False)  # (reading end, writing end) each
        ours, theirs = _Duplex(up[0], down[1]), _Duplex(down[0], up[1])
        process = context.Process(target=serve, args=(theirs,), name="petition-desk-job", daemon=True)
        process.start()
        _lower_priority(process.pid or 0)
        theirs.close()  # the child's ends: with the child gone, reading ours ends (EOFError)
        try:
            with self._lock:
                _send_job(ours, self.opening, self.job)
                self._ours = ours
                if self._stopped:  # 取消 pressed while the child was starting
                    ours.send("stop")
            return self._answer(ours, say)
        except (EOFError, OSError):
            process.join()
            raise DomainError(TEXTS["died"].format(code=process.exitcode)) from None
        finally:
            with self._lock:
                self._ours = None
                ours.close()
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()

    @staticmethod
    def _answer(ours: _Duplex, say: Say) -> Any:
        pieces: dict[str, list[Any]] = {}
        while True:
            message = ours.recv()
            kind = message[0]
            if kind == "say":
                say(*message[1:])
            elif kind == "piece":
                pieces.setdefault(message[1], []).extend(message[2])
            elif kind == "done":
                return _joined(message[1], pieces), message[2]
            elif kind == "cancelled":
                raise Cancelled
            elif kind == "refused":
                raise DomainError(message[1])
            else:
                raise Fault(message[1], message[2])
