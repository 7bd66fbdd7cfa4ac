"""The conflicts view's data: hard conflicts (one field changed at two stations without either seeing the other:
both values kept) from the projection, and soft conflicts (different fields changed that way: merged on their
own; or a handling step made that way that no longer fitted and did not move the case) for open cases."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from dataclasses import field as default
from typing import Any

from app.models.case import OUT_OF_TURN_NOTE
from app.models.case_conflicts import FIELD_LABELS
from app.models.chain import ALLOWED_FROM
from app.models.concurrency import changed_field, soft_conflicts
from app.models.vocab import EVENT_LABELS
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


def unsettled_count(conn: sqlite3.Connection) -> int:
    """How many conflicts wait for a person (one per case and field, as ``hard_conflicts`` lists them)."""
    return int(conn.execute("SELECT count(*) FROM (SELECT DISTINCT case_id, field FROM conflicts)").fetchone()[0])


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
    """Open cases where two stations changed different fields without seeing each other's change, or took a
    handling step that way (see ``out_of_turn_pairs``)."""
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
    return sorted(result + out_of_turn_pairs(conn), key=lambda pair: pair.case_id)


def out_of_turn_pairs(conn: sqlite3.Connection) -> list[SoftPair]:
    """Open cases with a step made at another station without seeing the step before it, which did not move the
    case (``app.models.case.fold``): each beside the step that had moved it, for a person to check."""
    rows = conn.execute(
        "SELECT s.case_id, s.idx FROM steps s JOIN cases c ON c.case_id = s.case_id AND c.finished = 0 "
        "WHERE s.note LIKE ? ORDER BY s.case_id, s.idx", (f"%{OUT_OF_TURN_NOTE}",)).fetchall()
    result = []
    for case_id, idx in rows:
        steps = conn.execute("SELECT event_id, kind, origin, actor, at, note FROM steps WHERE case_id = ? AND idx <= ? "
                             "ORDER BY idx", (case_id, idx)).fetchall()
        late = steps[-1]
        moved = next((s for s in reversed(steps[:-1])
                      if s[1] in ALLOWED_FROM and not str(s[5]).endswith(OUT_OF_TURN_NOTE)), None)
        if moved is None:  # the step it did not see was later annulled: nothing left to compare it with
            continue
        changes = [Choice(EVENT_LABELS.get(str(kind), str(kind)), str(event_id), str(origin), str(actor), str(at))
                   for event_id, kind, origin, actor, at, _note in (moved, late)]
        result.append(SoftPair(str(case_id), changes, ["办理步骤", "未改变状态的办理步骤"]))
    return result


def _value(payload: dict[str, Any]) -> Any:
    for key in ("value", "leader", "backlog"):
        if key in payload:
            return payload[key]
    return None
