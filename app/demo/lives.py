"""The life of one demo case: who brought it, the steps it goes through, when, and what the handler wrote.

A life is a list of (time, kind, payload), in time order and at office hours; the generator cuts it at today.
Building a life draws only on the random generator and on times relative to its start, so the same draws
moved by whole days give the same life moved by whole days (the showcase cases are placed that way).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from app.demo import texts
from app.demo.vocabulary import (
    AREA_CODE,
    DEPUTIES,
    GIVEN_FEMALE,
    GIVEN_MALE,
    MOBILE_PREFIXES,
    REGION_CODES,
    SURNAMES,
    TOWNSHIPS,
    UNITS,
    VILLAGE_CADRES,
    VILLAGES,
)
from app.models.identity import id_check_char

Step = tuple[datetime, str, dict[str, Any]]
Handling = tuple[tuple[str, ...], tuple[str, ...]]  # the measures a case's request calls for, and its replies
Payload = dict[str, Any] | Callable[[datetime], dict[str, Any]]
OPENS, CLOSES = 8 * 60 + 30, 17 * 60 + 30  # office hours, minutes after midnight
_MINUTE = timedelta(minutes=1)
T = TypeVar("T")
DISSATISFIED = "dissatisfied"


def cn_date(day: date | datetime) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice`` at a third of its cost (the demo draws a few million of these for 100,000 cases)."""
    return items[int(rng.random() * len(items))]


_EPOCH = datetime(2000, 1, 1)
_EPOCH_DAY = _EPOCH.toordinal()


