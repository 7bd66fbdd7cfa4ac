"""Rebuilding a station from the stations above it: the recovery file, and what importing one tells.

A county (or the city) holds every event of the stations below it that reached it, and every event about their
cases made anywhere. A station reinstalled on a new computer, or restored from an older copy of its data folder,
gets all of that back in one **recovery file**: a bundle like any other (signed by the station above, addressed
to the station's current certificate, checked by the same import), whose direction is ``recovery``. Importing it
brings back the station's own events, so its numbering (event sequence numbers and case numbers) continues after
the highest number any station above holds, and nothing is ever numbered twice.

Until then a station whose certificate file says the station above already holds events of its code records
nothing (``Desk`` refuses with ``RECOVER_FIRST``): a new event would take a number that is already used.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.ops.desk import RESTORED_MARK, Desk
from app.ops.sync import chain_of, require_chain
from app.ops.sync_transfer import ImportResult, Progress, bundle_time, log_export, sync_lock
from app.store import eventlog
from app.sync import bundle, fence, moves, tracking
from app.sync.certs import Certificate
from app.sync.trust import TrustStore, ancestors, parents, subtree, valid_revocations

DIRECTION = "recovery"


def _receiver(desk: Desk, code: str, mine: Certificate) -> Certificate:
    trust = TrustStore(desk.conn)
    pool = trust.pool()
    revoked = valid_revocations(trust.revocations(), pool)
    found = [c for c in pool.values() if c.code == code and c.key_id != mine.key_id
             and mine.key_id in ancestors(c, pool) and c.key_id not in revoked]
    if not found:
        raise DomainError(f"站点 {code} 不在本站之下，或它的有效证书本站还不知道：请先为它签发证书（重新安装的"
                          "站点先吊销旧证书，再为新电脑的入网申请签发证书），然后再制作恢复文件")
    return max(found, key=lambda c: c.issued_at)


def _last_bundle_from(conn: sqlite3.Connection, codes: set[str]) -> dict[str, str] | None:
    row = conn.execute("SELECT created_at, at, peer FROM sync_log WHERE direction = 'in' AND peer IN "
                       "(SELECT value FROM json_each(?)) ORDER BY created_at DESC LIMIT 1",
                       (json.dumps(sorted(codes)),)).fetchone()
    return {"created_at": row[0], "imported_at": row[1], "from": row[2]} if row else None


def recovery_file(desk: Desk, code: str, out: Path, progress: Progress | None = None,
                  part_size: int | None = None) -> bundle.ExportResult:
    """Write the recovery file for the station ``code`` below this one: every event held of it and of the
    stations below it, every event held about their cases, the certificates of its part of the tree and the
    revocations. Reads only; recorded in the sync log as an export."""
    me, mine = require_chain(desk)
    code = code.strip().upper()
    if code == mine.code:
        raise DomainError("恢复文件是为下级站点制作的：本站不能为自己制作恢复文件")
    receiver = _receiver(desk, code, mine)
    trust = TrustStore(desk.conn)
    pool = trust.pool()
    known_moves = moves.held(desk.conn)
    tree = moves.apply(parents(pool.values()), known_moves)
    theirs = subtree(tree, code)
    # A laptop of a township with several gets the others' whole history back too, as the county's files give it.
    moved = moves.by_code(known_moves)
    scope = theirs | {c for c in tree if moves.one_township(c, code, moved)}
    revocations = trust.revocations()
    extra = [c for c in pool.values() if c.code in scope and c.key_id != receiver.key_id]
    extra += [pool[r.key_id] for r in revocations if r.key_id in pool]
    conn = desk.conn
    with sync_lock(desk):
        created_at, created_ms = bundle_time(desk)
        conn.execute("BEGIN")  # one snapshot for every query
        try:
            held = tracking.coverage(conn, mine.code)
            origins = [str(r[0]) for r in conn.execute("SELECT DISTINCT origin FROM events")]
            plan = bundle.ExportPlan(mine.code, code, DIRECTION, {o: 0 for o in origins},
                                     {o: (0, s) for o, s in held.items()}, sorted(scope))
            recovery = {"station": code, "held": eventlog.head(conn, code)[0],
                        "last_bundle": _last_bundle_from(conn, theirs)}
            result = bundle.write_bundle(conn, plan, out, bundle.Identity(chain_of(mine, pool), me.key), receiver,
                                         extra, revocations, desk.blobs, created_at, progress, created_ms,
                                         extra_manifest={"recovery": recovery}, part_size=part_size,
                                         moves=known_moves)
        finally:
            conn.execute("ROLLBACK")
    with desk._write({"sync"}, ()) as conn:
        log_export(desk, conn, result, code, out, recovery=True)
        fence.record_fence(conn, code, int(result.manifest["recovery"]["held"]), result.bundle_id)
    return result


@dataclass
class Recovered:
    """What a recovery file gave back, for the message after its import."""

    own_before: int
    own_after: int
    ahead: int  # own events held here that the station above had not received (they go up with the next file)
    last_bundle: dict[str, str] | None
    new_cases: int
    cases: list[str] = field(default_factory=list)


def resume_numbering(desk: Desk) -> bool:
    """A person confirms that a station restored from a backup sent nothing up after the backup was made: it may
    number again without a recovery file. False when the station was not waiting."""
    mark = desk.data_dir / RESTORED_MARK
    if not mark.exists():
        return False
    mark.unlink()
    return True


def after_recovery(desk: Desk) -> None:
    """A recovery file is in: a station restored from a backup numbers again."""
    (desk.data_dir / RESTORED_MARK).unlink(missing_ok=True)


def check_recovery_manifest(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The ``recovery`` part of a manifest, checked field by field (None for an ordinary bundle)."""
    if manifest.get("direction") != DIRECTION:
        return None
    data = manifest.get("recovery")
    if not isinstance(data, dict) or not isinstance(data.get("station"), str) \
            or type(data.get("held")) is not int or data["held"] < 0:
        raise DomainError("恢复文件的清单格式不正确")
    last = data.get("last_bundle")
    if last is not None and not (isinstance(last, dict) and all(isinstance(v, str) for v in last.values())):
        raise DomainError("恢复文件的清单格式不正确")
    return data


