"""The settings table as a projection of this station's setting events (app.models.settings): written live when a
setting changes, written again by a rebuild, compared by ``verify``."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from app.models.events import Event, HybridClock, event_id, sealed
from app.models.settings import SETTING_KIND, SETTINGS, fold_settings, setting_payload
from app.store import eventlog

MIGRATION_ACTOR = "系统（数据升级）"


def own_code(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM settings WHERE key = 'station'").fetchone()
    return str(json.loads(row[0]).get("code", "")) if row else ""


def put(conn: sqlite3.Connection, key: str, value: Any) -> None:
    conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                 "excluded.value", (key, json.dumps(value, ensure_ascii=False)))


def from_events(conn: sqlite3.Connection, own: str) -> dict[str, Any]:
    """The settings this station's setting events make (only the keys some event has set)."""
    rows = conn.execute("SELECT id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash FROM events "
                        "WHERE kind = ? AND +origin = ? AND case_id = '' ORDER BY seq", (SETTING_KIND, own))
    return fold_settings((eventlog.from_row(r) for r in rows), own)


def stored(conn: sqlite3.Connection) -> dict[str, Any]:
    """The projected settings as the settings table holds them now."""
    keys = json.dumps(sorted(SETTINGS))
    return {str(k): json.loads(v) for k, v in conn.execute(
        "SELECT key, value FROM settings WHERE key IN (SELECT value FROM json_each(?))", (keys,))}


def rebuild(conn: sqlite3.Connection) -> dict[str, Any]:
    """Write the projected settings again from the events (inside the caller's transaction)."""
    values = from_events(conn, own_code(conn))
    conn.execute("DELETE FROM settings WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(sorted(SETTINGS)),))
    for key, value in values.items():
        put(conn, key, value)
    return values


def difference(conn: sqlite3.Connection) -> str | None:
    """The first projected setting whose stored value is not what the events make, or None."""
    made = from_events(conn, own_code(conn))
    held = stored(conn)
    for key in sorted(made.keys() | held.keys()):
        if made.get(key) != held.get(key):
            return key
    return None


def record_legacy(conn: sqlite3.Connection, now: datetime | None = None) -> int:
    """Schema step: a file written before settings were events holds them only in the settings table. Each such
    value becomes one setting event of this station, so a rebuild keeps it and verify can prove it."""
    own = own_code(conn)
    if not own:
        return 0
    legacy = stored(conn)
    already = from_events(conn, own)
    seq, prev = eventlog.head(conn, own)
    clock = HybridClock(eventlog.last_hlc(conn))
    when = now or datetime.now()
    events = []
    for key in sorted(legacy):
        if key in already:
            continue
        seq += 1
        event = sealed(Event(event_id(own, seq), "", own, seq, clock.tick(int(when.timestamp() * 1000)),
                             when.isoformat(timespec="seconds"), MIGRATION_ACTOR, SETTING_KIND,
                             setting_payload(key, legacy[key]), prev))
        prev = event.hash
        events.append(event)
    eventlog.append(conn, events)
    return len(events)
