"""Projecting folded cases into tables, one case at a time or all at once from the whole log.

Both paths build their rows with ``case_rows``, so a rebuild writes exactly what live updates wrote.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from app.models.case import CaseState, fold
from app.models.deadlines import TimeLimits, running_limits
from app.models.events import Event, canonical_json
from app.models.light import case_light
from app.store import eventlog
from app.store.db import is_database_error
from app.store.schema import CASE_COLUMNS, PROJECTION_TABLES


@dataclass
class CaseRows:
    """The rows one case contributes to each projection table."""

    case: tuple[object, ...]
    text: str
    petitioners: list[tuple[object, ...]] = field(default_factory=list)
    steps: list[tuple[object, ...]] = field(default_factory=list)
    evidence: list[tuple[object, ...]] = field(default_factory=list)
    checklist: list[tuple[object, ...]] = field(default_factory=list)
    conflicts: list[tuple[object, ...]] = field(default_factory=list)


def _json_list(values: list[Any]) -> str:
    return canonical_json(values) if values else "[]"  # most lists are empty: skip the encoder


def _reply_numbers(state: CaseState) -> tuple[int | None, int | None]:
    """Calendar days from receipt (接件, the registered date) to the first reply, and seconds from registration to
    it (None when there is no such reply). The figures sum these."""
    if not state.first_replied_at:
        return None, None
    try:
        replied = datetime.fromisoformat(state.first_replied_at)
        days = (replied.date() - date.fromisoformat(state.registered_at[:10])).days if state.registered_at else None
        seconds = (int((replied - datetime.fromisoformat(state.registered_at)).total_seconds())
                   if state.registered_at else None)
    except (ValueError, TypeError):  # a time written by a newer program in another form: no figure from it
        return None, None
    return days, seconds


ROUTING_KINDS = frozenset({"dispatch", "accept", "decline", "no_longer_accept", "route_legal"})


def _routed_days(state: CaseState) -> int | None:
    """Calendar days from receipt to the first decision on where the matter goes (转送/交办, 受理, 不予受理,
    不再受理, 导入法定途径), for 及时受理率; None while none was taken."""
    first = next((s.at for s in state.steps if s.kind in ROUTING_KINDS), "")
    if not first or not state.registered_at:
        return None
    return (date.fromisoformat(first[:10]) - date.fromisoformat(state.registered_at[:10])).days


def completion_limit(state: CaseState, limits: TimeLimits) -> tuple[str, date, date] | None:
    """The limit a finished case is judged by, as 按期办结率 and the periodic report's 超期 read it: its label, its
    last day, and the day the case met or missed it; None while open. A case that was accepted counts by its first
    written reply against the handling limit (with its extension and holiday shift); one that ended without
    acceptance by its end against the routing limit."""
    if not state.finished or not state.closed_at and not state.first_replied_at:
        return None
    if state.accepted_at:
        label, stage = "办理答复", replace(state.clock(), status="accepted")
        ended = state.first_replied_at or state.closed_at
    else:
        label, stage = "转送交办", replace(state.clock(), status="registered")
        ended = state.closed_at
    due = next(d.due for d in running_limits(stage, limits) if d.label == label)
    return label, due, date.fromisoformat(ended[:10])


def _in_time(state: CaseState, limits: TimeLimits) -> int | None:
    """For a finished case, 1 when it was handled within its limit (``completion_limit``), else 0; None while
    open."""
    limit = completion_limit(state, limits)
    return None if limit is None else int(limit[2] <= limit[1])


def case_rows(state: CaseState, limits: TimeLimits) -> CaseRows:
    """All rows for one case. Deterministic: the same state and limits give the same rows."""
    light = case_light(state, limits)
    deadline = light.nearest
    cid = state.case_id
    case = (
        cid, state.origin, state.channel, int(state.collective), state.head_count, state.domain, state.township,
        state.village, state.request_summary, state.authority_unit, state.jurisdiction, int(state.backlog),
        state.leader, state.status, state.petitioner_names(), state.registered_at, state.dispatched_at,
        _json_list(state.dispatch_units), state.accepted_at, state.replied_at, state.closed_at,
        state.extension_days, state.review_round, state.rating, int(state.dissatisfied), state.measures,
        _json_list(state.repeat_of), state.repeat_round, state.checklist_done, len(state.conflicts),
        _json_list(state.supervision), int(state.finished), deadline.label if deadline else "",
        deadline.due.isoformat() if deadline else None,
        light.yellow_from.isoformat() if light.yellow_from else None,
        state.last_event_id, state.last_hash, state.last_hlc,
        state.first_replied_at, state.first_rated_at, state.first_rating, *_reply_numbers(state),
        light.pin, state.category, state.problem_type, state.purpose, int(state.first_petition), state.legal_route,
        state.work_order, _routed_days(state), _in_time(state, limits),
    )
    rows = CaseRows(case, _search_text(state))
    rows.petitioners = [(cid, i, p.name, p.id_number, p.phone, p.address) for i, p in enumerate(state.petitioners)]
    for i, step in enumerate(state.steps):
        rows.steps.append((cid, i, step.event_id, step.kind, step.at, step.actor, step.origin, step.unit, step.note))
        for item in step.evidence:
            rows.evidence.append((cid, step.event_id, item["sha256"], item.get("name", ""), item.get("kind", "other"),
                                  int(item.get("size", 0))))
    rows.checklist = [(cid, key, int(e.done), e.by, e.at, e.note) for key, e in state.checklist.items()]
    rows.conflicts = [(cid, c.field, canonical_json(c.event_ids), canonical_json(c.values)) for c in state.conflicts]
    return rows


def _search_text(state: CaseState) -> str:
    parts = [state.case_id, state.township, state.village, state.request_summary, state.authority_unit,
             state.jurisdiction, state.leader, state.domain]
    for p in state.petitioners:
        parts += [p.name, p.id_number, p.phone, p.address]
    parts += [s.note for s in state.steps if s.note and s.kind != "register"]
    parts += [s.unit for s in state.steps if s.unit]
    return " ".join(x for x in parts if x)


_CASE_INSERT = f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})"
_CASE_UPSERT = _CASE_INSERT + " ON CONFLICT (case_id) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in CASE_COLUMNS[1:])
_CASE_SELECT = f"SELECT n, {', '.join(CASE_COLUMNS)} FROM cases WHERE case_id = ?"
_CHILD_SELECTS = {  # the rows held, in the order case_rows makes them where that order is known (steps by idx)
    "petitioners": "SELECT * FROM petitioners WHERE case_id = ?",
    "steps": "SELECT * FROM steps WHERE case_id = ? ORDER BY idx",
    "evidence": "SELECT * FROM evidence WHERE case_id = ?",
    "checklist": "SELECT * FROM checklist WHERE case_id = ?",
    "conflicts": "SELECT * FROM conflicts WHERE case_id = ?",
}
_CHILD_INSERTS = {
    "petitioners": "INSERT INTO petitioners VALUES (?,?,?,?,?,?)",
    "steps": "INSERT INTO steps VALUES (?,?,?,?,?,?,?,?,?)",
    "evidence": "INSERT OR IGNORE INTO evidence VALUES (?,?,?,?,?,?)",
    "checklist": "INSERT INTO checklist VALUES (?,?,?,?,?,?)",
    "conflicts": "INSERT OR IGNORE INTO conflicts VALUES (?,?,?,?)",
}


def write_case(conn: sqlite3.Connection, state: CaseState, limits: TimeLimits) -> int:
    """Replace one case's projected rows (inside the caller's transaction). Returns the case's row number.

    Only what changed is written: the columns of the case's row that differ (an UPDATE naming every column would
    rewrite the entry of every index on the table, and in a sealed store every page written is encrypted at the
    commit), the steps added after those held, a child table only when its rows differ."""
    rows = case_rows(state, limits)
    held = conn.execute(_CASE_SELECT, (state.case_id,)).fetchone()
    if held is None:
        n = int(conn.execute(_CASE_INSERT, rows.case).lastrowid or 0)
    else:
        n = int(held[0])
        changed = [i for i, (old, new) in enumerate(zip(held[1:], rows.case, strict=True)) if old != new]
        if changed:
            conn.execute(f"UPDATE cases SET {', '.join(f'{CASE_COLUMNS[i]} = ?' for i in changed)} WHERE n = ?",
                         [*(rows.case[i] for i in changed), n])
    old = conn.execute("SELECT body FROM case_text WHERE n = ?", (n,)).fetchone()
    if old is None or old[0] != rows.text:
        if old is not None:
            conn.execute("INSERT INTO case_fts (case_fts, rowid, body) VALUES ('delete', ?, ?)", (n, old[0]))
        conn.execute("INSERT OR REPLACE INTO case_text (n, body) VALUES (?, ?)", (n, rows.text))
        conn.execute("INSERT INTO case_fts (rowid, body) VALUES (?, ?)", (n, rows.text))
    for table, sql in _CHILD_INSERTS.items():
        new_rows = getattr(rows, table)
        old_rows = conn.execute(_CHILD_SELECTS[table], (state.case_id,)).fetchall() if held is not None else []
        if table == "steps" and old_rows == new_rows[:len(old_rows)]:
            conn.executemany(sql, new_rows[len(old_rows):])  # steps are appended: the ones held stay
        elif Counter(old_rows) != Counter(new_rows):
            conn.execute(f"DELETE FROM {table} WHERE case_id = ?", (state.case_id,))
            conn.executemany(sql, new_rows)
    return n


def registered(events: Iterable[Event]) -> bool:
    """Whether a case's registration is among its events. Events about a case whose registration has not arrived
    (a station set up again receives its county's orders before its own history) are held in the log and make no
    case until it comes: a case without its registration has no petitioner, no date and no number to show."""
    return any(e.kind == "register" for e in events)


def refresh_case(conn: sqlite3.Connection, case_id: str, limits: TimeLimits) -> CaseState | None:
    """Fold a case's events afresh and project it (None, and nothing projected, while its registration is held
    back)."""
    events = eventlog.for_case(conn, case_id)
    if not registered(events):
        return None
    state = fold(case_id, events)
    write_case(conn, state, limits)
    return state


def rebuild(conn: sqlite3.Connection, limits: TimeLimits, batch: int = 5000,
            progress: Callable[[int], None] | None = None) -> int:
    """Empty the projection tables and write them again from the event log. Returns the number of cases.
    ``progress(cases done)`` is called after each batch.

    Cases get their row numbers in case-number order, so two rebuilds give identical tables.
    """
    for table in (*PROJECTION_TABLES, "case_text"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("INSERT INTO case_fts (case_fts) VALUES ('delete-all')")
    count = 0
    pending: list[CaseRows] = []
    for case_id, events in eventlog.by_case(conn):
        if not registered(events):
            continue
        pending.append(case_rows(fold(case_id, events), limits))
        count += 1
        if len(pending) >= batch:
            _bulk_write(conn, pending, count - len(pending))
            pending = []
            if progress:
                progress(count)
    _bulk_write(conn, pending, count - len(pending))
    conn.execute("INSERT INTO case_fts (case_fts) VALUES ('rebuild')")
    return count


def _bulk_write(conn: sqlite3.Connection, pending: list[CaseRows], first: int) -> None:
    numbers = range(first + 1, first + 1 + len(pending))
    conn.executemany(_CASE_INSERT.replace("(case_id", "(n, case_id").replace("VALUES (", "VALUES (?, "),
                     [(n, *r.case) for n, r in zip(numbers, pending, strict=True)])
    conn.executemany("INSERT INTO case_text (n, body) VALUES (?, ?)",
                     [(n, r.text) for n, r in zip(numbers, pending, strict=True)])
    for table, sql in _CHILD_INSERTS.items():
        conn.executemany(sql, [row for r in pending for row in getattr(r, table)])


def _fingerprint_queries(conn: sqlite3.Connection) -> dict[str, str]:
    """Per projection table, a query of its rows in case order (row numbers left out: they are local), the case
    number first. The search text is included, joined to its case, so a tampered search index shows too."""
    import sqlite_utils  # introspection only; kept off the start-up path

    db = sqlite_utils.Database(conn)
    queries = {}
    for name in PROJECTION_TABLES:
        table = db.table(name)
        columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name not in ("n", "case_id"))
        keys = ", ".join(f'"{k}"' for k in table.pks if k != "case_id")
        order = "case_id" + (f", {keys}" if name != "cases" and keys else "")
        queries[name] = f"SELECT case_id, {columns} FROM {name} ORDER BY {order}"
    queries["case_text"] = "SELECT c.case_id, t.body FROM cases c JOIN case_text t ON t.n = c.n ORDER BY c.case_id"
    return queries


def _row_bytes(row: tuple[Any, ...]) -> bytes:
    """One row as bytes for a digest: orjson (five times the standard encoder: verify digests every projected row
    of a million-event store twice), the canonical encoder for what orjson cannot write (a lone surrogate)."""
    import orjson

    try:
        return orjson.dumps(row)
    except orjson.JSONEncodeError:
        return canonical_json(list(row)).encode()


def _rows_bytes(rows: list[Any]) -> bytes:
    """Rows as the bytes of their digest, ``_row_bytes`` of each one after the other, in one call where orjson can
    write them all (a million events make about five million projected rows: one Python call per row was a fifth
    of ``verify``)."""
    import orjson

    dumps = orjson.dumps
    try:
        return b"".join(map(dumps, rows))
    except orjson.JSONEncodeError:
        return b"".join(map(_row_bytes, rows))


def fingerprint(conn: sqlite3.Connection) -> dict[str, str]:
    """A digest of each projection table's content in case order."""
    result = {}
    for name, query in _fingerprint_queries(conn).items():
        digest = hashlib.sha256()
        cursor = conn.execute(query)
        while rows := cursor.fetchmany(10_000):
            digest.update(_rows_bytes(rows))
        result[name] = digest.hexdigest()
    return result


