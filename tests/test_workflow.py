"""The handling chain: a case moves step by step, refused steps say why, and corrections are recorded."""

from __future__ import annotations

import pytest

from app.models.errors import DomainError
from app.models.vocab import CHECKLIST_ITEMS
from app.models.workflow import allowed_steps, offered_steps
from app.ops.approval import Approval
from app.ops.desk import Desk

from .conftest import FakeNow, make_draft


def walk_to(desk: Desk, case_id: str, last: str) -> None:
    """Record the usual chain up to and including ``last``."""
    chain = [
        ("dispatch", {"units": ["镇农业农村办"]}), ("accept", {}), ("contact", {"note": "电话联系"}),
        ("handle", {"note": "现场核查"}), ("feedback", {"reply": "已修复，书面答复"}),
        ("follow_up", {"rating": "satisfied"}), ("close", {"note": "销号"}),
    ]
    for kind, payload in chain:
        desk.record(case_id, kind, payload)
        if kind == last:
            return


def test_a_case_goes_through_the_whole_chain(desk: Desk, draft) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(draft)
    assert case_id == "TZ01-2026-00001"
    walk_to(desk, case_id, "close")
    state = desk.case(case_id)
    assert state.status == "closed"
    assert [s.kind for s in state.steps] == [
        "register", "dispatch", "accept", "contact", "handle", "feedback", "follow_up", "close"]
    assert all(s.actor == "张丽" for s in state.steps)


def test_case_numbers_count_up_and_restart_each_year(desk: Desk, draft, now: FakeNow) -> None:  # type: ignore[no-untyped-def]
    first, second = desk.register_case(draft), desk.register_case(draft)
    now.advance(days=320)
    third = desk.register_case(draft)
    assert (first, second, third) == ("TZ01-2026-00001", "TZ01-2026-00002", "TZ01-2027-00001")


def test_the_99999th_case_of_a_year_is_the_last_and_no_number_is_given_twice(desk: Desk, draft) -> None:  # type: ignore[no-untyped-def]
    from app.store import eventlog

    with desk._write({"cases"}, ()) as conn:  # signed like any operation's events
        writer = desk._writer(conn)
        eventlog.append(conn, [writer.make("TZ01-2026-99998", "register", draft.to_payload(desk.domains),
                                           desk.actor, desk.now())])
    assert desk.register_case(draft) == "TZ01-2026-99999"
    with pytest.raises(DomainError, match="本站2026年的案件编号已用到 TZ01-2026-99999"):
        desk.register_case(draft)
    assert desk.conn.execute("SELECT count(*) FROM events WHERE kind = 'register'").fetchone()[0] == 2


def test_a_refused_measure_does_not_copy_its_evidence(desk: Desk, draft, tmp_path) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(draft)  # still 已登记: a measure is not allowed yet
    video = tmp_path / "现场.mp4"
    video.write_bytes(b"\0" * 4096)
    desk.blobs.root.mkdir(parents=True, exist_ok=True)
    with pytest.raises(DomainError, match="不能进行“办理措施”"):
        desk.handle(case_id, "现场核查", [video])
    assert list(desk.blobs.root.rglob("*")) == []
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "accept", {})
    desk.record(case_id, "contact", {"note": "电话联系"})
    desk.handle(case_id, "现场核查", [video])
    assert len([f for f in desk.blobs.root.rglob("*") if f.is_file()]) == 1


@pytest.mark.parametrize(("kind", "payload", "message"), [
    ("accept", {}, "当前状态为“已登记”，不能进行“受理”"),
    ("feedback", {"reply": "x"}, "不能进行“答复反馈”"),
    ("close", {}, "不能进行“办结销号”"),
])
def test_steps_out_of_order_are_refused(desk: Desk, draft, kind, payload, message) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(draft)
    with pytest.raises(DomainError, match=message):
        desk.record(case_id, kind, payload)
    assert len(desk.events(case_id)) == 1


def test_dispatch_takes_one_unit_or_two_for_a_backlog_case(desk: Desk, draft) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(draft)
    with pytest.raises(DomainError, match="一事双交"):
        desk.record(case_id, "dispatch", {"units": []})
    with pytest.raises(DomainError, match="不能相同"):
        desk.record(case_id, "dispatch", {"units": ["新河镇", "新河镇"]})
    desk.record(case_id, "dispatch", {"units": ["新河镇", "市农业农村局"]})
    assert desk.case(case_id).dispatch_units == ["新河镇", "市农业农村局"]


