"""Import's check of the origin stations' signatures (app.store.signatures): every checkpoint a bundle carries
matches the event it names, and every event the bundle brought is vouched for by its origin's key, as it will be
at ``verify``. A bundle that carries a changed event — even one whose chain was hashed again — is refused whole."""

from __future__ import annotations

import json
import sqlite3

from app.models.errors import DomainError
from app.store import signatures
from app.store.signatures import Checkpoint
from app.sync.container import OpenedBundle

MEMBER = "checkpoints.jsonl"
MAX_LINE = 1024


def carried(opened: OpenedBundle) -> list[Checkpoint]:
    """The checkpoints in the bundle (a bundle from a program without them has none)."""
    names = {i.filename for i in opened.zip.infolist()}
    if MEMBER not in names:
        return []
    found = []
    with opened.zip.open(MEMBER) as source:
        while line := source.readline(MAX_LINE + 1):
            if len(line) > MAX_LINE:
                raise DomainError("同步包中的签名检查点格式不正确")
            try:
                found.append(Checkpoint.parse(json.loads(line)))
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise DomainError("同步包中的签名检查点格式不正确") from None
    return found


def check_checkpoints(conn: sqlite3.Connection, opened: OpenedBundle, first_new: dict[str, int], own: str,
                      own_public: bytes | None) -> None:
    """Inside the import's transaction, after its events are in: keep the carried checkpoints, each matching the
    event it names, then ask that every new event is vouched for. Raises DomainError (the import rolls back)."""
    cps = carried(opened)
    wanted = json.dumps([[c.origin, c.seq] for c in cps])
    held = {(str(o), int(s)): str(h) for o, s, h in conn.execute(
        "SELECT e.origin, e.seq, e.hash FROM events e JOIN json_each(?) j "
        "ON e.origin = json_extract(j.value, '$[0]') AND e.seq = json_extract(j.value, '$[1]')", (wanted,))}
    for cp in cps:
        digest = held.get((cp.origin, cp.seq))
        if digest is None:
            raise DomainError(f"同步包中的签名检查点 {cp.origin}:{cp.seq} 所指的事件不在同步包中（同步包被改动）")
        if digest != cp.hash:
            raise DomainError(f"事件 {cp.origin}:{cp.seq}：内容与来源站点 {cp.origin} 签名时不同（事件被改动后重算了"
                              "哈希），不予导入")
    signatures.store(conn, cps)
    ring = signatures.keyring(conn, own, own_public)
    legacy = signatures.legacy_bounds(conn)
    for origin, first in sorted(first_new.items()):
        problem = signatures.check_origin(conn, origin, ring, first, legacy.get(origin, 0))
        if problem:
            raise DomainError(f"事件 {problem.event_id}：{problem.reason}，不予导入")
