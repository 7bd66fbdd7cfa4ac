"""Checking a station's store: the hash chains hold, the projections are what the events make, the evidence
files are intact."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from app.models.deadlines import TimeLimits
from app.models.errors import DomainError
from app.store import eventlog, projection
from app.store.blobs import BlobStore


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
           stage: Callable[[str], None] = lambda _: None) -> VerifyReport:
    """Check everything; the store is left exactly as it was (the rebuild is rolled back).

    ``stage`` hears the name of each step as it starts (a long check at 100,000 cases takes a minute or two).
    """
    events = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    cases = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    report = VerifyReport(events, cases)
    stage("校验哈希链")
    broken = eventlog.check_chains(conn)
    if broken:
        report.problem = f"事件 {broken.event_id}：{broken.reason}"
        return report
    stage("由事件重建数据表并比对")
    live = projection.fingerprint(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        projection.rebuild(conn, limits)
        rebuilt = projection.fingerprint(conn)
    finally:
        conn.execute("ROLLBACK")
    for table, digest in live.items():
        if rebuilt[table] != digest:
            report.problem = f"数据表 {table} 与事件记录重建的结果不一致（投影被改动或损坏）"
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