def test_decline_needs_a_reason_and_ends_the_case(desk: Desk, draft) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(draft)
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    with pytest.raises(DomainError, match="不予受理的理由"):
        desk.record(case_id, "decline", {"reason": " "})
    desk.record(case_id, "decline", {"reason": "已进入诉讼程序"})
    assert desk.case(case_id).status == "declined"
    assert allowed_steps(desk.case(case_id)) == []  # finished: a new matter is a new case linked to it
    with pytest.raises(DomainError, match="案件当前状态为“不予受理”，不能进行“派发”"):
        desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})


def test_feedback_needs_a_measure_first(desk: Desk, draft) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(draft)
    walk_to(desk, case_id, "contact")
    assert "feedback" not in allowed_steps(desk.case(case_id))
    desk.handle(case_id, "召开协调会")
    desk.handle(case_id, "现场整改")
    assert desk.case(case_id).measures == 2
    assert "feedback" in allowed_steps(desk.case(case_id))


def test_extension_once_up_to_thirty_days_with_a_reason(desk: Desk, draft) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(draft)
    walk_to(desk, case_id, "accept")
    with pytest.raises(DomainError, match="1至30天"):
        desk.record(case_id, "extend", {"days": 31, "reason": "情况复杂"})
    with pytest.raises(DomainError, match="延期理由"):
        desk.record(case_id, "extend", {"days": 30})
    with pytest.raises(DomainError, match="延期须经单位负责人批准"):
        desk.record(case_id, "extend", {"days": 30, "reason": "需第三方检测"})
    desk.record(case_id, "extend", {"days": 30, "reason": "需第三方检测"}, approval=Approval("", "", "需第三方检测"))
    with pytest.raises(DomainError, match="已延期一次"):
        desk.record(case_id, "extend", {"days": 5, "reason": "再等等"})
    assert desk.case(case_id).extension_days == 30


def test_checklist_blocks_closing_a_leader_case_until_done_or_overridden(desk: Desk) -> None:
    case_id = desk.register_case(make_draft(backlog=True, leader="陈建平（副县长）"))
    walk_to(desk, case_id, "follow_up")
    for key in list(CHECKLIST_ITEMS)[:5]:
        desk.set_checklist(case_id, key, True, "已落实")
    with pytest.raises(DomainError, match=r"5/8.*包协调、包疏导、包化解"):
        desk.record(case_id, "close", {})
    with pytest.raises(DomainError, match="批准理由"):
        desk.record(case_id, "close", {}, approval=Approval("", "", " "))
    with pytest.raises(DomainError, match="5/8"):  # an approval typed into the payload is not one
        desk.record(case_id, "close", {"approval": {"account": "张丽", "reason": "假批准"}})
    # The admin signed in is a leader too: it approves its own step, with a reason.
    desk.record(case_id, "close", {}, approval=Approval("", "", "信访人已息诉，书面确认"))
    closed = desk.case(case_id)
    assert closed.status == "closed"
    assert "张丽批准：信访人已息诉" in closed.steps[-1].note
    assert desk.events(case_id)[-1].payload["approval"] == {"account": "张丽", "display": "张丽", "role": "admin",
                                                            "reason": "信访人已息诉，书面确认"}


def test_checklist_item_needs_a_note_when_ticked(desk: Desk) -> None:
    case_id = desk.register_case(make_draft(leader="陈建平"))
    with pytest.raises(DomainError, match="定措施"):
        desk.set_checklist(case_id, "fix_measures", True, "")
    desk.set_checklist(case_id, "fix_measures", True, "三日内召开协调会")
    entry = desk.case(case_id).checklist["fix_measures"]
    assert (entry.done, entry.by, entry.note) == (True, "张丽", "三日内召开协调会")


