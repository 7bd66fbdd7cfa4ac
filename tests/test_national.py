"""诉求分类 and the national fields: a case classified at registration, ``ledger --national`` in its fixed
columns, and a 12345 work-order workbook (as LibreOffice writes it) imported with its work-order numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from app.cli.main import main
from app.models.errors import DomainError
from app.ops.desk import Desk
from app.reports.ledger import LEDGER_SHEET, LedgerFilter, write_ledger
from app.reports.ledger_import import plan_import, run_import
from app.reports.national import NATIONAL_HEADERS
from tests.conftest import VALID_ID, FakeNow, make_draft, reopen
from tests.office import needs_libreoffice, resave_with_libreoffice


def test_a_case_is_classified_at_registration_and_refused_with_a_wrong_class(desk: Desk) -> None:
    case_id = desk.register_case(make_draft(category="申诉求决", problem_type="农村农业/宅基地", purpose="求决",
                                            legal_route="信访程序"))
    state = desk.case(case_id)
    assert (state.category, state.problem_type, state.purpose, state.legal_route, state.first_petition) == \
        ("申诉求决", "农村农业/宅基地", "求决", "信访程序", True)
    for fields, message in (({"category": "投诉"}, "诉求分类须为：建议意见、检举控告、申诉求决"),
                            ({"problem_type": "农村农业/养鸡"}, "问题类别“农村农业/养鸡”不在本站的问题类别中"),
                            ({"category": "建议意见", "legal_route": "诉讼"}, "只有申诉求决类事项可选"),
                            ({"channel": "hotline"}, "12345热线转来的事项请填写工单编号")):
        with pytest.raises(DomainError, match=message):
            desk.register_case(make_draft(**fields))
    repeat = desk.register_case(make_draft(repeat_of=[case_id]))
    assert not desk.case(repeat).first_petition  # a linked case is a repeat, whatever was ticked


def test_the_station_sets_its_own_problem_tree(desk: Desk) -> None:
    desk.set_problem_types({"农业": ["养殖"]})
    desk.register_case(make_draft(problem_type="农业/养殖"))
    with pytest.raises(DomainError, match="不在本站的问题类别中"):
        desk.register_case(make_draft(problem_type="农村农业/宅基地"))


def test_the_national_ledger_has_its_fixed_columns(desk: Desk, now: FakeNow, tmp_path: Path) -> None:
    case_id = desk.register_case(make_draft(channel="hotline", work_order="GD20260302001", category="申诉求决",
                                            problem_type="城乡建设/市政设施", purpose="求决"),
                                 at=datetime(2026, 3, 1, 15, 0))
    desk.record(case_id, "dispatch", {"units": ["镇建设办"], "mode": "assign", "due": "2026-03-20"})
    desk.record(case_id, "accept", {})
    desk.notify(case_id, "受理", "短信", document="新河信告〔2026〕第5号")
    out = tmp_path / "national.xlsx"
    assert write_ledger(desk.conn, out, LedgerFilter(), desk.today(), station="TZ01 新河镇信访办",
                        national=True) == 1
    rows = list(load_workbook(out)[LEDGER_SHEET].iter_rows(values_only=True))
    assert rows[0] == NATIONAL_HEADERS
    row = dict(zip(NATIONAL_HEADERS, rows[1], strict=True))
    assert row["信访事项编号"] == case_id and row["收到日期"].date() == date(2026, 3, 1)
    assert (row["信访形式"], row["12345工单编号"], row["初信初访/重复"]) == ("12345热线", "GD20260302001", "初信初访")
    assert (row["诉求分类"], row["问题类别"], row["信访目的"]) == ("申诉求决", "城乡建设／市政设施", "求决")
    assert (row["转送/交办"], row["受理情况"]) == ("交办", "受理")
    assert row["告知情况"] == "2026-03-02 受理告知（短信，文书新河信告〔2026〕第5号）"
    assert row["证件号码"] != VALID_ID and row["证件号码"].endswith(VALID_ID[-4:])  # masked
    assert main(["--data-dir", str(desk.data_dir), "ledger", "--national", "--out", str(tmp_path / "n2.xlsx")]) == 0


def hotline_workbook(path: Path) -> Path:
    """A 12345 work-order export as the hotline's system writes it: a title row, then its own headers."""
    wb = Workbook()
    ws = wb.active
    ws.append(["12345政务服务热线工单导出"])
    ws.append(["工单编号", "来电时间", "来电人", "来电号码", "工单内容", "问题分类", "承办部门"])
    ws.append(["GD20260301001", datetime(2026, 3, 1, 10, 5), "王小明", "13800138000", "东岙村路灯不亮",
               "农业农村", "镇建设办"])
    ws.append(["GD20260301002", "2026-03-01 11:20", "李秀英", "13900139000", "小区噪声扰民", "生态环境", ""])
    ws.append(["", "2026-03-01", "张三", "13700137000", "没有工单号的一行", "其他", ""])
    wb.save(path)
    return path


def check_hotline_import(desk: Desk, path: Path) -> None:
    plan = plan_import(desk, path, source="12345")
    assert [r.reason for r in plan.rejected] == ["12345热线转来的事项请填写工单编号"]
    created = run_import(desk, plan)
    assert len(created) == 2
    state = desk.case(created[0])
    assert (state.channel, state.work_order, state.registered_at[:10]) == ("hotline", "GD20260301001", "2026-03-01")
    again = plan_import(desk, path, source="12345")  # the same work orders again: nothing twice
    assert len(again.valid) == 0 and len(again.skipped) == 2


def test_a_12345_workbook_is_imported_with_its_work_orders(desk: Desk, tmp_path: Path) -> None:
    check_hotline_import(desk, hotline_workbook(tmp_path / "12345.xlsx"))


@needs_libreoffice
def test_a_12345_workbook_written_by_libreoffice(desk: Desk, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    resaved = resave_with_libreoffice(hotline_workbook(tmp_path / "src" / "12345工单.xlsx"), tmp_path / "lo")
    check_hotline_import(desk, resaved)


def test_a_12345_workbook_without_work_orders_is_refused(desk: Desk, tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["来电时间", "来电人", "工单内容"])
    wb.active.append(["2026-03-01", "王小明", "路灯不亮"])
    wb.save(tmp_path / "no-orders.xlsx")
    plan = plan_import(desk, tmp_path / "no-orders.xlsx", source="12345")
    with pytest.raises(DomainError, match="台账缺少必需的列：12345工单编号"):
        plan.require_columns()


def test_the_problem_tree_is_changed_from_the_command_line(desk: Desk, capsys: pytest.CaptureFixture[str],
                                                           now: FakeNow) -> None:
    folder = str(desk.data_dir)
    assert main(["--data-dir", folder, "problem-types", "--add", "城乡建设/燃气安全", "--remove", "政法"]) == 0
    now.current = datetime.now()  # the command line recorded by the computer's clock: the desk goes on from it
    assert "城乡建设：住房保障、物业管理、市政设施、拆迁安置、违章建筑、燃气安全" in capsys.readouterr().out
    reopened = reopen(desk)
    try:
        assert "政法" not in reopened.problem_types
        reopened.register_case(make_draft(problem_type="城乡建设/燃气安全"))
    finally:
        reopened.close()
    assert main(["--data-dir", folder, "problem-types", "--add", "燃气"]) == 1
    assert "问题类别须写成 大类/小类：燃气" in capsys.readouterr().err
