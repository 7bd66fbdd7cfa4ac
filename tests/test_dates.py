"""Dates that tell the truth: a step is dated when it happened (``--on``), limits count from that date, and the
time of entry is kept beside it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.models.events import DayOnly, event_when_text, parse_when
from app.models.timeline import event_notes
from app.ops.desk import Desk

from .conftest import FakeNow, make_draft
from .test_cli import register, run, station  # noqa: F401  (the station fixture)


def test_a_letter_received_earlier_counts_its_limits_from_the_day_it_came(desk: Desk, now: FakeNow) -> None:
    now.advance(days=3)  # 2026-03-05: the letter of 03-02 is typed in three days late
    case_id = desk.register_case(make_draft(channel="letter"), at=datetime(2026, 3, 2))
    state = desk.case(case_id)
    assert state.registered_at.startswith("2026-03-02")
    row = desk.conn.execute("SELECT deadline FROM cases WHERE case_id = ?", (case_id,)).fetchone()
    assert row[0] == "2026-03-17"  # 15 days from receipt, not from entry (03-20)
    event = desk.events(case_id)[0]
    assert event.payload["entered_at"] == "2026-03-05T09:00:00"
    notes = event_notes(desk.events(case_id))
    assert notes[0][2].endswith("（2026-03-05 09:00录入）")


def test_a_step_typed_in_at_once_carries_no_entry_time(desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    event = desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    assert "entered_at" not in event.payload and "entered_at" not in desk.events(case_id)[0].payload
    assert not event_notes(desk.events(case_id))[1][2].endswith("录入）")


@pytest.mark.parametrize(("when", "message"), [
    (datetime(2026, 3, 9, 9, 1), "办理时间不能晚于现在"),
    (datetime(2026, 3, 3), "日期2026-03-03早于本件上一步骤“派发”的日期2026-03-04"),
])
def test_a_step_may_be_neither_in_the_future_nor_before_the_step_before_it(
        desk: Desk, now: FakeNow, when: datetime, message: str) -> None:
    now.advance(days=7)  # 2026-03-09 09:00
    case_id = desk.register_case(make_draft(), at=datetime(2026, 3, 2))
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]}, at=datetime(2026, 3, 4))
    with pytest.raises(DomainError, match=message):
        desk.record(case_id, "accept", {}, at=when)
    assert desk.case(case_id).status == "dispatched"


def test_a_note_is_not_dated_before_the_case_came_in(desk: Desk, now: FakeNow) -> None:
    now.advance(days=2)
    case_id = desk.register_case(make_draft(), at=datetime(2026, 3, 3))
    with pytest.raises(DomainError, match="早于本件的收到（登记）日期2026-03-03"):
        desk.record(case_id, "checklist", {"key": "fix_leader", "done": True, "note": "陈副县长"},
                    at=datetime(2026, 3, 2))


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-01", datetime(2026, 3, 1)),
    ("2026-03-01T14:30", datetime(2026, 3, 1, 14, 30)),
    ("2026-03-01 14:30", datetime(2026, 3, 1, 14, 30)),
    ("2026-03-02", datetime(2026, 3, 2, 9, 0)),  # today: now
])
def test_on_reads_a_date_or_a_date_and_time(text: str, expected: datetime) -> None:
    assert parse_when(text, datetime(2026, 3, 2, 9, 0)) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("2026-03-03", "日期不能晚于现在：2026-03-03"),
    ("3月1日", "日期格式不对：3月1日"),
    ("2026-02-30", "日期格式不对"),
])
def test_on_refuses_what_is_not_a_past_date(text: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        parse_when(text, datetime(2026, 3, 2, 9, 0))


def test_register_and_step_take_on(station: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    received = (date.today() - timedelta(days=4)).isoformat()
    code, out, _ = register(capsys, station, "--on", received)
    case_id = out.strip()
    assert code == 0
    code, out, err = run(capsys, station, "step", case_id, "dispatch", "--unit", "镇农业农村办",
                         "--on", (date.today() - timedelta(days=5)).isoformat())
    assert code == 1 and "早于本件的收到（登记）日期" in err
    assert run(capsys, station, "step", case_id, "dispatch", "--unit", "镇农业农村办", "--on",
               f"{(date.today() - timedelta(days=3)).isoformat()}T10:30")[0] == 0
    code, out, _ = run(capsys, station, "show", case_id)
    lines = out.splitlines()
    assert any(line.strip().startswith(f"{received} 登记 ") and "录入）" in line for line in lines)  # no 00:00
    assert not any("00:00" in line for line in lines)
    assert any(" 10:30 派发" in line and "录入）" in line for line in lines)
    code, _, err = register(capsys, station, "--on", "明天")
    assert code == 1 and "日期格式不对：明天" in err


def test_a_date_given_without_a_time_is_kept_and_shown_as_a_date(desk: Desk, now: FakeNow) -> None:
    now.advance(days=3)  # 2026-03-05 09:00
    received = parse_when("2026-03-02", now())
    assert isinstance(received, DayOnly) and received == datetime(2026, 3, 2)
    case_id = desk.register_case(make_draft(channel="letter"), at=received)
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]}, at=parse_when("2026-03-05", now()))  # today
    timed = desk.record(case_id, "accept", {}, at=parse_when("2026-03-05T08:30", now()))
    register, dispatch, accept = desk.events(case_id)
    assert (register.payload["date_only"], dispatch.payload["date_only"]) == (True, True)
    assert "date_only" not in timed.payload
    assert [event_when_text(e) for e in (register, dispatch, accept)] == ["2026-03-02", "2026-03-05",
                                                                          "2026-03-05 08:30"]
    assert event_notes(desk.events(case_id))[0][2].endswith("（2026-03-05 09:00录入）")
    state = desk.case(case_id)
    assert state.registered_date_only and state.clock().registered == date(2026, 3, 2)
    assert dispatch.at == "2026-03-05T09:00:00"  # today's date alone sorts as now, after the register
    desk.notify(case_id, "受理", "当面")
    row = desk.conn.execute("SELECT deadline FROM cases WHERE case_id = ?", (case_id,)).fetchone()
    assert row[0] == "2026-05-04"  # 60 days from acceptance on 03-05: limits count from the day as before