def test_review_and_re_review_reopen_the_case_then_no_more(desk: Desk, draft, now: FakeNow) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(draft)
    walk_to(desk, case_id, "close")
    assert "request_re_review" not in allowed_steps(desk.case(case_id))
    desk.record(case_id, "request_review", {"note": "不服答复"})
    assert desk.case(case_id).status == "reviewing"
    desk.record(case_id, "answer_review", {"reply": "维持原意见"})
    desk.record(case_id, "request_re_review", {"note": "不服复查"})
    desk.record(case_id, "answer_re_review", {"reply": "维持"})
    state = desk.case(case_id)
    assert (state.status, state.review_round) == ("replied", 2)
    with pytest.raises(DomainError, match="不再受理"):
        desk.record(case_id, "request_re_review", {"note": "再次"})


def test_review_must_be_asked_within_thirty_days_of_the_reply(desk: Desk, draft, now: FakeNow) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(draft)
    walk_to(desk, case_id, "feedback")
    now.advance(days=31)
    with pytest.raises(DomainError, match="已超过申请复查期限"):
        desk.record(case_id, "request_review", {"note": "不服"})


def test_annul_undoes_the_last_step_and_keeps_it_in_the_log(desk: Desk, draft) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(draft)
    walk_to(desk, case_id, "accept")
    with pytest.raises(DomainError, match="撤销理由"):
        desk.annul_last_step(case_id, "")
    desk.annul_last_step(case_id, "误点受理")
    state = desk.case(case_id)
    assert state.status == "dispatched"
    assert [e.kind for e in desk.events(case_id)] == ["register", "dispatch", "accept", "annul"]
    assert state.steps[-1].kind == "annul" and state.steps[-1].note == "误点受理"
    desk.record(case_id, "accept", {})
    assert desk.case(case_id).status == "accepted"


def test_a_future_time_is_refused(desk: Desk, draft, now: FakeNow) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    with pytest.raises(DomainError, match="不能晚于现在"):
        desk.register_case(draft, at=now() + timedelta(hours=1))


def test_registration_refuses_bad_people_and_links_repeats(desk: Desk) -> None:
    with pytest.raises(DomainError, match="第1名信访人（李四）：身份证号校验位错误"):
        desk.register_case(make_draft(name="李四", id_number="110105194912310021"))
    with pytest.raises(DomainError, match="诉求"):
        desk.register_case(make_draft(request_summary="  "))
    first = desk.register_case(make_draft())
    second = desk.register_case(make_draft(repeat_of=[first]))
    third = desk.register_case(make_draft(repeat_of=[first, second]))
    assert desk.case(third).repeat_round == 3
    # Linking only the latest earlier round still counts the rounds before it.
    fourth = desk.register_case(make_draft(repeat_of=[third]))
    assert desk.case(fourth).repeat_of == [first, second, third]
    assert desk.case(fourth).repeat_round == 4
    with pytest.raises(DomainError, match="要关联的案件不存在"):
        desk.register_case(make_draft(repeat_of=["TZ01-2026-09999"]))


def test_a_collective_visit_is_five_or_more_people(desk: Desk) -> None:
    assert not desk.case(desk.register_case(make_draft(head_count=4))).collective
    assert desk.case(desk.register_case(make_draft(head_count=5))).collective
    assert not desk.case(desk.register_case(make_draft(head_count=9, channel="letter"))).collective


def test_the_next_step_is_offered_first_and_the_step_just_recorded_last(desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    expected_first = ["dispatch", "accept", "contact", "handle", "feedback", "follow_up", "close"]
    payloads = {"dispatch": {"units": ["镇农业农村办"]}, "accept": {"unit": "镇农业农村办"},
                "contact": {"note": "电话"}, "handle": {"note": "修路"}, "feedback": {"reply": "已修复"},
                "follow_up": {"rating": "satisfied", "note": "满意"}}
    recorded = ""
    for kind in expected_first:
        offered = offered_steps(desk.case(case_id))
        assert offered[0] == kind, (recorded, offered)
        assert sorted(offered) == sorted(allowed_steps(desk.case(case_id)))
        if recorded in offered:
            assert offered[-1] == recorded
        if kind == "close":
            break
        desk.record(case_id, kind, payloads[kind])
        recorded = kind
    # A reopened case: the review's answer comes first.
    desk.record(case_id, "close", {"note": "销号"})
    desk.record(case_id, "request_review", {"note": "不服"})
    assert offered_steps(desk.case(case_id))[0] == "answer_review"
