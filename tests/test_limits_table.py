"""Every time limit, on hand-made dates, as the regulation reads it — and every refusal with its message.

Each row walks one case through steps dated by hand and states the limits it then runs against (label and last
day, nearest first) as worked out by hand: calendar days from the day of the step, a limit ending on a public
holiday moved to the next working day (make-up Saturdays count as working days), a local target beside the
statutory one, hearing days left out of the 复核 limit, a supervision order's deadline.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from app.models.deadlines import TimeLimits
from app.models.errors import DomainError
from app.models.light import case_light
from app.ops import supervision
from app.ops.desk import Desk

from .conftest import FakeNow, approved, login, make_draft, new_station, raw_connection, record_step

# National Day 2026: 1–7 October off; Sunday 27 September and Saturday 10 October are make-up working days.
HOLIDAYS = tuple(f"2026-10-0{d}" for d in range(1, 8)) + ("2026-05-01", "2026-05-04", "2026-05-05")
MAKEUP = ("2026-09-27", "2026-10-10")
APPROVED = approved("经研究同意")

Step = tuple[str, str, dict[str, Any]]  # (day, kind, payload)
HANDLED: list[Step] = [("", "contact", {"note": "电话联系"}), ("", "handle", {"note": "现场核查"})]


def walk(desk: Desk, now: FakeNow, received: str, steps: list[Step], **draft: Any) -> str:
    """Register on ``received`` and record each step on its day (a step without a day on the day before it)."""
    day = received
    now.current = datetime.fromisoformat(received).replace(hour=18)
    case_id = desk.register_case(make_draft(**draft), at=datetime.fromisoformat(received))
    for when, kind, payload in steps:
        day = when or day
        now.current = max(now.current, datetime.fromisoformat(day).replace(hour=18))
        at = datetime.fromisoformat(day).replace(hour=10)
        if kind == "notify":
            desk.notify(case_id, payload["notice"], payload.get("way", "当面"), at=at)
        elif kind == "supervise":
            supervision.supervise(desk, case_id, payload["deadline"], "限期办理", payload.get("step", ""))
        else:
            record_step(desk, case_id, kind, payload, at=at)
    return case_id


def accepted_on(day: str, notified: bool = True) -> list[Step]:
    steps: list[Step] = [(day, "dispatch", {"units": ["镇农业农村办"]}), (day, "accept", {})]
    return steps + ([(day, "notify", {"notice": "受理"})] if notified else [])


def replied_on(accepted: str, replied: str) -> list[Step]:
    return [*accepted_on(accepted), *HANDLED, (replied, "feedback", {"reply": "已答复"})]


ROWS: list[tuple[str, dict[str, Any], str, list[Step], list[tuple[str, str]]]] = [
    ("route within 15 days of receipt", {}, "2026-03-02", [], [("转送交办", "2026-03-17")]),
    ("route limit ending on a holiday moves to the next working day", {}, "2026-09-16", [],
     [("转送交办", "2026-10-08")]),
    ("holiday shift turned off", {"holiday_shift": False}, "2026-09-16", [], [("转送交办", "2026-10-01")]),
    ("unit's decision told within 15 days of dispatch, not ended by accepting", {}, "2026-03-02",
     accepted_on("2026-03-03", notified=False), [("告知受理", "2026-03-18"), ("办理答复", "2026-05-02")]),
    ("handle and reply within 60 days of acceptance", {}, "2026-03-02", accepted_on("2026-03-06"),
     [("办理答复", "2026-05-06")]),  # 05-05 is a holiday: moved to Wednesday 6 May
    ("a local 7 days beside the statutory 60, counted from receipt", {"local_feedback_days": 7}, "2026-03-02",
     accepted_on("2026-03-03"), [("反馈", "2026-03-09"), ("办理答复", "2026-05-02")]),
    ("an extension adds to the statutory limit only; its notice is due by the first limit",
     {"local_feedback_days": 7}, "2026-03-02",
     [*accepted_on("2026-03-03"), ("2026-03-05", "extend", {"days": 30, "reason": "需鉴定", **APPROVED})],
     [("反馈", "2026-03-09"), ("延期告知", "2026-05-02"), ("办理答复", "2026-06-01")]),
    ("the extension's notice given", {}, "2026-03-02",
     [*accepted_on("2026-03-03"), ("2026-03-05", "extend", {"days": 30, "reason": "需鉴定", **APPROVED}),
      ("2026-03-05", "notify", {"notice": "延期"})], [("办理答复", "2026-06-01")]),
    ("the local target ends with the first reply", {"local_feedback_days": 7}, "2026-03-02",
     replied_on("2026-03-03", "2026-03-06"), []),
    ("复查 answered within 30 days of the request", {}, "2026-03-02",
     [*replied_on("2026-03-03", "2026-03-20"), ("2026-04-01", "request_review", {"note": "不服"})],
     [("复查答复", "2026-05-06")]),  # 05-01 a holiday, 2–3 May the weekend, 4–5 May holidays
    ("复核: hearing days are not counted", {}, "2026-03-02",
     [*replied_on("2026-03-03", "2026-03-10"), ("2026-03-12", "request_review", {"note": "不服"}),
      ("2026-03-20", "answer_review", {"reply": "维持"}), ("2026-03-25", "request_re_review", {"note": "不服"}),
      ("2026-04-08", "hearing", {"start": "2026-04-08", "end": "2026-04-10", "note": "公开听证"})],
     [("复核答复", "2026-04-27")]),  # 03-25 + 30 + 3 hearing days
    ("交办: the completion report is due on the day set", {}, "2026-03-02",
     [("2026-03-02", "dispatch", {"units": ["镇农业农村办"], "mode": "assign", "due": "2026-03-12"})],
     [("办结报告", "2026-03-12"), ("告知受理", "2026-03-17")]),
    ("交办: the report handed in ends its limit", {}, "2026-03-02",
     [("2026-03-02", "dispatch", {"units": ["镇农业农村办"], "mode": "assign", "due": "2026-03-12"}),
      ("2026-03-03", "accept", {}), ("2026-03-03", "notify", {"notice": "受理"}),
      ("2026-03-10", "completion_report", {"note": "已修复路面"})], [("办理答复", "2026-05-02")]),
    ("a supervision order's deadline is a limit until the step it asks for", {}, "2026-03-02",
     [("2026-03-02", "supervise", {"deadline": "2026-03-06", "step": "dispatch"})],
     [("督办", "2026-03-06"), ("转送交办", "2026-03-17")]),
    ("the ordered step recorded ends the order", {}, "2026-03-02",
     [("2026-03-02", "supervise", {"deadline": "2026-03-06", "step": "dispatch"}),
      ("2026-03-03", "dispatch", {"units": ["镇农业农村办"]})], [("告知受理", "2026-03-18")]),
    ("不予受理 by the office: its notice within 15 days of receipt", {}, "2026-03-02",
     [("2026-03-05", "decline", {"reason": "已在诉讼中"})], [("不予受理告知", "2026-03-17")]),
    ("不予受理 by the unit: its notice within 15 days of the unit's receipt", {}, "2026-03-02",
     [("2026-03-04", "dispatch", {"units": ["镇农业农村办"]}), ("2026-03-06", "decline", {"reason": "已在诉讼中"})],
     [("不予受理告知", "2026-03-19")]),
    ("another notice does not stand for the 不予受理 notice", {}, "2026-03-02",
     [("2026-03-04", "dispatch", {"units": ["镇农业农村办"]}), ("2026-03-06", "decline", {"reason": "已在诉讼中"}),
      ("2026-03-06", "notify", {"notice": "转送"})], [("不予受理告知", "2026-03-19")]),
    ("the 不予受理 notice recorded ends the limit", {}, "2026-03-02",
     [("2026-03-05", "decline", {"reason": "已在诉讼中"}), ("2026-03-09", "notify", {"notice": "不予受理"})], []),
    ("导入法定途径: its notice within 15 days of the decision, moved off a holiday", {}, "2026-09-10",
     [("2026-09-10", "classify", {"category": "申诉求决", "legal_route": "仲裁"}),
      ("2026-09-16", "route_legal", {"reason": "告知向县劳动人事争议仲裁委申请仲裁"})],
     [("导入法定途径告知", "2026-10-08")]),  # 09-16 + 15 = 10-01, National Day
    ("the 导入法定途径 notice recorded ends the limit", {}, "2026-09-10",
     [("2026-09-10", "classify", {"category": "申诉求决", "legal_route": "仲裁"}),
      ("2026-09-16", "route_legal", {"reason": "告知向县劳动人事争议仲裁委申请仲裁"}),
      ("2026-09-17", "notify", {"notice": "导入法定途径", "way": "邮寄"})], []),
]


@pytest.mark.parametrize(("settings", "received", "steps", "expected"), [r[1:] for r in ROWS],
                         ids=[r[0] for r in ROWS])
def test_each_limit_runs_as_the_regulation_reads(desk: Desk, now: FakeNow, settings: dict[str, Any], received: str,
                                                 steps: list[Step], expected: list[tuple[str, str]]) -> None:
    desk.set_limits(TimeLimits(holidays=HOLIDAYS, makeup_workdays=MAKEUP, **settings))
    case_id = walk(desk, now, received, steps)
    found = case_light(desk.case(case_id), desk.limits).limits
    assert [(d.label, d.due.isoformat()) for d in found] == expected
    row = desk.conn.execute("SELECT deadline, deadline_label FROM cases WHERE case_id = ?", (case_id,)).fetchone()
    assert tuple(row) == ((expected[0][1], expected[0][0]) if expected else (None, ""))


def test_the_detail_says_when_a_holiday_moved_a_limit(desk: Desk, now: FakeNow) -> None:
    desk.set_limits(TimeLimits(holidays=HOLIDAYS, makeup_workdays=MAKEUP))
    case_id = walk(desk, now, "2026-09-16", [])
    (limit,) = case_light(desk.case(case_id), desk.limits).limits
    assert limit.describe() == "转送交办期限：2026-10-08（原2026-10-01为法定节假日，顺延至下一工作日）"


def colour(desk: Desk, case_id: str) -> str:
    return str(desk.conn.execute(
        "SELECT " + __import__("app.store.queries", fromlist=["COLOUR_SQL"]).COLOUR_SQL
        + " FROM cases WHERE case_id = :c", {"today": desk.today().isoformat(), "c": case_id}).fetchone()[0])


def test_supervision_is_yellow_from_the_order_and_red_after_its_deadline(desk: Desk, now: FakeNow) -> None:
    case_id = walk(desk, now, "2026-03-02", [("2026-03-02", "supervise", {"deadline": "2026-03-06"})])
    assert colour(desk, case_id) == "yellow"
    now.current = datetime(2026, 3, 7, 9)
    assert colour(desk, case_id) == "red"
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})  # any next step carries out an open order
    assert colour(desk, case_id) == "green"


def test_a_late_end_notice_colours_the_finished_case_until_it_is_recorded(desk: Desk, now: FakeNow) -> None:
    case_id = walk(desk, now, "2026-03-02", [("2026-03-05", "decline", {"reason": "已在诉讼中", **APPROVED})],
                   backlog=True, leader="陈副县长")
    assert colour(desk, case_id) == "green"  # finished: the backlog pin no longer colours it, the notice does
    now.current = datetime(2026, 3, 15, 9)
    assert colour(desk, case_id) == "yellow"
    now.current = datetime(2026, 3, 18, 9)
    assert colour(desk, case_id) == "red"
    assert desk.case(case_id).finished
    desk.notify(case_id, "不予受理", "邮寄")  # late, but told: the finished case has no light any more
    assert colour(desk, case_id) == "none"
    assert case_light(desk.case(case_id), desk.limits).limits == ()


def test_local_target_turns_the_light_before_the_statute_does(desk: Desk, now: FakeNow) -> None:
    desk.set_limits(TimeLimits(local_feedback_days=7))
    case_id = walk(desk, now, "2026-03-02", accepted_on("2026-03-02"))
    now.current = datetime(2026, 3, 10, 9)  # day 8: the 7 days are over, the 60 are not
    assert colour(desk, case_id) == "red"


def test_backlog_cases_are_red_or_graded_by_their_checklist(desk: Desk, now: FakeNow) -> None:
    case_id = walk(desk, now, "2026-03-02", [], backlog=True, leader="陈副县长")
    assert colour(desk, case_id) == "red"
    desk.set_limits(TimeLimits(backlog_colour="graded"))
    assert colour(desk, case_id) == "red"  # 0 of 8 items done
    for key in ("fix_leader", "fix_measures", "fix_deadline", "fix_responsibility"):
        desk.set_checklist(case_id, key, True, "已落实")
    assert colour(desk, case_id) == "yellow"  # half done
    for key in ("own_planning", "own_coordination", "own_counselling", "own_resolution"):
        desk.set_checklist(case_id, key, True, "已落实")
    assert colour(desk, case_id) == "green"  # all done, no limit near
    now.current = datetime(2026, 3, 15, 9)  # 2 days before the routing limit
    assert colour(desk, case_id) == "yellow"


def settled_matter(desk: Desk, now: FakeNow) -> str:
    """A case finished through 复核."""
    return walk(desk, now, "2026-01-05", [
        *replied_on("2026-01-05", "2026-01-20"), ("2026-01-25", "request_review", {"note": "不服"}),
        ("2026-02-10", "answer_review", {"reply": "维持"}), ("2026-02-15", "request_re_review", {"note": "不服"}),
        ("2026-03-01", "answer_re_review", {"reply": "维持"})])


REFUSALS: list[tuple[str, list[Step], str, dict[str, Any], str]] = [
    ("extension after the limit", accepted_on("2026-01-02"), "extend", {"days": 10, "reason": "复杂", **APPROVED},
     "办理答复期限已于2026-03-03届满，逾期后不能延期"),
    ("extension without a leader", accepted_on("2026-03-02"), "extend", {"days": 10, "reason": "复杂"},
     "延期须经单位负责人批准"),
    ("termination without a ground", replied_on("2026-03-02", "2026-03-02"), "terminate", {"reason": "无依据"},
     "请选择依法终结的法定情形"),
    ("termination before a reply", accepted_on("2026-03-02"), "terminate",
     {"ground": "诉求无法律政策依据", "reason": "无依据"}, "尚未书面答复信访人，不能依法终结"),
    ("finished case dispatched", [("2026-03-02", "decline", {"reason": "已在诉讼中"})], "dispatch",
     {"units": ["镇农业农村办"]}, "案件当前状态为“不予受理”，不能进行“派发”"),
    ("不再受理 without a settled matter", [], "no_longer_accept", {"reason": "同一事项"},
     "只有与已经复核的事项为同一事项"),
    ("notice of acceptance before acceptance", [], "notify", {"notice": "受理", "way": "当面"},
     "本件尚无可“受理告知”的决定"),
    ("notice by an unknown way", accepted_on("2026-03-02"), "notify", {"notice": "受理", "way": "微信"},
     "告知方式须为：当面、邮寄、短信、电话"),
    ("report on a transferred case", accepted_on("2026-03-02"), "completion_report", {"note": "已办"},
     "本件不是交办件，或办结报告已报送"),
    ("交办 without a due date", [], "dispatch", {"units": ["镇农业农村办"], "mode": "assign"},
     "交办的办结报告期限须为日期"),
    ("转送 with a due date", [], "dispatch", {"units": ["镇农业农村办"], "due": "2026-03-20"},
     "转送不设办结报告期限"),
    ("hearing ending before it starts", [
        *replied_on("2026-03-02", "2026-03-02"), ("", "request_review", {"note": "不服"}),
        ("", "answer_review", {"reply": "维持"}), ("", "request_re_review", {"note": "不服"})], "hearing",
     {"start": "2026-03-05", "end": "2026-03-04"}, "听证结束日期不能早于开始日期"),
    ("legal route for a matter handled as a 信访", [], "route_legal", {"reason": "诉讼"},
     "只有申诉求决类、应通过诉讼、仲裁、行政复议等法定途径解决的事项才能导入法定途径"),
    ("objection answered when none is pending", [], "agree_objection", {"reason": "同意"},
     "案件当前状态为“已登记”，不能进行“同意异议”"),
    ("accepting while the objection waits", [("2026-03-02", "dispatch", {"units": ["镇农业农村办"]}),
                                            ("2026-03-02", "object", {"reason": "不属本单位"})], "accept", {},
     "案件当前状态为“异议待审”，不能进行“受理”"),
    ("an unknown 分类", [], "classify", {"category": "投诉"}, "诉求分类须为：建议意见、检举控告、申诉求决"),
]


@pytest.mark.parametrize(("steps", "kind", "payload", "message"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_each_refusal_says_why_and_changes_nothing(desk: Desk, now: FakeNow, steps: list[Step], kind: str,
                                                   payload: dict[str, Any], message: str) -> None:
    case_id = walk(desk, now, "2026-01-02" if steps and steps[0][0] == "2026-01-02" else "2026-03-02", steps)
    now.current = max(now.current, datetime(2026, 3, 6, 9))
    before = len(desk.events(case_id))
    with pytest.raises(DomainError) as refused:
        record_step(desk, case_id, kind, payload)
    assert message in str(refused.value)
    assert len(desk.events(case_id)) == before


@pytest.mark.parametrize("kind", ["decline", "terminate"])
def test_ending_a_leader_case_with_open_items_needs_approval(desk: Desk, now: FakeNow, kind: str) -> None:
    steps = replied_on("2026-03-02", "2026-03-03") if kind == "terminate" else []
    case_id = walk(desk, now, "2026-03-02", steps, backlog=True, leader="陈副县长")
    payload = {"reason": "无依据", "ground": "诉求无法律政策依据"}
    with pytest.raises(DomainError, match=r"四定四包尚未全部完成（0/8.*不能(不予受理|依法终结)"):
        desk.record(case_id, kind, payload)
    record_step(desk, case_id, kind, {**payload, **APPROVED})
    assert desk.case(case_id).finished


def test_the_same_matter_after_re_review_is_not_accepted_again(desk: Desk, now: FakeNow) -> None:
    earlier = settled_matter(desk, now)
    case_id = desk.register_case(make_draft(repeat_of=[earlier]))
    with pytest.raises(DomainError, match=f"本件与已经复核的案件 {earlier} 为同一事项.*不能“派发”"):
        desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "no_longer_accept", {"reason": "同一事实和理由，已经复核"})
    owed = [f"{d.describe()}" for d in case_light(desk.case(case_id), desk.limits).limits]
    assert owed == ["不再受理告知期限：2026-03-16（尚未书面告知信访人，须记录“不再受理告知”）"]
    desk.notify(case_id, "不再受理", "邮寄", document="新河信告〔2026〕第3号")
    assert case_light(desk.case(case_id), desk.limits).limits == ()
    state = desk.case(case_id)
    assert state.status == "not_accepted" and state.finished
    assert state.notices[-1] == {"notice": "不再受理", "way": "邮寄", "document": "新河信告〔2026〕第3号",
                                 "at": state.notices[-1]["at"]}


def test_an_objection_waits_for_the_routing_office(desk: Desk, now: FakeNow) -> None:
    case_id = walk(desk, now, "2026-03-02", [("2026-03-02", "dispatch", {"units": ["镇农业农村办"]}),
                                             ("2026-03-03", "object", {"reason": "属县交通局"})])
    assert desk.case(case_id).status == "objected"
    desk.record(case_id, "refuse_objection", {"reason": "经核属本单位职责"})
    state = desk.case(case_id)
    assert state.status == "dispatched" and state.dispatch_units == ["镇农业农村办"]
    desk.record(case_id, "accept", {})


def test_a_legal_channel_matter_ends_with_its_route_and_notice(desk: Desk, now: FakeNow) -> None:
    case_id = walk(desk, now, "2026-03-02", [("2026-03-02", "classify",
                                              {"category": "申诉求决", "legal_route": "仲裁"})])
    with pytest.raises(DomainError, match="应通过仲裁解决，应导入法定途径"):
        desk.record(case_id, "dispatch", {"units": ["镇劳动保障所"]})
    desk.record(case_id, "route_legal", {"reason": "劳动争议，告知向县劳动人事争议仲裁委申请仲裁"})
    desk.notify(case_id, "导入法定途径", "当面")
    assert desk.case(case_id).status == "routed_legal"
    assert date.fromisoformat(desk.case(case_id).closed_at[:10]) == date(2026, 3, 2)


def test_a_file_from_before_the_procedure_is_projected_afresh_on_opening(tmp_path: Any, now: FakeNow) -> None:
    """A version 8 file (no colour pin, classification or figure columns) opened by this program: the new step
    adds the columns and every case is projected again, so a backlog case is red and verify holds."""
    from app.store import schema
    from app.store.integrity import verify

    desk = new_station(tmp_path / "old", "TZ01", "新河镇信访办", "township", now=now)
    backlog = desk.register_case(make_draft(backlog=True, leader="陈副县长", category="申诉求决"))
    desk.close()

    conn = raw_connection(tmp_path / "old")
    conn.execute("DROP INDEX cases_repeats")
    for column in ("cases_figures_domain", "cases_figures_township"):
        conn.execute(f"DROP INDEX {column}")
    for column in ("colour_pin", "category", "problem_type", "purpose", "first_time", "legal_route", "work_order",
                   "routed_days", "in_time"):
        conn.execute(f"ALTER TABLE cases DROP COLUMN {column}")
    conn.execute("PRAGMA user_version = 8")
    conn.close()

    reopened = login(tmp_path / "old", now=now)
    try:
        assert reopened.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION
        row = reopened.conn.execute("SELECT colour_pin, category, first_time FROM cases WHERE case_id = ?",
                                    (backlog,)).fetchone()
        assert tuple(row) == ("red", "申诉求决", 1)
        assert colour(reopened, backlog) == "red"
        assert verify(reopened.conn, reopened.limits, reopened.blobs).ok
    finally:
        reopened.close()


def test_a_file_from_before_the_end_notices_shows_the_notice_owed_on_opening(tmp_path: Any, now: FakeNow) -> None:
    """A version 10 file, whose declined case was projected without a limit: opened by this program, the ended
    cases are projected again, so the notice owed shows and verify holds."""
    from app.store import schema
    from app.store.integrity import verify

    desk = new_station(tmp_path / "old", "TZ01", "新河镇信访办", "township", now=now)
    declined = desk.register_case(make_draft())
    desk.record(declined, "decline", {"reason": "已在诉讼中"})
    told = desk.register_case(make_draft())
    desk.record(told, "decline", {"reason": "已在诉讼中"})
    desk.notify(told, "不予受理", "当面")
    desk.close()

    conn = raw_connection(tmp_path / "old")
    conn.execute("UPDATE cases SET deadline = NULL, deadline_label = '', yellow_from = NULL")
    conn.execute("PRAGMA user_version = 10")
    conn.close()

    reopened = login(tmp_path / "old", now=now)
    try:
        assert reopened.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION
        rows = dict(reopened.conn.execute("SELECT case_id, deadline_label FROM cases").fetchall())
        assert rows == {declined: "不予受理告知", told: ""}
        assert colour(reopened, declined) == "green" and colour(reopened, told) == "none"
        assert verify(reopened.conn, reopened.limits, reopened.blobs).ok
    finally:
        reopened.close()
