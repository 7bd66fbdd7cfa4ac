"""共性问题 and 成批办理: the planted group is found and nothing else; a batch step lands on all or none."""

from __future__ import annotations

import json

import pytest

from app.cli.main import main
from app.demo import generate_demo
from app.demo.clusters import NAMES as CLUSTER_NAMES
from app.demo.vocabulary import COMPANIES, ESTATES, TOWNSHIPS, VILLAGES
from app.models.errors import DomainError
from app.ops.batch import batch_record
from app.ops.desk import Desk
from app.reports.common_problems import (
    CROSS_TOWNSHIP_THRESHOLD,
    DEFAULT_THRESHOLD,
    CommonProblem,
    cosine,
    find_common_problems,
    grams,
    similar_pairs,
)
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
    # Each step says what its station held of that case, so a step taken elsewhere meanwhile cannot be undone by
    # it (the fold's rule for steps made without seeing each other).
    assert all(e.payload["seen"] == {"TZ01": desk.events(e.case_id)[-2].seq} for e in events)
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
    """Demo requests repeat per township, and the demo plants groups of one matter in their petitioners' own
    words; every group found is one matter (one planted factory, road, site … or one request template)."""
    generate_demo(desk, 1000, seed=3)
    groups = find_common_problems(desk.conn, min_size=3)
    assert groups, "a demo station should show some common problems"

    def matter(summary: str) -> str:  # the planted matter named, else the request template (no places, firms …)
        named = [name for name in CLUSTER_NAMES if name in summary]
        if named:
            return max(named, key=len)
        for place in (*VILLAGES, *TOWNSHIPS, *COMPANIES, *ESTATES):
            summary = summary.replace(place, "")
        summary = summary.removeprefix("再次反映：")  # a repeat petition is the same matter
        return "".join(ch for ch in summary if not ch.isdigit())

    for group in groups:
        summaries = [desk.case(c).request_summary for c in group.case_ids]
        assert len({matter(s) for s in summaries}) == 1, summaries
        townships = {desk.case(c).township for c in group.case_ids}
        assert townships == set(group.townships) and group.township in townships
        if len(townships) > 1:  # only a request naming neither its village nor its township leaves it
            assert not any(desk.case(c).village in s or desk.case(c).township in s
                           for c, s in zip(group.case_ids, summaries, strict=True)), summaries


# One highway's traffic noise, reported from five townships in their own words; beside it, noise and traffic
# requests about other things, and a request that names its own township.
# One highway's noise reported from five townships in five wordings (weakest link about 0.52 among them).
NOISE = (("城关镇", "东岙村", "甬台温高速公路交通噪声扰民，夜间影响休息，要求加装隔音屏"),
         ("新河镇", "前王村", "甬台温高速公路车辆噪声扰民，夜间无法休息，要求加装隔音屏障"),
         ("横街镇", "后洋村", "甬台温高速交通噪声扰民，要求加装隔音屏"),
         ("金清镇", "下岙村", "甬台温高速公路夜间交通噪声扰民，要求加装隔音屏"),
         ("温峤镇", "上塘村", "甬台温高速公路交通噪声扰民，影响休息，要求加装隔音设施"))
NOT_NOISE = (("大溪镇", "新民村", "省道车辆超速，交通事故多发，要求设置减速带"),
             ("峰江街道", "河头村", "高铁施工夜间噪声扰民，要求限定施工时间"),
             ("桐屿街道", "沙埠村", "桐屿街道农贸市场周边交通噪声扰民"),
             ("大溪镇", "南山村", "工厂夜间机器噪声扰民，影响休息，要求整改"))


# Other open matters of the same domain around them, so the rarity of words is that of a real mix (fixed here,
# not drawn from the demo, whose wording may change).
BACKGROUND = ("路灯损坏多日无人维修，夜间出行不便", "自来水水压不足，高楼层经常停水", "垃圾清运不及时，夏季气味难闻",
              "村道破损严重，雨天积水，要求修复", "小区电梯经常故障，要求物业维修", "邻居违章搭建，影响采光通风",
              "农村饮用水水质浑浊，要求检测", "公交班次太少，学生上学不便", "菜市场占道经营，交通拥堵",
              "广场舞音响声音过大，影响休息", "楼上漏水多次协调未果", "宠物犬扰民，要求社区管理",
              "村里健身器材损坏，要求更换", "有线电视信号差，多次报修未解决", "快递网点乱停车，堵塞村道")


def test_very_similar_requests_form_one_group_across_townships(desk: Desk, capsys: pytest.CaptureFixture[str]
                                                               ) -> None:
    for i, text in enumerate(BACKGROUND * 2):
        _register(desk, text, name=f"丁{i}", township=("城关镇", "新河镇", "大溪镇")[i % 3], village=f"{i}号村",
                  domain="其他")
    noise = [_register(desk, text, name=f"甲{i}", township=township, village=village, domain="其他")
             for i, (township, village, text) in enumerate(NOISE)]
    others = [_register(desk, text, name=f"乙{i}", township=township, village=village, domain="其他")
              for i, (township, village, text) in enumerate(NOT_NOISE)]
    # The same words in another domain are another unit's matter.
    elsewhere = _register(desk, NOISE[0][2], name="丙", township="大溪镇", domain="生态环境")
    planted = {"noise": noise, "others": [*others, elsewhere]}
    [group] = _here(find_common_problems(desk.conn, min_size=3), planted)
    assert group.case_ids == sorted(noise) and group.domain == "其他"
    assert sorted(group.townships) == sorted(t for t, _v, _s in NOISE)
    assert "新河镇前王村" in group.villages  # villages named with their township when a group spans several
    assert group.similarity >= CROSS_TOWNSHIP_THRESHOLD > DEFAULT_THRESHOLD
    # At the lower threshold used within one township, they would pull in other noise complaints.
    wide = _here(find_common_problems(desk.conn, min_size=3, cross_threshold=DEFAULT_THRESHOLD), planted)
    assert any(set(g.case_ids) & set(others) for g in wide)
    assert main(["--data-dir", str(desk.data_dir), "common-problems"]) == 0
    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if "甬台温高速" in line]
    assert "跨5个乡镇" in line and all(t in line for t, _v, _s in NOISE) and "5件" in line
    assert main(["--data-dir", str(desk.data_dir), "common-problems", "--json"]) == 0
    [found] = [g for g in json.loads(capsys.readouterr().out) if set(g["case_ids"]) == set(noise)]
    assert len(found["townships"]) == 5


def test_similar_pairs_finds_exactly_the_pairs_a_full_comparison_finds() -> None:
    import random

    rng = random.Random(4)
    words = "高速公路交通噪声扰民夜间休息隔音屏障工厂异味排放河道污染道路破损修复"
    texts = ["".join(rng.choice(words) for _ in range(rng.randint(6, 18))) for _ in range(150)]
    texts += [t[: len(t) - 2] + "要求" for t in texts[:40]]  # near copies
    idf = {g: 1.0 + rng.random() for t in texts for g in grams(t)}
    vectors = []
    for text in texts:
        weights = {g: c * idf[g] for g, c in grams(text).items()}
        norm = sum(w * w for w in weights.values()) ** 0.5
        vectors.append({g: w / norm for g, w in weights.items()})
    for threshold in (0.3, 0.45, 0.7):
        full = {(i, j) for i in range(len(vectors)) for j in range(i + 1, len(vectors))
                if cosine(vectors[i], vectors[j]) >= threshold}
        assert set(similar_pairs(vectors, threshold)) == full and full
