"""The supervision figures (一次性化解率, 满意率, 重复信访率, 平均办理时长, 7日内答复率, 积案清零),
computed in SQL over the ``cases`` projection. No Qt.

Every figure is a numerator over a denominator, both returned, so a reader can check it. Each figure counts
cases by the date of the step it is about (registration, conclusion, first follow-up, first reply,
acceptance), and a period ``date_from``..``date_to`` (both days included) keeps the cases whose date falls in
it. Rates are fractions (0.9712 = 97.12 %), ``None`` when the denominator is 0. ``DEFINITIONS`` says the same
in Chinese for the command line, the dashboard and the README.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from app.store.stations import StationTree

GROUPINGS: dict[str | None, str] = {None: "合计", "station": "站点", "domain": "领域", "leader": "包案领导",
                                    "township": "乡镇（街道）"}
_GROUP_SQL = {None: "'合计'", "station": "origin", "domain": "domain", "leader": "leader",
              "township": "township"}
# Cases without a leader are not a leader's: the leader ranking leaves them out.
_GROUP_WHERE = {"leader": "leader != ''"}
TOTAL_GROUP = "合计"

_GOOD = "('satisfied', 'basically_satisfied')"
# The earliest and latest ISO dates: a missing bound keeps everything, and '' (no such step) is below both.
_MIN_DAY, _MAX_DAY = "0001-01-01", "9999-12-31"


@dataclass(frozen=True)
class Basis:
    """A group of counts that share the date a case is counted by."""

    column: str
    counts: dict[str, str]  # output key -> condition: cases whose ``column`` falls in the period and that meet it
    totals: dict[str, str] = field(default_factory=dict)  # output key -> aggregate over those cases


# The counts behind the figures. Kept as data so the period totals and the monthly series use one definition.
# Conditions go in FILTER clauses, which SQLite evaluates lazily (AND in a value is evaluated in full), and use
# no date function per row: dates compare as ISO text, and the days to the first reply are projected numbers.
# Cases a later case was linked to as the same matter (a repeat): their first round did not settle it. By row
# number, which every covering index carries; only repeat cases are read to build it.
_REPEATED = ("n NOT IN (SELECT c.n FROM cases r, json_each(r.repeat_of) j JOIN cases c ON c.case_id = j.value "
             "WHERE r.repeat_round >= 2)")
BASES: tuple[Basis, ...] = (
    # Received (接件) on day D: the 7 days are over once D < today - 7; a first reply on day D + 7 is in time.
    # Routed: the first decision on where the matter goes, due within the routing limit of receipt.
    Basis("registered_at", {"cases": "1", "repeat_cases": "repeat_round >= 2",
                            "due_7_days": "reply_days IS NOT NULL OR registered_at < :seven_days_ago",
                            "answered_within_7_days": "reply_days <= 7",
                            "due_routing": "routed_days IS NOT NULL OR registered_at < :route_days_ago",
                            "routed_in_time": "routed_days <= :route_days"}),
    Basis("closed_at", {
        "concluded": "1",
        "finished_in_time": "in_time = 1",
        "rated_concluded": "first_rated_at != ''",
        "first_concluded": "first_time = 1",
        "one_time_resolved": f"first_time = 1 AND status = 'closed' AND review_round = 0 AND rating IN {_GOOD} "
                             f"AND {_REPEATED}"}),
    Basis("first_rated_at", {"rated": "1", "satisfied": f"first_rating IN {_GOOD}",
                             "dissatisfied": "first_rating = 'dissatisfied'"}),
    Basis("first_replied_at", {"replied": "1"}, {"handling_days_total": "total(handling_seconds) / 86400.0"}),
)
_BACKLOG_SUMS = {
    "backlog_total": "backlog = 1 AND registered_at < :to",
    # Struck off (销号) means resolved and closed (办结): 依法终结 or 不予受理 end a backlog case without clearing it.
    "backlog_cleared": "backlog = 1 AND registered_at < :to AND status = 'closed' "
                       "AND closed_at >= :from AND closed_at < :to",
    "backlog_resolved": "backlog = 1 AND registered_at < :to AND status = 'closed' AND closed_at < :to",
    "backlog_open": "backlog = 1 AND registered_at < :to AND NOT (finished = 1 AND closed_at < :to)",
}

# key -> (Chinese name, numerator, denominator, definition). The README and the dashboard's tooltips
# read this.
DEFINITIONS: dict[str, tuple[str, str, str, str]] = {
    "one_time_resolution_rate": (
        "一次性化解率", "one_time_resolved", "first_concluded",
        "期内结案（办结、依法终结、不再受理、导入法定途径，按最近一次结案日期）的初信初访案件中，以“办结”结案、"
        "未经复查/复核、回访评价为满意或基本满意、且此后没有同一事项的重复信访的件数 ÷ 期内结案的初信初访件数"),
    "satisfaction_rate": (
        "满意率", "satisfied", "rated",
        "首次回访在期内的案件中，首次回访评价为满意或基本满意的件数 ÷ 期内有首次回访评价的件数"
        "（每件只按首次回访计一次）"),
    "dissatisfaction_rate": (
        "不满意率", "dissatisfied", "rated",
        "首次回访在期内的案件中，首次回访评价为不满意的件数 ÷ 期内有首次回访评价的件数"),
    "repeat_rate": (
        "重复信访率", "repeat_cases", "cases",
        "期内登记的案件中，关联了此前同一信访人同一事项（第2次及以上）的件数 ÷ 期内登记的件数"),
    "avg_handling_days": (
        "平均办理时长（天）", "handling_days_total", "replied",
        "期内首次书面答复的案件，从登记到首次答复的时长（以天计，不足一天按实际时长折算）之和 ÷ 这些案件的件数"),
    "answered_within_7_days_rate": (
        "7日内答复率", "answered_within_7_days", "due_7_days",
        "期内接件（登记的收到日期）、且已答复或接件已满7日的案件中，接件后7日内（按日历日，含第7日）首次书面答复"
        "的件数 ÷ 这些案件的件数"),
    "backlog_clearance_rate": (
        "积案化解率", "backlog_resolved", "backlog_total",
        "期末前登记的积案中，期末时已“办结”销号的件数 ÷ 期末前登记的积案件数（依法终结、不予受理不算化解）"),
    "timely_acceptance_rate": (
        "及时受理率", "routed_in_time", "due_routing",
        "期内接件、且已作出受理（转送交办、受理、不予受理、不再受理、导入法定途径）决定或接件已满转送交办时限"
        "（默认15日）的案件中，在时限内作出决定的件数 ÷ 这些案件的件数"),
    "on_time_completion_rate": (
        "按期办结率", "finished_in_time", "concluded",
        "期内结案的案件中，在期限内办结的件数 ÷ 期内结案件数；受理了的按首次书面答复是否在办理答复期限（60日，"
        "含延期，末日遇法定节假日顺延）内计，未受理而结案的按是否在转送交办期限内计"),
    "participation_rate": (
        "参评率", "rated_concluded", "concluded",
        "期内结案的案件中，信访人作出回访评价的件数 ÷ 期内结案件数"),
}
COUNT_LABELS: dict[str, str] = {
    "cases": "登记件数", "concluded": "办结件数", "one_time_resolved": "一次性化解件数",
    "rated": "回访评价件数", "satisfied": "满意件数", "dissatisfied": "不满意件数",
    "repeat_cases": "重复信访件数", "replied": "答复件数", "handling_days_total": "办理天数合计",
    "due_7_days": "应在7日内答复件数", "answered_within_7_days": "7日内答复件数",
    "backlog_total": "积案总数", "backlog_cleared": "期内积案销号数", "backlog_open": "期末积案剩余数",
    "backlog_resolved": "期末已办结销号积案数", "first_concluded": "初信初访结案件数",
    "due_routing": "应作出受理决定件数", "routed_in_time": "按时作出受理决定件数",
    "finished_in_time": "按期办结件数", "rated_concluded": "结案且参评件数",
}


ROUTE_DAYS = 15  # the routing limit 及时受理率 counts against (信访工作条例 art. 22)


def period_params(date_from: date | None, date_to: date | None, today: date,
                  route_days: int = ROUTE_DAYS) -> dict[str, Any]:
    """SQL parameters: ``:from`` inclusive, ``:to`` the day after the period (exclusive), ``:seven_days_ago``,
    and the routing limit with the day before which it is over."""
    end = (date_to + timedelta(days=1)).isoformat() if date_to else _MAX_DAY
    return {"from": date_from.isoformat() if date_from else _MIN_DAY, "to": end,
            "seven_days_ago": (today - timedelta(days=7)).isoformat(), "route_days": route_days,
            "route_days_ago": (today - timedelta(days=route_days)).isoformat()}


def _in_period(column: str) -> str:
    return f"{column} >= :from AND {column} < :to"


def compute_figures(conn: sqlite3.Connection, *, date_from: date | None, date_to: date | None, by: str | None,
                    today: date, route_days: int = ROUTE_DAYS) -> list[dict[str, Any]]:
    """One dict per group (the whole station when ``by`` is None), sorted by group. One scan of ``cases``
    (with no grouping, no GROUP BY either: its sorter would cost more than the scan).

    By station, the cases are grouped by the station directly below this one on the way to the station that
    registered them (``app.store.stations``): at the city a county's row holds its own cases and its
    townships'; this station's own cases come first, as a row of their own. Each such row lists the
    registering stations it covers under ``"origins"``."""
    if by not in _GROUP_SQL:
        raise ValueError(f"unknown grouping: {by}")
    sums = [f"count(*) FILTER (WHERE {_in_period(b.column)} AND ({sql})) AS {key}"
            for b in BASES for key, sql in b.counts.items()]
    sums += [f"{sql.replace(')', f') FILTER (WHERE {_in_period(b.column)})', 1)} AS {key}"
             for b in BASES for key, sql in b.totals.items()]
    sums += [f"count(*) FILTER (WHERE {sql}) AS {key}" for key, sql in _BACKLOG_SUMS.items()]
    where = _GROUP_WHERE.get(by or "", "1")
    group = "" if by is None else " GROUP BY grp ORDER BY grp"
    sql = f"SELECT {_GROUP_SQL[by]} AS grp, {', '.join(sums)} FROM cases WHERE {where}{group}"
    cursor = conn.execute(sql, period_params(date_from, date_to, today, route_days))
    names = [d[0] for d in cursor.description]
    if by == "station":
        return _by_station(conn, [dict(zip(names, row, strict=True)) for row in cursor])
    rows = [derive(dict(zip(names, row, strict=True))) for row in cursor]
    if by is None and not rows:
        rows = [derive({"grp": TOTAL_GROUP, **dict.fromkeys(names[1:], 0)})]
    return rows


def _by_station(conn: sqlite3.Connection, per_origin: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows counted per registering station, added up per station directly below (every count is a sum)."""
    tree = StationTree.load(conn)
    by_origin = {str(r["grp"]): r for r in per_origin}
    rows = []
    for group in tree.groups(by_origin):
        summed: dict[str, Any] = {"grp": group.code}
        for origin in group.origins:
            for key, value in by_origin[origin].items():
                if key != "grp":
                    summed[key] = summed.get(key, 0) + (value or 0)
        rows.append({**derive(summed), "origins": list(group.origins)})
    return rows


