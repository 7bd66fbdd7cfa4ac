"""Read-only queries behind the case list, its filters and search, and the status-bar counts.

Filters are one SQL WHERE clause; the list asks for matching row numbers only and fetches rows a window at a time.
"""

from __future__ import annotations

import re
import sqlite3
from array import array
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from app.store.stations import StationGroup, StationTree

# Mirrors app.models.deadlines.supervision_colour; parameter :today is an ISO date.
# colour_pin is the colour a case has whatever its dates (a backlog case, a dissatisfied petitioner; see
# app.models.deadlines.colour_pin); deadline is the nearest running limit, yellow_from the first yellow day of any.
# A finished case has no deadline unless it still owes the notice of its end (不予受理, 不再受理, 导入法定途径):
# then that limit alone colours it, without the pin.
COLOUR_SQL = (
    "CASE WHEN finished = 1 AND deadline IS NULL THEN 'none' "
    "WHEN deadline < :today OR (finished = 0 AND colour_pin = 'red') THEN 'red' "
    "WHEN yellow_from <= :today OR (finished = 0 AND colour_pin = 'yellow') THEN 'yellow' ELSE 'green' END"
)
# One definition of a case whose time limit is counted: an open case, or a finished one that still owes the notice
# of its end (its deadline is set only while that limit runs). The colour filters and counts, 逾期 and 今日到期
# (list filter, saved views, status bar, dashboard) all count these alike.
# (finished is 0 or 1; each clause names it so that SQLite reads the (finished, deadline) index, not every case.)
_LIT = "(finished = 0 OR finished = 1 AND deadline IS NOT NULL)"
OVERDUE_WHERE = "(finished IN (0, 1) AND deadline < :today)"
DUE_TODAY_WHERE = "(finished IN (0, 1) AND deadline = :today)"
_NOT_RED = "(deadline IS NULL OR deadline >= :today) AND (finished = 1 OR colour_pin != 'red')"
_COLOUR_WHERE = {
    "red": "(deadline < :today OR (finished = 0 AND colour_pin = 'red'))",
    "yellow": f"({_LIT} AND {_NOT_RED} AND (yellow_from <= :today OR (finished = 0 AND colour_pin = 'yellow')))",
    "green": f"({_LIT} AND {_NOT_RED} AND (finished = 1 OR colour_pin = '') "
             "AND (yellow_from IS NULL OR yellow_from > :today))",
    "none": "(finished = 1 AND deadline IS NULL)",
}
COLOUR_RANK_SQL = "CASE " + " ".join(
    f"WHEN {_COLOUR_WHERE[c]} THEN {i}" for i, c in enumerate(("red", "yellow", "green"))) + " ELSE 3 END"

# List column → SQL it sorts by.
SORT_SQL = {
    "colour": COLOUR_RANK_SQL,
    "case_id": "case_id",
    "petitioners": "petitioner_names",
    "channel": "channel",
    "domain": "domain",
    "place": "township, village",
    "status": "status",
    "leader": "leader",
    "days_left": "finished, deadline IS NULL, deadline",
    "registered": "registered_at",
    "origin": "origin",
}


# (sort column, descending) → ORDER BY text; the row number last, so ties keep one order.
_ORDER_BY = {
    (sort, descending): ", ".join(f"{part.strip()} {'DESC' if descending else 'ASC'}"
                                  for part in (*SORT_SQL[sort].split(","), "n"))
    for sort in SORT_SQL for descending in (True, False)
}


