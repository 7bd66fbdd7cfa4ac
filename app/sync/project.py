"""Projecting many cases at once after an import: the same rows as ``projection.write_case`` writes one case at a
time, written with a handful of bulk statements instead of a dozen statements per case. A first import at a
county brings thousands of cases; per-case writes would take most of the import's time."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from itertools import groupby
from operator import itemgetter

import orjson

from app.models.case import fold
from app.models.deadlines import TimeLimits
from app.models.events import Event
from app.store import projection
from app.store.projection import _CASE_UPSERT, _CHILD_INSERTS, CaseRows, case_rows

BULK_FROM = 50
CHUNK = 2000
_COLUMNS = "id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash"


def _by_case(conn: sqlite3.Connection, ids: str) -> Iterator[tuple[str, list[Event]]]:
    # In the order of the events_case index (case, clock), so SQLite sorts nothing; fold sorts each case's events
    # by clock, origin and sequence itself and finds them in order already but for ties of the clock.
    cursor = conn.execute(f"SELECT {_COLUMNS} FROM events WHERE case_id IN (SELECT value FROM json_each(?)) "
                          "ORDER BY case_id, hlc", (ids,))
    loads = orjson.loads  # as eventlog.by_case reads them on a rebuild
    for case_id, rows in groupby(cursor, itemgetter(1)):
        yield case_id, [Event(r[0], case_id, r[2], r[3], r[4], r[5], r[6], r[7], loads(r[8]), r[9], r[10])
                        for r in rows]


def _write(conn: sqlite3.Connection, pending: list[CaseRows]) -> None:
    conn.executemany(_CASE_UPSERT, [r.case for r in pending])
    ids = json.dumps([r.case[0] for r in pending])
    numbers = dict(conn.execute("SELECT case_id, n FROM cases WHERE case_id IN (SELECT value FROM json_each(?))",
                                (ids,)).fetchall())
    texts = [(numbers[r.case[0]], r.text) for r in pending]
    conn.executemany("INSERT OR REPLACE INTO case_text (n, body) VALUES (?, ?)", texts)
    conn.executemany("INSERT INTO case_fts (rowid, body) VALUES (?, ?)", texts)
    for table, sql in _CHILD_INSERTS.items():
        conn.executemany(sql, [row for r in pending for row in getattr(r, table)])


def refresh_cases(conn: sqlite3.Connection, case_ids: list[str], limits: TimeLimits,
                  progress: Callable[[int], None] | None = None) -> None:
    """Fold and project ``case_ids`` again (inside the caller's transaction)."""
    if len(case_ids) < BULK_FROM:
        for case_id in case_ids:
            projection.refresh_case(conn, case_id, limits)
        return
    for start in range(0, len(case_ids), CHUNK):
        ids = json.dumps(case_ids[start:start + CHUNK])
        old = conn.execute("SELECT t.n, t.body FROM cases c JOIN case_text t ON t.n = c.n "
                           "WHERE c.case_id IN (SELECT value FROM json_each(?))", (ids,)).fetchall()
        conn.executemany("INSERT INTO case_fts (case_fts, rowid, body) VALUES ('delete', ?, ?)", old)
        for table in _CHILD_INSERTS:
            conn.execute(f"DELETE FROM {table} WHERE case_id IN (SELECT value FROM json_each(?))", (ids,))
        _write(conn, [case_rows(fold(case_id, events), limits) for case_id, events in _by_case(conn, ids)
                      if projection.registered(events)])
        if progress:
            progress(min(start + CHUNK, len(case_ids)))
