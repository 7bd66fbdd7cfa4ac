"""Changes made apart, in the fold of a case (app.models.case): the versioned fields, 四定四包 ticks and the
decisions on conflicts. A change whose ``base`` is not the version the fold holds was made without seeing the one
before it; when the two say different things, both values are kept as a ``Conflict`` for a person to settle (the
``resolve`` event), which travels like any event. Also how each such field is named to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.models.case_parts import ChecklistEntry, Petitioner
from app.models.events import Event
from app.models.vocab import CHECKLIST_ITEMS

if TYPE_CHECKING:
    from app.models.case import CaseState  # which imports this module: the fold's handlers are here

# Fields a handler may change after registration, and how the timeline names them.
EDITABLE_FIELDS: dict[str, str] = {
    "channel": "来源渠道",
    "collective": "集体访",
    "head_count": "人数",
    "domain": "领域",
    "township": "乡镇（街道）",
    "village": "村（社区）",
    "request_summary": "诉求",
    "authority_unit": "事权单位",
    "jurisdiction": "属地",
    "petitioners": "信访人",
}
# Fields whose changes are versioned, so that two changes made without seeing each other show as a conflict.
VERSIONED_FIELDS: tuple[str, ...] = (*EDITABLE_FIELDS, "leader", "backlog")
# How every versioned field, and everything else two stations can change at once (a dispatch's units, each 四定四包
# item), is named to a person (conflicts, timeline, messages).
DISPATCH_UNITS = "dispatch_units"
CHECKLIST_PREFIX = "checklist."
FIELD_LABELS: dict[str, str] = {**EDITABLE_FIELDS, "leader": "包案领导", "backlog": "积案", DISPATCH_UNITS: "派发单位",
                                **{CHECKLIST_PREFIX + k: f"四定四包“{v}”" for k, v in CHECKLIST_ITEMS.items()}}


@dataclass
class Conflict:
    """Two changes to one field made without seeing each other: both values kept for a person to settle."""

    field: str
    event_ids: list[str]
    values: list[Any]


def _versioned(state: CaseState, event: Event, name: str, value: Any) -> None:
    """Set a versioned field; a change whose base is not the version we hold was made concurrently."""
    base = event.payload.get("base")
    current = state.versions.get(name)
    if current is not None and base != current:
        previous = getattr(state, name)
        if name == "petitioners":
            previous = [p.to_json() for p in previous]
        if _meaning(name, previous) != _meaning(name, value):
            state.conflicts.append(Conflict(name, [current, event.id], [previous, value]))
    if name == "petitioners":
        value = [Petitioner.from_json(p) for p in value]
    setattr(state, name, value)
    state.versions[name] = event.id


def _meaning(name: str, value: Any) -> Any:
    """What a value says, to tell whether two changes made apart agree: the petitioners as the people they name,
    each by its four fields (one left out is empty), in whatever order the list and its fields were written."""
    if name == "petitioners" and isinstance(value, list):
        return sorted(sorted(Petitioner.from_json(p).to_json().items()) for p in value if isinstance(p, dict))
    return value


def on_edit(state: CaseState, event: Event) -> None:
    name = event.payload["field"]
    if name in EDITABLE_FIELDS:
        _versioned(state, event, name, event.payload.get("value"))


def on_set_leader(state: CaseState, event: Event) -> None:
    _versioned(state, event, "leader", event.payload.get("leader", ""))


def on_set_backlog(state: CaseState, event: Event) -> None:
    _versioned(state, event, "backlog", bool(event.payload.get("backlog")))


def _concurrent(state: CaseState, event: Event, name: str, previous: Any, value: Any) -> None:
    """A change made without seeing the change that set ``name`` last keeps both values as a conflict for a person
    to settle, unless both gave the same value. Changes recorded before they carried ``base`` count as seen."""
    current = state.versions.get(name)
    if "base" in event.payload and event.payload["base"] != current and current is not None and previous != value:
        state.conflicts.append(Conflict(name, [current, event.id], [previous, value]))
    state.versions[name] = event.id


def on_checklist(state: CaseState, event: Event) -> None:
    key = event.payload["key"]
    if key in state.checklist:
        done = bool(event.payload.get("done"))
        _concurrent(state, event, CHECKLIST_PREFIX + key, state.checklist[key].done, done)
        state.checklist[key] = ChecklistEntry(done, event.actor, event.at, event.payload.get("note", ""))


def conflict_value(state: CaseState, name: str) -> Any:
    """The value ``name`` has now, as a conflict keeps it (a 四定四包 item: whether it is done)."""
    if name.startswith(CHECKLIST_PREFIX):
        entry = state.checklist.get(name[len(CHECKLIST_PREFIX):])
        return entry.done if entry else None
    if name == "petitioners":
        return [p.to_json() for p in state.petitioners]
    return getattr(state, name, None)


def on_resolve(state: CaseState, event: Event) -> None:
    """A person's decision on a conflict. Two decisions made without seeing each other (their ``base`` is not the
    version they arrive at) are a conflict again, unless they decided alike: no decision silently wins."""
    name = str(event.payload.get("field", ""))
    if name not in FIELD_LABELS:
        return
    state.conflicts = [c for c in state.conflicts if c.field != name]
    value = event.payload.get("value")
    _concurrent(state, event, name, conflict_value(state, name), value)
    if name.startswith(CHECKLIST_PREFIX):
        key = name[len(CHECKLIST_PREFIX):]
        if key in state.checklist:
            state.checklist[key] = ChecklistEntry(bool(value), event.actor, event.at,
                                                  str(event.payload.get("note", "")))
    elif name == "petitioners":
        state.petitioners = [Petitioner.from_json(p) for p in value or []]
    elif name == DISPATCH_UNITS:
        state.dispatch_units = list(value or [])
    else:
        setattr(state, name, value)
