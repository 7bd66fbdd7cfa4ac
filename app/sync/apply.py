"""Applying a bundle's events to the store, inside the caller's one transaction.

Each event is checked against its own hash, its id against its origin and sequence number, and its origin against
what the sender may carry. An event already held is skipped when it is the same, and refused as tampering when it
differs. After all events are in, every chain link of the origins touched is checked in one query (events keep
their origin's hash chain), and the cases they concern are projected again.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Protocol

import orjson

from app.models.deadlines import TimeLimits
from app.models.errors import DomainError
from app.models.events import GENESIS_HASH
from app.sync.project import refresh_cases

BATCH = 5000
_HLC = re.compile(r"^\d{15}\.\d{5}$")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CASE_ORDER = itemgetter(1, 4)  # case, clock
Row = tuple[str, str, str, int, str, str, str, str, str, str, str]
# (origin, case_id) → why the sender may not carry such an event, or None when it may.
Scope = Callable[[str, str], str | None]


class BorderCheck(Protocol):
    """The per-event checks of what a station may say (app.sync.authority.Border)."""

    def admit(self, row: Row, payload: dict[str, Any]) -> None: ...

    def finish(self) -> None: ...

Progress = Callable[[int], None]


@dataclass
class ApplyReport:
    """What an import brought."""

    events: int = 0
    new_events: int = 0
    duplicates: int = 0
    new_cases: list[str] = field(default_factory=list)
    changed_cases: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    evidence: set[str] = field(default_factory=set)
    max_hlc: str = ""
    held_cases: list[str] = field(default_factory=list)  # events arrived, registration not yet: not shown
    first_new: dict[str, int] = field(default_factory=dict)  # per origin, the lowest sequence number brought


_quote = json.encoder.encode_basestring  # the C encoder json.dumps uses for str with ensure_ascii=False
_dumps = orjson.dumps
_Fragment = orjson.Fragment
_sha256 = hashlib.sha256


def row_hash(row: Row) -> str:
    """The event's hash, computed from the row as it travels (the payload is already canonical JSON text): the
    same bytes as ``Event.compute_hash`` hashes, without parsing and re-writing the payload (tested).

    orjson writes every string and integer byte for byte as ``json.dumps(ensure_ascii=False)`` does (checked over
    every code point), and takes the payload as it is; what it cannot write (a lone surrogate, an integer past 64
    bits) goes the slower way, which spells it as ``Event.compute_hash`` does."""
    try:
        body = _dumps((row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], _Fragment(row[8]), row[9]))
    except orjson.JSONEncodeError:
        q = _quote
        body = (f"[{q(row[0])},{q(row[1])},{q(row[2])},{int(row[3])},{q(row[4])},{q(row[5])},{q(row[6])},"
                f"{q(row[7])},{row[8]},{q(row[9])}]").encode()
    return _sha256(body).hexdigest()


def _check_row(row: Row) -> dict[str, object]:
    event_id, case_id, origin, seq, hlc = row[:5]
    if event_id != f"{origin}:{seq}":
        raise DomainError(f"事件 {event_id}：编号与来源站点、序号不符（同步包被改动）")
    if row_hash(row) != row[10]:
        raise DomainError(f"事件 {event_id}：内容与其哈希不符（同步包被改动）")
    if not _HLC.fullmatch(hlc):
        raise DomainError(f"事件 {event_id}：逻辑时钟格式不正确")
    if case_id and "-" not in case_id:
        raise DomainError(f"事件 {event_id}：案件编号格式不正确")
    try:
        payload = orjson.loads(row[8])  # the parser the store reads events back with (eventlog.from_row)
    except orjson.JSONDecodeError:
        raise DomainError(f"事件 {event_id}：内容不是有效的 JSON") from None
    if not isinstance(payload, dict):
        raise DomainError(f"事件 {event_id}：内容格式不正确")
    return payload


def apply_events(conn: sqlite3.Connection, rows: Iterable[Row], scope: Scope,
                 progress: Progress | None = None, border: BorderCheck | None = None) -> ApplyReport:
    """Append the new events among ``rows``; raise DomainError (the caller rolls back) at the first bad one."""
    report = ApplyReport()
    seen = SeenIds()
    origins: set[str] = set()
    cases: set[str] = set()
    tops: dict[str, int] = {}
    batch: list[Row] = []
    with paused_cycle_collection():
        for row in rows:
            if not seen.add(row):
                raise DomainError(f"同步包中事件 {row[0]} 出现了两次（同步包被改动）")
            batch.append(row)
            if len(batch) >= BATCH:
                _flush(conn, batch, scope, report, origins, cases, tops, border)
                batch = []
                if progress:
                    progress(report.events)
        _flush(conn, batch, scope, report, origins, cases, tops, border)
    if progress:
        progress(report.events)
    if border is not None:
        border.finish()
    _check_links(conn, origins)
    report.changed_cases = sorted(cases)
    return report


class SeenIds:
    """The event ids of one file met so far, kept small: a township's whole history is about a million events,
    and a set of their id strings alone took some 90 MB. Bundles list each station's events by sequence number,
    so an id of the usual form (``origin:seq``) mostly extends its station's run of numbers; any other id, or a
    number out of order, is kept as it is."""

    def __init__(self) -> None:
        self.runs: dict[str, tuple[int, int]] = {}  # origin → (first, last) of the run of numbers met last
        self.others: set[str] = set()

    def add(self, row: Row) -> bool:
        """Note ``row``'s id; False when it was met before."""
        event_id = row[0]
        origin, _colon, number = event_id.rpartition(":")
        if not (number.isdigit() and number.isascii() and number[0] != "0" and origin):  # not origin:seq
            if event_id in self.others:
                return False
            self.others.add(event_id)
            return True
        seq = int(number)
        run = self.runs.get(origin)
        if run is not None and run[0] <= seq <= run[1]:
            return False
        if event_id in self.others:
            return False
        if run is not None and seq == run[1] + 1:
            self.runs[origin] = (run[0], seq)
            return True
        if run is not None:  # the run ends here: its numbers are kept one by one from now on
            self.others.update(f"{origin}:{n}" for n in range(run[0], run[1] + 1))
        self.runs[origin] = (seq, seq)
        return True