class Timeline:
    """One case's steps, each later than the one before and within office hours (times kept as minutes since
    2000-01-01, which is cheaper to step than datetimes)."""

    def __init__(self, rng: random.Random, start: datetime, register: dict[str, Any], handling: Handling) -> None:
        self.rng = rng
        self.measures, self.replies = handling
        self.minute = (start - _EPOCH) // _MINUTE
        self.t = start
        self.steps: list[Step] = [(start, "register", register)]

    def follow(self, kind: str, payload: Payload) -> datetime:
        """A step a few minutes after the one before, drawing nothing from the random stream (so adding one
        leaves every other case of a seed as it was): the notice given on the spot after a decision."""
        self.minute += 5
        self.t = when = _EPOCH + timedelta(minutes=self.minute)
        self.steps.append((when, kind, payload(when) if callable(payload) else payload))
        return when

    def add(self, kind: str, payload: Payload, days: int = 0) -> datetime:
        random = self.rng.random
        minute = self.minute
        if days <= 0:
            later = minute + 10 + int(random() * 150)
            if later % 1440 < CLOSES:
                minute = later
            else:
                days = 1
        if days > 0:
            minute = (minute // 1440 + days) * 1440 + OPENS + int(random() * 520)
        self.minute = minute
        self.t = when = _EPOCH + timedelta(minutes=minute)
        self.steps.append((when, kind, payload(when) if callable(payload) else payload))
        return when

    def days_until(self, day: date) -> int:
        return max(0, day.toordinal() - _EPOCH_DAY - self.minute // 1440)


@dataclass
class Planned:
    """A case whose life was drawn before the run (showcase and common-problem cases)."""

    start: datetime
    life: Timeline
    family: str = ""  # the cases of one family are the rounds of one petitioner's matter, in start order


@dataclass
class Matter:
    """What a case is about, kept so that a repeat petition comes back about the same thing."""

    case_id: str
    petitioners: list[dict[str, str]]
    domain: str
    township: str
    village: str
    summary: str
    repeat_of: list[str]
    handling: Handling


class People:
    """Petitioners: names agreeing with the sex digit of valid ID numbers, mobiles and landlines, addresses."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.born_from = date(1942, 1, 1).toordinal()
        self.born_span = date(today.year - 18, 1, 1).toordinal() - self.born_from

    def person(self, township: str, village: str) -> dict[str, str]:
        rng = self.rng
        random = rng.random
        male = random() < 0.55
        name = pick(rng, SURNAMES) + pick(rng, GIVEN_MALE if male else GIVEN_FEMALE)
        born = date.fromordinal(self.born_from + int(random() * self.born_span))
        serial = int(random() * 500) * 2 + male  # the 17th digit is odd for a man
        body = f"{pick(rng, REGION_CODES)}{born.year}{born.month:02d}{born.day:02d}{serial:03d}"
        if random() < 0.88:
            phone = f"{pick(rng, MOBILE_PREFIXES)}{int(random() * 100_000_000):08d}"
        else:
            phone = f"{AREA_CODE}-8{int(random() * 10_000_000):07d}"
        if random() < 0.15:
            township, village = pick(rng, TOWNSHIPS), pick(rng, VILLAGES)
        return {"name": name, "id_number": body + id_check_char(body), "phone": phone,
                "address": f"{township}{village}{1 + int(random() * 199)}号"}


def register_payload(people: People, *, channel: str, domain: str, township: str, village: str, summary: str,
                     head_count: int = 1, petitioners: list[dict[str, str]] | None = None, leader: str = "",
                     repeat_of: list[str] | None = None) -> dict[str, Any]:
    """A register event's payload as the new-case dialog would write it."""
    if petitioners is None:
        representatives = min(3, head_count) if head_count >= 5 else 1
        petitioners = [people.person(township, village) for _ in range(representatives)]
    head_count = max(head_count, len(petitioners))
    return {
        "channel": channel, "collective": channel == "visit" and head_count >= 5, "head_count": head_count,
        "domain": domain, "township": township, "village": village, "request_summary": summary,
        "authority_unit": UNITS[domain][0], "jurisdiction": township, "backlog": False, "leader": leader,
        "petitioners": petitioners, "repeat_of": list(repeat_of or []),
    }


def checklist_context(tl: Timeline, leader: str, deadline: date) -> dict[str, str]:
    """The values the 四定四包 notes of one leader's case are written with."""
    rng, register = tl.rng, tl.steps[0][2]
    unit, city_unit = UNITS[register["domain"]]
    return {"leader": leader, "deputy": rng.choice(DEPUTIES), "unit": unit, "city_unit": city_unit,
            "jurisdiction": f"{register['jurisdiction']}党委政府", "measure": "，".join(tl.measures[:2]),
            "deadline": cn_date(deadline), "cadre": rng.choice(VILLAGE_CADRES), "village": register["village"],
            "meeting": ""}


def checklist_step(rng: random.Random, key: str, context: dict[str, str]) -> Callable[[datetime], dict[str, Any]]:
    """A ticked 四定四包 item whose note says what was fixed (measures, deadline, unit, who talked to whom)."""
    template = rng.choice(texts.CHECKLIST_NOTES[key])

    def payload(when: datetime) -> dict[str, Any]:
        return {"key": key, "done": True, "note": template.format(**{**context, "meeting": cn_date(when)})}
    return payload


def reply_days(rng: random.Random) -> int:
    """Days from acceptance to the written reply: most within 7 (宁波 7日反馈), a tail to the 60-day limit."""
    r = rng.random()
    if r < 0.33:
        return rng.randint(0, 1)
    if r < 0.70:
        return rng.randint(2, 3)
    if r < 0.93:
        return rng.randint(4, 7)
    if r < 0.98:
        return rng.randint(8, 20)
    return rng.randint(21, 58)


def rating(rng: random.Random, round_number: int = 0) -> str:
    """Mostly 满意 / 基本满意; a first 不满意 about one case in seventy, more often again after a review."""
    satisfied, basically = ((0.88, 0.985), (0.30, 0.75), (0.10, 0.50))[min(round_number, 2)]
    r = rng.random()
    return "satisfied" if r < satisfied else "basically_satisfied" if r < basically else DISSATISFIED


class Evidence:
    """The pool of evidence references the demo's steps attach (the files are in the blob store)."""

    def __init__(self, rng: random.Random, items: list[dict[str, Any]]) -> None:
        self.rng = rng
        self.by_kind: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            self.by_kind.setdefault(item["kind"], []).append(item)

    def pick(self, kind: str) -> list[dict[str, Any]]:
        return [pick(self.rng, self.by_kind[kind])]

    def for_measure(self, chance: float) -> list[dict[str, Any]]:
        rng = self.rng
        if rng.random() >= chance:
            return []
        r = rng.random()
        return self.pick("photo" if r < 0.65 else "audio" if r < 0.85 else "video" if r < 0.93 else "scan")


@dataclass
class Options:
    """How a normal case goes. Random by default; the showcase cases fix some of it."""

    dispatch_days: int = 0
    decline: str = ""
    stall: str = ""  # stop for good after this step (a case that sits, overdue)
    reply_days: int = 3
    measures: int = 1
    extend: int = 0  # extension days, 0 for none
    ratings: tuple[str, ...] = ()  # forced follow-up ratings, in order
    review: bool | None = None
    re_review: bool | None = None
    min_gap: int = 0  # at least this many days between the later steps (so a showcase can sit in a state)
    leader: str = ""
    end: str = ""  # "terminate": 依法终结 after a dissatisfied 复核
    not_again: str = ""  # 不再受理 with this reason (the same matter after 复核), never dispatched
    objection: str = ""  # the unit objects with this reason, and the routing office has yet to answer
    legal_route: str = ""  # a 申诉求决 matter for this statutory route: 导入法定途径, not handled as a 信访


def random_options(rng: random.Random, register: dict[str, Any], age_days: int) -> Options:
    domain, channel = register["domain"], register["channel"]
    opts = Options()
    r = rng.random()
    if channel in ("letter", "online"):  # opened and registered, then routed within a few days
        opts.dispatch_days = 0 if r < 0.4 else 1 if r < 0.75 else 2 if r < 0.9 else 3
    else:  # 接件即办: a visit or a call is routed the same day
        opts.dispatch_days = 0 if r < 0.85 else 1 + int(rng.random() * 3)
    decline_chance = {"涉法涉诉": 0.2, "劳动保障": 0.05}.get(domain, 0.025)
    if rng.random() < decline_chance:
        fitting = [reason for reason, domains in texts.DECLINE_REASONS if not domains or domain in domains]
        opts.decline = pick(rng, fitting)
    if age_days < 100 and rng.random() < 0.04:
        choices = ("accept", "contact", "handle") if age_days >= 40 else ("register", "dispatch", "accept",
                                                                          "contact", "handle")
        opts.stall = pick(rng, choices)
    opts.reply_days = reply_days(rng)
    r = rng.random()
    opts.measures = 1 if r < 0.55 else 2 if r < 0.9 else 3
    if rng.random() < 0.025:
        opts.extend = rng.randint(15, 30)
        opts.reply_days = 60 + rng.randint(3, opts.extend)
        opts.measures = 3
    return opts


def normal_life(tl: Timeline, evidence: Evidence, opts: Options) -> None:
    """登记 → 派发 → 受理 (or 不予受理) → 联系 → 办理 → 反馈 → 回访 → 办结, with the 复查/复核 rounds a
    dissatisfied petitioner may ask for, ending in 办结 or 依法终结."""
    rng = tl.rng
    register = tl.steps[0][2]
    gap = opts.min_gap
    if opts.stall == "register":
        return
    if opts.not_again:
        tl.add("no_longer_accept", {"reason": opts.not_again}, max(gap, rng.randint(1, 4)))
        tl.follow("notify", texts.notice("不再受理", "邮寄"))
        return
    if opts.legal_route:
        register.update(category="申诉求决", legal_route=opts.legal_route)
        tl.add("route_legal", {"reason": texts.LEGAL_ROUTE_NOTES.get(opts.legal_route, "")}, max(gap, 0))
        tl.follow("notify", texts.notice("导入法定途径"))
        return
    tl.add("dispatch", {"units": [register["authority_unit"]], "note": texts.DISPATCH_NOTE},
           max(opts.dispatch_days, gap))
    if opts.stall == "dispatch":
        return
    if opts.objection:
        tl.add("object", {"reason": opts.objection, "unit": register["authority_unit"]}, max(gap, 1))
        return
    if opts.decline:
        tl.add("decline", {"reason": opts.decline}, max(gap, rng.randint(1, 4)))
        tl.follow("notify", texts.notice("不予受理"))
        return
    accepted = tl.add("accept", {"note": texts.ACCEPT_NOTE}, 0 if rng.random() < 0.6 else 1)
    tl.follow("notify", texts.notice("受理"))
    context: dict[str, str] = {}
    if opts.leader:
        context = checklist_context(tl, opts.leader, accepted.date() + timedelta(days=30))
        for key in ("fix_leader", "fix_measures", "fix_deadline", "fix_responsibility"):
            tl.add("checklist", checklist_step(rng, key, context))
    if opts.stall == "accept":
        return
    tl.add("contact", {"note": pick(rng, texts.CONTACT_NOTES)}, max(gap, 0 if rng.random() < 0.7 else 1))
    if opts.leader:
        tl.add("checklist", checklist_step(rng, "own_counselling", context))
    if opts.stall == "contact":
        return
    reply_day = accepted.date() + timedelta(days=opts.reply_days)
    choices = tl.measures
    count = min(opts.measures, len(choices))
    first = int(rng.random() * (len(choices) - count + 1))  # measures in the order the list gives them
    measures = choices[first:first + count]
    for i in range(len(measures)):
        left = tl.days_until(reply_day)
        days = max(gap, int(rng.random() * (left // (len(measures) - i) + 1))) if left else gap
        tl.add("handle", {"note": measures[i], "evidence": evidence.for_measure(0.3)}, days)
        if i == 0 and opts.extend:
            tl.add("extend", {"days": opts.extend, "reason": rng.choice(texts.EXTENSION_REASONS),
                              "approval": texts.EXTENSION_APPROVAL}, max(gap, 1))
            tl.follow("notify", texts.notice("延期", "邮寄"))
        if i == 0 and opts.leader:
            tl.add("checklist", checklist_step(rng, "own_planning", context))
            tl.add("checklist", checklist_step(rng, "own_coordination", context))
    if opts.stall == "handle":
        return
    tl.add("feedback", {"reply": pick(rng, tl.replies)}, max(gap, tl.days_until(reply_day)))
    follow_ups(tl, opts, context)


def follow_ups(tl: Timeline, opts: Options, context: dict[str, str]) -> None:
    """回访, then 办结; or, when the petitioner is dissatisfied, 复查 and 复核 rounds, 办结 or 依法终结."""
    rng = tl.rng
    gap = opts.min_gap
    forced = list(opts.ratings)
    for round_number in range(3):
        result = forced.pop(0) if forced else rating(rng, round_number)
        tl.add("follow_up", {"rating": result, "note": pick(rng, texts.FOLLOW_UP_NOTES[result])},
               max(gap, 1 + int(rng.random() * 4)))
        if result != DISSATISFIED:
            break
        if round_number == 2:
            if opts.end == "terminate" or (not opts.end and rng.random() < 0.8):
                tl.add("terminate", {"reason": rng.choice(texts.TERMINATE_REASONS), "ground": texts.EXHAUSTED,
                                     "approval": texts.TERMINATION_APPROVAL},
                       max(gap, rng.randint(5, 20)))
                return
            close(tl, opts, context, texts.CLOSE_AFTER_DISSATISFIED, rng.randint(28, 31))
            return
        wants = opts.review if round_number == 0 else opts.re_review
        if wants is None:
            wants = rng.random() < (0.6, 0.65)[round_number]
        if not wants:  # the 30 days for asking a review pass, then the case is closed
            close(tl, opts, context, texts.CLOSE_AFTER_DISSATISFIED, rng.randint(28, 31))
            return
        if round_number == 0:
            tl.add("request_review", {"note": rng.choice(texts.REVIEW_REQUESTS)}, max(gap, rng.randint(3, 18)))
            tl.add("answer_review", {"reply": rng.choice(texts.REVIEW_ANSWERS)}, rng.randint(10, 28))
        else:
            tl.add("request_re_review", {"note": rng.choice(texts.RE_REVIEW_REQUESTS)},
                   max(gap, rng.randint(3, 18)))
            tl.add("answer_re_review", {"reply": rng.choice(texts.RE_REVIEW_ANSWERS)}, rng.randint(15, 28))
    close(tl, opts, context, pick(rng, texts.CLOSE_NOTES), max(gap, int(rng.random() * 3)))


def close(tl: Timeline, opts: Options, context: dict[str, str], note: str, days: int) -> None:
    """办结; a leader's case ticks 包化解 first (the checklist must be complete)."""
    if opts.leader:
        tl.add("checklist", checklist_step(tl.rng, "own_resolution", context), days)
        days = 0
    tl.add("close", {"note": note}, days)
