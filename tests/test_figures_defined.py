"""The figures as they are defined (numerator ÷ denominator), each on hand-made cases whose answer is worked out by
hand here — including the cases the old counts got wrong: 不予受理 counted as clearing a backlog case, and a second
round counted as resolved in one go.

Period: all of 2026 up to 04-30; today 2026-05-10.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from app.ops.desk import Desk
from app.reports.figures import compute_figures
from tests.conftest import FakeNow, approved, make_draft, record_step

TODAY = date(2026, 5, 10)
APPROVED = approved("经研究")


def case(desk: Desk, received: str, steps: list[tuple[str, str, dict[str, Any]]], **draft: Any) -> str:
    case_id = desk.register_case(make_draft(**draft), at=datetime.fromisoformat(received + "T09:00"))
    for day, kind, payload in steps:
        at = datetime.fromisoformat(day + "T10:00")
        if kind == "checklist_all":
            for key in ("fix_leader", "fix_measures", "fix_deadline", "fix_responsibility", "own_planning",
                        "own_coordination", "own_counselling", "own_resolution"):
                desk.set_checklist(case_id, key, True, "已落实")
        else:
            record_step(desk, case_id, kind, payload, at=at)
    return case_id


def handled(day: str, reply: str, rating: str = "satisfied", close: str = "") -> list[tuple[str, str, dict[str, Any]]]:
    steps = [(day, "dispatch", {"units": ["镇农业农村办"]}), (day, "accept", {}), (day, "contact", {"note": "电话"}),
             (day, "handle", {"note": "核查"}), (reply, "feedback", {"reply": "答复"})]
    if rating:
        steps.append((reply, "follow_up", {"rating": rating}))
    if close:
        steps.append((close, "close", {}))
    return steps


@pytest.fixture
def station(desk: Desk, now: FakeNow) -> dict[str, str]:
    now.current = datetime(2026, 5, 10, 9)
    ids = {}
    # Backlog: K1 and K2 closed (办结), K3 declined with a leader's approval, K4 still open. Cleared: 2 of 4
    # (the old count took K3 as cleared: 3 of 4, 75%).
    for key, name in (("K1", "甲"), ("K2", "乙")):
        ids[key] = case(desk, "2026-01-05", [("2026-01-05", "checklist_all", {}),
                                             *handled("2026-01-06", "2026-02-01", close="2026-02-02")],
                        name=name, backlog=True, leader="陈副县长")
    ids["K3"] = case(desk, "2026-01-05", [("2026-01-06", "decline", {"reason": "已进入诉讼", **APPROVED})],
                     name="丙", backlog=True, leader="陈副县长")
    ids["K4"] = case(desk, "2026-01-05", [("2026-01-06", "dispatch", {"units": ["镇农业农村办"]})],
                     name="丁", backlog=True, leader="陈副县长")
    # First petitions: P1 closed at once; P2 closed but the same matter came back (R1); P3 went to review;
    # P4 terminated. R1, the second round, is closed satisfied but is no first petition.
    ids["P1"] = case(desk, "2026-03-02", handled("2026-03-02", "2026-03-05", close="2026-03-06"), name="戊")
    ids["P2"] = case(desk, "2026-03-02", handled("2026-03-02", "2026-03-20", close="2026-03-21"), name="己")
    ids["P3"] = case(desk, "2026-03-02", [*handled("2026-03-02", "2026-03-04", rating="dissatisfied"),
                                          ("2026-03-06", "request_review", {"note": "不服"}),
                                          ("2026-03-20", "answer_review", {"reply": "维持"}),
                                          ("2026-03-21", "follow_up", {"rating": "basically_satisfied"}),
                                          ("2026-03-22", "close", {})], name="庚")
    ids["P4"] = case(desk, "2026-03-02", [*handled("2026-03-02", "2026-03-03", rating=""),
                                          ("2026-03-25", "terminate", {"ground": "诉求无法律政策依据",
                                                                       "reason": "无依据"})], name="辛")
    ids["R1"] = case(desk, "2026-03-25", handled("2026-03-25", "2026-03-27", close="2026-03-28"), name="己",
                     repeat_of=[ids["P2"]])
    # Late: L1 came 03-02 and was dispatched 03-20 (18 days: not routed in time), replied 05-01 (60 days from its
    # acceptance 03-20 end 05-19: in time), closed 05-02 — outside the period. L2 came 01-10, accepted 01-10,
    # replied 03-20 (69 days: late), closed 03-21.
    ids["L1"] = case(desk, "2026-03-02", handled("2026-03-20", "2026-05-01", close="2026-05-02"), name="壬")
    ids["L2"] = case(desk, "2026-01-10", handled("2026-01-10", "2026-03-20", close="2026-03-21"), name="癸")
    return ids


def test_each_figure_is_its_definition(desk: Desk, station: dict[str, str]) -> None:
    [row] = compute_figures(desk.conn, date_from=date(2026, 1, 1), date_to=date(2026, 4, 30), by=None, today=TODAY)
    # 积案化解率 = backlog struck off by 办结 ÷ backlog: K1 K2 of K1..K4.
    assert (row["backlog_resolved"], row["backlog_total"]) == (2, 4)
    assert row["backlog_clearance_rate"] == pytest.approx(2 / 4)
    # 一次性化解率 = first petitions resolved with no repeat ÷ first petitions finished. Finished in the period
    # (by their end): K1 K2 P1 P2 P3 P4 L2 and R1 (K3's 不予受理 has no end date; L1 ended 05-02).
    # First petitions among them: all but R1 = 7. Resolved at once (办结, satisfied, no review, never brought
    # back): K1 K2 P1 L2 (P2 came back, P3 was reviewed, P4 terminated) = 4.
    assert (row["one_time_resolved"], row["first_concluded"], row["concluded"]) == (4, 7, 8)
    assert row["one_time_resolution_rate"] == pytest.approx(4 / 7)
    # 参评率 = rated ÷ finished: all but P4 rated = 7 of 8.
    assert (row["rated_concluded"], row["participation_rate"]) == (7, pytest.approx(7 / 8))
    # 按期办结率 = finished within the limit ÷ finished: all but L2 (69 days) = 7 of 8.
    assert (row["finished_in_time"], row["on_time_completion_rate"]) == (7, pytest.approx(7 / 8))
    # 及时受理率 = routed within 15 days of receipt ÷ received: 11 received, L1 routed after 18 days.
    assert (row["routed_in_time"], row["due_routing"]) == (10, 11)
    assert row["timely_acceptance_rate"] == pytest.approx(10 / 11)
    # 7日内答复率, from receipt: replied within 7 days of coming in: P1 (3), P3 (2), P4 (1), R1 (2); not K1 K2
    # (27), P2 (18), L1 (60), L2 (69); K3 and K4 never replied and are long due = 4 of 11.
    assert (row["answered_within_7_days"], row["due_7_days"]) == (4, 11)


def test_a_first_petition_closed_with_the_petitioner_dissatisfied_is_not_resolved_at_once(desk: Desk,
                                                                                           now: FakeNow) -> None:
    now.current = datetime(2026, 5, 10, 9)
    case(desk, "2026-03-02", handled("2026-03-02", "2026-03-05", rating="dissatisfied", close="2026-04-10"))
    case(desk, "2026-03-02", handled("2026-03-02", "2026-03-05", rating="basically_satisfied", close="2026-04-10"),
         name="乙")
    [row] = compute_figures(desk.conn, date_from=date(2026, 4, 1), date_to=date(2026, 4, 30), by=None, today=TODAY)
    assert (row["one_time_resolved"], row["first_concluded"]) == (1, 2)  # 基本满意 counts, 不满意 does not