@contextmanager
def paused_cycle_collection() -> Iterator[None]:
    """Bulk work makes hundreds of thousands of short-lived containers and no reference cycles: the cycle
    collector would walk them again and again for nothing (a tenth of an import's time). Reference counting still
    frees everything as it goes, so memory stays as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _held(conn: sqlite3.Connection, batch: list[Row], tops: dict[str, int]) -> dict[str, tuple[object, ...]]:
    """The events of ``batch`` this station already holds. An event numbered past its origin's last one held
    before this import cannot be one (events of this import are told apart by id as they come), so only the
    others are looked up: none on a first import, only the overlap on a re-sent file."""
    for origin in {r[2] for r in batch} - tops.keys():  # before any event of that origin is written here
        tops[origin] = conn.execute("SELECT coalesce(max(seq), 0) FROM events WHERE origin = ?",
                                    (origin,)).fetchone()[0]
    ids = [r[0] for r in batch if r[3] <= tops[r[2]] or r[0] != f"{r[2]}:{r[3]}"]
    if not ids:
        return {}
    return {r[0]: tuple(r) for r in conn.execute(
        "SELECT id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash FROM events "
        "WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),))}


def _flush(conn: sqlite3.Connection, batch: list[Row], scope: Scope, report: ApplyReport, origins: set[str],
           cases: set[str], tops: dict[str, int], border: BorderCheck | None = None) -> None:
    if not batch:
        return
    held = _held(conn, batch, tops)
    new: list[Row] = []
    refs = report.evidence
    max_hlc = report.max_hlc
    for row in batch:
        old = held.get(row[0]) if held else None
        if old is not None:
            if old != tuple(row):
                raise DomainError(f"同步包中的事件 {row[0]} 与本站已有的同一事件内容不同，疑似被篡改，不予导入")
            report.duplicates += 1
            continue
        payload = _check_row(row)
        refused = scope(row[2], row[1])
        if refused:
            raise DomainError(f"事件 {row[0]}：{refused}")
        if border is not None:
            border.admit(row, payload)
        evidence = payload.get("evidence")
        if evidence:
            for item in evidence if isinstance(evidence, list) else [None]:
                if not isinstance(item, dict) or not _SHA256.fullmatch(str(item.get("sha256", ""))):
                    raise DomainError(f"事件 {row[0]}：佐证材料引用格式不正确")
                refs.add(str(item["sha256"]))
        new.append(row)
        origins.add(row[2])
        if row[3] < report.first_new.get(row[2], row[3] + 1):
            report.first_new[row[2]] = row[3]
        if row[1]:
            cases.add(row[1])
        max_hlc = max(max_hlc, row[4])
    report.events += len(batch)
    report.max_hlc = max_hlc
    # Bundles list events by station and sequence; written grouped by case, each case's events share table pages,
    # so the index inserts stay local and projecting the cases afterwards reads fewer pages.
    new.sort(key=_CASE_ORDER)
    conn.executemany("INSERT INTO events (id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?)", new)
    report.new_events += len(new)


def _check_links(conn: sqlite3.Connection, origins: set[str]) -> None:
    """Every event of the touched origins links to its predecessor where both are held (a gap is allowed: events
    of a station above arrive only where they concern us)."""
    if not origins:
        return
    row = conn.execute(
        "SELECT b.id FROM events b LEFT JOIN events a ON a.origin = b.origin AND a.seq = b.seq - 1 "
        "WHERE b.origin IN (SELECT value FROM json_each(?)) AND "
        "((b.seq = 1 AND b.prev_hash != ?) OR (a.id IS NOT NULL AND b.prev_hash != a.hash)) LIMIT 1",
        (json.dumps(sorted(origins)), GENESIS_HASH)).fetchone()
    if row:
        raise DomainError(f"事件 {row[0]} 与其来源站点的上一事件哈希链接不上（同步包被改动或来源站点数据有误）")


def conflict_keys(conn: sqlite3.Connection) -> set[tuple[str, str, str]]:
    return {(str(a), str(b), str(c)) for a, b, c in conn.execute("SELECT case_id, field, event_ids FROM conflicts")}


def refresh(conn: sqlite3.Connection, report: ApplyReport, limits: TimeLimits,
            progress: Progress | None = None) -> None:
    """Project the touched cases again and sort them into new and changed; new hard conflicts are listed."""
    touched = report.changed_cases
    known = {r[0] for r in conn.execute("SELECT case_id FROM cases WHERE case_id IN (SELECT value FROM json_each(?))",
                                        (json.dumps(touched),))}
    before = conflict_keys(conn)
    with paused_cycle_collection():
        refresh_cases(conn, touched, limits, progress)
    after = conflict_keys(conn)
    report.conflicts = sorted({(c, f) for c, f, _ in after - before})
    shown = {r[0] for r in conn.execute("SELECT case_id FROM cases WHERE case_id IN (SELECT value FROM json_each(?))",
                                        (json.dumps(touched),))}
    report.new_cases = [c for c in touched if c in shown and c not in known]
    report.changed_cases = [c for c in touched if c in known]
    report.held_cases = [c for c in touched if c not in shown]
