"""Opening a station's database file: version check first, then pragmas, then the schema steps."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

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


def open_database(path: Path, key: bytes | None = None) -> sqlite_utils.Database:
    """The station file opened as a sqlite-utils database (for tools and introspection)."""
    import sqlite_utils

    return sqlite_utils.Database(open_connection(path, key))


PLAIN_HEADER = b"SQLite format 3\x00"
# SQLCipher's page cache: a full scan of an encrypted store (a two-character search) decrypts every page it reads;
# with a cache this size it costs what the plain store costs once warm (PLATFORM-NOTES.md). An upper bound, taken
# as pages are read.
CACHE_KIB = 262144
# What an export or import may keep of the store's pages: it reads or writes every page of a large station once or
# twice, and with the window's cache it would keep a quarter of a gigabyte of them (a township's whole history
# must travel within 300 MB). Pages it writes past this are spilled to the write-ahead log as they are made.
BULK_CACHE_KIB = 32768
# The start-up check reads every page: paid at every start up to this size (about 0.1 s), beyond it left to
# backup (which checks its copy) and ``verify``.
QUICK_CHECK_BYTES = 64 << 20


@contextmanager
def bounded_cache(conn: sqlite3.Connection, kib: int = BULK_CACHE_KIB) -> Iterator[None]:
    """The connection's page cache held to ``kib`` for one bulk job (never raised), then set back as it was."""
    before = int(conn.execute("PRAGMA cache_size").fetchone()[0])
    page = int(conn.execute("PRAGMA page_size").fetchone()[0])
    if (-before * 1024 if before < 0 else before * page) <= kib * 1024:
        yield
        return
    conn.execute(f"PRAGMA cache_size = -{kib}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {before}")


def is_plain(path: Path) -> bool:
    """Whether an existing file is a plain (not encrypted) SQLite store."""
    with path.open("rb") as handle:
        return handle.read(len(PLAIN_HEADER)) == PLAIN_HEADER


def is_database_error(err: BaseException, kind: str = "DatabaseError") -> bool:
    """Whether ``err`` is SQLite's ``kind`` (DatabaseError, OperationalError…), from sqlite3 or from SQLCipher's
    driver alike (their exception classes are distinct)."""
    return any(cls.__name__ == kind and cls.__module__.split(".")[0] in ("sqlite3", "sqlcipher3")
               for cls in type(err).__mro__)


def _keyed(path: Path, key: bytes) -> sqlite3.Connection:
    import sqlcipher3

    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is told in Chinese, not logged to the terminal
    # A raw 256-bit key: SQLCipher's own PBKDF2 (256,000 rounds at every open) is not needed, the master key is
    # random and was unwrapped by the keyring's slow KDF.
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return cast(sqlite3.Connection, conn)  # the same DB-API, another class


def connect_keyed(path: Path, key: bytes) -> sqlite3.Connection:
    """A bare connection to a sealed store as it is (no upgrade, no checks): for tools and for tests that must
    reach the file the way an attacker holding the key would."""
    return _keyed(path, key)


def seal_plain_store(path: Path, key: bytes) -> None:
    """Turn a plain store into one encrypted with ``key`` (SQLCipher's ``sqlcipher_export``), written beside it
    and moved over it only when complete: a crash leaves the plain store as it was."""
    checkpoint = sqlite3.connect(str(path))
    try:
        checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = int(checkpoint.execute("PRAGMA user_version").fetchone()[0])
    finally:
        checkpoint.close()
    target = path.with_name(path.name + ".sealing")
    for leftover in (target, Path(f"{target}-journal")):
        leftover.unlink(missing_ok=True)
    private.create_private_file(target)
    import sqlcipher3

    conn = sqlcipher3.connect(str(path), isolation_level=None)
    try:
        conn.execute(f"ATTACH DATABASE ? AS sealed KEY \"x'{key.hex()}'\"", (str(target),))
        conn.execute("SELECT sqlcipher_export('sealed')")
        conn.execute(f"PRAGMA sealed.user_version = {version}")
        conn.execute("DETACH DATABASE sealed")
    finally:
        conn.close()
    with target.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(target, path)
    for part in ("-wal", "-shm"):
        Path(f"{path}{part}").unlink(missing_ok=True)


def open_connection(path: Path, key: bytes | None = None) -> sqlite3.Connection:
    """Open (or create) the station file and bring its schema up to date in one exclusive transaction.

    With ``key`` (the station's master key) the file is SQLCipher-encrypted; a plain file an older program
    wrote is encrypted first. A file from a newer program is refused before anything is written to it.
    """
    private.secure_folder(path.parent)
    exists = path.exists() and path.stat().st_size > 0
    if exists and key is None:
        try:
            version = file_version(path)
        except sqlite3.DatabaseError:
            raise DomainError(damaged_message(path)) from None
        _refuse_newer(version)
    if exists and key is not None and is_plain(path):
        _refuse_newer(file_version(path))
        seal_plain_store(path, key)
    private.create_private_file(path)
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        private.secure_file(part)  # a file an older program made readable by everyone
    if key is None:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    else:
        conn = _keyed(path, key)
        try:
            _refuse_newer(int(conn.execute("PRAGMA user_version").fetchone()[0]))
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        except Exception as err:
            conn.close()
            if is_database_error(err):
                raise DomainError(f"无法打开本站数据：密钥不对，或数据文件已损坏（{path}）。" + WAY_BACK) from None
            raise
    if exists and path.stat().st_size <= QUICK_CHECK_BYTES:
        problem = quick_check(conn)
        if problem:
            conn.close()  # nothing written: the damaged file stays as it was found, for a specialist
            raise DomainError(damaged_message(path) + f"（{problem[:200]}）")
    # WAL is set outside any transaction: inside one it silently stays as it was.
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    upgrade(conn)
    return conn


def quick_check(conn: sqlite3.Connection) -> str | None:
    """SQLite's quick check of an open store: None when sound, else what is wrong (in SQLite's words)."""
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check(3)")]
    except Exception as err:
        if is_database_error(err):
            return str(err)
        raise
    return None if rows == ["ok"] else "；".join(rows)


# Stores found damaged after they opened (app.ops.store_check): this program writes nothing more to them.
_REFUSED: dict[Path, str] = {}


def refuse_writes(path: Path, message: str) -> None:
    """From now on every change to the store at ``path`` is refused with ``message`` (in this program)."""
    _REFUSED[Path(path).resolve()] = message


def writes_refused(path: Path) -> str | None:
    if not _REFUSED:  # the usual case: no store found damaged, and no path to resolve (a tenth of a millisecond)
        return None
    return _REFUSED.get(Path(path).resolve())


WAY_BACK = ("可以从备份恢复（restore 备份文件 --data-dir 新文件夹，或“文件 → 恢复”），或请上级为本站制作恢复文件，"
            "在新安装的程序中导入。")


def damaged_message(path: Path) -> str:
    return f"数据文件已损坏或不是本程序的文件：{path}。" + WAY_BACK


def _refuse_newer(version: int) -> None:
    if version > schema.LATEST_VERSION:
        raise SchemaTooNew(
            f"数据文件由更新版本的程序创建（数据版本 {version}，本程序支持到 {schema.LATEST_VERSION}），"
            "请升级信访工作台后再打开；文件未作任何改动。"
        )


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
        _rollback(conn)
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
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction, if SQLite has not already: on a full disk it rolls back by itself, and a
    ROLLBACK then would replace the real reason with "cannot rollback - no transaction is active"."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")
