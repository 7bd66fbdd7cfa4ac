"""A case as it stands: the fold of its events.

``fold(events)`` is a pure function of the set of events (it sorts them itself), so every station that has seen
the same events shows the same case, whatever order they arrived in. Folding is lenient: it records what
happened; refusing steps that are not allowed is the workflow's job before an event is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.models.case_conflicts import (
    DISPATCH_UNITS,
    VERSIONED_FIELDS,
    Conflict,
    on_checklist,
    on_edit,
    on_resolve,
    on_set_backlog,
    on_set_leader,
)
from app.models.case_parts import OPEN_ITEM, ChecklistEntry, Petitioner
from app.models.chain import ALLOWED_FROM
from app.models.deadlines import Clock
from app.models.events import Event, saw, saw_id
from app.models.vocab import CHECKLIST_ITEMS, FINISHED_STATUSES, STATUSES


@dataclass(slots=True)
class Step:
    """One step of the handling chain as the timeline and the printed sheet show it."""

    event_id: str
    kind: str
    at: str
    actor: str
    origin: str
    unit: str = ""
    note: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CaseState:
    """Everything known about a case; the store projects it into tables."""

    case_id: str
    origin: str = ""
    channel: str = ""
    collective: bool = False
    head_count: int = 1
    domain: str = ""
    township: str = ""
    village: str = ""
    request_summary: str = ""
    authority_unit: str = ""
    jurisdiction: str = ""
    backlog: bool = False
    leader: str = ""
    status: str = "registered"
    petitioners: list[Petitioner] = field(default_factory=list)
    registered_at: str = ""
    registered_date_only: bool = False  # received on a day given without its time
    dispatched_at: str = ""
    dispatch_units: list[str] = field(default_factory=list)
    accepted_at: str = ""
    replied_at: str = ""
    closed_at: str = ""
    # 不予受理 is a decision, not a conclusion: closed_at (which the figures count) stays empty; this is its date.
    declined_at: str = ""
    review_requested_at: str = ""
    review_round: int = 0
    extension_days: int = 0
    rating: str = ""
    # The first written reply and the first follow-up stay as they were when a 复查/复核 round later overwrites
    # replied_at and rating: the figures (7-day feedback, satisfaction) are about the first handling.
    first_replied_at: str = ""
    first_rated_at: str = ""
    first_rating: str = ""
    # 诉求分类 and the national fields (信访工作条例 2022, art. 31); work_order is a 12345 hotline work order.
    category: str = ""
    problem_type: str = ""
    purpose: str = ""
    first_time: bool = True  # 初信初访, unless the handler says 重复 or links an earlier case
    legal_route: str = ""
    work_order: str = ""
    dispatch_mode: str = ""  # transfer (转送) or assign (交办, with a completion report due)
    report_due: str = ""
    reported_at: str = ""
    notices: list[dict[str, Any]] = field(default_factory=list)
    notified_decision: bool = False  # the petitioner was told whether the matter is accepted
    extended_at: str = ""  # an extension whose notice (延期告知) is outstanding
    # 不予受理, 不再受理 or 导入法定途径 ended the case and its notice is not yet recorded; the stamp its limit
    # counts from (receipt for 不予受理, the decision for the others).
    end_notice: str = ""
    end_notice_from: str = ""
    hearing_days: int = 0
    termination_ground: str = ""
    measures: int = 0
    supervision: list[dict[str, Any]] = field(default_factory=list)
    repeat_of: list[str] = field(default_factory=list)
    checklist: dict[str, ChecklistEntry] = field(default_factory=lambda: dict.fromkeys(CHECKLIST_ITEMS, OPEN_ITEM))
    steps: list[Step] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    # Chain steps made at another station without seeing the step before them, which no longer fit the status
    # they arrived at: kept on the timeline, marked, and left out of the status (see ``fold``).
    out_of_turn: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    last_event_id: str = ""
    last_hash: str = ""
    last_hlc: str = ""

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def ended_at(self) -> str:
        """When a finished case ended: its conclusion, or the 不予受理 decision."""
        return self.closed_at or self.declined_at

    def ended_text(self, between: str = "，") -> str:
        """``已不予受理，2026-03-05``: how a finished case ended and on which day (the detail, the sheet, show)."""
        return f"已{STATUSES[self.status].removeprefix('已')}{between}{self.ended_at[:10] or '—'}"

    @property
    def dissatisfied(self) -> bool:
        return self.rating == "dissatisfied"

    @property
    def checklist_done(self) -> int:
        return sum(1 for entry in self.checklist.values() if entry.done)

    @property
    def needs_checklist(self) -> bool:
        """四定四包 binds a case that has a case-responsible leader or is a backlog case."""
        return self.backlog or bool(self.leader)

    @property
    def first_petition(self) -> bool:
        """初信初访: not marked 重复 and not linked to an earlier case."""
        return self.first_time and not self.repeat_of

    @property
    def report_pending(self) -> bool:
        return bool(self.report_due) and not self.reported_at

    def open_orders(self) -> tuple[tuple[date, date], ...]:
        """(given, deadline) of each supervision order whose ordered step is not yet recorded."""
        return tuple((date.fromisoformat(o["at"][:10]), date.fromisoformat(o["deadline"][:10]))
                     for o in self.supervision if o.get("deadline") and not o.get("done"))

    @property
    def repeat_round(self) -> int:
        """Which round this matter is on for the petitioner: 1 for a first petition."""
        return len(self.repeat_of) + 1

    def petitioner_names(self) -> str:
        return "、".join(p.name for p in self.petitioners)

    def date_of(self, stamp: str) -> date | None:
        return date.fromisoformat(stamp[:10]) if stamp else None

    def clock(self) -> Clock:
        """The dates this case's time limits count from."""
        return Clock(status=self.status, registered=self.date_of(self.registered_at),
                     dispatched=self.date_of(self.dispatched_at), accepted=self.date_of(self.accepted_at),
                     review_requested=self.date_of(self.review_requested_at), extension_days=self.extension_days,
                     notified_decision=self.notified_decision, extended_on=self.date_of(self.extended_at),
                     replied=bool(self.first_replied_at), hearing_days=self.hearing_days,
                     report_due=self.date_of(self.report_due) if self.report_pending else None,
                     supervision=self.open_orders(), end_notice=self.end_notice,
                     end_notice_from=self.date_of(self.end_notice_from))


