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
    holiday_shift: bool = True  # a limit ending on a public holiday ends on the next working day
    backlog_colour: str = "red"  # red: a backlog case is always red; graded: by the limits and 四定四包 progress

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
    """One time limit a case is running against: a statutory one, a local target beside it (Ningbo's 7 days),
    a 交办 completion report or a supervision order's deadline."""

    label: str
    start: date
    due: date
    kind: str = "statute"  # statute | local | report | supervision | notice (a notice owed after an end)
    shifted_from: date | None = None  # the day it would have ended on, when that was a public holiday
    yellow_start: date | None = None  # a supervision order is yellow from the day it was given

    @property
    def span_days(self) -> int:
        return (self.due - self.start).days

    def yellow_from(self, limits: TimeLimits) -> date:
        """The first day the light turns yellow."""
        if self.yellow_start is not None:
            return self.yellow_start
        margin = max(limits.yellow_days, math.floor(limits.yellow_fraction * self.span_days))
        return self.due - timedelta(days=margin)

    def describe(self) -> str:
        """How the detail names it: ``办理答复期限 2026-05-06（原2026-05-01为法定节假日，顺延至下一工作日）``."""
        text = f"{self.label}期限：{self.due.isoformat()}"
        if self.kind == "local":
            text += "（本地时限）"
        if self.kind == "notice":
            text += f"（尚未书面告知信访人，须记录“{self.label}”）"
        if self.shifted_from is not None:
            text += f"（原{self.shifted_from.isoformat()}为法定节假日，顺延至下一工作日）"
        return text


@dataclass(frozen=True)
class Clock:
    """Dates a case's limits count from; filled by the case fold."""

    status: str
    registered: date | None = None
    dispatched: date | None = None
    accepted: date | None = None
    review_requested: date | None = None
    extension_days: int = 0
    notified_decision: bool = False  # the petitioner was told whether the matter is accepted (受理/不予受理告知)
    extended_on: date | None = None  # the day of the extension, while its notice (延期告知) is outstanding
    replied: bool = False  # a first written reply was given (ends the local feedback target)
    hearing_days: int = 0  # days of a 复核 hearing (听证), not counted in the 复核 limit
    report_due: date | None = None  # a 交办's completion report (办结报告), while it is outstanding
    supervision: tuple[tuple[date, date], ...] = ()  # (given, deadline) of each supervision order still open
    end_notice: str = ""  # the notice owed after 不予受理/不再受理/导入法定途径 (app.models.vocab.NOTICES), until told
    end_notice_from: date | None = None  # the day its limit counts from
    extra: dict[str, Any] = field(default_factory=dict)


def is_workday(day: date, limits: TimeLimits) -> bool:
    iso = day.isoformat()
    return (day.weekday() < 5 and iso not in limits.holidays) or iso in limits.makeup_workdays


