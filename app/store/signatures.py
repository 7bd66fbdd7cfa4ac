"""Signed checkpoints over the stations' hash chains: a station's key vouches for its own history.

Every event is hashed over its content and its predecessor's hash, so a checkpoint — the origin station's Ed25519
signature over "my event number N has hash H" — vouches for event N and, through the links, for every event of that
station before it that is held without a gap. A station signs a checkpoint at the end of every transaction that
adds events of its own (one signature per operation, not per event: the import of 100,000 events checks one), and
one on each event it makes on a case registered at another station, since those travel alone to stations that
hold that station's events with gaps (a township holds only its county's events about its own cases).

Whoever holds a store without the station's key can change an event, drop the append-only triggers and hash the
chain again, but cannot sign: the checkpoint after the change no longer matches, and ``verify`` names the event
(the first checkpoint that no longer matches closes the range the change lies in; one operation is one event).
Checkpoints travel with the events in bundles and are checked on import against the origin's certificate.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.store.eventlog import ChainProblem
from app.sync import keys

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

CONTEXT = b"petition-desk checkpoint v1\n"
_COLUMNS = "origin, seq, hash, key_id, signature"
Ring = dict[str, dict[str, bytes]]  # origin → key id → raw public key


@dataclass(frozen=True)
class Checkpoint:
    """The origin station's signature over one of its events' hash."""

    origin: str
    seq: int
    hash: str
    key_id: str
    signature: str

    def message(self) -> bytes:
        return CONTEXT + f"{self.origin}\n{self.seq}\n{self.hash}".encode()

    def row(self) -> tuple[str, int, str, str, str]:
        return (self.origin, self.seq, self.hash, self.key_id, self.signature)

    def valid(self, ring: Ring) -> bool:
        public = ring.get(self.origin, {}).get(self.key_id)
        return public is not None and keys.verify(public, self.signature, self.message())


def sign(key: Ed25519PrivateKey, origin: str, seq: int, digest: str) -> Checkpoint:
    unsigned = Checkpoint(origin, seq, digest, keys.key_id(keys.raw_public(key)), "")
    return Checkpoint(origin, seq, digest, unsigned.key_id, keys.sign(key, unsigned.message()))


def sign_new(conn: sqlite3.Connection, origin: str, after_seq: int, key: Ed25519PrivateKey, *,
             remember: bool = True) -> tuple[int, str] | None:
    """Sign this station's events written after ``after_seq`` (inside the caller's transaction): a checkpoint at
    the new head, one at each event on a case registered elsewhere, and one at each of its events on a case
    dispatched to another station, earlier ones included (``routed_unsigned``). Returns the head signed (seq and
    hash), None when no event was written. ``remember=False``: the caller knows the key is noted already."""
    chosen: dict[int, str] = {}
    last: tuple[int, str] | None = None
    touched: set[str] = set()
    for seq, digest, case_id, kind in conn.execute("SELECT seq, hash, case_id, kind FROM events WHERE origin = ? "
                                                   "AND seq > ? ORDER BY seq", (origin, after_seq)):
        last = (int(seq), str(digest))
        if case_id and str(case_id).split("-", 1)[0] != origin:
            chosen[last[0]] = last[1]
        elif case_id and kind != "register":  # a case just registered cannot have been dispatched yet
            touched.add(str(case_id))
    if last is None:
        return None
    if remember:
        _remember_own_key(conn, keys.raw_public(key))
    chosen[last[0]] = last[1]
    chosen.update(routed_unsigned(conn, origin, touched))
    store(conn, [sign(key, origin, seq, digest) for seq, digest in sorted(chosen.items())])
    return last


def routed_unsigned(conn: sqlite3.Connection, origin: str, cases: set[str]) -> dict[int, str]:
    """Of ``cases``, those dispatched to another station travel there alone, like cases registered elsewhere: each
    event of this station on them needs a checkpoint of its own, also the ones written before the dispatch (a
    register inside a bulk import was signed only through the import's last event). The events of ``origin`` on
    them without one, to sign. Signing those is safe once the caller has checked that the head still has the hash
    this station signed: any change to an earlier event would have changed it."""
    if not cases:
        return {}
    routed = [str(r[0]) for r in conn.execute(
        "SELECT DISTINCT case_id FROM events WHERE case_id IN (SELECT value FROM json_each(?)) AND kind = 'dispatch' "
        "AND payload LIKE '%\"stations\":%'", (json.dumps(sorted(cases)),))]
    if not routed:
        return {}
    return {int(seq): str(digest) for seq, digest in conn.execute(
        "SELECT e.seq, e.hash FROM events e WHERE e.case_id IN (SELECT value FROM json_each(?)) AND e.origin = ? "
        "AND NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.origin = e.origin AND c.seq = e.seq)",
        (json.dumps(routed), origin))}


def _remember_own_key(conn: sqlite3.Connection, public: bytes) -> None:
    """Every key this station has signed with, so its checkpoints can be checked without unlocking the key."""
    row = conn.execute("SELECT value FROM sync_trust WHERE key = 'own_keys'").fetchone()
    known = json.loads(row[0]) if row else []
    if keys.b64(public) not in known:
        conn.execute("INSERT OR REPLACE INTO sync_trust (key, value) VALUES ('own_keys', ?)",
                     (json.dumps([*known, keys.b64(public)]),))


def unsigned_legacy_head(conn: sqlite3.Connection, origin: str) -> int:
    """The sequence number of this station's latest event when it was written before checkpoints existed and is
    not signed yet (0 otherwise): the one case in which a station signs events it did not just write."""
    row = conn.execute("SELECT seq FROM events WHERE origin = ? ORDER BY seq DESC LIMIT 1", (origin,)).fetchone()
    if row is None or int(row[0]) > legacy_bounds(conn).get(origin, 0):
        return 0
    signed = conn.execute("SELECT 1 FROM checkpoints WHERE origin = ? AND seq = ?", (origin, row[0])).fetchone()
    return 0 if signed else int(row[0])


def store(conn: sqlite3.Connection, checkpoints: Iterable[Checkpoint]) -> None:
    conn.executemany(f"INSERT OR IGNORE INTO checkpoints ({_COLUMNS}) VALUES (?,?,?,?,?)",
                     [c.row() for c in checkpoints])


def for_origin(conn: sqlite3.Connection, origin: str, from_seq: int = 1) -> dict[int, Checkpoint]:
    return {int(r[1]): Checkpoint(str(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM checkpoints WHERE origin = ? AND seq >= ?", (origin, from_seq))}


def exported(conn: sqlite3.Connection, where: str, params: list[object]) -> list[list[object]]:
    """The checkpoints of the events an export selects (``where`` over the events table), as they travel."""
    return [list(r) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM checkpoints WHERE (origin, seq) IN (SELECT origin, seq FROM events WHERE {where}) "
        "ORDER BY origin, seq", params)]


def keyring(conn: sqlite3.Connection, own: str = "", own_public: bytes | None = None) -> Ring:
    """The keys each station may sign its checkpoints with: those of its certificates held here (a revoked one
    too: what it signed before it was revoked stays signed), and this station's own keys (the one given, read
    from the unlocked key, and those it noted when it signed)."""
    ring: Ring = {}
    for code, public in conn.execute("SELECT code, public_key FROM sync_certificates"):
        raw = keys.unb64(str(public))
        ring.setdefault(str(code), {})[keys.key_id(raw)] = raw
    if own:
        row = conn.execute("SELECT value FROM sync_trust WHERE key = 'own_keys'").fetchone()
        for raw in [*(keys.unb64(k) for k in (json.loads(row[0]) if row else [])),
                    *([own_public] if own_public else [])]:
            ring.setdefault(own, {})[keys.key_id(raw)] = raw
    return ring


def legacy_bounds(conn: sqlite3.Connection) -> dict[str, int]:
    """Per origin, the events held when this file was upgraded to checkpoints: written before signing existed,
    they are vouched for only once a checkpoint of their station arrives."""
    row = conn.execute("SELECT value FROM sync_trust WHERE key = 'unsigned_before_checkpoints'").fetchone()
    return {str(k): int(v) for k, v in json.loads(row[0]).items()} if row else {}


def check_origin(conn: sqlite3.Connection, origin: str, ring: Ring, from_seq: int = 1,
                 legacy: int = 0) -> ChainProblem | None:
    """Every event of ``origin`` from ``from_seq`` on is vouched for: a valid checkpoint at it, or the next event
    is held and vouched for (the links between held neighbours are checked by the chain check); and no checkpoint
    held names another hash than its event has now. The first event that is not, named as precisely as the
    checkpoints allow; None when all are. Events up to ``legacy`` were written before checkpoints existed."""
    mismatch = conn.execute(
        "SELECT c.seq FROM checkpoints c JOIN events e ON e.origin = c.origin AND e.seq = c.seq "
        "WHERE c.origin = ? AND c.seq >= ? AND c.hash != e.hash ORDER BY c.seq LIMIT 1", (origin, from_seq)).fetchone()
    checkpoints = for_origin(conn, origin, from_seq)
    if mismatch:
        return _locate(conn, origin, ring, checkpoints[int(mismatch[0])])
    next_seq = -1
    for seq, digest in conn.execute("SELECT seq, hash FROM events WHERE origin = ? AND seq >= ? ORDER BY seq DESC",
                                    (origin, from_seq)):
        if next_seq != seq + 1:
            cp = checkpoints.get(seq)
            if cp is None:
                if seq > legacy:
                    return ChainProblem(f"{origin}:{seq}", f"没有来源站点 {origin} 签名的检查点，无法证明未被改动")
            elif cp.hash != digest or not cp.valid(ring):
                return _locate(conn, origin, ring, cp)
        next_seq = seq
    return None


def check_head(conn: sqlite3.Connection, origin: str, seq: int, ring: Ring) -> ChainProblem | None:
    """Before a station signs again: its latest event still has the hash it signed (a file whose history was
    changed is not signed over, which would vouch for the change). A file from before checkpoints passes."""
    if seq <= 0:
        return None
    row = conn.execute("SELECT hash FROM events WHERE origin = ? AND seq = ?", (origin, seq)).fetchone()
    cp = for_origin(conn, origin, seq).get(seq)
    if cp is None:
        if seq <= legacy_bounds(conn).get(origin, 0):
            return None
        return ChainProblem(f"{origin}:{seq}", "本站最近的事件没有签名检查点")
    if row is None or cp.hash != row[0] or not cp.valid(ring):
        return _locate(conn, origin, ring, cp)
    return None


def _locate(conn: sqlite3.Connection, origin: str, ring: Ring, failed: Checkpoint) -> ChainProblem:
    """Where the change lies: the first checkpoint (by number) that no longer matches its event, after the last one
    that still does. One operation signs one checkpoint, so this is most often the changed event itself."""
    held = dict(conn.execute("SELECT seq, hash FROM events WHERE origin = ? AND seq <= ?", (origin, failed.seq)))
    ordered = sorted(for_origin(conn, origin).values(), key=lambda c: c.seq)
    ordered = [c for c in ordered if c.seq <= failed.seq and c.seq in held]
    first = next((c for c in ordered if c.hash != held[c.seq]), None)
    if first is None:
        first = next((c for c in ordered if not c.valid(ring)), failed)
        if first.hash == held.get(first.seq):
            return ChainProblem(f"{origin}:{first.seq}", f"签名检查点的签名不正确（不是来源站点 {origin} 的密钥所签）")
    before = max((c.seq for c in ordered if c.seq < first.seq), default=0)
    low = min(seq for seq in held if seq > before)  # events not held here (another station's) are not suspects
    if low == first.seq:
        return ChainProblem(f"{origin}:{first.seq}",
                            f"内容与来源站点 {origin} 签名时不同（事件被改动后重算了哈希链）")
    return ChainProblem(f"{origin}:{first.seq}",
                        f"事件 {origin}:{low} 至 {origin}:{first.seq} 之中有事件的内容与来源站点 {origin} "
                        "签名时不同（事件被改动后重算了哈希链）")


def check_all(conn: sqlite3.Connection, ring: Ring) -> ChainProblem | None:
    """Every held event of every station vouched for by its station's signature."""
    legacy = legacy_bounds(conn)
    for (origin,) in conn.execute("SELECT DISTINCT origin FROM events ORDER BY origin").fetchall():
        problem = check_origin(conn, str(origin), ring, 1, legacy.get(str(origin), 0))
        if problem:
            return problem
    return None
