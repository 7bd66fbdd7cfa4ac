"""共性问题 and 成批办理: the planted group is found and nothing else; a batch step lands on all or none."""

from __future__ import annotations

import json

import pytest

from app.cli.main import main
from app.demo import generate_demo
from app.demo.vocabulary import TOWNSHIPS, VILLAGES
from app.models.errors import DomainError
from app.ops.batch import batch_record
from app.ops.desk import Desk
from app.reports.common_problems import CommonProblem, find_common_problems
from tests.conftest import make_draft

# Three petitioners in 前王村 of 白鹤镇 about one factory's smell, in their own words. They are planted among a
# demo station's open cases (in other townships), which give the IDF weights a real station would have.
SMELL = ("前王村附近化工厂夜间排放刺鼻异味，影响村民休息",
         "前王村村民反映化工厂晚上排放刺鼻气味，影响休息",
         "化工厂夜间偷排废气，气味刺鼻，前王村群众要求查处")
PLACE = "白鹤镇"


def _register(desk: Desk, summary: str, *, name: str, village: str = "前王村", township: str = PLACE,
              domain: str = "生态环境") -> str:
    return desk.register_case(make_draft(name=name, request_summary=summary, village=village,
                                         township=township, domain=domain))


def _take_to_handling(desk: Desk, case_id: str) -> None:
    desk.record(case_id, "dispatch", {"units": ["县生态环境分局"]})
    desk.record(case_id, "accept", {})
    desk.record(case_id, "contact", {"note": "电话联系"})


def _here(groups: list[CommonProblem], planted: dict[str, list[str]]) -> list[CommonProblem]:
    """The groups holding any planted case (the demo's own groups are elsewhere)."""
    ids = {c for cases in planted.values() for c in cases}
    return [g for g in groups if set(g.case_ids) & ids]


@pytest.fixture
def planted(desk: Desk) -> dict[str, list[str]]:
    generate_demo(desk, 400, seed=5)
    smell = [_register(desk, text, name=f"甲{i}") for i, text in enumerate(SMELL)]
    unrelated = [
        _register(desk, "前王村道路破损多年，要求修复", name="乙", domain="农业农村"),
        _register(desk, "前王村土地承包经营权纠纷，要求重新确权发证", name="丙", domain="农业农村"),
        _register(desk, "前王村石料厂粉尘大，要求整改", name="丁"),  # same place and domain, another matter
        _register(desk, "前王村河道被养殖废水污染，鱼虾死亡", name="戊"),
        # the same words about another village's factory
        _register(desk, "后洋村附近化工厂夜间排放刺鼻异味，影响村民休息", name="庚", village="后洋村"),
        # the same words in another township are another place's problem
        _register(desk, SMELL[0], name="己", township="新河镇"),
    ]
    return {"smell": smell, "unrelated": unrelated}


def test_the_planted_group_is_found_and_nothing_unrelated(desk: Desk, planted: dict[str, list[str]]) -> None:
    groups = find_common_problems(desk.conn, min_size=2)
    [group] = _here(groups, planted)
    assert group.case_ids == sorted(planted["smell"])
    assert (group.township, group.domain, group.villages) == (PLACE, "生态环境", ["前王村"])
    assert group.summary in SMELL
    assert not any(set(g.case_ids) & set(planted["unrelated"]) for g in groups)
    assert _here(find_common_problems(desk.conn, min_size=4), planted) == []


def test_finished_cases_are_not_common_problems(desk: Desk, planted: dict[str, list[str]]) -> None:
    last = planted["smell"][2]
    desk.record(last, "dispatch", {"units": ["县生态环境分局"]})
    desk.record(last, "decline", {"reason": "已由环保督察处理"})
    assert _here(find_common_problems(desk.conn, min_size=3), planted) == []
    assert [g.size for g in _here(find_common_problems(desk.conn, min_size=2), planted)] == [2]


def test_batch_handle_records_one_measure_on_every_case(desk: Desk, planted: dict[str, list[str]]) -> None:
    for case_id in planted["smell"]:
        _take_to_handling(desk, case_id)
    measure = "会同生态环境分局对化工厂开展夜间突击检查，责令整改"
    events = batch_record(desk, planted["smell"], "handle", measure)
    assert [e.case_id for e in events] == planted["smell"]
    for case_id in planted["smell"]:
        state = desk.case(case_id)
        assert (state.status, state.measures) == ("handling", 1)
        assert state.steps[-1].note == measure
    replies = batch_record(desk, planted["smell"], "feedback", "化工厂已停产整改，经检测达标")
    assert {desk.case(e.case_id).status for e in replies} == {"replied"}


def test_batch_is_refused_whole_naming_the_case_that_cannot_take_the_step(
        desk: Desk, planted: dict[str, list[str]]) -> None:
    ready, not_ready = planted["smell"][:2], planted["smell"][2]
    for case_id in ready:
        _take_to_handling(desk, case_id)
    before = desk.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(DomainError, match=f"案件 {not_ready} 不能记录“办理措施”.*整批3件均未记录"):
        batch_record(desk, [*ready, not_ready], "handle", "现场检查")
    assert desk.conn.execute("SELECT count(*) FROM events").fetchone()[0] == before
    assert all(desk.case(c).measures == 0 for c in ready)
    with pytest.raises(DomainError, match="找不到案件：TZ01-2026-99999"):
        batch_record(desk, [*ready, "TZ01-2026-99999"], "handle", "现场检查")
    with pytest.raises(DomainError, match="请填写办理措施"):
        batch_record(desk, ready, "handle", "  ")


def test_commands_list_groups_and_handle_them(desk: Desk, planted: dict[str, list[str]],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = str(desk.data_dir)
    assert main(["--data-dir", data_dir, "common-problems", "--json"]) == 0
    [group] = [g for g in json.loads(capsys.readouterr().out) if g["township"] == PLACE]
    assert group["case_ids"] == sorted(planted["smell"]) and group["size"] == 3
    for case_id in planted["smell"]:
        _take_to_handling(desk, case_id)
    assert main(["--data-dir", data_dir, "batch-handle", "--cases", ",".join(group["case_ids"]),
                 "--note", "联合执法检查"]) == 0
    assert "已成批记录“办理措施”：3 件" in capsys.readouterr().out
    assert main(["--data-dir", data_dir, "batch-handle", "--cases", planted["unrelated"][0],
                 "--reply", "已答复"]) == 1
    assert "不能记录“答复反馈”" in capsys.readouterr().err


def test_demo_station_has_believable_groups(desk: Desk) -> None:
    """Demo requests repeat per township; every group found is one matter (one request template)."""
    generate_demo(desk, 1000, seed=3)
    groups = find_common_problems(desk.conn, min_size=3)
    assert groups, "a demo station should show some common problems"

    def matter(summary: str) -> str:  # the request without its place names and amounts
        for place in (*VILLAGES, *TOWNSHIPS):
            summary = summary.replace(place, "")
        return "".join(ch for ch in summary if not ch.isdigit())

    for group in groups:
        summaries = [desk.case(c).request_summary for c in group.case_ids]
        assert len({matter(s) for s in summaries}) == 1, summaries
        assert {desk.case(c).township for c in group.case_ids} == {group.township}
