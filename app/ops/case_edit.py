"""Correcting a registered case (修改信息): the form's values are checked as at registration, and each field that
really changed becomes one ``edit`` event, so the timeline keeps the old value beside the new one."""

from __future__ import annotations

from typing import Any

from app.models.case import CaseState
from app.models.case_conflicts import EDITABLE_FIELDS
from app.models.events import Event
from app.models.intake import CaseDraft
from app.ops.desk import Desk


def current_values(state: CaseState) -> dict[str, Any]:
    """The editable fields of a case as an ``edit`` event would carry them."""
    values = {name: getattr(state, name) for name in EDITABLE_FIELDS}
    values["petitioners"] = [p.to_json() for p in state.petitioners]
    return values


def planned_edits(state: CaseState, draft: CaseDraft, domains: tuple[str, ...]) -> dict[str, Any]:
    """Field → new value for every editable field the draft changes, in the timeline's order.

    The draft is checked exactly as a new case is (names, ID numbers, phones, summary, domain), so a correction
    cannot store what registration would refuse; raises DomainError naming the first thing wrong. A domain that
    left the station's list since the case was registered may stay as it is.
    """
    allowed = domains if state.domain in domains else (*domains, state.domain)
    payload = draft.to_payload(allowed)
    before = current_values(state)
    return {name: payload[name] for name in EDITABLE_FIELDS if payload[name] != before[name]}


def draft_of(state: CaseState) -> CaseDraft:
    """The case's present values as a draft, for a form to start from."""
    return CaseDraft(channel=state.channel, petitioners=list(state.petitioners),
                     request_summary=state.request_summary, domain=state.domain, township=state.township,
                     village=state.village, authority_unit=state.authority_unit, jurisdiction=state.jurisdiction,
                     head_count=state.head_count, backlog=state.backlog, leader=state.leader,
                     repeat_of=list(state.repeat_of))


def edit_case(desk: Desk, case_id: str, draft: CaseDraft, since: CaseState | None = None) -> list[Event]:
    """Record each changed field as one ``desk.edit``; nothing when nothing changed.

    ``since`` is the case as the form showed it when it opened: only the fields the handler changed there are
    written, so a change that arrived meanwhile (a sync import) to another field is not undone by stale values.
    Every value is checked before the first write, so a refusal leaves the case as it was.
    """
    now = desk.case(case_id)
    changes = planned_edits(since or now, draft, desk.domains)
    present = current_values(now)
    return [desk.edit(case_id, name, value) for name, value in changes.items() if value != present[name]]