def add_workdays(start: date, days: int, limits: TimeLimits) -> date:
    """``days`` working days after ``start``, skipping weekends and holidays, honouring make-up workdays."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if is_workday(current, limits):
            left -= 1
    return current


def _period(label: str, start: date, days: int, limits: TimeLimits, kind: str = "statute") -> Deadline:
    """A limit of ``days`` calendar days from ``start``. Ending on a public holiday it ends on the next working
    day instead (民法典 第二百零三条), unless the station turned that off."""
    due = start + timedelta(days=days)
    if limits.holiday_shift and due.isoformat() in limits.holidays:
        shifted = due
        while not is_workday(due, limits):
            due += timedelta(days=1)
        return Deadline(label, start, due, kind, shifted_from=shifted)
    return Deadline(label, start, due, kind)


_HANDLING = ("accepted", "contacted", "handling")


def running_limits(clock: Clock, limits: TimeLimits) -> list[Deadline]:
    """Every time limit the case runs against now, nearest first (empty when none runs)."""
    status = clock.status
    found: list[Deadline] = []
    if status == "registered" and clock.registered:
        found.append(_period("转送交办", clock.registered, limits.route_days, limits))
    if status != "registered" and clock.dispatched and not clock.notified_decision:
        found.append(_period("告知受理", clock.dispatched, limits.accept_notice_days, limits))
    if status in _HANDLING and clock.accepted:
        found.append(_period("办理答复", clock.accepted, limits.handle_days + clock.extension_days, limits))
        if clock.extended_on is not None:  # the petitioner is told before the limit first set runs out
            found.append(_period("延期告知", clock.extended_on,
                                 (clock.accepted - clock.extended_on).days + limits.handle_days, limits))
    if limits.local_feedback_days is not None and clock.registered and not clock.replied \
            and status in ("dispatched", "objected", *_HANDLING):
        found.append(_period("反馈", clock.registered, limits.local_feedback_days, limits, "local"))
    if status == "reviewing" and clock.review_requested:
        found.append(_period("复查答复", clock.review_requested, limits.review_answer_days, limits))
    if status == "re_reviewing" and clock.review_requested:
        found.append(_period("复核答复", clock.review_requested,
                             limits.re_review_answer_days + clock.hearing_days, limits))
    if clock.report_due is not None and clock.dispatched:
        found.append(Deadline("办结报告", clock.dispatched, clock.report_due, "report"))
    for given, deadline in clock.supervision:
        found.append(Deadline("督办", given, deadline, "supervision", yellow_start=given))
    return sorted(found, key=lambda d: (d.due, d.label))


def end_notice_limits(clock: Clock, limits: TimeLimits) -> list[Deadline]:
    """The one limit a case ended by 不予受理, 不再受理 or 导入法定途径 still runs against: the written notice
    (告知) of that end, within the notice limit (art. 23; 不予受理 counted, like 告知受理, from receipt)."""
    if not clock.end_notice or clock.end_notice_from is None:
        return []
    return [_period(f"{clock.end_notice}告知", clock.end_notice_from, limits.accept_notice_days, limits, "notice")]


def current_deadline(clock: Clock, limits: TimeLimits) -> Deadline | None:
    """The nearest limit the case runs against, or None when no limit runs."""
    found = running_limits(clock, limits)
    return found[0] if found else None


def light_dates(found: list[Deadline], limits: TimeLimits) -> tuple[Deadline | None, date | None]:
    """The nearest limit and the first day any of the limits turns the light yellow."""
    if not found:
        return None, None
    return found[0], min(d.yellow_from(limits) for d in found)


def objection_due(dispatched: date, limits: TimeLimits) -> date:
    """Last day a unit may object that a dispatched case is not its business (working days)."""
    return add_workdays(dispatched, limits.objection_workdays, limits)


def objection_window(clock: Clock, limits: TimeLimits) -> date | None:
    """While a case waits at the unit it was dispatched to, the last day that unit may object (异议退回)."""
    if clock.status == "dispatched" and clock.dispatched:
        return objection_due(clock.dispatched, limits)
    return None


BACKLOG_COLOURS: dict[str, str] = {"red": "积案一律为红色", "graded": "积案按期限和四定四包进度分三色"}
GRADED_RED_BELOW = 4  # graded backlog: red while fewer than half of the 四定四包 items are done


def colour_pin(*, backlog: bool, dissatisfied: bool, checklist_done: int, checklist_total: int,
               limits: TimeLimits) -> str:
    """The colour a case has whatever its dates: red for a dissatisfied petitioner and, by default, for a
    backlog case; with graded backlog colours a backlog case is red while fewer than half of its 四定四包 items
    are done and at least yellow until all are. '' when the dates decide alone. Projected (``colour_pin``)."""
    if dissatisfied:
        return "red"
    if backlog and limits.backlog_colour == "graded":
        if checklist_done < GRADED_RED_BELOW:
            return "red"
        return "yellow" if checklist_done < checklist_total else ""
    return "red" if backlog else ""


def supervision_colour(*, finished: bool, pin: str, deadline: date | None, yellow_from: date | None,
                       today: date) -> str:
    """三色督办: red overdue or pinned red, yellow near a limit (or pinned yellow), green on track, none when
    finished — unless a finished case still owes its notice (then its dates alone decide, without the pin).

    The store's SQL filter mirrors this rule (``app.store.queries.COLOUR_SQL``); a test keeps them in step.
    """
    if finished:
        if deadline is None:
            return "none"
        pin = ""
    if pin == "red" or (deadline is not None and deadline < today):
        return "red"
    if pin == "yellow" or (yellow_from is not None and yellow_from <= today):
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
