"""Unexpected errors in the GUI: written to a log in the data folder and told to the handler in Chinese.

Without this, an exception inside a Qt slot is printed to a console nobody sees (or none at all in the packaged
program) and the window carries on as if nothing happened — or, with ``--screenshot``, waits forever for a
signal that never comes. Every change to the data is one transaction (``app.ops.desk``), so an error in the
middle of an operation leaves the data as it was before it: the message can honestly say the data is saved.
"""

from __future__ import annotations

import sys
import threading
import traceback
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from app.ops.job_process import Fault
from app.ops.job_process import redacted_traceback as redacted
from app.views.qt import Qt, QtCore, QtWidgets, Signal

LOG_FOLDER = "logs"
MAX_LOG_BYTES = 5_000_000  # an error repeating in a loop (say, in painting) must not fill the disk
TEXTS = {
    "title": "程序出现意外错误",
    "text": "程序出现意外错误，刚才的操作可能没有完成。\n\n错误详情已记录到：\n{path}\n\n"
            "您的数据已保存：每一项操作要么完整保存，要么完全不保存，可在案件的办理过程中查看刚才的操作是否已记录。"
            "可以继续工作；如果问题反复出现，请把这个文件交给技术支持人员。",
    "more": "\n\n（此后又出现 {n} 次错误，也已记录。）",
    "no_log": "（日志无法写入：{error}）",
    "screenshot": "错误：截图过程中程序出现意外错误，详情见 {path}",
}

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def log_file(data_dir: Path, when: datetime) -> Path:
    """<data dir>/logs/error-YYYYmmdd.log: one file a day, appended to."""
    return Path(data_dir) / LOG_FOLDER / f"error-{when:%Y%m%d}.log"


def redacted_traceback(info: ExcInfo) -> str:
    """Where the error happened, without its message (see ``app.ops.job_process.redacted_traceback``); a fault
    of a job in its own process brings its traceback with it."""
    kind, error, trace = info
    if isinstance(error, Fault):
        return error.trace
    return redacted(kind, error, trace)


def write_log(data_dir: Path, info: ExcInfo, when: datetime | None = None) -> tuple[Path, str]:
    """Append the traceback to the day's log; returns the file and, when it could not be written, why."""
    when = when or datetime.now()
    path = log_file(data_dir, when)
    text = redacted_traceback(info)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            return path, ""  # the day's first errors are the ones that tell what went wrong
        with path.open("a", encoding="utf-8") as out:
            out.write(f"==== {when:%Y-%m-%d %H:%M:%S}  Python {sys.version.split()[0]}  "
                      f"Qt {QtCore.qVersion()}  {sys.platform} ====\n{text}\n")
    except OSError as err:
        return path, str(err)
    return path, ""


class ErrorReporter(QtCore.QObject):
    """``sys.excepthook`` and ``threading.excepthook`` while the GUI runs.

    The hook logs at once, in whatever thread the error happened; showing the message is passed to the GUI
    thread (a queued signal), on the next turn of its event loop. One message box at a time: errors that follow
    while it is open are logged and counted in it. With ``screenshot`` set, the program exits with code 1
    instead of showing a box nobody will close.
    """

    shown = Signal(object)  # the QMessageBox, or None when the program is leaving (screenshot)
    _report = Signal(str, str)  # log file, why the log could not be written

    def __init__(self, data_dir: Path, screenshot: bool = False, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.screenshot = screenshot
        self.box: QtWidgets.QMessageBox | None = None
        self.count = 0
        self.last_log: Path | None = None
        self._previous: tuple[Any, Any] | None = None
        self._report.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        path, problem = write_log(self.data_dir, (exc_type, exc, tb))
        self.last_log = path
        traceback.print_exception(exc_type, exc, tb)  # the console, for whoever started it from one
        self._report.emit(str(path), problem)

    def fatal(self, exc: BaseException) -> int:
        """An error before the event loop runs (building the window): log it, say so, and give exit code 1."""
        path, problem = write_log(self.data_dir, (type(exc), exc, exc.__traceback__))
        self.last_log = path
        traceback.print_exception(type(exc), exc, exc.__traceback__)
        if self.screenshot:
            print(TEXTS["screenshot"].format(path=path), file=sys.stderr)
            return 1
        text = TEXTS["text"].format(path=path) + ("\n" + TEXTS["no_log"].format(error=problem) if problem else "")
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, TEXTS["title"], text)
        box.setObjectName("errorBox")
        box.exec()
        return 1

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, path: str, problem: str) -> None:
        self.count += 1
        if self.screenshot:
            print(TEXTS["screenshot"].format(path=path), file=sys.stderr)
            QtCore.QCoreApplication.exit(1)
            self.shown.emit(None)
            return
        text = TEXTS["text"].format(path=path) + ("\n" + TEXTS["no_log"].format(error=problem) if problem else "")
        if self.box is not None and self.box.isVisible():
            self.box.setText(text + TEXTS["more"].format(n=self.count - 1))
            return
        self.count = 1
        parent = QtWidgets.QApplication.activeWindow()
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, TEXTS["title"], text,
                                    QtWidgets.QMessageBox.StandardButton.Ok, parent)
        box.setObjectName("errorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # the path can be copied
        box.destroyed.connect(self._box_gone)
        self.box = box
        box.open()
        self.shown.emit(box)

    def _box_gone(self) -> None:
        self.box = None
