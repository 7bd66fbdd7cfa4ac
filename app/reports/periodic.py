"""每日一报 and 周报: what happened in a period and how things stood at its end, as an Excel workbook.

The daily report covers one day; the weekly report covers Monday of that week up to the given day. Flows
(new, accepted, closed, terminated, declined) count the cases with such a step in the period — annulled steps
do not count, because the ``steps`` projection leaves them out. Stocks (open, colours, backlog) are as at the
end of the report day: each case that may have been open then is folded from its events up to that moment,
so a report for a past day shows that day, not today. 超期 counts the period's cases that went past their limit:
those concluded in the period that were not finished within it (按期办结率's rule, so the two agree: concluded
minus finished in time), and those still open at the period's end past their nearest limit. The figures come
from app.reports.figures.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from app.models.case import CaseState, fold
from app.models.deadlines import TimeLimits
from app.models.errors import DomainError
from app.models.events import Event
from app.models.light import case_light
from app.reports.figures import compute_figures
from app.store import eventlog
from app.store.projection import completion_limit

KINDS = {"daily": "每日一报", "weekly": "周报"}
FLOWS = {"new": "新登记", "accepted": "受理", "closed": "办结", "terminated": "依法终结", "declined": "不予受理"}
STOCKS = {"open": "期末在办", "red": "红色督办", "yellow": "黄色督办", "green": "绿色", "backlog": "在办积案"}
OVERDUE = {"overdue": "超期", "overdue_finished": "其中期内超期办结", "overdue_open": "其中期末在办超期"}
OVERDUE_NOTES = {"overdue": "下两项之和",
                 "overdue_finished": "期内结案、未在期限内办结的（与按期办结率同一口径）",
                 "overdue_open": "期末仍在办、已过最近期限的"}
_STEP_FLOWS = {"accept": "accepted", "close": "closed", "terminate": "terminated", "decline": "declined"}


def period_of(kind: str, day: date) -> tuple[date, date]:
    """First and last day a report covers."""
    if kind == "daily":
        return day, day
    if kind == "weekly":
        return day - timedelta(days=day.weekday()), day
    raise DomainError(f"报表种类须为：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}")


@dataclass
class ReportCase:
    """A case as it stood at the end of the report day (open), or a case concluded in the period after its limit
    (``finished_on``: the day it met the limit late)."""

    state: CaseState
    colour: str
    due: date | None
    limit: str = ""  # which time limit was running
    finished_on: date | None = None

    def overdue_days(self, day: date) -> int:
        """Days past the limit at the end of ``day``, or when a late-finished case finished."""
        end = self.finished_on or day
        return (end - self.due).days if self.due and self.due < end else 0

    def situation(self) -> str:
        """How it went past its limit, in the words of the 超期案件 sheet."""
        if self.finished_on is None:
            return "期末仍在办"
        return f"超期办结（{self.finished_on} {'答复' if self.limit == '办理答复' else '结案'}）"


@dataclass
class PeriodReport:
    """Everything the workbook shows; ``total`` and the per-domain / per-township rows hold the same keys."""

    kind: str
    date_from: date
    date_to: date
    total: Counter[str] = field(default_factory=Counter)
    by_domain: dict[str, Counter[str]] = field(default_factory=dict)
    by_township: dict[str, Counter[str]] = field(default_factory=dict)
    overdue: list[ReportCase] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)

    def add(self, key: str, domain: str, township: str) -> None:
        self.total[key] += 1
        self.by_domain.setdefault(domain or "（未填）", Counter())[key] += 1
        self.by_township.setdefault(township or "（未填）", Counter())[key] += 1


def _events_as_at(conn: sqlite3.Connection, end: str) -> dict[str, list[Event]]:
    """The events, up to ``end``, of every case that may have been open then: registered before it and not
    concluded before it for good (declined cases have no conclusion date in the projection: all are read)."""
    sql = ("SELECT id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash FROM events "
           "WHERE at < :end AND case_id IN (SELECT case_id FROM cases WHERE registered_at < :end AND "
           "(finished = 0 OR closed_at >= :end OR status = 'declined')) ORDER BY case_id")
    result = {}
    rows = conn.execute(sql, {"end": end})
    for case_id, group in groupby(rows, key=lambda r: r[1]):
        result[case_id] = [Event(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]), r[9], r[10])
                           for r in group]
    return result


def open_cases_as_at(conn: sqlite3.Connection, day: date, limits: TimeLimits) -> list[ReportCase]:
    """The cases open at the end of ``day``, with their colour and limit as they were that day."""
    result = []
    for case_id, events in _events_as_at(conn, (day + timedelta(days=1)).isoformat()).items():
        state = fold(case_id, events)
        if state.finished or not state.registered_at:
            continue
        light = case_light(state, limits)
        deadline, colour = light.nearest, light.colour(False, day)
        result.append(ReportCase(state, colour, deadline.due if deadline else None,
                                 deadline.label if deadline else ""))
    return result


def finished_late(conn: sqlite3.Connection, first: date, last: date, limits: TimeLimits,
                  leave_out: set[str]) -> list[ReportCase]:
    """The cases concluded in the period (by their latest conclusion, as 按期办结率 counts them) that were not
    finished within their limit, but for ``leave_out`` (open again at the period's end: counted there)."""
    result = []
    for (case_id,) in conn.execute("SELECT case_id FROM cases WHERE closed_at >= :from AND closed_at < :to "
                                   "AND in_time = 0 ORDER BY case_id",
                                   {"from": first.isoformat(), "to": (last + timedelta(days=1)).isoformat()}):
        if case_id in leave_out:
            continue
        state = fold(case_id, eventlog.for_case(conn, case_id))
        limit = completion_limit(state, limits)
        if limit is not None:
            label, due, met = limit
            result.append(ReportCase(state, "", due, label, finished_on=met))
    return result


def build_report(conn: sqlite3.Connection, kind: str, day: date, limits: TimeLimits) -> PeriodReport:
    """Count the period's flows and the stocks at its end."""
    first, last = period_of(kind, day)
    report = PeriodReport(kind, first, last)
    params = {"from": first.isoformat(), "to": (last + timedelta(days=1)).isoformat()}
    for domain, township in conn.execute("SELECT domain, township FROM cases WHERE registered_at >= :from "
                                         "AND registered_at < :to", params):
        report.add("new", domain, township)
    kinds = ", ".join(f"'{k}'" for k in _STEP_FLOWS)
    for kind_, domain, township, _case in conn.execute(
            f"SELECT DISTINCT s.kind, c.domain, c.township, s.case_id FROM steps s JOIN cases c "
            f"ON c.case_id = s.case_id WHERE s.kind IN ({kinds}) AND s.at >= :from AND s.at < :to", params):
        report.add(_STEP_FLOWS[kind_], domain, township)
    open_cases = open_cases_as_at(conn, last, limits)
    for case in open_cases:
        state = case.state
        for key in ("open", case.colour, *(["overdue", "overdue_open"] if case.overdue_days(last) else []),
                    *(["backlog"] if state.backlog else [])):
            report.add(key, state.domain, state.township)
        if case.overdue_days(last):
            report.overdue.append(case)
    for case in finished_late(conn, first, last, limits, {c.state.case_id for c in open_cases}):
        for key in ("overdue", "overdue_finished"):
            report.add(key, case.state.domain, case.state.township)
        report.overdue.append(case)
    report.overdue.sort(key=lambda c: (-c.overdue_days(last), c.state.case_id))
    report.figures = (compute_figures(conn, date_from=first, date_to=last, by=None, today=last)
                      + compute_figures(conn, date_from=first, date_to=last, by="township", today=last))
    return report


def write_report(report: PeriodReport, out: Path, station: str) -> None:
    """The workbook: 概况, 按领域, 按乡镇, 各项指标, 超期案件."""
    from app.reports.periodic_xlsx import write_workbook

    write_workbook(report, out, station)