def _set_status(state: CaseState, event: Event, status: str) -> None:
    state.status = status


def _step(state: CaseState, event: Event, unit: str = "", note: str = "") -> None:
    evidence = event.payload.get("evidence")
    state.steps.append(Step(event.id, event.kind, event.at, event.actor, event.origin, unit, note,
                            list(evidence) if evidence else []))


def _on_register(state: CaseState, event: Event) -> None:
    p = event.payload
    state.origin = event.origin
    state.channel = p["channel"]
    state.collective = bool(p.get("collective", False))
    state.head_count = int(p.get("head_count", 1))
    for name in ("domain", "township", "village", "request_summary", "authority_unit", "jurisdiction", "leader"):
        setattr(state, name, p.get(name, ""))
    state.backlog = bool(p.get("backlog", False))
    state.petitioners = [Petitioner.from_json(x) for x in p.get("petitioners", [])]
    state.repeat_of = list(p.get("repeat_of", []))
    _classify(state, p)
    state.work_order = str(p.get("work_order", ""))
    state.registered_at = event.at
    state.registered_date_only = bool(p.get("date_only"))
    state.versions = dict.fromkeys(VERSIONED_FIELDS, event.id)
    state.status = "registered"
    _step(state, event, note=p.get("request_summary", ""))


CLASSIFICATION_FIELDS = ("category", "problem_type", "purpose", "legal_route")


def _classify(state: CaseState, p: dict[str, Any]) -> None:
    for name in CLASSIFICATION_FIELDS:
        if name in p:
            setattr(state, name, str(p.get(name) or ""))
    if "first_time" in p:
        state.first_time = bool(p["first_time"])


def _on_classify(state: CaseState, event: Event) -> None:
    _classify(state, event.payload)
    _step(state, event, note=event.payload.get("note", ""))


def _on_dispatch(state: CaseState, event: Event) -> None:
    p = event.payload
    units = list(p.get("units", []))
    last = state.versions.get(DISPATCH_UNITS)
    if last and not saw_id(event, last) and units != state.dispatch_units:
        # Dispatched to other units at another station without seeing this one: both kept for a person to settle.
        state.conflicts.append(Conflict(DISPATCH_UNITS, [last, event.id], [state.dispatch_units, units]))
    state.versions[DISPATCH_UNITS] = event.id
    state.dispatch_units = units
    state.dispatched_at = event.at
    state.dispatch_mode = str(p.get("mode", "transfer"))
    state.report_due = str(p.get("due", "")) if state.dispatch_mode == "assign" else ""
    state.reported_at = ""
    state.notified_decision = False
    _set_status(state, event, "dispatched")
    _step(state, event, "、".join(state.dispatch_units), p.get("note", ""))


def _on_completion_report(state: CaseState, event: Event) -> None:
    state.reported_at = event.at
    _step(state, event, event.payload.get("unit", ""), event.payload.get("note", ""))


def _on_notify(state: CaseState, event: Event) -> None:
    p = event.payload
    notice = str(p.get("notice", ""))
    state.notices.append({"notice": notice, "way": p.get("way", ""), "document": p.get("document", ""),
                          "at": event.at})
    if notice in ("受理", "不予受理"):
        state.notified_decision = True
    if notice == "延期":
        state.extended_at = ""
    if notice == state.end_notice:
        state.end_notice, state.end_notice_from = "", ""
    document = f"，文书{p['document']}" if p.get("document") else ""
    _step(state, event, note=f"{notice}告知（{p.get('way', '')}{document}）{p.get('note', '')}")


