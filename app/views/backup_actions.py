"""备份 / 恢复 in the 文件 menu, the reminder when the last backup is old, and the backup on exit."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.ops import backup as backup_ops
from app.ops import store_check
from app.ops.desk import Desk
from app.store import backup
from app.store.db import is_database_error
from app.views.jobs import JobRunner
from app.views.qt import QtCore, QtWidgets, Signal
from app.views.restore_dialog import RestoreDialog
from app.views.role_gates import gate

TEXTS = {
    "backup": "备份…",
    "backup_tip": "把本站全部数据备份到一个文件（已加密：恢复时需要管理员密码或恢复密钥）",
    "restore": "从备份恢复…",
    "restore_tip": "把备份恢复到一个新的空文件夹（须有备份中本站管理员的密码或恢复密钥）",
    "save_as": "备份到",
    "done": "已备份到 {path}（{members} 个文件，{mb:.1f} MB，已逐一核对）。",
    "failed": "备份失败",
    "choose_backup": "选择备份文件",
    "choose_folder": "选择一个空文件夹作为恢复后的数据文件夹",
    "restored": "已把 {code} {name} 的备份恢复到 {folder}。\n\n"
                "请用下面的方式打开恢复的站点，并用备份时的管理员账号登录：\npython main.py --data-dir \"{folder}\"",
    "restore_failed": "恢复失败",
    "reminder": "备份提醒",
    "damaged": "数据文件已损坏",
    "damaged_status": "数据文件已损坏：本程序不再向它写入任何内容，请从备份恢复（文件 → 从备份恢复）",
}


def install(window: QtWidgets.QMainWindow, desk: Desk, menu: QtWidgets.QMenu) -> None:
    """Add 备份… and 从备份恢复… to ``menu``."""
    make = menu.addAction(TEXTS["backup"])
    make.setObjectName("backupAction")
    make.setStatusTip(TEXTS["backup_tip"])
    make.triggered.connect(lambda _checked=False: start_backup(window, desk))
    gate(window, make, "backup", desk)
    restore = menu.addAction(TEXTS["restore"])
    restore.setObjectName("restoreAction")
    restore.setStatusTip(TEXTS["restore_tip"])
    restore.triggered.connect(lambda _checked=False: choose_restore(window, desk))


def start_backup(window: QtWidgets.QWidget, desk: Desk, target: Path | None = None) -> JobRunner | None:
    """Ask where, then back up off the window's thread with progress; the message says how it went. An account
    that may not back up is told so before any question."""
    try:
        desk.require("backup")
    except DomainError as err:
        QtWidgets.QMessageBox.warning(window, TEXTS["failed"], str(err))
        return None
    if target is None:
        name = f"信访工作台备份-{desk.now():%Y%m%d}.zip"
        chosen, _ = QtWidgets.QFileDialog.getSaveFileName(window, TEXTS["save_as"], str(Path.home() / name),
                                                          "备份文件 (*.zip)")
        if not chosen:
            return None
        target = Path(chosen)
    runner = JobRunner(desk, TEXTS["backup"], lambda own, say: backup_ops.make(own, target, say), {"settings"},
                        window)

    def done(result: Any) -> None:
        QtWidgets.QMessageBox.information(window, TEXTS["backup"], TEXTS["done"].format(
            path=result.path, members=result.members, mb=result.size / 1e6))

    runner.done.connect(done)
    runner.failed.connect(lambda message: QtWidgets.QMessageBox.warning(window, TEXTS["failed"], message))
    runner.start()
    return runner


def choose_restore(window: QtWidgets.QWidget, desk: Desk) -> RestoreDialog | None:
    """Restore a backup into a new folder: which backup, which folder, then the backup's own admin (or its
    recovery key) in a dialog (app.views.restore_dialog) — whoever is signed in to this window. Returns the
    dialog, open."""
    file, _ = QtWidgets.QFileDialog.getOpenFileName(window, TEXTS["choose_backup"], str(Path.home()),
                                                    "备份文件 (*.zip)")
    if not file:
        return None
    folder = QtWidgets.QFileDialog.getExistingDirectory(window, TEXTS["choose_folder"], str(Path.home()))
    if not folder:
        return None
    return ask_restore(window, desk, Path(file), Path(folder))


def ask_restore(window: QtWidgets.QWidget, desk: Desk, file: Path, folder: Path) -> RestoreDialog | None:
    """The restore dialog for ``file`` into ``folder``, after the plain refusals (not a backup, a folder not
    empty) are told; the message after a restore says how to open the restored station."""
    try:
        manifest = backup.describe(file)
        backup.require_empty(folder)
    except DomainError as err:
        QtWidgets.QMessageBox.warning(window, TEXTS["restore_failed"], str(err))
        return None
    dialog = RestoreDialog(desk, file, folder, manifest, window)

    def restored(manifest: dict[str, Any]) -> None:
        station = manifest.get("station", {})
        QtWidgets.QMessageBox.information(window, TEXTS["restore"], TEXTS["restored"].format(
            code=station.get("code", ""), name=station.get("name", ""), folder=folder))

    dialog.restored.connect(restored)
    dialog.open()
    return dialog


def remind(window: QtWidgets.QMainWindow, desk: Desk) -> str | None:
    """Show the backup reminder in the status bar when it is due; returns it."""
    text = backup_ops.reminder(desk)
    if text:
        window.statusBar().showMessage(text)
    return text


def on_exit(window: QtWidgets.QWidget, desk: Desk) -> None:
    """The backup on exit, if set; a failure is told, and the window still closes."""
    try:
        backup_ops.on_exit(desk)
    except DomainError as err:
        QtWidgets.QMessageBox.warning(window, TEXTS["failed"], str(err))
    except Exception as err:
        if not is_database_error(err, "ProgrammingError"):
            raise  # the station was closed before its window (a program shutting down): nothing to back up


class StoreCheck(QtCore.QThread):
    """The start-up check of a large store, after the window shows (app.ops.store_check): ``found(message)``
    when it is damaged. ``stop`` interrupts it (the window closing)."""

    found = Signal(str)

    def __init__(self, desk: Desk, parent: QtCore.QObject) -> None:
        super().__init__(parent)
        self.data_dir, self.key = desk.data_dir, desk.require_master_key()
        self.conn: Any = None
        self.lock = threading.Lock()  # the connection is interrupted only while it is open
        self.stopping = False

    def _opened(self, conn: Any) -> None:
        with self.lock:
            self.conn = conn
            if conn is not None and self.stopping:
                conn.interrupt()

    def run(self) -> None:
        message = store_check.check_after_start(self.data_dir, self.key, self._opened, lambda: self.stopping)
        if message:
            self.found.emit(message)

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            if self.conn is not None:
                self.conn.interrupt()
        self.wait()


def check_after_start(window: QtWidgets.QMainWindow, desk: Desk) -> StoreCheck | None:
    """Start the check of a store too large to check before the window showed; a damaged one is told in a
    message and in the status bar, with the way back."""
    if not store_check.needs_check_after_start(desk):
        return None
    check = StoreCheck(desk, window)

    def found(message: str) -> None:
        window.statusBar().showMessage(TEXTS["damaged_status"])
        QtWidgets.QMessageBox.warning(window, TEXTS["damaged"], message)

    check.found.connect(found)
    check.start(QtCore.QThread.Priority.LowPriority)
    return check
