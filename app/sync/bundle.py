"""Writing a bundle: which events go to a peer, and the file that carries them.

Upward (to the parent) a station sends every event of its own and of the stations below it that the parent has not
acknowledged. Downward (to a child) it sends the events about the child's cases (those registered in the child's
part of the tree) made anywhere else — assignments, dispatches, supervision orders, edits from above — that the
child has not acknowledged; to a laptop of a township with several (app.models.divisions), also the whole history
of the township's other laptops, so each laptop sees and may work on every case of its township. Certificates and
revocations travel with every bundle.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.models.errors import DomainError
from app.models.vocab import CHANNELS, CHECKLIST_ITEMS, EVIDENCE_KINDS, STATUSES
from app.store import signatures
from app.store.blobs import BlobStore
from app.store.schema import STATION_DISPATCHES
from app.store.sealed import ChunkReader, ScratchFile
from app.sync import sealing, tracking, workbook
from app.sync.certs import Certificate, Revocation
from app.sync.container import BundleWriter, write_problem
from app.sync.moves import Move, by_code, covering, given_by, one_township

FORMAT = "petition-desk-bundle"
DIRECTIONS = {"up": "上报（发往上级）", "down": "下发（发往下级）", "recovery": "恢复文件（为下级重建数据）"}
Progress = Callable[[str, int, int], None]
_COLUMNS = "id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash"
_CASE_ORIGIN = "substr(case_id, 1, instr(case_id, '-') - 1)"


@dataclass
class ExportPlan:
    """What one export carries: per origin, the events after ``after[origin]``; for a child, only its cases; for a
    recovery file (app.ops.recovery), every event of the stations in ``scope`` and, of the others, those about
    their cases."""

    own: str
    peer: str
    direction: str
    after: dict[str, int]
    claims: dict[str, tuple[int, int]]
    scope: list[str] = field(default_factory=list)
    # Downward: cases registered elsewhere that were dispatched to a station in the peer's part of the tree (it may
    # record steps on them), and of those, the ones whose dispatch the peer has not acknowledged yet: their whole
    # history goes with it, since the peer never held it.
    routed: list[str] = field(default_factory=list)
    fresh: list[str] = field(default_factory=list)
    whole: list[str] = field(default_factory=list)  # origins sent down whole (see ``plan_export``)

    def clauses(self) -> Iterator[tuple[str, list[Any]]]:
        for origin, after in sorted(self.after.items()):
            sql, params = "origin = ? AND seq > ?", [origin, after]
            if self.direction == "down" and origin not in self.whole \
                    or self.direction == "recovery" and origin not in self.scope:
                sql += (f" AND case_id != '' AND ({_CASE_ORIGIN} IN (SELECT value FROM json_each(?)) "
                        "OR case_id IN (SELECT value FROM json_each(?)))")
                params += [json.dumps(self.scope), json.dumps(self.routed)]
                if self.fresh:
                    sql += " AND case_id NOT IN (SELECT value FROM json_each(?))"
                    params.append(json.dumps(self.fresh))
            yield sql, params
        if self.fresh:  # every event held of those cases, but the peer's part of the tree's own
            yield ("case_id IN (SELECT value FROM json_each(?)) AND origin NOT IN (SELECT value FROM json_each(?))",
                   [json.dumps(self.fresh), json.dumps(self.scope)])


def plan_export(conn: sqlite3.Connection, own: str, peer: str, direction: str, own_subtree: set[str],
                peer_subtree: set[str], moves: list[Move] | None = None) -> ExportPlan:
    """What goes to ``peer``. Down, two kinds of origin go whole rather than only their events about the peer's
    cases: the other laptops of the peer's township (app.models.divisions; a moved township's old laptops for its
    successor's), and a township moved in below the peer with all its laptops (app.sync.moves), whose old history
    the peer holds nothing of. Up, a county that handed a township over still passes up what it receives of that
    township's history."""
    held = tracking.coverage(conn, own)
    acked = tracking.acknowledged(conn, peer)
    moved = by_code(moves or [])
    whole = {o for o in held if direction == "down" and (one_township(o, peer, moved) or o in peer_subtree
                                                         and covering(o, moved) is not None)} - {peer}
    if direction == "up":
        origins = [o for o in held if o in own_subtree or given_by(o, own, moved)]
    else:
        origins = [o for o in held if o not in peer_subtree or o in whole]
    after = {o: acked.get(o, 0) for o in origins if held[o] > acked.get(o, 0)}
    claims = {o: (after[o], held[o]) for o in after}
    routed: list[str] = []
    fresh: list[str] = []
    if direction == "down":
        for case_id, origin, seq in routed_cases(conn, peer_subtree):
            if case_id not in routed:
                routed.append(case_id)
            if seq > acked.get(origin, 0) and case_id not in fresh:
                fresh.append(case_id)
    # A laptop's township is its whole case scope: the cases registered at the township's other laptops too.
    scope = peer_subtree | {o for o in whole if one_township(o, peer, moved)}
    return ExportPlan(own, peer, direction, after, claims, sorted(scope), routed, fresh, sorted(whole))


