"""Every path in checks what an event carries with the one per-kind check (app.models.shapes): the new-case form's
and the command line's registration, ledger import, corrections, conflict resolution, steps, and the handler's
name. Each refusal says what is wrong in Chinese and records nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from app.cli.main import main
from app.models.case import Petitioner
from app.models.errors import DomainError
from app.models.shapes import SHAPES, check_event, payload_problem
from app.models.vocab import EVENT_LABELS
from app.ops import supervision
from app.ops.desk import Desk
from app.reports.ledger_import import plan_import
from tests.conftest import VALID_ID, FakeNow, make_draft
from tests.sync_helpers import new_case, send, station_tree


def _events(desk: Desk) -> int:
    """The events about cases (a new station's set-up events are not)."""
    return int(desk.conn.execute("SELECT count(*) FROM events WHERE case_id != ''").fetchone()[0])


def test_every_kind_of_event_declares_its_shape() -> None:
    assert set(EVENT_LABELS) <= set(SHAPES)
    with pytest.raises(DomainError, match="未知的事件类别：frobnicate"):
        check_event("frobnicate", {}, "张丽", "2026-03-02T09:00:00")


@pytest.mark.parametrize(("draft", "says"), [
    (make_draft(request_summary="诉" * 5001), "“诉求”过长（5001 字，最多 5000 字）"),
    (make_draft(name="王" * 51), "“信访人”第1项“姓名”过长（51 字，最多 50 字）"),
    (make_draft(petitioners=[Petitioner("王小明", "", "", "地" * 201)]),
     "“信访人”第1项“地址”过长（201 字，最多 200 字）"),
    (make_draft(village="东岙\x00村"), "“村（社区）”含有控制字符或换行"),
    (make_draft(request_summary="第一行\u0007第二行"), "“诉求”含有控制字符"),
])
def test_registration_is_bounded(desk: Desk, draft: object, says: str) -> None:
    with pytest.raises(DomainError) as err:
        desk.register_case(draft)  # type: ignore[arg-type]
    assert says in str(err.value)
    assert _events(desk) == 0


def test_a_request_may_span_lines(desk: Desk) -> None:
    case_id = desk.register_case(make_draft(request_summary="一、道路破损\n二、路灯不亮"))
    assert desk.case(case_id).request_summary == "一、道路破损\n二、路灯不亮"


def test_a_correction_is_checked_as_registration_is(desk: Desk) -> None:
    """Desk.edit took an ID number "123" and a phone "abc" that registration refuses."""
    case_id = new_case(desk)
    before = _events(desk)
    with pytest.raises(DomainError, match="“信访人”第1项“身份证号”身份证号应为18位，现为3位"):
        desk.edit(case_id, "petitioners", [{"name": "王小明", "id_number": "123", "phone": "", "address": ""}])
    with pytest.raises(DomainError, match="“信访人”第1项“电话”电话应为11位手机号"):
        desk.edit(case_id, "petitioners", [{"name": "王小明", "id_number": VALID_ID, "phone": "abc"}])
    with pytest.raises(DomainError, match="“人数”应为整数"):
        desk.edit(case_id, "head_count", "很多")
    with pytest.raises(DomainError, match="该字段不能修改：status"):
        desk.edit(case_id, "status", "closed")
    assert _events(desk) == before


def test_a_conflict_cannot_be_settled_with_a_value_registration_refuses(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        case_id = new_case(town)
        send(town, county, tmp_path / "1.zip")
        town.edit(case_id, "village", "前王村")
        county.edit(case_id, "village", "后洋村")
        send(town, county, tmp_path / "2.zip")
        before = _events(county)
        with pytest.raises(DomainError, match="“村（社区）”过长"):
            supervision.resolve(county, case_id, "village", value="村" * 51)
        assert _events(county) == before
        bad = '[{"name": "王小明", "id_number": "", "phone": "abc", "address": ""}]'
        county.edit(case_id, "petitioners", [{"name": "王小明", "id_number": "", "phone": "", "address": ""}])
        town.edit(case_id, "petitioners", [{"name": "王大明", "id_number": "", "phone": "", "address": ""}])
        send(town, county, tmp_path / "3.zip")
        with pytest.raises(DomainError, match="电话应为11位手机号"):
            supervision.resolve(county, case_id, "petitioners", value=bad)


def test_a_step_note_is_bounded_on_the_command_line(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    case_id = new_case(desk)
    code = main(["--data-dir", str(desk.data_dir), "step", case_id, "dispatch", "--unit", "镇农业农村办",
                 "--note", "意" * 5001])
    assert code == 1 and "“派发”的内容不符合要求：“说明”过长（5001 字，最多 5000 字）" in capsys.readouterr().err
    assert _events(desk) == 1


def test_a_ledger_row_too_long_or_with_control_characters_is_refused(desk: Desk, tmp_path: Path) -> None:
    """The 17-million-character 诉求 of a ledger stops at its row, with the reason, and the rest comes in."""
    wb = Workbook()
    ws = wb.active
    ws.append(["来访人", "主要诉求", "信访方式", "来信来访日期"])
    ws.append(["王小明", "诉" * 32_000, "来访", "2026-02-03"])
    ws.append(["李\t四", "路灯不亮", "来访", "2026-02-03"])  # a tab: the one control character a cell keeps
    ws.append(["张三", "道路破损", "来访", "2026-02-03"])
    wb.save(tmp_path / "ledger.xlsx")
    plan = plan_import(desk, tmp_path / "ledger.xlsx")
    reasons = {r.row: r.reason for r in plan.rows}
    assert "“诉求”过长（32000 字，最多 5000 字）" in reasons[2]
    assert "姓名" in reasons[3] and "控制字符" in reasons[3]
    assert reasons[4] == ""


def test_payload_problem_names_the_field_in_chinese() -> None:
    assert payload_problem("follow_up", {"rating": "great"}) == "“回访评价”不是可选的值：great"
    assert payload_problem("extend", {"days": 400, "reason": "x"}) == "“延期天数”应在 1 至 366 之间"
    assert payload_problem("supervise", {"deadline": "明天", "note": "x"}) == "“督办期限”应为日期，如 2026-03-31"
    assert payload_problem("checklist", {"key": "fix_leader", "done": True, "note": "x", "extra": 1}) == \
        "有未声明的内容“extra”"
    assert payload_problem("checklist", {"key": "fix_leader", "done": True, "extra": 1}, strict=False) is None
