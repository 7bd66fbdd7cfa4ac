"""The law's steps travel: a township's notice, 交办 and 诉求分类 reach the county by file and read the same there."""

from __future__ import annotations

from pathlib import Path

from app.models.light import case_light
from tests.conftest import FakeNow, make_draft
from tests.sync_helpers import send, station_tree


def test_a_townships_procedure_reads_the_same_at_the_county(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as desks:
        town, county = desks["331002001"], desks["331002"]
        case_id = town.register_case(make_draft(category="申诉求决", problem_type="农村农业/宅基地"))
        town.record(case_id, "dispatch", {"units": ["镇农业农村办"], "mode": "assign", "due": "2026-03-12"})
        town.record(case_id, "accept", {})
        town.notify(case_id, "受理", "邮寄", document="新河信告〔2026〕第1号")
        send(town, county, tmp_path / "up.zip")
        here, there = town.case(case_id), county.case(case_id)
        assert (there.category, there.problem_type, there.dispatch_mode, there.report_due) == \
            ("申诉求决", "农村农业/宅基地", "assign", "2026-03-12")
        assert there.notices == here.notices and there.notified_decision
        assert [(d.label, d.due) for d in case_light(there, county.limits).limits] == \
            [(d.label, d.due) for d in case_light(here, town.limits).limits]
        row = county.conn.execute("SELECT category, colour_pin, deadline_label FROM cases WHERE case_id = ?",
                                  (case_id,)).fetchone()
        assert tuple(row) == ("申诉求决", "", "办结报告")