def _on_document(state: CaseState, event: Event) -> None:
    _step(state, event, note=f"{event.payload.get('paper', '')} {event.payload.get('number', '')}")


def _on_hearing(state: CaseState, event: Event) -> None:
    start, end = event.payload.get("start", ""), event.payload.get("end", "")
    try:
        days = (date.fromisoformat(str(end)) - date.fromisoformat(str(start))).days + 1
    except ValueError:  # checked before it was written; a malformed one from elsewhere adds nothing
        days = 0
    state.hearing_days += max(days, 0)
    _step(state, event, note=f"{start}至{end}听证：{event.payload.get('note', '')}")


def _on_finish(status: str, notice: str = "") -> Callable[[CaseState, Event], None]:
    """An end by decision; ``notice`` is the written notice it owes the petitioner, counted from the decision."""
    def apply(state: CaseState, event: Event) -> None:
        state.closed_at = event.at
        if notice:
            state.end_notice, state.end_notice_from = notice, event.at
        _simple(status, "reason")(state, event)
    return apply


def _on_decline(state: CaseState, event: Event) -> None:
    """不予受理 owes its notice within the notice limit counted from receipt (by the unit, or by the office
    when it declines before dispatching), as the 受理 notice would have been."""
    state.declined_at = event.at
    state.end_notice = "不予受理"
    state.end_notice_from = state.dispatched_at or state.registered_at or event.at
    _simple("declined", "reason")(state, event)


def _simple(status: str | None, note_key: str = "note") -> Callable[[CaseState, Event], None]:
    def apply(state: CaseState, event: Event) -> None:
        if status:
            _set_status(state, event, status)
        _step(state, event, event.payload.get("unit", ""), event.payload.get(note_key, ""))
    return apply


def _on_accept(state: CaseState, event: Event) -> None:
    state.accepted_at = event.at
    _simple("accepted")(state, event)


def _on_handle(state: CaseState, event: Event) -> None:
    state.measures += 1
    _simple("handling")(state, event)


def _on_feedback(state: CaseState, event: Event) -> None:
    state.replied_at = event.at
    state.first_replied_at = state.first_replied_at or event.at
    _simple("replied", "reply")(state, event)


def _on_follow_up(state: CaseState, event: Event) -> None:
    state.rating = event.payload.get("rating", "")
    if not state.first_rated_at:
        state.first_rated_at, state.first_rating = event.at, state.rating
    _simple("followed_up")(state, event)


def approval_text(payload: dict[str, Any]) -> str:
    """Who approved a step and why, as the timeline says it: ``王局长（wangjz）批准：理由`` (an event recorded
    before accounts names its approver as typed)."""
    approval = payload.get("approval")
    if isinstance(approval, dict):
        name, display = str(approval.get("account", "")), str(approval.get("display", ""))
        who = display if display in ("", name) else f"{display}（{name}）"
        return f"{who or name}批准：{approval.get('reason', '')}"
    override = payload.get("override")
    if isinstance(override, dict):
        return f"{override.get('by', '')}批准：{override.get('reason', '')}"
    return ""


def _on_close(state: CaseState, event: Event) -> None:
    state.closed_at = event.at
    note = event.payload.get("note", "")
    approved = approval_text(event.payload)
    if approved:
        note = f"{note}（四定四包未全部完成，{approved}）"
    _set_status(state, event, "closed")
    _step(state, event, note=note)


def _on_agree_objection(state: CaseState, event: Event) -> None:
    """The routing office agrees the case is not the unit's business: back to be dispatched again."""
    state.dispatch_units = []
    state.versions.pop(DISPATCH_UNITS, None)  # dispatched again from scratch: no earlier dispatch to conflict with
    state.dispatched_at = ""
    state.report_due = ""
    _simple("registered", "reason")(state, event)


def _on_terminate(state: CaseState, event: Event) -> None:
    state.termination_ground = str(event.payload.get("ground", ""))
    _on_finish("terminated")(state, event)


def _on_extend(state: CaseState, event: Event) -> None:
    state.extension_days += int(event.payload.get("days", 0))
    state.extended_at = event.at
    _step(state, event, note=f"延期{event.payload.get('days')}天：{event.payload.get('reason', '')}")


def _on_request_review(state: CaseState, event: Event) -> None:
    state.review_requested_at = event.at
    state.rating = ""
    state.closed_at = ""  # reopened: it is closed again when the review round ends
    status = "reviewing" if event.kind == "request_review" else "re_reviewing"
    _simple(status)(state, event)


