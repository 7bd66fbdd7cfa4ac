"""Secrets kept inside the station's store: the station's private keys and the key that seals its evidence.

They live in the ``secrets`` table, so they are exactly as safe as the store (sealed with the master key once the
store is encrypted) and travel with it in a backup; no key file lies beside the data. Code that knows only the
data folder (``app.sync.keys`` is called with it) finds the open store through ``attach``/``connection``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from app.models.errors import DomainError

_open: dict[Path, list[sqlite3.Connection]] = {}  # the one opened last answers (a worker's own desk)


def _norm(data_dir: Path) -> Path:
    return Path(data_dir).resolve()


def attach(data_dir: Path, conn: sqlite3.Connection) -> None:
    """Say that ``conn`` is the open store of ``data_dir``."""
    _open.setdefault(_norm(data_dir), []).append(conn)


def detach(data_dir: Path, conn: sqlite3.Connection) -> None:
    opened = _open.get(_norm(data_dir), [])
    if conn in opened:
        opened.remove(conn)
    if not opened:
        _open.pop(_norm(data_dir), None)


def connection(data_dir: Path) -> sqlite3.Connection:
    """The open store of ``data_dir``; a DomainError when no store of it is open in this program."""
    opened = _open.get(_norm(data_dir))
    if not opened:
        raise DomainError(f"本站数据未打开（{data_dir}）：请先登录")
    return opened[-1]


def get(conn: sqlite3.Connection, name: str) -> bytes | None:
    row = conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
    return bytes(row[0]) if row else None


def put(conn: sqlite3.Connection, name: str, value: bytes, replace: bool = False) -> None:
    """Store a secret; an existing one is kept unless ``replace`` (a key is never silently overwritten)."""
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    if conn.in_transaction:
        conn.execute(f"{verb} INTO secrets (name, value) VALUES (?, ?)", (name, value))
        return
    from app.store.db import transaction

    with transaction(conn):
        conn.execute(f"{verb} INTO secrets (name, value) VALUES (?, ?)", (name, value))


def names(conn: sqlite3.Connection, prefix: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM secrets WHERE substr(name, 1, ?) = ? ORDER BY name",
                                       (len(prefix), prefix))]


def get_or_create(conn: sqlite3.Connection, name: str, make: Callable[[], bytes]) -> bytes:
    """The secret ``name``, stored as ``make()`` if there was none yet (the first writer wins). ``make`` is called
    only then: a new key is not generated on every read of the one already held (the station's signing key is read
    at every change)."""
    existing = get(conn, name)
    if existing is not None:
        return existing
    put(conn, name, make())
    stored = get(conn, name)
    assert stored is not None
    return stored
