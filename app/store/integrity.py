"""Checking a station's store: the hash chains hold, the projections are what the events make, the evidence
files are intact."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from app.models.deadlines import TimeLimits
from app.models.errors import DomainError
from app.models.settings import SETTINGS
from app.store import eventlog, projection, settings_log, signatures
from app.store.blobs import BlobStore
from app.store.stations import StationTree


@dataclass
class VerifyReport:
    """What ``verify`` found; ``problem`` is None when all is well."""

    events: int
    cases: int
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(conn: sqlite3.Connection, limits: TimeLimits, blobs: BlobStore | None = None,
           stage: Callable[[str], None] = lambda _: None, own_public: bytes | None = None) -> VerifyReport:
    """Check everything; the store is left exactly as it was (the rebuild is rolled back). ``own_public`` is this
    station's key as unlocked now (its checkpoints are checked against it and the keys it noted when signing).

    ``stage`` hears the name of each step as it starts (a long check at 100,000 cases takes a minute or two).
    Every event is read once: its hash is computed again in the same pass that folds the cases, and the links
    between events are compared by SQLite; problems are still reported in order of weight (a broken chain before
    a signature, a signature before a projection).
    """
    from app.sync.apply import paused_cycle_collection

    with paused_cycle_collection():  # a million events make millions of short-lived objects and no cycles
        return _verify(conn, limits, blobs, stage, own_public)


def _verify(conn: sqlite3.Connection, limits: TimeLimits, blobs: BlobStore | None, stage: Callable[[str], None],
            own_public: bytes | None) -> VerifyReport:
    events = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    cases = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    report = VerifyReport(events, cases)
    stage("校验哈希链并由事件重建数据表")
    own = StationTree.load(conn).own
    hash_breaks = eventlog.station_hash_breaks(conn)
    try:
        rebuilt = projection.rebuilt_fingerprint(conn, limits, eventlog.by_case(conn, hash_breaks))
        broken = eventlog.first_break(conn, hash_breaks)
    except Exception:  # a changed event the fold cannot even read (not JSON, no date): the chains name it
        broken = eventlog.check_chains(conn)
        if broken is None and eventlog.check_complete(conn, own) is None:
            raise
    broken = broken or eventlog.check_complete(conn, own)
    if not broken:
        stage("校验各站点签名")
        broken = signatures.check_all(conn, signatures.keyring(conn, own, own_public))
    if broken:
        report.problem = f"事件 {broken.event_id}：{broken.reason}"
        return report
    changed = settings_log.difference(conn)
    if changed:
        report.problem = (f"本站设置“{SETTINGS[changed].label}”与事件记录不一致（设置被改动），"
                          "可重建数据表恢复为记录中的设置")
        return report
    stage("比对数据表")
    live = projection.fingerprint(conn)
    differing = None
    # First without writing (the fold alone); only when that differs is the rebuild done for real, to decide and
    # to name the case.
    if rebuilt != live:
        conn.execute("BEGIN IMMEDIATE")
        try:
            projection.rebuild(conn, limits)
            again = projection.fingerprint(conn)
            differing = next((t for t, digest in live.items() if again[t] != digest), None)
            rebuilt_cases = projection.case_digests(conn, differing) if differing else {}
        finally:
            conn.execute("ROLLBACK")
    if differing:
        report.problem = _first_difference(conn, differing, rebuilt_cases)
        return report
    stage("校验搜索索引")
    if not projection.check_search_index(conn):
        report.problem = "全文搜索索引与案件文字不一致（索引被改动或损坏），可重建数据表修复"
        return report
    if blobs is not None:
        stage("校验佐证材料")
        for (sha,) in conn.execute("SELECT DISTINCT sha256 FROM evidence ORDER BY sha256"):
            try:
                blobs.verify(sha)
            except DomainError as err:
                report.problem = str(err)
                return report
    return report


def _first_difference(conn: sqlite3.Connection, table: str, rebuilt: dict[str, str]) -> str:
    """Name the first case whose rows in ``table`` are not what its events make, and its latest event."""
    live = projection.case_digests(conn, table)
    for case_id in sorted(live.keys() | rebuilt.keys()):
        if live.get(case_id) != rebuilt.get(case_id):
            row = conn.execute("SELECT id FROM events WHERE case_id = ? ORDER BY hlc DESC, origin DESC, seq DESC "
                               "LIMIT 1", (case_id,)).fetchone()
            last = f"，其最近的事件为 {row[0]}" if row else "，事件记录中没有这个案件"
            return f"案件 {case_id} 在数据表 {table} 中与事件记录重建的结果不一致（投影被改动或损坏）{last}"
    return f"数据表 {table} 与事件记录重建的结果不一致（投影被改动或损坏）"