def _on_answer_review(state: CaseState, event: Event) -> None:
    state.review_round += 1
    state.replied_at = event.at
    _simple("replied", "reply")(state, event)


def _on_link_repeat(state: CaseState, event: Event) -> None:
    other = event.payload.get("other", "")
    if other and other not in state.repeat_of:
        state.repeat_of.append(other)


def _on_attach(state: CaseState, event: Event) -> None:
    _step(state, event, note=event.payload.get("note", ""))


def _on_supervise(state: CaseState, event: Event) -> None:
    state.supervision.append({"deadline": event.payload.get("deadline", ""), "note": event.payload.get("note", ""),
                              "at": event.at, "origin": event.origin, "step": event.payload.get("step", ""),
                              "done": False})
    _step(state, event, note=event.payload.get("note", ""))


APPLY: dict[str, Callable[[CaseState, Event], None]] = {
    "register": _on_register,
    "dispatch": _on_dispatch,
    "accept": _on_accept,
    "decline": _on_decline,
    "object": _simple("objected", "reason"),
    "agree_objection": _on_agree_objection,
    "refuse_objection": _simple("dispatched", "reason"),
    "no_longer_accept": _on_finish("not_accepted", "不再受理"),
    "route_legal": _on_finish("routed_legal", "导入法定途径"),
    "hearing": _on_hearing,
    "notify": _on_notify,
    "document": _on_document,
    "completion_report": _on_completion_report,
    "classify": _on_classify,
    "contact": _simple("contacted"),
    "handle": _on_handle,
    "feedback": _on_feedback,
    "follow_up": _on_follow_up,
    "close": _on_close,
    "terminate": _on_terminate,
    "extend": _on_extend,
    "request_review": _on_request_review,
    "answer_review": _on_answer_review,
    "request_re_review": _on_request_review,
    "answer_re_review": _on_answer_review,
    "edit": on_edit,
    "set_leader": on_set_leader,
    "set_backlog": on_set_backlog,
    "checklist": on_checklist,
    "link_repeat": _on_link_repeat,
    "attach": _on_attach,
    "supervise": _on_supervise,
    "resolve": on_resolve,
    "annul": lambda state, event: None,  # handled before the fold: the target is skipped
}


def _order_done(state: CaseState, kind: str) -> None:
    """A chain step carries out the supervision orders that asked for it (or for any next step)."""
    for order in state.supervision:
        if not order.get("done") and order.get("step", "") in ("", kind):
            order["done"] = True


OUT_OF_TURN_NOTE = "（与其他站点同时办理，未改变案件状态）"
OUT_OF_TURN_WARNING = "有 {n} 个办理步骤与其他站点同时办理、未改变案件状态，请核对办理过程"


def fold(case_id: str, events: Iterable[Event]) -> CaseState:
    """The case as its events make it. Events may come in any order; annulled steps are left out.

    Two stations may move one case along the chain without seeing each other's steps. A step that did not see
    the step before it and does not fit the status it arrives at (an 受理 after the other station's 联系) is kept
    on the timeline, marked, and does not move the status: the case never goes backwards on its own, and every
    station folds the same events to the same case whatever order they came in.
    """
    ordered = sorted(events, key=Event.sort_key)
    annulled = {e.payload.get("target") for e in ordered if e.kind == "annul"}
    state = CaseState(case_id)
    head: Event | None = None  # the latest chain step that moved the case
    for event in ordered:
        if event.id not in annulled:
            head = _apply(state, event, head)
    return state


def advance(state: CaseState, event: Event) -> None:
    """``state`` as ``fold`` would make it with ``event`` added, for an event made here after every event the case
    holds (it sorts last and saw them all, so it is never out of turn). Not for an annulment, which takes a step
    out of the middle: fold afresh for that."""
    if event.kind == "annul":
        raise ValueError("an annulment is folded afresh")
    _apply(state, event, None)


def _apply(state: CaseState, event: Event, head: Event | None) -> Event | None:
    """Apply one event to the case in fold order; returns the latest chain step that moved the case."""
    handler = APPLY.get(event.kind)
    if event.kind in ALLOWED_FROM:
        if head is not None and state.status not in ALLOWED_FROM[event.kind] and not saw(event, head):
            state.out_of_turn.append(event.id)
            p = event.payload
            own_note = str(p.get("note") or p.get("reply") or p.get("reason") or "")
            _step(state, event, str(p.get("unit", "")), own_note + OUT_OF_TURN_NOTE)
            handler = None
        else:
            head = event
            _order_done(state, event.kind)
    if handler is not None:  # kinds from a newer program are kept in the log but not shown
        handler(state, event)
    if event.kind == "annul":
        _step(state, event, note=event.payload.get("reason", ""))
    state.last_event_id, state.last_hash, state.last_hlc = event.id, event.hash, event.hlc
    return head
