"""Statutory time limits (信访工作条例 2022) and the three-colour light (三色督办).

The figures are defaults; each station may set its own, and a holiday list serves limits counted in working days.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class TimeLimits:
    """A station's time limits (days) and colour thresholds. Calendar days unless the name says workdays."""

    route_days: int = 15  # 登记后转送、交办 (art. 22)
    accept_notice_days: int = 15  # 告知信访人是否受理 (art. 23)
    objection_workdays: int = 5  # 非本单位事项提出异议 (art. 23)
    handle_days: int = 60  # 受理后办理答复 (art. 34)
    extension_max_days: int = 30  # 延期上限 (art. 34)
    review_request_days: int = 30  # 收到答复后申请复查 (art. 35)
    review_answer_days: int = 30  # 复查答复 (art. 35)
    re_review_request_days: int = 30  # 收到复查意见后申请复核 (art. 36)
    re_review_answer_days: int = 30  # 复核答复 (art. 36)
    local_feedback_days: int | None = None  # a local rule such as Ningbo's 7-day feedback; None when not in force
    yellow_days: int = 3  # yellow when this many days or fewer are left …
    yellow_fraction: float = 0.2  # … or this share of the limit's span
    holidays: tuple[str, ...] = ()  # ISO dates that are not working days
    makeup_workdays: tuple[str, ...] = ()  # weekend dates that are working days (调休)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TimeLimits:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("holidays", "makeup_workdays"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)


@dataclass(frozen=True)
class Deadline:
    """The time limit a case is running against now."""

    label: str
    start: date
    due: date

    @property
    def span_days(self) -> int:
        return (self.due - self.start).days

    def yellow_from(self, limits: TimeLimits) -> date:
        """The first day the light turns yellow."""
        margin = max(limits.yellow_days, math.floor(limits.yellow_fraction * self.span_days))
        return self.due - timedelta(days=margin)


@dataclass(frozen=True)
class Clock:
    """Dates a case's limits count from; filled by the case fold."""

    status: str
    registered: date | None = None
    dispatched: date | None = None
    accepted: date | None = None
    review_requested: date | None = None
    extension_days: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def add_workdays(start: date, days: int, limits: TimeLimits) -> date:
    """``days`` working days after ``start``, skipping weekends and holidays, honouring make-up workdays."""
    holidays = set(limits.holidays)
    makeup = set(limits.makeup_workdays)
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        iso = current.isoformat()
        working = (current.weekday() < 5 and iso not in holidays) or iso in makeup
        if working:
            left -= 1
    return current


def current_deadline(clock: Clock, limits: TimeLimits) -> Deadline | None:
    """The limit the case runs against in its present status, or None when no limit runs."""
    status = clock.status
    if status == "registered" and clock.registered:
        return Deadline("转送交办", clock.registered, clock.registered + timedelta(days=limits.route_days))
    if status == "dispatched" and clock.dispatched:
        return Deadline("告知受理", clock.dispatched, clock.dispatched + timedelta(days=limits.accept_notice_days))
    if status in ("accepted", "contacted", "handling") and clock.accepted:
        days = limits.handle_days
        if limits.local_feedback_days is not None:
            days = min(days, limits.local_feedback_days)
        due = clock.accepted + timedelta(days=days + clock.extension_days)
        return Deadline("办理答复", clock.accepted, due)
    if status == "reviewing" and clock.review_requested:
        return Deadline("复查答复", clock.review_requested,
                        clock.review_requested + timedelta(days=limits.review_answer_days))
    if status == "re_reviewing" and clock.review_requested:
        return Deadline("复核答复", clock.review_requested,
                        clock.review_requested + timedelta(days=limits.re_review_answer_days))
    return None


def objection_due(dispatched: date, limits: TimeLimits) -> date:
    """Last day a unit may object that a dispatched case is not its business (working days)."""
    return add_workdays(dispatched, limits.objection_workdays, limits)


def objection_window(clock: Clock, limits: TimeLimits) -> date | None:
    """While a case waits at the unit it was dispatched to, the last day that unit may object (异议退回)."""
    if clock.status == "dispatched" and clock.dispatched:
        return objection_due(clock.dispatched, limits)
    return None


def supervision_colour(
    *, finished: bool, backlog: bool, dissatisfied: bool, deadline: date | None, yellow_from: date | None,
    today: date,
) -> str:
    """三色督办: red overdue / backlog / dissatisfied, yellow near the limit, green on track, none when finished.

    The store's SQL filter mirrors this rule (``app.store.queries.COLOUR_SQL``); a test keeps them in step.
    """
    if finished:
        return "none"
    if backlog or dissatisfied or (deadline is not None and deadline < today):
        return "red"
    if yellow_from is not None and yellow_from <= today:
        return "yellow"
    return "green"


def days_left(deadline: date | None, today: date) -> int | None:
    """Days until the limit (negative when overdue)."""
    return None if deadline is None else (deadline - today).days


def days_text(deadline: str | None, today: date) -> tuple[str, int | None]:
    """How the days to the next time limit read in the list and the detail: 剩N天 / 今日到期 / 逾期N天."""
    if not deadline:
        return "", None
    left = (date.fromisoformat(deadline[:10]) - today).days
    if left < 0:
        return f"逾期{-left}天", left
    if left == 0:
        return "今日到期", 0
    return f"剩{left}天", left
