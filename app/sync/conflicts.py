"""The conflicts view's data: hard conflicts (one field changed at two stations without either seeing the other:
both values kept) from the projection, and soft conflicts (different fields changed that way: merged on their
own) from the event log, for open cases."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from dataclasses import field as default
from typing import Any

from app.models.case import FIELD_LABELS
from app.models.concurrency import changed_field, soft_conflicts
from app.store import eventlog


@dataclass
class Choice:
    """One value a field was given, and by whom."""

    value: Any
    event_id: str
    origin: str
    actor: str
    at: str


@dataclass
class HardConflict:
    case_id: str
    field: str
    label: str
    choices: list[Choice] = default(default_factory=list)


@dataclass
class SoftPair:
    case_id: str
    changes: list[Choice]
    fields: list[str]


def _choice(conn: sqlite3.Connection, event_id: str, value: Any) -> Choice:
    row = conn.execute("SELECT origin, actor, at FROM events WHERE id = ?", (event_id,)).fetchone()
    origin, actor, at = row if row else ("", "", "")
    return Choice(value, event_id, str(origin), str(actor), str(at))


def hard_conflicts(conn: sqlite3.Connection, case_id: str | None = None) -> list[HardConflict]:
    """Per case and field, every value the field was given concurrently (each value once, oldest first)."""
    sql = "SELECT case_id, field, event_ids, \"values\" FROM conflicts"
    params: tuple[str, ...] = ()
    if case_id:
        sql += " WHERE case_id = ?"
        params = (case_id,)
    found: dict[tuple[str, str], HardConflict] = {}
    for cid, name, ids, values in conn.execute(sql + " ORDER BY case_id, field, event_ids", params):
        item = found.setdefault((cid, name), HardConflict(cid, name, FIELD_LABELS.get(name, name)))
        for event_id, value in zip(json.loads(ids), json.loads(values), strict=False):
            if all(c.event_id != event_id for c in item.choices):
                item.choices.append(_choice(conn, event_id, value))
    for item in found.values():
        item.choices.sort(key=lambda c: (c.at, c.event_id))
        unique: list[Choice] = []
        for choice in item.choices:
            if all(json.dumps(u.value, sort_keys=True) != json.dumps(choice.value, sort_keys=True) for u in unique):
                unique.append(choice)
        item.choices = unique
    return list(found.values())


def soft_pairs(conn: sqlite3.Connection) -> list[SoftPair]:
    """Open cases where two stations changed different fields without seeing each other's change."""
    rows = conn.execute(
        "SELECT e.case_id FROM events e JOIN cases c ON c.case_id = e.case_id AND c.finished = 0 "
        "WHERE e.kind IN ('edit', 'set_leader', 'set_backlog') GROUP BY e.case_id "
        "HAVING count(DISTINCT e.origin) > 1 ORDER BY e.case_id").fetchall()
    result = []
    for (case_id,) in rows:
        for pair in soft_conflicts(case_id, eventlog.for_case(conn, case_id)):
            changes = [Choice(_value(e.payload), e.id, e.origin, e.actor, e.at) for e in (pair.first, pair.second)]
            names = [changed_field(e) or "" for e in (pair.first, pair.second)]
            result.append(SoftPair(case_id, changes, [FIELD_LABELS.get(n, n) for n in names]))
    return result


def _value(payload: dict[str, Any]) -> Any:
    for key in ("value", "leader", "backlog"):
        if key in payload:
            return payload[key]
    return None
