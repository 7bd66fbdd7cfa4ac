"""After a station is rebuilt from a recovery file, files its old computer made are no longer its history.

The station above that made the recovery file for station X at X's event number P keeps a **fence**: X's events
after P may only come from files whose manifest says they were made after importing one of the recovery files made
for X (``recovered_from``, the recovery file's id, which the rebuilt station states in every file it exports). A
file of the old computer (restored from an older copy, the same key; or found later on a stick) carrying events
after P was made before the rebuild: its numbers are taken by the new computer, and it is refused whole with a
message that says so, instead of poisoning the chain so that the new computer's files are refused for ever.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from app.models.errors import DomainError
from app.store import eventlog

_FENCE = "recovery:"
_RECOVERED = "recovered_from"


def record_fence(conn: sqlite3.Connection, code: str, held: int, bundle_id: str) -> None:
    """Remember that a recovery file ``bundle_id`` was made for ``code`` when ``held`` of its events were here."""
    old = fences(conn).get(code)
    ids = [*(old["ids"] if old else []), bundle_id]
    conn.execute("INSERT OR REPLACE INTO sync_trust (key, value) VALUES (?, ?)",
                 (_FENCE + code, json.dumps({"seq": max(held, old["seq"] if old else 0), "ids": ids})))


def fences(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    return {str(k)[len(_FENCE):]: json.loads(v) for k, v in conn.execute(
        "SELECT key, value FROM sync_trust WHERE key >= ? AND key < ?", (_FENCE, _FENCE + "\uffff"))}


def tops(conn: sqlite3.Connection, codes: list[str]) -> dict[str, int]:
    return {code: eventlog.head(conn, code)[0] for code in codes}


def check(conn: sqlite3.Connection, manifest: dict[str, Any], before: dict[str, int]) -> None:
    """Refuse (DomainError; the caller rolls back) a file that brought events after a fence from before the
    rebuild. ``before`` is ``tops`` of the fenced stations taken before the file's events were written."""
    stated = manifest.get(_RECOVERED)
    for code, fence in fences(conn).items():
        top = eventlog.head(conn, code)[0]
        if top > max(int(fence["seq"]), before.get(code, 0)) and stated not in fence["ids"]:
            raise DomainError(
                f"站点 {code} 已用恢复文件重建（当时上级有其第 {fence['seq']} 号及之前的事件），这个同步包却是重建"
                f"之前的电脑生成的：其中第 {fence['seq']} 号之后的事件的编号已由新电脑使用，不予导入。旧电脑上的这些"
                f"事项请在 {code} 的新电脑上对照补录。（如果 {code} 并没有重建，恢复文件做了没有用，请在 {code} 导入"
                "该恢复文件后重新导出。）")


def remember_recovery(conn: sqlite3.Connection, bundle_id: str) -> None:
    """At the rebuilt station: the recovery file it was rebuilt from, stated in every file it exports from now."""
    conn.execute("INSERT OR REPLACE INTO sync_trust (key, value) VALUES (?, ?)", (_RECOVERED, bundle_id))


def recovered_from(conn: sqlite3.Connection) -> dict[str, str]:
    """The manifest field a rebuilt station's files carry (none for a station never rebuilt)."""
    row = conn.execute("SELECT value FROM sync_trust WHERE key = ?", (_RECOVERED,)).fetchone()
    return {_RECOVERED: str(row[0])} if row else {}