def summarize(desk: Desk, own_before: int, result: ImportResult, recovery: dict[str, Any]) -> Recovered:
    code = desk.require_station().code
    after = eventlog.head(desk.conn, code)[0]
    return Recovered(own_before, after, max(0, after - int(recovery["held"])), recovery.get("last_bundle"),
                     len(result.report.new_cases), result.report.new_cases)


def message(recovered: Recovered, sender: str) -> str:
    """What a person is told after a recovery file is imported, in Chinese."""
    lines = [f"已从站点 {sender} 恢复本站数据：新增 {recovered.new_cases} 件案件，本站事件现有 {recovered.own_after} "
             f"个（导入前 {recovered.own_before} 个）。此后登记的案件和办理事件接着上级已有的编号往下编，不会重号。"]
    last = recovered.last_bundle
    if last:
        lines.append(f"上级最后收到的本站同步包生成于 {last['created_at'].replace('T', ' ')}（于 "
                     f"{last['imported_at'].replace('T', ' ')} 导入）：在此之后本机办理、但没有导出到上级的登记和"
                     "办理事项没有到达上级，无法恢复，请对照纸质材料重新登记或补录。")
    else:
        lines.append("上级从未收到过本站的同步包：本机在重新安装或恢复之前办理的事项都没有到达上级，无法恢复，"
                     "请对照纸质材料重新登记。")
    if recovered.ahead:
        lines.append(f"本机另有 {recovered.ahead} 个事件上级尚未收到，将随下一个同步包上报。")
    return "\n".join(lines)
