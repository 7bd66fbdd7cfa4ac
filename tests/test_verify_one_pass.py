"""``verify`` reads every event once: the hashes are computed in the pass that folds the cases and the links are
compared by SQLite. Whatever is changed in a log, it names the same first break as the event-by-event check it
replaced (kept here as the reference)."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.events import GENESIS_HASH, Event, sealed
from app.store import eventlog
from app.store.eventlog import ChainProblem
from app.sync.apply import row_hash

COLUMNS = "id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash"


def reference(conn: sqlite3.Connection) -> ChainProblem | None:
    """The check as it was: every event in station and number order, one at a time."""
    previous_origin, previous_seq, previous_hash = "", 0, ""
    for row in conn.execute(f"SELECT {COLUMNS} FROM events ORDER BY origin, seq"):
        event_id, origin, seq, prev_hash, digest = row[0], row[2], row[3], row[9], row[10]
        if row_hash(row) != digest:
            return ChainProblem(event_id, "事件内容与其哈希不符（被改动）")
        if event_id != f"{origin}:{seq}":
            return ChainProblem(event_id, "事件编号与站点序号不符")
        if previous_origin == origin and previous_seq == seq - 1:
            if prev_hash != previous_hash:
                return ChainProblem(event_id, f"与上一事件 {origin}:{previous_seq} 的哈希链断开")
        elif seq == 1 and prev_hash != GENESIS_HASH:
            return ChainProblem(event_id, "站点首个事件的前序哈希不正确")
        previous_origin, previous_seq, previous_hash = origin, seq, digest
    return None


def log(changes: list[tuple[int, str]], gaps: set[int]) -> sqlite3.Connection:
    """Two stations' chains of six events (cases and station events mixed), some held with gaps, then changed."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE events ({COLUMNS}, UNIQUE (origin, seq))")
    rows = []
    for origin in ("A1", "B2"):
        previous = GENESIS_HASH
        for seq in range(1, 7):
            case = f"{origin}-2026-0000{seq % 3}" if seq % 3 else ""
            event = sealed(Event(f"{origin}:{seq}", case, origin, seq, f"{seq:015d}.00000", "2026-03-02T09:00:00",
                                 "张丽", "note", {"note": f"第{seq}步"}, previous))
            previous = event.hash
            if origin == "B2" and seq in gaps:
                continue
            rows.append(list(eventlog.to_row(event)))
    for index, change in changes:
        row = rows[index % len(rows)]
        if change == "payload":
            row[8] = '{"note":"改过"}'
        elif change == "hash":
            row[10] = "f" * 64
        elif change == "rehash":
            row[8] = '{"note":"改过"}'
            row[10] = row_hash(tuple(row))  # type: ignore[arg-type]
        elif change == "link":
            row[9] = "e" * 64
            row[10] = row_hash(tuple(row))  # type: ignore[arg-type]
        elif change == "id":
            row[0] = f"{row[2]}:{row[3] + 10}"
            row[10] = row_hash(tuple(row))  # type: ignore[arg-type]
    conn.executemany(f"INSERT INTO events ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    return conn


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.sampled_from(["payload", "hash", "rehash", "link", "id"])),
                max_size=3),
       st.sets(st.integers(1, 6), max_size=3))
def test_the_one_pass_check_names_the_break_the_event_by_event_check_named(changes: list[tuple[int, str]],
                                                                          gaps: set[int]) -> None:
    conn = log(changes, gaps)
    expected = reference(conn)
    assert eventlog.check_chains(conn) == expected
    breaks = eventlog.station_hash_breaks(conn)
    for _case in eventlog.by_case(conn, breaks):
        pass
    assert eventlog.first_break(conn, breaks) == expected


def test_each_kind_of_break_is_named() -> None:
    assert reference(log([], set())) is None
    for change, reason in (("payload", "事件内容与其哈希不符（被改动）"), ("id", "事件编号与站点序号不符"),
                           ("link", "与上一事件 A1:2 的哈希链断开")):
        assert eventlog.check_chains(log([(2, change)], set())) == ChainProblem("A1:3" if change != "id" else
                                                                               "A1:13", reason)
    assert eventlog.check_chains(log([(0, "link")], set())) == ChainProblem("A1:1", "站点首个事件的前序哈希不正确")


def test_events_about_no_case_are_found_without_walking_the_station_s_every_event(tmp_path: object) -> None:
    """The accounts (read at every login), the settings (read by verify) and the audit ask for the station's events
    about no case: SQLite must find them through the case index, not walk every event of the station in order
    (at a million events that was seconds per login)."""
    from pathlib import Path

    from app.ops.outputs import audit
    from app.store import settings_log
    from tests.conftest import new_station

    desk = new_station(Path(str(tmp_path)) / "s")
    asked: list[str] = []
    desk.conn.set_trace_callback(asked.append)
    desk.accounts()
    settings_log.difference(desk.conn)
    audit(desk)
    desk.conn.set_trace_callback(None)
    station_queries = [q for q in asked if "case_id = ''" in q and q.lstrip().upper().startswith("SELECT")]
    assert len(station_queries) >= 3
    for query in station_queries:
        plan = " ".join(str(r[3]) for r in desk.conn.execute("EXPLAIN QUERY PLAN " + query))
        assert "events_case" in plan, (query, plan)
    desk.close()