def routed_cases(conn: sqlite3.Connection, stations: set[str]) -> list[tuple[str, str, int]]:
    """(case, origin and sequence number of the dispatch) of every dispatch held here that names one of
    ``stations`` for a case registered elsewhere."""
    rows = conn.execute(  # through their own index (app.store.schema): not a scan of every event
        f"SELECT e.case_id, e.origin, e.seq FROM events e INDEXED BY events_station_dispatches, "
        f"json_each(e.payload, '$.stations') j WHERE e.{STATION_DISPATCHES} "
        "AND j.value IN (SELECT value FROM json_each(?)) ORDER BY e.case_id, e.origin, e.seq",
        (json.dumps(sorted(stations)),)).fetchall()
    return [(str(c), str(o), int(s)) for c, o, s in rows if str(c).split("-", 1)[0] not in stations]


@dataclass
class Identity:
    """Who signs: the station's certificate chain (own first, root last) and its key."""

    chain: list[Certificate]
    key: Ed25519PrivateKey

    @property
    def certificate(self) -> Certificate:
        return self.chain[0]


@dataclass
class ExportResult:
    path: Path
    bundle_id: str
    manifest: dict[str, Any]
    parts: list[Path] = field(default_factory=list)  # the files written: the bundle, or its numbered parts


def _case_rows(conn: sqlite3.Connection, case_ids: list[str]) -> Iterator[tuple[Any, ...]]:
    sql = ("SELECT case_id, origin, petitioner_names, channel, collective, head_count, domain, township, village, "
           "request_summary, authority_unit, jurisdiction, status, backlog, leader, registered_at, dispatch_units, "
           "closed_at, checklist_done, supervision, conflicts FROM cases "
           "WHERE case_id IN (SELECT value FROM json_each(?)) ORDER BY case_id")
    for row in conn.execute(sql, (json.dumps(case_ids),)):
        r = list(row)
        r[3] = CHANNELS.get(r[3], r[3])
        r[4] = "是" if r[4] else "否"
        r[12] = STATUSES.get(r[12], r[12])
        r[13] = "是" if r[13] else "否"
        r[16] = "、".join(json.loads(r[16]))
        r[18] = f"{r[18]}/{len(CHECKLIST_ITEMS)}"
        r[19] = "；".join(f"{s.get('note', '')}（限{s.get('deadline', '')}前）" for s in json.loads(r[19]))
        yield tuple(r)


def _checklist_rows(conn: sqlite3.Connection, case_ids: list[str]) -> Iterator[tuple[Any, ...]]:
    order = {key: i for i, key in enumerate(CHECKLIST_ITEMS)}
    sql = ("SELECT k.case_id, k.key, k.done, k.by, k.at, k.note FROM checklist k JOIN cases c ON c.case_id = "
           "k.case_id WHERE (c.backlog = 1 OR c.leader != '') AND k.case_id IN (SELECT value FROM json_each(?)) "
           "ORDER BY k.case_id")
    rows = conn.execute(sql, (json.dumps(case_ids),)).fetchall()
    rows.sort(key=lambda r: (r[0], order.get(r[1], 99)))
    for case_id, key, done, by, at, note in rows:
        yield case_id, CHECKLIST_ITEMS.get(key, key), "是" if done else "否", by, at, note


