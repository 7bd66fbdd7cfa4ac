"""The start-up check of a store too large to check before the first rows show.

A store up to ``QUICK_CHECK_BYTES`` gets SQLite's quick check as it opens (app.store.db): a damaged one is refused
before anything is written. A larger one would delay the first rows by seconds at every start, so the window opens
at once and the same check runs afterwards on a connection of its own, in a thread (SQLite leaves the interpreter
free while it reads). If it finds damage, the station is told in Chinese with the way back, and from then on this
program writes nothing to that store: every change is refused with the same message (``Desk._write``), as a store
found damaged at start is left as it was found.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from app.ops.desk import Desk
from app.store import db
from app.store.db import DB_NAME, connect_keyed, damaged_message, quick_check, refuse_writes


def needs_check_after_start(desk: Desk) -> bool:
    """Whether the store was too large to be checked as it opened (and is sealed: a key to open it with)."""
    path = desk.data_dir / DB_NAME
    return desk.master_key is not None and path.exists() and path.stat().st_size > db.QUICK_CHECK_BYTES


def check_after_start(data_dir: Path, key: bytes, opened: Callable[[sqlite3.Connection | None], None] = lambda c: None,
                      stopped: Callable[[], bool] = lambda: False) -> str | None:
    """The quick check on a read-only connection of its own (any thread); None when the store is sound, else the
    message to show. A damaged store is marked so that nothing more is written to it by this program.
    ``opened`` is given the connection (so the program can interrupt the check when it closes), and None before
    it is closed; a check interrupted so (``stopped()``) finds nothing."""
    conn = connect_keyed(Path(data_dir) / DB_NAME, key)
    try:
        opened(conn)
        conn.execute("PRAGMA query_only = 1")
        conn.execute("PRAGMA cache_size = -8192")  # a passing read: the window's own connection keeps its cache
        problem = quick_check(conn)
    finally:
        opened(None)  # no one may interrupt a closed connection
        conn.close()
    if problem is None or stopped():
        return None
    message = (damaged_message(Path(data_dir) / DB_NAME) + f"（{problem[:200]}）"
               "为免损坏扩大，本程序不再向它写入任何内容：请先备份现有文件，再按上述办法恢复。")
    refuse_writes(Path(data_dir) / DB_NAME, message)
    return message