def derive(counts: dict[str, Any]) -> dict[str, Any]:
    """Add the rates to a row of counts (keys as in ``COUNT_LABELS``; missing counts are 0)."""
    row: dict[str, Any] = {"group": counts.get("grp", counts.get("group", TOTAL_GROUP))}
    for key in COUNT_LABELS:
        value = counts.get(key, 0) or 0
        row[key] = round(float(value), 4) if key == "handling_days_total" else int(value)
    for key, (_label, numerator, denominator, _text) in DEFINITIONS.items():
        row[key] = row[numerator] / row[denominator] if row[denominator] else None
    return row


def monthly_figures(conn: sqlite3.Connection, *, months: list[str], today: date) -> list[dict[str, Any]]:
    """The figures month by month (``months`` as "YYYY-MM", ascending): each count is taken in the month of
    its own date, exactly as ``compute_figures`` would count it for that month. Backlog counts are as at each
    month's end."""
    if not months:
        return []
    first = date.fromisoformat(months[0] + "-01")
    last_start = date.fromisoformat(months[-1] + "-01")
    end = (last_start.replace(day=28) + timedelta(days=4)).replace(day=1)
    params = period_params(first, end - timedelta(days=1), today)
    counts: dict[str, dict[str, Any]] = {m: {"grp": m} for m in months}
    for basis in BASES:
        month = f"substr({basis.column}, 1, 7)"
        sums = ", ".join([f"count(*) FILTER (WHERE {sql}) AS {key}" for key, sql in basis.counts.items()]
                         + [f"{sql} AS {key}" for key, sql in basis.totals.items()])
        cursor = conn.execute(f"SELECT {month} AS m, {sums} FROM cases WHERE {_in_period(basis.column)} "
                              "GROUP BY m", params)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            if row[0] in counts:
                counts[row[0]].update(zip(names[1:], row[1:], strict=True))
    for m, open_count, total in backlog_by_month(conn, months):
        counts[m].update(backlog_open=open_count, backlog_total=total)
    closed_rows = conn.execute("SELECT substr(registered_at, 1, 7), substr(closed_at, 1, 7) FROM cases "
                               "WHERE backlog = 1 AND status = 'closed'").fetchall()
    for m in months:
        counts[m]["backlog_resolved"] = sum(1 for reg, closed in closed_rows if reg <= m and closed <= m)
    cleared = conn.execute(
        "SELECT substr(closed_at, 1, 7), count(*) FROM cases WHERE backlog = 1 AND status = 'closed' "
        f"AND {_in_period('closed_at')} GROUP BY 1", params).fetchall()
    for m, number in cleared:
        if m in counts:
            counts[m]["backlog_cleared"] = number
    return [derive(counts[m]) for m in months]


