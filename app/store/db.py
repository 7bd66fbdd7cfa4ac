"""Opening a station's database file: version check first, then pragmas, then the schema steps."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from app.models.errors import DomainError
from app.store import private, schema

if TYPE_CHECKING:
    import sqlite_utils

DB_NAME = "station.db"
ENV_HOME = "PETITION_DESK_HOME"


class SchemaTooNew(DomainError):
    """The file was written by a newer program; it is left untouched."""


def default_data_dir() -> Path:
    """The user's data folder, unless PETITION_DESK_HOME names another."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("PetitionDesk", appauthor=False))


def file_version(path: Path) -> int:
    """user_version of an existing file, read without writing anything to it.

    With no write-ahead log beside it the file is opened as immutable, so SQLite does not create the -wal and
    -shm files a read of a WAL database otherwise leaves next to a file it may not change."""
    immutable = "" if Path(f"{path}-wal").exists() else "&immutable=1"
    conn = sqlite3.connect(f"file:{path}?mode=ro{immutable}", uri=True)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def open_database(path: Path) -> sqlite_utils.Database:
    """The station file opened as a sqlite-utils database (for tools and introspection)."""
    import sqlite_utils

    return sqlite_utils.Database(open_connection(path))


def open_connection(path: Path) -> sqlite3.Connection:
    """Open (or create) the station file and bring its schema up to date in one exclusive transaction.

    A file from a newer program is refused before anything is written to it.
    """
    if path.exists():
        try:
            version = file_version(path)
        except sqlite3.DatabaseError as err:
            raise DomainError(f"数据文件已损坏或不是本程序的文件：{path}（{err}）") from None
        if version > schema.LATEST_VERSION:
            raise SchemaTooNew(
                f"数据文件由更新版本的程序创建（数据版本 {version}，本程序支持到 {schema.LATEST_VERSION}），"
                "请升级信访工作台后再打开；文件未作任何改动。"
            )
    private.secure_folder(path.parent)
    private.create_private_file(path)
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        private.secure_file(part)  # a file an older program made readable by everyone
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    upgrade(conn)
    return conn


def upgrade(conn: sqlite3.Connection) -> int:
    """Run the schema steps the file has not had yet; all of them or none. Returns the new version."""
    conn.execute("BEGIN EXCLUSIVE")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > schema.LATEST_VERSION:
            raise SchemaTooNew(f"数据文件版本 {version} 高于本程序支持的 {schema.LATEST_VERSION}")
        for number, step in enumerate(schema.STEPS, start=1):
            if version < number:
                step(conn)
                conn.execute(f"PRAGMA user_version = {number}")
        if 0 < version < schema.REPROJECT_BELOW:
            _reproject(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return schema.LATEST_VERSION


def _reproject(conn: sqlite3.Connection) -> None:
    """Write every projection again from the events, with the station's own limits."""
    import json

    from app.models.deadlines import TimeLimits
    from app.store import projection

    row = conn.execute("SELECT value FROM settings WHERE key = 'limits'").fetchone()
    projection.rebuild(conn, TimeLimits.from_json(json.loads(row[0]) if row else {}))


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: everything in it lands, or nothing does."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
