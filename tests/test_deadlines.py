"""Time limits and the three-colour light, as the list and the detail show them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.models.deadlines import TimeLimits, add_workdays, objection_due, supervision_colour
from app.models.errors import DomainError
from app.ops.desk import Desk
from app.store.queries import CaseFilter, case_numbers, list_rows

from .conftest import FakeNow, approved, make_draft, record_step


def light(desk: Desk, case_id: str) -> tuple[str, str | None]:
    n = desk.conn.execute("SELECT n FROM cases WHERE case_id = ?", (case_id,)).fetchone()[0]
    row = list_rows(desk.conn, [n], desk.today())[n]
    return row["colour"], row["deadline"]


def test_light_turns_yellow_then_red_as_the_route_limit_nears(desk: Desk, now: FakeNow) -> None:
    case_id = desk.register_case(make_draft())  # registered 2026-03-02: route within 15 days
    assert light(desk, case_id) == ("green", "2026-03-17")
    now.advance(days=11)  # 4 days left: green (yellow from 3 days left)
    assert light(desk, case_id)[0] == "green"
    now.advance(days=1)
    assert light(desk, case_id)[0] == "yellow"
    now.advance(days=3)  # due day itself: still yellow
    assert light(desk, case_id)[0] == "yellow"
    now.advance(days=1)
    assert light(desk, case_id)[0] == "red"
    assert case_numbers(desk.conn, CaseFilter(overdue=True), desk.today()) == [1]


def test_handling_limit_is_sixty_days_from_acceptance_plus_extension(desk: Desk, now: FakeNow) -> None:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    assert light(desk, case_id)[1] == "2026-03-17"  # accept notice: 15 days from dispatch
    now.advance(days=2)
    desk.record(case_id, "accept", {})
    assert light(desk, case_id)[1] == "2026-03-17"  # accepted, but the petitioner is not yet told
    desk.notify(case_id, "受理", "当面")
    assert light(desk, case_id)[1] == "2026-05-03"
    now.advance(days=50)  # 9 days left, 20% of 60 = 12 → yellow
    assert light(desk, case_id)[0] == "yellow"
    record_step(desk, case_id, "extend", {"days": 20, "reason": "需鉴定", **approved("需鉴定")})
    assert light(desk, case_id) == ("green", "2026-05-03")  # the 延期告知 is due by the limit first set
    desk.notify(case_id, "延期", "邮寄")
    assert light(desk, case_id) == ("green", "2026-05-23")


def test_backlog_and_dissatisfaction_are_red_whatever_the_date(desk: Desk) -> None:
    backlog = desk.register_case(make_draft(backlog=True, leader="陈建平"))
    assert light(desk, backlog)[0] == "red"
    unhappy = desk.register_case(make_draft())
    for kind, payload in [("dispatch", {"units": ["镇农办"]}), ("accept", {}), ("contact", {"note": "电话"}),
                          ("handle", {"note": "核查"}), ("feedback", {"reply": "答复"}),
                          ("follow_up", {"rating": "dissatisfied"})]:
        desk.record(unhappy, kind, payload)
    desk.notify(unhappy, "受理", "当面")
    assert light(desk, unhappy) == ("red", None)
    assert sorted(case_numbers(desk.conn, CaseFilter(colour="red"), desk.today())) == [1, 2]


def test_a_local_seven_day_feedback_rule_and_new_limits_apply_at_once(desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农办"]})
    desk.record(case_id, "accept", {})
    desk.notify(case_id, "受理", "当面")
    assert light(desk, case_id)[1] == "2026-05-01"
    desk.set_limits(TimeLimits(local_feedback_days=7))
    assert light(desk, case_id)[1] == "2026-03-09"
    assert desk.limits.local_feedback_days == 7


def test_finished_cases_have_no_light_once_the_notice_of_their_end_is_recorded(desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "decline", {"reason": "不属受理范围"})
    assert light(desk, case_id) == ("green", "2026-03-17")  # the 不予受理 notice is owed
    desk.notify(case_id, "不予受理", "邮寄")
    assert light(desk, case_id) == ("none", None)


def test_working_days_skip_weekends_and_holidays_and_count_makeup_days() -> None:
    limits = TimeLimits(holidays=("2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"),
                        makeup_workdays=("2026-10-10",))
    # Dispatched Wednesday 30 Sept: 1 Oct–7 Oct holiday and weekend; 8, 9, 10 (make-up Saturday), 12, 13.
    assert objection_due(date(2026, 9, 30), limits) == date(2026, 10, 13)
    assert add_workdays(date(2026, 3, 6), 5, TimeLimits()) == date(2026, 3, 13)  # Friday + 5 working days


@given(
    finished=st.booleans(), pin=st.sampled_from(["", "yellow", "red"]),
    due_offset=st.one_of(st.none(), st.integers(-40, 40)), margin=st.integers(0, 20),
)
def test_sql_filter_and_python_rule_give_the_same_colour(finished, pin, due_offset, margin) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from app.store.queries import _COLOUR_WHERE, COLOUR_SQL

    today = date(2026, 6, 1)
    due = None if due_offset is None else today + timedelta(days=due_offset)
    yellow = None if due is None else due - timedelta(days=margin)
    expected = supervision_colour(finished=finished, pin=pin, deadline=due, yellow_from=yellow, today=today)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE cases (finished, colour_pin, deadline, yellow_from)")
    conn.execute("INSERT INTO cases VALUES (?,?,?,?)", (int(finished), pin, due and due.isoformat(),
                 yellow and yellow.isoformat()))
    params = {"today": today.isoformat()}
    assert conn.execute(f"SELECT {COLOUR_SQL} FROM cases", params).fetchone()[0] == expected
    matching = [c for c, where in _COLOUR_WHERE.items()
                if conn.execute(f"SELECT count(*) FROM cases WHERE {where}", params).fetchone()[0]]
    assert matching == [expected]


def test_a_unit_may_object_within_five_working_days_and_holidays_lengthen_the_window(desk: Desk,
                                                                                     now: FakeNow) -> None:
    # Dispatched Monday 2 March: five working days run out on Monday 9 March.
    early, late = desk.register_case(make_draft()), desk.register_case(make_draft())
    for case_id in (early, late):
        desk.record(case_id, "dispatch", {"units": ["镇农办"]})
    with pytest.raises(DomainError, match="异议理由"):
        desk.record(early, "object", {"reason": " "})
    now.advance(days=7)
    desk.record(early, "object", {"reason": "道路属县交通局管养，不属本单位职责"})
    assert desk.case(early).status == "objected"  # waits for the routing office
    desk.record(early, "agree_objection", {"reason": "经核，属县交通局职责"})
    state = desk.case(early)
    assert state.status == "registered" and state.dispatch_units == []
    assert light(desk, early)[1] == "2026-03-17"  # back to the 15-day routing limit from registration
    now.advance(days=1)
    with pytest.raises(DomainError, match=r"已超过异议期限：须在派发后5个工作日内（最迟2026-03-09）"):
        desk.record(late, "object", {"reason": "不属本单位职责"})
    # Thursday 5 March a holiday: the window reaches Tuesday 10 March.
    desk.set_limits(TimeLimits(holidays=("2026-03-05",)))
    desk.record(late, "object", {"reason": "不属本单位职责"})
    desk.record(late, "agree_objection", {"reason": "同意"})
    desk.record(late, "dispatch", {"units": ["县交通局"]})
    assert desk.case(late).dispatch_units == ["县交通局"]


def test_a_case_owing_the_notice_of_its_end_counts_where_limits_are_counted(qtbot, desk: Desk,  # type: ignore[no-untyped-def]
                                                                            now: FakeNow) -> None:
    """不予受理 ends the case but owes its notice within 15 days of receipt: until the notice is recorded the case
    is found by 今日到期 and 逾期 (filter and saved views), and counted red/yellow in the status bar and the
    dashboard, as the colour filters find it. Recording the notice takes it out of all of them."""
    from app.store.queries import count_cases, counts
    from app.views.bus import ChangeBus
    from app.views.dashboard import Dashboard

    declined = desk.register_case(make_draft())  # received 2026-03-02: notice due 2026-03-17
    desk.record(declined, "decline", {"reason": "已在诉讼程序中"})
    now.advance(days=2)
    desk.register_case(make_draft(name="李秀英"))  # open, routing due 2026-03-19
    numbers = {n for (n,) in desk.conn.execute("SELECT n FROM cases WHERE case_id = ?", (declined,))}

    def found(**what: object) -> set[int]:
        flt = CaseFilter(**what)  # type: ignore[arg-type]
        assert count_cases(desk.conn, flt, desk.today()) == len(case_numbers(desk.conn, flt, desk.today()))
        return set(case_numbers(desk.conn, flt, desk.today()))

    now.advance(days=13)  # 2026-03-17: the notice is due today
    assert found(due_today=True) == numbers and found(overdue=True) == set()
    assert counts(desk.conn, desk.today()) == {"open": 1, "red": 0, "yellow": 2, "green": 0, "backlog": 0}
    now.advance(days=1)  # late
    assert found(overdue=True) == numbers == found(colour="red") and found(due_today=True) == set()
    assert counts(desk.conn, desk.today()) == {"open": 1, "red": 1, "yellow": 1, "green": 0, "backlog": 0}
    board = Dashboard(desk, ChangeBus(desk))
    qtbot.addWidget(board)
    slices = {s.label(): s.value() for s in board.colour_series.slices()}
    assert slices == {"红 1件": 1.0, "黄 1件": 1.0, "绿 0件": 0.0}
    assert board.colour_chart.title() == "在办及待告知案件督办颜色（共 2 件）"
    desk.record(declined, "notify", {"notice": "不予受理", "way": "邮寄"})
    assert found(overdue=True) == set() == found(colour="red")
    assert counts(desk.conn, desk.today()) == {"open": 1, "red": 0, "yellow": 1, "green": 0, "backlog": 0}