def backlog_by_month(conn: sqlite3.Connection, months: list[str]) -> list[tuple[str, int, int]]:
    """(month, backlog cases still open at the month's end, backlog cases registered by then) for each month.

    A case counts as cleared from the day it was last closed or terminated, if it is concluded now; a case
    reopened by a review counts as open throughout (the projection keeps only its latest state)."""
    rows = conn.execute("SELECT substr(registered_at, 1, 7), CASE WHEN finished = 1 "
                        "THEN substr(closed_at, 1, 7) END FROM cases WHERE backlog = 1").fetchall()
    result = []
    for m in months:
        total = sum(1 for reg, _ in rows if reg <= m)
        cleared = sum(1 for reg, closed in rows if reg <= m and closed is not None and closed <= m)
        result.append((m, total - cleared, total))
    return result


def month_range(end: date, count: int) -> list[str]:
    """The ``count`` months up to and including the month of ``end``, oldest first, as "YYYY-MM"."""
    year, month = end.year, end.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def station_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Station code → name: this station's own, and those of the stations whose certificates sync brought in."""
    return dict(StationTree.load(conn).names)


def group_label(by: str | None, group: str, names: dict[str, str]) -> str:
    """How a group is named to a person: a station by its name and code, an empty value as （未填）."""
    if not group:
        return "（未填）"
    if by == "station" and names.get(group):
        return f"{names[group]}（{group}）"
    return group


def format_rate(value: float | None) -> str:
    """A rate as the reports print it: "97.12%", or "—" when there is nothing to divide."""
    return "—" if value is None else f"{100 * value:.2f}%"


def format_days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
