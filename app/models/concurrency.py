"""Which changes to a case were made without seeing each other, for the conflicts view.

A change of a versioned field carries ``seen``: per station, the highest sequence number of that
station's events on the case that the changing station held. Two changes where neither's ``seen``
reaches the other were made concurrently. On the same field the fold already keeps both values (a
hard conflict); on different fields both apply and the pair is listed as a soft conflict, so a person
can check that the merged case makes sense. Changes recorded before ``seen`` existed count as having
seen everything older.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.models.case_conflicts import VERSIONED_FIELDS
from app.models.events import Event, saw

VERSIONED_KINDS = {"edit": "field", "set_leader": "leader", "set_backlog": "backlog"}


def seen_vector(events: Iterable[Event]) -> dict[str, int]:
    """Per origin station, the highest sequence number among a case's events held now."""
    seen: dict[str, int] = {}
    for event in events:
        if event.seq > seen.get(event.origin, 0):
            seen[event.origin] = event.seq
    return seen


def changed_field(event: Event) -> str | None:
    if event.kind == "edit":
        name = str(event.payload.get("field", ""))
        return name if name in VERSIONED_FIELDS else None
    if event.kind in ("set_leader", "set_backlog"):
        return VERSIONED_KINDS[event.kind]
    return None


@dataclass(frozen=True)
class SoftConflict:
    """Two fields of one case changed at two stations without either seeing the other's change."""

    case_id: str
    first: Event
    second: Event


def soft_conflicts(case_id: str, events: Iterable[Event]) -> list[SoftConflict]:
    changes = sorted((e for e in events if changed_field(e)), key=Event.sort_key)
    found = []
    for i, first in enumerate(changes):
        for second in changes[i + 1:]:
            if (first.origin != second.origin and changed_field(first) != changed_field(second)
                    and not saw(second, first) and not saw(first, second)):
                found.append(SoftConflict(case_id, first, second))
    return found
