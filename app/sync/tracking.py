"""What each side holds and has confirmed: per-origin sequence vectors.

``coverage[O] = s`` means this station holds every event of origin station O with sequence number up to s that it
is entitled to (all of them for itself and the stations below it; for stations above or beside it, those about
its own cases). A bundle states, per origin, the range (lo, hi] it covers completely for its receiver; the receiver
extends its coverage when lo is within what it already holds. Each bundle also carries its sender's coverage: that
is the acknowledgement the other side records, so its next export starts after it. A lost file is never
acknowledged, so the next export simply carries its events again.
"""

from __future__ import annotations

import json
import sqlite3

from app.store import eventlog


def coverage(conn: sqlite3.Connection, own: str) -> dict[str, int]:
    vector = {str(o): int(s) for o, s in conn.execute("SELECT origin, seq FROM sync_coverage")}
    vector[own] = eventlog.head(conn, own)[0]
    return {o: s for o, s in vector.items() if s > 0}


def acknowledged(conn: sqlite3.Connection, peer: str) -> dict[str, int]:
    return {str(o): int(s) for o, s in conn.execute("SELECT origin, seq FROM sync_acked WHERE peer = ?", (peer,))}


def record_acks(conn: sqlite3.Connection, peer: str, acks: dict[str, int]) -> None:
    """Remember what the peer holds; acknowledgements only move forward (an older file changes nothing)."""
    conn.executemany(
        "INSERT INTO sync_acked (peer, origin, seq) VALUES (?, ?, ?) ON CONFLICT (peer, origin) "
        "DO UPDATE SET seq = max(seq, excluded.seq)", [(peer, o, int(s)) for o, s in acks.items()])


def extend_coverage(conn: sqlite3.Connection, own: str, claims: dict[str, tuple[int, int]]) -> None:
    held = coverage(conn, own)
    for origin, (low, high) in claims.items():
        if origin != own and low <= held.get(origin, 0) < high:
            conn.execute("INSERT INTO sync_coverage (origin, seq) VALUES (?, ?) ON CONFLICT (origin) "
                         "DO UPDATE SET seq = excluded.seq", (origin, high))


def sent(conn: sqlite3.Connection, peer: str) -> dict[str, int] | None:
    """Per origin, the furthest ``peer`` can hold of what comes to it from this station: what it acknowledged
    before, and what this station's files to it (the sync log) told it it now held completely. None when the
    latest file to it was written before the log kept this (the caller falls back on what this station holds);
    a file written since covers what such an older one told, as it carries everything not yet acknowledged."""
    vector = acknowledged(conn, peer)
    latest_unknown = False
    for (summary,) in conn.execute("SELECT summary FROM sync_log WHERE direction = 'out' AND peer = ? "
                                   "ORDER BY rowid", (peer,)):
        told = json.loads(summary).get("sent")
        latest_unknown = not isinstance(told, dict)
        if isinstance(told, dict):
            for origin, seq in told.items():
                vector[origin] = max(vector.get(origin, 0), int(seq))
    return None if latest_unknown else vector