@dataclass(frozen=True)
class CaseFilter:
    """What the handler narrowed the list to. Empty fields do not filter."""

    text: str = ""
    status: str = ""
    colour: str = ""
    domain: str = ""
    leader: str = ""
    origins: tuple[str, ...] = ()  # cases registered at any of these stations (a county and its townships)
    township: str = ""
    backlog: bool = False
    overdue: bool = False
    open_only: bool = False
    due_today: bool = False  # cases whose time limit ends today (open, or owing the notice of their end)
    # 我的在办 (with open_only): the cases this account registered or recorded any step of — its login name, so a
    # changed display name still counts (events name an account "显示名（账号）", or "账号" when the two are one).
    account: str = ""

    def where(self, today: date, newest_first: bool = False) -> tuple[str, dict[str, Any]]:
        """The WHERE clause and its parameters. ``newest_first``: for the first rows by registration date, the open
        cases are read down the registration index, not gathered whole through the deadline index and sorted (the
        first screen of 100,000 cases: about 1 ms instead of 25 ms from a cold store)."""
        clauses: list[str] = []
        params: dict[str, Any] = {"today": today.isoformat()}
        for name in ("status", "domain", "leader", "township"):
            value = getattr(self, name)
            if value:
                clauses.append(f"{name} = :{name}")
                params[name] = value
        if self.origins:
            names = [f"o{i}" for i in range(len(self.origins))]
            clauses.append(f"origin IN ({', '.join(':' + n for n in names)})")
            params.update(zip(names, self.origins, strict=True))
        if self.colour:
            clauses.append(_COLOUR_WHERE[self.colour])
        if self.backlog:
            clauses.append("backlog = 1")
        if self.overdue:
            clauses.append(OVERDUE_WHERE)
        if self.open_only:
            clauses.append("+finished = 0" if newest_first else "finished = 0")  # "+": not through an index
        if self.due_today:
            clauses.append(DUE_TODAY_WHERE)
        if self.account:
            clauses.append("case_id IN (SELECT case_id FROM steps WHERE actor = :account "
                           "OR substr(actor, -length(:account_tail)) = :account_tail)")
            params["account"], params["account_tail"] = self.account, f"（{self.account}）"
        for i, term in enumerate(self.text.split()):
            clauses.append(text_clause(term, f"t{i}", params))
        return (" AND ".join(clauses) or "1"), params


_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
_CASE_NUMBER = re.compile(r"^[A-Za-z0-9]{2,20}-\d{4}-\d{5}$")


def text_clause(term: str, name: str, params: dict[str, Any]) -> str:
    """Exact index look-ups for a whole ID number or case number; full-text for other terms of 3+ characters
    (trigram index); a LIKE scan of the narrow text table below that, since trigram matching finds nothing for
    1-2 characters (a surname, a village)."""
    if _ID_NUMBER.match(term):
        params[name] = term.upper()
        return f"case_id IN (SELECT case_id FROM petitioners WHERE id_number = :{name})"
    if _CASE_NUMBER.match(term):
        params[name] = term.upper()
        return f"case_id = :{name}"
    if len(term) >= 3:
        params[name] = '"' + term.replace('"', '""') + '"'
        return f"n IN (SELECT rowid FROM case_fts WHERE case_fts MATCH :{name})"
    params[name] = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return f"n IN (SELECT n FROM case_text WHERE body LIKE :{name} ESCAPE '\\')"


def case_numbers(conn: sqlite3.Connection, flt: CaseFilter, today: date, sort: str = "registered",
                 descending: bool = True, limit: int | None = None) -> list[int]:
    """Row numbers of the matching cases, in display order (the first ``limit`` of them when given)."""
    sql, params = _numbers_query(flt, today, sort, descending, limit)
    cursor = conn.cursor()
    cursor.row_factory = _first_column  # ints straight from SQLite, no tuple per row
    return cursor.execute(sql, params).fetchall()


NUMBERS_CHUNK = 5_000


def case_number_array(conn: sqlite3.Connection, flt: CaseFilter, today: date, sort: str = "registered",
                      descending: bool = True) -> array[int]:
    """``case_numbers`` as an array, for a reader in another thread: SQLite sorts and joins the whole order as one
    text without the interpreter lock, and the text becomes numbers a few thousand at a time, so the reader gives
    the lock back often (a call per row kept the window's thread waiting for it)."""
    sql, params = _numbers_query(flt, today, sort, descending, None)
    text = conn.execute(f"SELECT group_concat(n) FROM ({sql})", params).fetchone()[0]
    numbers: array[int] = array("q")
    parts = text.split(",") if text else []
    for start in range(0, len(parts), NUMBERS_CHUNK):
        numbers.extend(map(int, parts[start:start + NUMBERS_CHUNK]))
    return numbers


@lru_cache(maxsize=64)
def _numbers_query(flt: CaseFilter, today: date, sort: str, descending: bool,
                   limit: int | None) -> tuple[str, dict[str, Any]]:
    """The query for ``case_numbers``, kept for the filters just used: a look-up by ID number takes SQLite about
    10 µs, so building the clause again each time would be a third of the whole."""
    where, params = flt.where(today, newest_first=limit is not None and sort == "registered" and descending)
    sql = f"SELECT n FROM cases WHERE {where} ORDER BY {_ORDER_BY[sort, descending]}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def _first_column(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> Any:
    return row[0]