def case_digests(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    """A digest per case of one table's rows: where two fingerprints differ, which case it is."""
    digests: dict[str, Any] = {}
    for row in conn.execute(_fingerprint_queries(conn)[table]):
        digests.setdefault(row[0], hashlib.sha256()).update(_row_bytes(row))
    return {case_id: d.hexdigest() for case_id, d in digests.items()}


def rebuilt_fingerprint(conn: sqlite3.Connection, limits: TimeLimits,
                        cases: Iterable[tuple[str, list[Event]]] | None = None) -> dict[str, str]:
    """The fingerprint a rebuild would give, computed from the folded cases without writing a row: what ``verify``
    compares first (at a million events the rebuild's writes and search index cost four times the fold). Equal to
    ``fingerprint`` of rebuilt tables whenever every value is already in the form SQLite stores it; where it is
    not, the two differ and ``verify`` rebuilds for real to decide, so a difference here is never the last word.
    ``cases`` are the events by case as ``eventlog.by_case`` gives them (``verify`` passes its own, which hashes
    the events as they are read)."""
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    # table → (its columns as queried, its key's columns: None for the cases table, whose key is the case)
    layout: dict[str, tuple[Callable[[Any], tuple[Any, ...]], Callable[[Any], Any] | None]] = {}
    for name in PROJECTION_TABLES:
        table = db.table(name)
        stored = [c.name for c in table.columns if c.name != "n"]
        order = CASE_COLUMNS if name == "cases" else stored
        queried = ["case_id", *(c for c in stored if c != "case_id")]
        key_names = [k for k in table.pks if k != "case_id"] if name != "cases" else []
        layout[name] = (itemgetter(*(order.index(c) for c in queried)),
                        itemgetter(*(order.index(k) for k in key_names)) if key_names else None)
    digests = {name: hashlib.sha256() for name in (*PROJECTION_TABLES, "case_text")}
    updates = {name: digest.update for name, digest in digests.items()}
    for case_id, events in cases if cases is not None else eventlog.by_case(conn):
        if not registered(events):
            continue
        rows = case_rows(fold(case_id, events), limits)
        for name in PROJECTION_TABLES:
            pick, keys = layout[name]
            produced = [rows.case] if name == "cases" else getattr(rows, name)
            if not produced:
                continue
            if keys and len(produced) > 1:  # INSERT OR IGNORE keeps the first of a key; rows come in key order
                unique = {keys(r): r for r in reversed(produced)}
                produced = [unique[k] for k in sorted(unique)]
            updates[name](_rows_bytes(list(map(pick, produced))))
        updates["case_text"](_row_bytes((case_id, rows.text)))
    return {name: d.hexdigest() for name, d in digests.items()}


def check_search_index(conn: sqlite3.Connection) -> bool:
    """Whether the full-text index agrees with the search text it was built from (FTS5's own check, which with
    rank 1 compares an external-content index against its content table)."""
    try:
        conn.execute("INSERT INTO case_fts (case_fts, rank) VALUES ('integrity-check', 1)")
    except Exception as err:
        if is_database_error(err):
            return False
        raise
    return True


def recompute_deadlines(conn: sqlite3.Connection, limits: TimeLimits, case_ids: Iterable[str] | None = None) -> None:
    """After the station's limits change, project open cases (and finished ones still owing the notice of their
    end) again so their lights follow the new limits."""
    ids = list(case_ids) if case_ids is not None else [
        r[0] for r in conn.execute("SELECT case_id FROM cases WHERE finished = 0 OR deadline IS NOT NULL")]
    for case_id in ids:
        refresh_case(conn, case_id, limits)


def today() -> date:
    return date.today()
