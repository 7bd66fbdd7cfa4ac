"""Import's check of the origin stations' signatures (app.store.signatures): every checkpoint a bundle carries
matches the event it names, and every event the bundle brought is vouched for by its origin's key, as it will be
at ``verify``. A bundle that carries a changed event — even one whose chain was hashed again — is refused whole.

Checkpoints travel one a line, ``["<origin>",<seq>,"<hash>","<key id>","<signature>"]``; each line is read and
checked by one pattern (a bundle of 100,000 events carries up to 100,000 of them)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

from app.models.errors import DomainError
from app.store import signatures
from app.sync.container import OpenedBundle

MEMBER = "checkpoints.jsonl"
MAX_LINE = 512
_LINE = re.compile(rb'\["([A-Za-z0-9]{2,20})", ?([1-9][0-9]{0,11}), ?"([0-9a-f]{64})", ?"([0-9a-f]{64})", ?'
                   rb'"([A-Za-z0-9+/]{86}==)"\]\r?\n?')


def carried(opened: OpenedBundle) -> Iterator[tuple[str, int, str, str, str]]:
    """The checkpoints in the bundle, as rows (a bundle from a program without them has none)."""
    if MEMBER not in {i.filename for i in opened.zip.infolist()}:
        return
    match = _LINE.fullmatch
    with opened.zip.open(MEMBER) as source:
        while raw := source.readline(MAX_LINE + 1):
            found = match(raw)
            if found is None:
                raise DomainError("同步包中的签名检查点格式不正确")
            origin, seq, digest, key_id, signature = found.groups()
            yield origin.decode(), int(seq), digest.decode(), key_id.decode(), signature.decode()


def check_checkpoints(conn: sqlite3.Connection, opened: OpenedBundle, first_new: dict[str, int], own: str,
                      own_public: bytes | None) -> None:
    """Inside the import's transaction, after its events are in: keep the carried checkpoints, each naming an
    event held here with the same hash, then ask that every new event is vouched for. Raises DomainError (the
    import rolls back)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS incoming_checkpoints (origin TEXT, seq INTEGER, hash TEXT, "
                 "key_id TEXT, signature TEXT)")
    conn.execute("DELETE FROM incoming_checkpoints")
    conn.executemany("INSERT INTO incoming_checkpoints VALUES (?,?,?,?,?)", carried(opened))
    bad = conn.execute("SELECT i.origin, i.seq, e.hash IS NULL FROM incoming_checkpoints i LEFT JOIN events e "
                       "ON e.origin = i.origin AND e.seq = i.seq WHERE e.hash IS NULL OR e.hash != i.hash "
                       "ORDER BY i.origin, i.seq LIMIT 1").fetchone()
    if bad is not None:
        origin, seq, missing = bad
        if missing:
            raise DomainError(f"同步包中的签名检查点 {origin}:{seq} 所指的事件不在同步包中（同步包被改动）")
        raise DomainError(f"事件 {origin}:{seq}：内容与来源站点 {origin} 签名时不同（事件被改动后重算了哈希），"
                          "不予导入")
    conn.execute("INSERT OR IGNORE INTO checkpoints (origin, seq, hash, key_id, signature) "
                 "SELECT origin, seq, hash, key_id, signature FROM incoming_checkpoints")
    conn.execute("DELETE FROM incoming_checkpoints")
    ring = signatures.keyring(conn, own, own_public)
    legacy = signatures.legacy_bounds(conn)
    for origin, first in sorted(first_new.items()):
        problem = signatures.check_origin(conn, origin, ring, first, legacy.get(origin, 0))
        if problem:
            raise DomainError(f"事件 {problem.event_id}：{problem.reason}，不予导入")
