"""Backlog cases (信访积案): old matters left unresolved, taken up in the clearing campaign (积案清零) by a
case-responsible leader — 一事双交 to the jurisdiction and the city-level department, the 四定四包 checklist
filled step by step, measures with evidence, supervision orders — and most of them cleared over the months."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from app.demo import texts
from app.demo.lives import (
    DISSATISFIED,
    Evidence,
    Payload,
    Timeline,
    checklist_context,
    checklist_step,
    cn_date,
    reply_days,
)
from app.demo.vocabulary import UNITS

CAMPAIGN_DAYS = 400  # the clearing campaign began about thirteen months before today


def _order(rng: random.Random, template: str) -> Payload:
    """A supervision order (督办): what is to be done by when, 10 to 20 days from the day it is issued."""
    days = rng.randint(10, 20)

    def payload(when: datetime) -> dict[str, Any]:
        due = when.date() + timedelta(days=days)
        return {"deadline": due.isoformat(), "note": template.format(deadline=cn_date(due))}
    return payload


def _measure(note: str, evidence: Evidence) -> dict[str, Any]:
    return {"note": note, "evidence": evidence.for_measure(0.8)}


def _supervise(tl: Timeline, template: str, days: int = 0) -> None:
    tl.add("supervise", _order(tl.rng, template), days)


def stalled_then_taken_up(tl: Timeline, evidence: Evidence, leader: str, designated: date, clear_days: int,
                          extend: bool) -> None:
    """Dispatched long ago to a unit that never accepted it (事权不清, 推诿); the campaign lists it as a backlog
    case, names a leader, hands it to both the jurisdiction and the city department, and works it to the end."""
    rng = tl.rng
    register = tl.steps[0][2]
    unit, city_unit = UNITS[register["domain"]]
    tl.add("dispatch", {"units": [unit], "note": texts.STALLED_DISPATCH_NOTE}, rng.randint(0, 2))
    tl.add("set_backlog", {"backlog": True}, tl.days_until(designated))
    tl.add("set_leader", {"leader": leader})
    context = checklist_context(tl, leader, designated + timedelta(days=min(clear_days, rng.randint(60, 90))))
    tl.add("checklist", checklist_step(rng, "fix_leader", context))
    tl.add("dispatch", {"units": [register["jurisdiction"], city_unit], "note": texts.DOUBLE_DISPATCH_NOTE},
           rng.randint(0, 2))
    tl.add("checklist", checklist_step(rng, "fix_responsibility", context))
    tl.add("checklist", checklist_step(rng, "fix_measures", context), rng.randint(0, 3))
    tl.add("checklist", checklist_step(rng, "fix_deadline", context))
    accepted = tl.add("accept", {"note": "予以受理，由包案领导牵头办理"}, rng.randint(0, 3)).date()
    tl.follow("notify", texts.notice("受理"))
    tl.add("checklist", checklist_step(rng, "own_planning", context), rng.randint(1, 7))
    tl.add("contact", {"note": f"{leader}约见信访人，当面听取诉求"}, rng.randint(0, 5))
    tl.add("checklist", checklist_step(rng, "own_counselling", context))
    reply_day = max(tl.t.date() + timedelta(days=3), designated + timedelta(days=int(clear_days * 0.85)))
    span = (reply_day - accepted).days
    measures = [*tl.measures, *texts.LEADER_MEASURES][: rng.randint(2, 4)]
    # The leader's agenda, in days after acceptance: a first measure at once, the rest spread to the reply,
    # supervision orders on the way, and the extension asked for before the 60 days run out.
    agenda: list[tuple[int, str, Payload]] = [(rng.randint(1, 10), "handle", _measure(measures[0], evidence))]
    first = agenda[0][0]
    agenda.append((first + rng.randint(0, 3), "checklist", checklist_step(rng, "own_coordination", context)))
    for i, note in enumerate(measures[1:], start=1):
        agenda.append((first + (span - first) * i // len(measures) + rng.randint(0, 3), "handle",
                       _measure(note, evidence)))
    orders = [rng.randint(15, 40)] if rng.random() < 0.8 else []
    if span > 60:
        orders.append(rng.randint(60, 90))
    agenda += [(day, "supervise", _order(rng, rng.choice(texts.SUPERVISION_NOTES))) for day in orders]
    if extend and span > 60:
        agenda.append((rng.randint(50, 58), "extend", {"days": min(30, span - 60 + rng.randint(0, 5)),
                                                       "reason": rng.choice(texts.EXTENSION_REASONS),
                                                       "approval": texts.EXTENSION_APPROVAL}))
    for day, kind, payload in sorted(((min(d, span - 1), k, p) for d, k, p in agenda), key=lambda item: item[0]):
        tl.add(kind, payload, tl.days_until(accepted + timedelta(days=day)))
        if kind == "extend":
            tl.follow("notify", texts.notice("延期", "邮寄"))
    tl.add("feedback", {"reply": rng.choice(tl.replies)}, tl.days_until(reply_day))
    result = rng.choices(("satisfied", "basically_satisfied", DISSATISFIED), (55, 40, 5))[0]
    tl.add("follow_up", {"rating": result, "note": rng.choice(texts.FOLLOW_UP_NOTES[result])}, rng.randint(2, 6))
    _end(tl, context, terminate=result == DISSATISFIED or rng.random() < 0.1)


def reviewed_then_taken_up(tl: Timeline, evidence: Evidence, leader: str, clear_days: int,
                           re_review: bool | None = None) -> None:
    """Replied, reviewed (复查), still dissatisfied: listed as a backlog case; the leader counsels the petitioner
    while the re-review (复核) runs, and the case ends resolved or terminated by law (依法终结)."""
    rng = tl.rng
    register = tl.steps[0][2]
    tl.add("dispatch", {"units": [register["authority_unit"]], "note": texts.DISPATCH_NOTE}, rng.randint(0, 1))
    accepted = tl.add("accept", {"note": texts.ACCEPT_NOTE}, rng.randint(0, 1)).date()
    tl.follow("notify", texts.notice("受理"))
    tl.add("contact", {"note": rng.choice(texts.CONTACT_NOTES)})
    first_reply = accepted + timedelta(days=max(3, reply_days(rng)))
    for note in tl.measures[:2]:
        tl.add("handle", {"note": note, "evidence": evidence.for_measure(0.5)}, tl.days_until(first_reply) // 2)
    tl.add("feedback", {"reply": rng.choice(tl.replies)}, tl.days_until(first_reply))
    tl.add("follow_up", {"rating": DISSATISFIED, "note": rng.choice(texts.FOLLOW_UP_NOTES[DISSATISFIED])},
           rng.randint(1, 4))
    tl.add("request_review", {"note": rng.choice(texts.REVIEW_REQUESTS)}, rng.randint(3, 15))
    answered = tl.add("answer_review", {"reply": texts.REVIEW_ANSWERS[0]}, rng.randint(10, 28)).date()
    tl.add("follow_up", {"rating": DISSATISFIED, "note": rng.choice(texts.FOLLOW_UP_NOTES[DISSATISFIED])},
           rng.randint(1, 3))
    designated = tl.add("set_backlog", {"backlog": True}, rng.randint(1, 4)).date()
    tl.add("set_leader", {"leader": leader})
    context = checklist_context(tl, leader, designated + timedelta(days=min(clear_days, 60)))
    for key in ("fix_leader", "fix_measures", "fix_deadline", "fix_responsibility"):
        tl.add("checklist", checklist_step(rng, key, context))
    tl.add("checklist", checklist_step(rng, "own_counselling", context), rng.randint(1, 4))
    tl.add("attach", {"note": "包案领导接访谈话录音", "evidence": evidence.pick("audio")})
    if re_review is None:
        re_review = rng.random() < 0.6
    if re_review:  # asked within 30 days of the review opinion
        tl.add("request_re_review", {"note": rng.choice(texts.RE_REVIEW_REQUESTS)},
               min(rng.randint(2, 8), tl.days_until(answered + timedelta(days=29))))
    _supervise(tl, rng.choice(texts.SUPERVISION_NOTES), rng.randint(2, 8))
    tl.add("checklist", checklist_step(rng, "own_planning", context), rng.randint(1, 6))
    tl.add("checklist", checklist_step(rng, "own_coordination", context), rng.randint(1, 6))
    if re_review:
        tl.add("answer_re_review", {"reply": rng.choice(texts.RE_REVIEW_ANSWERS)}, rng.randint(8, 20))
        result = rng.choices(("satisfied", "basically_satisfied", DISSATISFIED), (25, 55, 20))[0]
        tl.add("follow_up", {"rating": result, "note": rng.choice(texts.FOLLOW_UP_NOTES[result])},
               rng.randint(1, 4))
        done = designated + timedelta(days=clear_days)
        tl.add("attach", {"note": "息诉罢访协议书扫描件", "evidence": evidence.pick("scan")}, tl.days_until(done))
        _end(tl, context, terminate=result == DISSATISFIED)
        return
    tl.add("attach", {"note": "化解工作现场照片", "evidence": evidence.pick("photo")},
           tl.days_until(designated + timedelta(days=clear_days)))
    _end(tl, context, terminate=False)


def _end(tl: Timeline, context: dict[str, str], terminate: bool) -> None:
    """依法终结, or 包化解 ticked and the case struck off (now and then with a supervisor's override instead)."""
    rng = tl.rng
    if terminate:
        tl.add("terminate", {"reason": texts.TERMINATE_REASONS[1], "ground": texts.REFUSED_OPINION,
                             "approval": texts.TERMINATION_APPROVAL},
               rng.randint(5, 20))
        return
    if rng.random() < 0.06:
        tl.add("close", {"note": texts.BACKLOG_CLOSE, "approval": texts.CHECKLIST_OVERRIDE}, rng.randint(1, 4))
        return
    tl.add("checklist", checklist_step(rng, "own_resolution", context), rng.randint(1, 4))
    tl.add("close", {"note": texts.BACKLOG_CLOSE}, rng.randint(0, 2))