def count_cases(conn: sqlite3.Connection, flt: CaseFilter, today: date) -> int:
    """How many cases match (no ordering: cheap for the whole list, where it reads the smallest index)."""
    where, params = flt.where(today)
    return int(conn.execute(f"SELECT count(*) FROM cases WHERE {where}", params).fetchone()[0])


LIST_COLUMNS = ("n", "case_id", "petitioner_names", "channel", "domain", "township", "village", "status", "leader",
                "deadline", "registered_at", "origin", "backlog", "repeat_round", "conflicts", "deadline_label")


def list_rows(conn: sqlite3.Connection, numbers: list[int], today: date) -> dict[int, dict[str, Any]]:
    """The list's columns (and the colour) for a window of row numbers."""
    if not numbers:
        return {}
    sql = (f"SELECT {', '.join(LIST_COLUMNS)}, {COLOUR_SQL} AS colour "
           "FROM cases WHERE n IN (SELECT value FROM json_each(:numbers))")
    ids = "[" + ",".join(str(int(x)) for x in numbers) + "]"
    cursor = conn.execute(sql, {"today": today.isoformat(), "numbers": ids})
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor}


def counts(conn: sqlite3.Connection, today: date, by_origin: bool = False) -> dict[str, Any]:
    """Open and backlog counts, and red, yellow, green counts of every case with a running limit (as the colour
    filters find them: a finished case owing its notice too), for the status bar and the dashboard (per station
    when asked)."""
    group = "origin" if by_origin else "''"
    sql = (f"SELECT {group} AS o, {COLOUR_SQL} AS colour, finished, backlog, count(*) "
           f"FROM cases WHERE {_LIT} GROUP BY o, colour, finished, backlog")
    result: dict[str, Any] = {}
    for origin, colour, finished, backlog, number in conn.execute(sql, {"today": today.isoformat()}):
        bucket = result.setdefault(origin, {"open": 0, "red": 0, "yellow": 0, "green": 0, "backlog": 0})
        bucket[colour] += number
        if not finished:
            bucket["open"] += number
            bucket["backlog"] += number if backlog else 0
    return result if by_origin else result.get("", {"open": 0, "red": 0, "yellow": 0, "green": 0, "backlog": 0})


def station_counts(conn: sqlite3.Connection, today: date) -> list[tuple[StationGroup, dict[str, int]]]:
    """The status bar's counts per station directly below this one (its townships' cases in a county's), this
    station's own first; only stations with open cases."""
    per_origin = counts(conn, today, by_origin=True)
    result = []
    for group in StationTree.load(conn).groups(per_origin):
        bucket = dict.fromkeys(("open", "red", "yellow", "green", "backlog"), 0)
        for origin in group.origins:
            for key, number in per_origin[origin].items():
                bucket[key] += number
        result.append((group, bucket))
    return result


def earlier_cases(conn: sqlite3.Connection, id_number: str, name: str, phone: str) -> list[dict[str, Any]]:
    """Cases of the same person: same ID number, or same name and phone."""
    sql = ("SELECT DISTINCT c.case_id, c.registered_at, c.status, c.request_summary, c.repeat_round, c.review_round "
           "FROM petitioners p JOIN cases c ON c.case_id = p.case_id "
           "WHERE (:id != '' AND p.id_number = :id) OR (:name != '' AND :phone != '' AND p.name = :name "
           "AND p.phone = :phone) ORDER BY c.registered_at")
    cursor = conn.execute(sql, {"id": id_number, "name": name, "phone": phone})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor]


def distinct_values(conn: sqlite3.Connection, column: str) -> list[str]:
    """Values present in a column, for filter drop-downs."""
    if column not in ("leader", "domain", "origin", "township", "status"):
        raise ValueError(column)
    return [r[0] for r in conn.execute(f"SELECT DISTINCT {column} FROM cases WHERE {column} != '' ORDER BY 1")]


def number_of_case(conn: sqlite3.Connection, case_id: str) -> int | None:
    """The list row number of a case (to select it in the list), or None when there is no such case."""
    row = conn.execute("SELECT n FROM cases WHERE case_id = ?", (case_id,)).fetchone()
    return int(row[0]) if row else None
