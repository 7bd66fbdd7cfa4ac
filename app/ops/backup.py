"""Backup operations of a desk: a backup now, the reminder when the last one is old, the backup on exit."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.ops.accounts import require
from app.ops.desk import Desk
from app.ops.keyring import Keyring
from app.store import backup
from app.store.backup import REMIND_DAYS, BackupResult, Progress

LAST_BACKUP = "last_backup"
AUTO_BACKUP = "auto_backup"
AUTO_PREFIX = "信访工作台备份-"


def make(desk: Desk, out: Path, progress: Progress | None = None, *, standing: bool = False) -> BackupResult:
    """Back the station up to ``out`` and remember when. A leader or an admin may (``RIGHTS['backup']``);
    ``standing``: the backup on exit an admin set up, made whoever closes the program."""
    station = desk.require_station()
    if not standing:
        desk.require("backup")
    result = backup.make_backup(desk.data_dir, desk.conn, desk.master_key,
                                {"code": station.code, "name": station.name}, out, desk.now(), progress)
    with desk._write({"settings"}, ()) as conn:
        desk._put_setting(conn, LAST_BACKUP, desk.now().isoformat(timespec="seconds"))
    return result


def reminder(desk: Desk) -> str | None:
    """A reminder to back up when there is data and the last backup is older than seven days (or there is none)."""
    # Data to lose: a case (a new station's own set-up events are made again by setting it up again).
    if desk.station is None or not desk.conn.execute("SELECT 1 FROM events WHERE case_id != '' LIMIT 1").fetchone():
        return None
    # Read afresh: a backup made in a worker thread wrote it through a desk of its own.
    row = desk.conn.execute("SELECT value FROM settings WHERE key = ?", (LAST_BACKUP,)).fetchone()
    last = json.loads(row[0]) if row else None
    if last and datetime.fromisoformat(last) > desk.now() - timedelta(days=REMIND_DAYS):
        return None
    since = f"上次备份是 {last[:10]}" if last else "本站还没有备份过"
    who = "请" if desk.account is not None and desk.account.may("backup") else "请领导或管理员登录后"
    return (f"{since}，已超过 {REMIND_DAYS} 天：电脑丢失或硬盘损坏时，只有备份能找回本站数据。"
            f"{who}用“文件 → 备份”（命令行 backup --out 文件）备份到U盘或另一块硬盘。")


def restore_as_admin(path: Path, data_dir: Path, user: str, password: str, progress: Progress | None = None,
                     now: Callable[[], datetime] = datetime.now, recovery_key: str = "") -> dict[str, Any]:
    """Restore a backup into the empty folder ``data_dir`` for an admin of the backed-up station: the restored
    store must open with ``user``'s password and ``user`` must be an admin there (``RIGHTS['restore']``), or
    with the station's ``recovery_key`` (the sheet in the office safe). Who is signed in elsewhere plays no part:
    the command line and the window both ask for the backup's own admin. Anything else — or a restore cancelled
    or failed half-way — is refused and what was written is removed, so the folder is as it was."""
    data_dir = Path(data_dir)
    existed = data_dir.exists()
    backup.require_empty(data_dir)  # so that removing what is in it afterwards removes only what was restored
    try:
        manifest = backup.restore(path, data_dir, progress)
        ring = Keyring.load(data_dir)
        if recovery_key:
            ring.open_with_recovery(recovery_key)
        else:
            master = ring.open_with_password(user.strip(), password, now())
            restored = Desk(data_dir, master_key=master)
            try:
                require(restored.accounts().get(user.strip()), "restore")
            finally:
                restored.close()
    except BaseException:
        for item in list(data_dir.iterdir()) if data_dir.is_dir() else []:
            shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink(missing_ok=True)
        if not existed and data_dir.is_dir():
            data_dir.rmdir()
        raise
    return manifest


def set_auto(desk: Desk, folder: Path | None, keep: int = 5) -> None:
    """Back up to ``folder`` whenever the program closes, keeping the last ``keep`` backups (None: off)."""
    desk.require("settings")
    if keep < 1:
        raise DomainError("保留的备份份数至少为 1")
    value: dict[str, Any] | None = {"folder": str(folder), "keep": keep} if folder else None
    with desk._write({"settings"}, ()) as conn:
        desk._put_setting(conn, AUTO_BACKUP, value)


def on_exit(desk: Desk) -> BackupResult | None:
    """The backup on exit, if one is set: a new file in the folder, then the oldest beyond ``keep`` removed."""
    auto = desk.setting(AUTO_BACKUP)
    if not auto or desk.master_key is None:
        return None
    folder = Path(auto["folder"])
    result = make(desk, folder / f"{AUTO_PREFIX}{desk.now():%Y%m%d-%H%M%S}.zip", standing=True)
    made = sorted(folder.glob(f"{AUTO_PREFIX}*.zip"))
    for old in made[:-int(auto["keep"])]:
        old.unlink(missing_ok=True)
    return result
