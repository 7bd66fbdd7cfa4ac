"""The figures on a station of hand-made cases, each checked against a count made by hand below.

Period: March 2026. Today: 2026-04-10. The cases
(R = registered, A = accepted, F = first reply, V = follow-up):

A  R 03-02  A 03-03  F 03-08 (5 d after A)  V satisfied 03-09   closed 03-10
B  R 03-04  A 03-05  F 03-20 (15 d)         V basically 03-21   closed 03-22
C  R 03-06  A 03-06  F 03-10 (4 d)          V dissatisfied 03-11, review 03-12→03-25,
                                             V satisfied 03-26, closed 03-27
D  R 03-10  repeat of A   A 03-11, no reply (7 days long past)
E  R 03-30  A 04-08, no reply (its 7 days not yet over on 04-10)
F  R 02-20  A 02-21  F 03-01                V satisfied 03-02   closed 03-03
G  R 2025-12-01 backlog, leader 陈建平   A 2025-12-02  F 03-15  V satisfied 03-16  closed 03-17
H  R 01-05  backlog, leader 林海涛        A 01-06, still open
I  R 03-12  A 03-12  terminated 03-20
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest

from app.cli.main import main
from app.models.vocab import CHECKLIST_ITEMS
from app.ops.desk import Desk
from app.reports.figures import (
    compute_figures,
    format_rate,
    group_label,
    month_range,
    monthly_figures,
    station_names,
)
from tests.conftest import FakeNow, approved, make_draft, record_step

TODAY = date(2026, 4, 10)
MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}T09:00:00" if len(text) == 10 else text)


def walk(desk: Desk, registered: str, steps: list[tuple[str, str, dict[str, Any]]], **draft: Any) -> str:
    case_id = desk.register_case(make_draft(**draft), at=at(registered))
    for kind, when, payload in steps:
        if kind == "checklist_all":
            for key in CHECKLIST_ITEMS:
                desk.record(case_id, "checklist", {"key": key, "done": True, "note": "已落实"}, at=at(when))
            continue
        record_step(desk, case_id, kind, payload, at=at(when))
    return case_id


def opened(accepted: str, registered_day: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [("dispatch", registered_day, {"units": ["镇农业农村办"]}), ("accept", accepted, {})]


def replied(accepted: str, registered_day: str, reply: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [*opened(accepted, registered_day), ("contact", accepted, {"note": "电话联系"}),
            ("handle", accepted, {"note": "现场核查"}), ("feedback", reply, {"reply": "书面答复"})]


@pytest.fixture
def station(desk: Desk, now: FakeNow) -> dict[str, str]:
    now.current = datetime(2026, 4, 10, 9, 0, 0)
    ids: dict[str, str] = {}
    ids["A"] = walk(desk, "2026-03-02", [*replied("2026-03-03", "2026-03-02", "2026-03-08"),
                                         ("follow_up", "2026-03-09", {"rating": "satisfied"}),
                                         ("close", "2026-03-10", {})], name="甲")
    ids["B"] = walk(desk, "2026-03-04", [*replied("2026-03-05", "2026-03-04", "2026-03-20"),
                                         ("follow_up", "2026-03-21", {"rating": "basically_satisfied"}),
                                         ("close", "2026-03-22", {})], name="乙", domain="生态环境")
    ids["C"] = walk(desk, "2026-03-06", [*replied("2026-03-06", "2026-03-06", "2026-03-10"),
                                         ("follow_up", "2026-03-11", {"rating": "dissatisfied"}),
                                         ("request_review", "2026-03-12", {"note": "不服"}),
                                         ("answer_review", "2026-03-25", {"reply": "维持"}),
                                         ("follow_up", "2026-03-26", {"rating": "satisfied"}),
                                         ("close", "2026-03-27", {})], name="丙", domain="生态环境")
    ids["D"] = walk(desk, "2026-03-10", opened("2026-03-11", "2026-03-10"), name="甲", repeat_of=[ids["A"]])
    ids["E"] = walk(desk, "2026-03-30", opened("2026-04-08", "2026-03-30"), name="戊")
    ids["F"] = walk(desk, "2026-02-20", [*replied("2026-02-21", "2026-02-20", "2026-03-01"),
                                         ("follow_up", "2026-03-02", {"rating": "satisfied"}),
                                         ("close", "2026-03-03", {})], name="己")
    ids["G"] = walk(desk, "2025-12-01", [("checklist_all", "2025-12-01", {}),
                                         *replied("2025-12-02", "2025-12-01", "2026-03-15"),
                                         ("follow_up", "2026-03-16", {"rating": "satisfied"}),
                                         ("close", "2026-03-17", {})],
                    name="庚", backlog=True, leader="陈建平")
    ids["H"] = walk(desk, "2026-01-05", opened("2026-01-06", "2026-01-05"), name="辛", backlog=True,
                    leader="林海涛")
    terminated = {"reason": "依法终结", "ground": "诉求无法律政策依据",
                  **approved("经研究")}
    ids["I"] = walk(desk, "2026-03-12", [*opened("2026-03-12", "2026-03-12"), ("terminate", "2026-03-20", terminated)],
                    name="壬")
    return ids


def test_every_figure_for_march_equals_the_hand_count(desk: Desk, station: dict[str, str]) -> None:
    [row] = compute_figures(desk.conn, **MARCH, by=None, today=TODAY)
    # Registered in March: A B C D E I; of them D is a second round.
    assert (row["cases"], row["repeat_cases"]) == (6, 1)
    assert row["repeat_rate"] == pytest.approx(1 / 6)
    # Concluded in March: A B C F G (closed) and I (terminated), all first petitions (初信初访); resolved at
    # once: B F G (A came back as D, C went to review, I was terminated).
    assert (row["one_time_resolved"], row["first_concluded"], row["concluded"]) == (3, 6, 6)
    assert row["one_time_resolution_rate"] == pytest.approx(3 / 6)
    # In time: A B C F replied within 60 days of acceptance, I terminated 8 days after; G replied 2026-03-15,
    # 104 days after its acceptance on 2025-12-02 (due 2026-01-31).
    assert (row["finished_in_time"], row["on_time_completion_rate"]) == (5, pytest.approx(5 / 6))
    # Rated: A B C F G; I was terminated without a follow-up.
    assert (row["rated_concluded"], row["participation_rate"]) == (5, pytest.approx(5 / 6))
    # First follow-up in March: A sat, B basic, C dissatisfied (its later 'satisfied' does not count),
    # F and G sat.
    assert (row["satisfied"], row["dissatisfied"], row["rated"]) == (4, 1, 5)
    assert row["satisfaction_rate"] == pytest.approx(0.8)
    assert row["dissatisfaction_rate"] == pytest.approx(0.2)
    # First reply in March: A 6 d, B 16 d, C 4 d, F 9 d (Feb has 28 days), G 104 d from registration.
    assert row["replied"] == 5
    assert row["handling_days_total"] == pytest.approx(6 + 16 + 4 + 9 + 104)
    assert row["avg_handling_days"] == pytest.approx(139 / 5)
    # Received in March: A B C D E I; all due (replied, or 7 days over by 04-10: E came 03-30);
    # within 7 days of receipt: A (6) and C (4); B took 16.
    assert (row["answered_within_7_days"], row["due_7_days"]) == (2, 6)
    assert row["answered_within_7_days_rate"] == pytest.approx(2 / 6)
    # Routed the day each came in: all six within 15 days.
    assert (row["routed_in_time"], row["due_routing"], row["timely_acceptance_rate"]) == (6, 6, 1.0)
    # Backlog registered by 03-31: G and H; G struck off in March; H still open.
    assert (row["backlog_total"], row["backlog_cleared"], row["backlog_open"]) == (2, 1, 1)
    assert row["backlog_clearance_rate"] == pytest.approx(0.5)
    assert format_rate(row["satisfaction_rate"]) == "80.00%"


def test_a_case_still_inside_its_7_days_is_not_counted_yet(desk: Desk, station: dict[str, str]) -> None:
    # E came in 03-30 and has no reply: on 04-05 its 7 days (to 04-06) are not over, on 04-07 they are.
    [early] = compute_figures(desk.conn, **MARCH, by=None, today=date(2026, 4, 5))
    assert (early["due_7_days"], early["answered_within_7_days"]) == (5, 2)
    [later] = compute_figures(desk.conn, **MARCH, by=None, today=date(2026, 4, 7))
    assert (later["due_7_days"], later["answered_within_7_days"]) == (6, 2)


def test_grouped_by_leader_and_domain(desk: Desk, station: dict[str, str]) -> None:
    leaders = {r["group"]: r for r in compute_figures(desk.conn, **MARCH, by="leader", today=TODAY)}
    assert set(leaders) == {"陈建平", "林海涛"}  # cases without a leader are nobody's
    assert (leaders["陈建平"]["backlog_total"], leaders["陈建平"]["backlog_cleared"]) == (1, 1)
    assert leaders["陈建平"]["one_time_resolution_rate"] == 1.0
    assert (leaders["林海涛"]["backlog_open"], leaders["林海涛"]["backlog_clearance_rate"]) == (1, 0.0)
    domains = {r["group"]: r for r in compute_figures(desk.conn, **MARCH, by="domain", today=TODAY)}
    env = domains["生态环境"]  # B and C
    assert (env["cases"], env["one_time_resolved"], env["concluded"]) == (2, 1, 2)
    assert (env["satisfied"], env["dissatisfied"]) == (1, 1)
    stations = compute_figures(desk.conn, **MARCH, by="station", today=TODAY)
    assert [(r["group"], r["cases"]) for r in stations] == [("TZ01", 6)]
    assert group_label("station", "TZ01", station_names(desk.conn)) == "新河镇信访办（TZ01）"
    assert group_label("leader", "", {}) == "（未填）"


def test_no_bounds_counts_everything_and_empty_station_gives_zero_row(desk: Desk) -> None:
    [row] = compute_figures(desk.conn, date_from=None, date_to=None, by=None, today=TODAY)
    assert row["cases"] == 0 and row["satisfaction_rate"] is None and row["group"] == "合计"


def test_monthly_series_counts_each_figure_in_its_own_month(desk: Desk, station: dict[str, str]) -> None:
    months = month_range(date(2026, 4, 10), 5)
    assert months == ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]
    series = {r["group"]: r for r in monthly_figures(desk.conn, months=months, today=TODAY)}
    [march] = compute_figures(desk.conn, **MARCH, by=None, today=TODAY)
    for key in ("cases", "concluded", "one_time_resolved", "rated", "satisfied", "replied", "due_7_days",
                "answered_within_7_days", "backlog_cleared", "backlog_open"):
        assert series["2026-03"][key] == march[key], key
    assert (series["2026-02"]["cases"], series["2026-02"]["replied"]) == (1, 0)  # F registered, replied 03-01
    # Backlog open at each month's end: G (Dec) then G+H (Jan, Feb), H only after G was struck off in March.
    assert [series[m]["backlog_open"] for m in months] == [1, 2, 2, 1, 1]


def test_stats_command_prints_the_same_figures(desk: Desk, station: dict[str, str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = str(desk.data_dir)
    assert main(["--data-dir", data_dir, "stats", "--from", "2026-03-01", "--to", "2026-03-31",
                 "--today", "2026-04-10", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["one_time_resolved"] == 3 and row["concluded"] == 6
    assert main(["--data-dir", data_dir, "stats", "--from", "2026-03-01", "--to", "2026-03-31",
                 "--today", "2026-04-10", "--by", "leader"]) == 0
    out = capsys.readouterr().out
    assert "一次性化解率" in out and "陈建平" in out and "100.00%" in out
    assert main(["--data-dir", data_dir, "stats", "--from", "2026-03-31", "--to", "2026-03-01"]) == 1
    assert "起始日期" in capsys.readouterr().err
