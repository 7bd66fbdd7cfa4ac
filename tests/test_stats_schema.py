"""Schema steps 2 and 4: the first reply and first follow-up of a case, kept when a review round overwrites the
latest, and the days and seconds to that first reply."""

from __future__ import annotations

from pathlib import Path

from app.ops.desk import Desk
from app.store import schema
from app.store.db import DB_NAME, connect_keyed
from app.store.integrity import verify
from tests.conftest import FakeNow, make_draft


def _reviewed_case(desk: Desk, now: FakeNow) -> str:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "accept", {})
    desk.record(case_id, "contact", {"note": "电话联系"})
    desk.handle(case_id, "现场核查")
    now.advance(days=3)
    desk.record(case_id, "feedback", {"reply": "已修复"})
    now.advance(days=1)
    desk.record(case_id, "follow_up", {"rating": "dissatisfied"})
    now.advance(days=2)
    desk.record(case_id, "request_review", {"note": "不服"})
    now.advance(days=10)
    desk.record(case_id, "answer_review", {"reply": "维持"})
    now.advance(days=1)
    desk.record(case_id, "follow_up", {"rating": "satisfied"})
    return case_id


def test_first_reply_and_first_rating_survive_a_review_round(desk: Desk, now: FakeNow) -> None:
    case_id = _reviewed_case(desk, now)
    row = desk.conn.execute("SELECT replied_at, rating, first_replied_at, first_rated_at, first_rating "
                            "FROM cases WHERE case_id = ?", (case_id,)).fetchone()
    assert row == ("2026-03-18T09:00:00", "satisfied", "2026-03-05T09:00:00", "2026-03-06T09:00:00",
                   "dissatisfied")


def test_upgrading_a_version_1_file_fills_the_new_columns_as_the_projection_would(
        desk: Desk, now: FakeNow, tmp_path: Path) -> None:
    reviewed = _reviewed_case(desk, now)
    untouched = desk.register_case(make_draft(name="李四"))
    columns = "case_id, first_replied_at, first_rated_at, first_rating, reply_days, handling_seconds"
    expected = desk.conn.execute(f"SELECT {columns} FROM cases ORDER BY case_id").fetchall()
    assert expected[0][4:] == (3, 3 * 86400)  # registered and accepted 03-02 09:00, first reply 03-05 09:00
    # A file as version 1 wrote it: the version 1 tables, filled with the same rows minus the new columns.
    old_dir = tmp_path / "old"
    old_dir.mkdir()
    key = desk.require_master_key()  # the older file sealed with the station's key, as the program now keeps it
    conn = connect_keyed(old_dir / DB_NAME, key)
    conn.execute("BEGIN")
    schema.STEPS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(f"ATTACH DATABASE ? AS cur KEY \"x'{key.hex()}'\"", (str(desk.data_dir / DB_NAME),))
    for table in ("settings", "events", "petitioners", "steps", "evidence", "checklist", "conflicts",
                  "case_text"):
        conn.execute(f"INSERT INTO main.{table} SELECT * FROM cur.{table}")
    later = ("first_replied_at", "first_rated_at", "first_rating", "reply_days", "handling_seconds", "colour_pin",
             "category", "problem_type", "purpose", "first_time", "legal_route", "work_order", "routed_days",
             "in_time")
    v1_columns = ", ".join(c for c in ["n", *schema.CASE_COLUMNS] if c not in later)
    conn.execute(f"INSERT INTO main.cases ({v1_columns}) SELECT {v1_columns} FROM cur.cases")
    conn.execute("INSERT INTO main.case_fts (case_fts) VALUES ('rebuild')")
    conn.execute("COMMIT")
    conn.execute("DETACH DATABASE cur")
    conn.close()

    reopened = Desk(old_dir, now=now, master_key=key)
    try:
        version = reopened.conn.execute("PRAGMA user_version").fetchone()[0]
        assert version == schema.LATEST_VERSION
        got = reopened.conn.execute(f"SELECT {columns} FROM cases ORDER BY case_id").fetchall()
        assert got == expected
        assert [r[0] for r in got] == sorted([reviewed, untouched])
        assert verify(reopened.conn, reopened.limits, reopened.blobs).ok
    finally:
        reopened.close()