def write_bundle(conn: sqlite3.Connection, plan: ExportPlan, out: Path, identity: Identity,
                 receiver: Certificate, extra_certs: list[Certificate], revocations: list[Revocation],
                 blobs: BlobStore, now: str, progress: Progress | None = None,
                 created_ms: int | None = None, extra_manifest: dict[str, Any] | None = None,
                 part_size: int | None = None, moves: list[Move] | None = None) -> ExportResult:
    """Write the signed bundle file for ``plan``. Reads only; the caller records the export. ``now`` is the
    bundle's time as text, ``created_ms`` the same instant in the units of the events' clocks (epoch ms). A
    bundle larger than ``part_size`` (default: what a FAT32 stick holds in one file) is written in numbered
    parts (app.sync.parts)."""
    clauses = list(plan.clauses())
    count, longest = 0, 1
    case_ids: set[str] = set()
    evidence: dict[str, dict[str, Any]] = {}
    evidence_rows: list[tuple[Any, ...]] = []
    for where, params in clauses:
        n, long = conn.execute(f"SELECT count(*), max(length(payload)) FROM events WHERE {where}", params).fetchone()
        count += n
        longest = max(longest, long or 1)
        case_ids.update(r[0] for r in conn.execute(f"SELECT DISTINCT case_id FROM events WHERE {where}", params))
        evidence_sql = ("SELECT events.id, events.case_id, j.value "
                        f"FROM events, json_each(events.payload, '$.evidence') j WHERE {where}")
        for event_id, case_id, item in conn.execute(evidence_sql, params):
            data = json.loads(item)
            evidence.setdefault(data["sha256"], data)
            evidence_rows.append((data["sha256"], data.get("name", ""), EVIDENCE_KINDS.get(data.get("kind"), "其他"),
                                  int(data.get("size", 0)), case_id, event_id, f"evidence/{data['sha256']}"))
    ordered_cases = sorted(c for c in case_ids if c)
    bundle_id = uuid.uuid4().hex
    me, them = identity.certificate, receiver
    evidence_bytes = sum(int(d.get("size", 0)) for d in evidence.values())
    counts = {"events": count, "cases": len(ordered_cases), "evidence": len(evidence),
              "evidence_bytes": evidence_bytes}
    summary = [
        ("发送站点", f"{me.code} {me.name}"), ("接收站点", f"{them.code} {them.name}"),
        ("方向", DIRECTIONS[plan.direction]), ("生成时间", now.replace("T", " ")), ("同步包编号", bundle_id),
        ("事件数", str(count)), ("涉及案件数", str(len(ordered_cases))),
        ("佐证材料", f"{len(evidence)} 个，共 {evidence_bytes / 1e6:.1f} MB"),
        ("发送站点密钥指纹", me.fingerprint),
        ("说明", "本表由信访工作台生成，供查阅。导入时以“办理事件”工作表为准，整个同步包有数字签名："
                 "在本表上作任何修改并保存后，同步包将无法导入。"),
    ]
    say = progress or (lambda stage, done, total: None)
    if not them.encryption_key:
        raise DomainError(f"站点 {them.code}（{them.name}）的证书没有加密公钥（由旧版程序签发），同步包无法加密给它："
                          f"请 {them.code} 升级信访工作台后重新生成入网申请，由上级重新签发证书并安装")
    key, encryption = sealing.seal_to(them.encryption_key)
    writer = BundleWriter(out, part_size)  # refuses a missing folder before any work is done
    try:
        # The workbook goes to a scratch file sealed under a key of this export only (its size must be known before
        # it becomes a member), then from it, sealed to the receiver, into the bundle: never readable on a disk.
        book = ScratchFile(b"petition-desk bundle workbook", tempfile.gettempdir())
        try:
            def events() -> Iterator[tuple[Any, ...]]:
                for where, params in clauses:
                    yield from conn.execute(f"SELECT {_COLUMNS} FROM events WHERE {where} ORDER BY seq", params)

            workbook.write_workbook(book, summary, _case_rows(conn, ordered_cases), events(), count, longest,
                                    _checklist_rows(conn, ordered_cases), evidence_rows,
                                    lambda done, total: say("写入工作簿", done, total))
            book.finish()
            writer.add_sealed("data.xlsx", book.reader(), book.size, key)
        finally:
            book.remove()
        writer.add_bytes("readme.txt", _readme(me, them, now).encode("utf-8-sig"))
        for cert in {c.key_id: c for c in [*identity.chain, *extra_certs]}.values():
            writer.add_bytes(f"certs/{cert.code}-{cert.key_id[:16]}.json",
                             json.dumps(cert.document(), ensure_ascii=False).encode())
        writer.add_bytes("revocations.json",
                         json.dumps([r.document() for r in revocations], ensure_ascii=False).encode())
        if moves:  # only when there are any: an older program refuses a member it does not know
            writer.add_bytes("moves.json", json.dumps([m.document() for m in moves], ensure_ascii=False).encode())
        # The origin stations' signatures over the events carried (app.store.signatures), one JSON list a line.
        writer.add_bytes("checkpoints.jsonl", b"".join(
            json.dumps(cp, separators=(",", ":")).encode() + b"\n" for where, params in clauses
            for cp in signatures.exported(conn, where, params)))
        for done, sha in enumerate(sorted(evidence), start=1):
            writer.add_sealed(sealing.evidence_member(key, sha), ChunkReader(blobs.read_chunks(sha)),
                              int(evidence[sha].get("size", 0)), key)
            say("打包佐证材料", done, len(evidence))
        # In clear: what the file is, who sent it to whom, and when. Sealed to the receiver: everything else.
        contents = {"counts": counts, "acks": tracking.coverage(conn, plan.own),
                    "coverage": {o: list(r) for o, r in plan.claims.items()}, "evidence": sorted(evidence),
                    **(extra_manifest or {})}
        manifest = {
            "format": FORMAT, "version": 2, "bundle_id": bundle_id, "direction": plan.direction,
            "sender": me.code, "sender_name": me.name, "sender_key": me.key_id,
            "receiver": them.code, "receiver_name": them.name, "receiver_key": them.key_id,
            "created_at": now, "created_ms": created_ms, "encryption": encryption,
            "sealed": sealing.seal_manifest(key, contents),
        }
        say("签名", 0, 1)
        writer.finish(manifest, identity.key)
        manifest = {**manifest, **contents}
        say("签名", 1, 1)
    except OSError as err:  # the USB stick full, removed or write-protected: no half-written file stays behind
        writer.abandon()
        raise DomainError(write_problem(err, Path(out))) from None
    except BaseException:
        writer.abandon()
        raise
    return ExportResult(Path(out), bundle_id, manifest, writer.parts)


def _readme(me: Certificate, them: Certificate, now: str) -> str:
    return (f"信访工作台同步包\r\n\r\n发送站点：{me.code} {me.name}\r\n接收站点：{them.code} {them.name}\r\n"
            f"生成时间：{now.replace('T', ' ')}\r\n\r\n"
            "请在接收站点的信访工作台中选择“同步 → 导入同步包”导入本文件（无需解压）。\r\n"
            "内容已加密，只有接收站点能打开：他人拿到本文件（如捡到U盘）也读不到其中的任何内容。\r\n"
            "接收站点导入后，可在程序中把其中的工作簿另存为可阅读的 Excel 文件（export-workbook）。\r\n"
            "本文件有数字签名，任何改动都会使其无法导入。\r\n")
