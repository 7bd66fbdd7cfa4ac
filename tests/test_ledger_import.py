"""Importing a hand-kept ledger: headers found by their synonyms, every row checked, the refused rows written
out with a reason, and the rest created in one transaction — from workbooks written by openpyxl and by
LibreOffice."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from app.cli.main import main
from app.models.case import Petitioner
from app.models.errors import DomainError
from app.models.intake import CaseDraft
from app.ops.bulk import register_many
from app.ops.desk import Desk
from app.reports.ledger import LedgerFilter, write_ledger
from app.reports.ledger_import import plan_import, run_import
from tests.conftest import VALID_ID, FakeNow, demo_station, make_draft, new_station
from tests.office import needs_libreoffice, resave_with_libreoffice

ID_B = "33020319850715001X"
ID_C = "331002196803120012"
HEADERS = ["序号", "来访人", "证件号码", "手机", "主要诉求", "信访方式", "问题类别", "镇街", "村社区",
           "来信来访日期", "责任单位", "备注"]
# (row values after 序号, the reason it must be refused or "" when it is valid)
ROWS: list[tuple[list[Any], str]] = [
    (["王小明", VALID_ID, "13800138000", "东岙村道路破损，要求修复", "来访", "农业农村", "新河镇", "东岙村",
      date(2026, 2, 3), "镇农业农村办", ""], ""),
    (["李秀英、张三", f"{ID_B}、{ID_C}", "0576-88123456", "拖欠工资8000元", "网上信访", "劳动保障", "新河镇",
      "前王村", "2026年2月5日", "县人力社保局", "两人同来"], ""),
    (["陈阿三", "", "", "化工厂夜间异味扰民", "信件", "", "新河镇", "后洋村", "2026/2/6", "", ""], ""),
    (["赵错号", "110105194912310021", "13800138000", "宅基地纠纷", "来访", "自然资源", "新河镇", "东岙村",
      date(2026, 2, 7), "", ""], "校验位错误"),
    (["钱电话", "", "1380013", "噪声", "来电", "生态环境", "新河镇", "", date(2026, 2, 7), "", ""], "手机号应为11位"),
    (["", "", "", "没有姓名的诉求", "来访", "其他", "", "", date(2026, 2, 8), "", ""], "信访人姓名未填写"),
    (["孙无诉求", "", "", "", "来访", "其他", "", "", date(2026, 2, 8), "", ""], "请填写诉求"),
    (["周渠道", "", "", "路灯不亮", "托人转交", "其他", "", "", date(2026, 2, 8), "", ""],
     "来源渠道“托人转交”无法识别"),
    (["吴未来", "", "", "桥梁维修", "来访", "其他", "", "", date(2030, 1, 1), "", ""], "晚于今天"),
    (["郑脱敏", "110105********002X", "", "低保申请", "来访", "其他", "", "", date(2026, 2, 9), "", ""], "已脱敏"),
    (["王小明", VALID_ID, "13800138000", "东岙村道路破损，要求修复", "来访", "农业农村", "新河镇", "东岙村",
      date(2026, 2, 3), "镇农业农村办", "重复登记"], "与第3行重复"),
    (["冯领域", "", "", "祖坟被占", "来访", "殡葬", "", "", date(2026, 2, 9), "", ""], ""),  # 其他, wording kept
]
VALID = sum(1 for _, reason in ROWS if not reason)


def hand_ledger(path: Path) -> Path:
    """A ledger as a township keeps it: a title row, then headers in its own words, then the rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "2026年信访台账"
    ws.append(["新河镇2026年信访事项登记台账"])
    ws.merge_cells("A1:L1")
    ws.append(HEADERS)
    for number, (values, _) in enumerate(ROWS, start=1):
        ws.append([number, *values])
    wb.save(path)
    return path


def run(desk: Desk, *args: str) -> int:
    return main(["--data-dir", str(desk.data_dir), "import-ledger", *args])


def case_count(desk: Desk) -> int:
    return int(desk.conn.execute("SELECT count(*) FROM cases").fetchone()[0])


def check_plan(desk: Desk, path: Path) -> None:
    plan = plan_import(desk, path)
    assert plan.header_row == 2 and not plan.missing
    assert dict(plan.mapping_lines())["来访人"] == "信访人"
    assert dict(plan.mapping_lines())["来信来访日期"] == "登记日期"
    assert "备注" in plan.ignored_headers
    by_row = {r.row: r for r in plan.rows}
    for number, (_, reason) in enumerate(ROWS, start=3):
        if reason:
            assert reason in by_row[number].reason, (number, by_row[number].reason)
        else:
            assert by_row[number].draft is not None, (number, by_row[number].reason)
    second = by_row[4].draft
    assert second is not None and [p.name for p in second.petitioners] == ["李秀英", "张三"]
    assert [p.id_number for p in second.petitioners] == [ID_B, ID_C]
    assert second.channel == "online" and by_row[4].at == datetime(2026, 2, 5)
    assert by_row[5].draft is not None and by_row[5].draft.channel == "letter"
    assert by_row[5].draft.domain == "其他"  # a blank domain is 其他
    unknown = by_row[14]
    assert unknown.draft is not None and unknown.draft.domain == "其他"
    assert unknown.draft.request_summary == "【原领域：殡葬】祖坟被占"  # the ledger's wording is not lost
    assert "记为“其他”" in unknown.notes[0]


def test_dry_run_reports_and_writes_rejected_rows(desk: Desk, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    source = hand_ledger(tmp_path / "台账.xlsx")
    check_plan(desk, source)
    assert run(desk, str(source), "--dry-run") == 0
    out = capsys.readouterr()
    assert f"可导入 {VALID} 件，未通过 {len(ROWS) - VALID} 行" in out.out
    assert "来访人 → 信访人" in out.out
    assert case_count(desk) == 0  # a dry run writes nothing
    rejected = load_workbook(tmp_path / "台账-未导入.xlsx").active
    rows = list(rejected.iter_rows(values_only=True))
    assert rows[0][0] == "原行号" and rows[0][-1] == "原因" and list(rows[0][1:-1]) == HEADERS
    assert len(rows) - 1 == len(ROWS) - VALID
    reasons = {r[0]: r[-1] for r in rows[1:]}
    assert "校验位错误" in reasons[6] and "与第3行重复" in reasons[13]
    assert rows[1][2] == "赵错号"  # the row as it was, so it can be fixed and imported again


def test_import_creates_valid_rows_and_twice_creates_nothing(desk: Desk, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    source = hand_ledger(tmp_path / "台账.xlsx")
    assert run(desk, str(source)) == 0
    assert case_count(desk) == VALID
    names = {r[0]: r for r in desk.conn.execute(
        "SELECT petitioner_names, channel, domain, township, village, substr(registered_at, 1, 10), "
        "authority_unit, status FROM cases")}
    assert names["王小明"][1:] == ("visit", "农业农村", "新河镇", "东岙村", "2026-02-03", "镇农业农村办", "registered")
    assert names["李秀英、张三"][5] == "2026-02-05"
    assert desk.case("TZ01-2026-00001").petitioners[0].name == "王小明"  # numbered in date order
    capsys.readouterr()
    assert run(desk, str(source)) == 1  # the invalid rows are still invalid; the others are already cases
    out = capsys.readouterr()
    assert f"已导入过，跳过 {VALID} 行" in out.out and "没有可导入的行" in out.err
    assert case_count(desk) == VALID
    rejected = load_workbook(tmp_path / "台账-未导入.xlsx").active
    assert rejected.max_row - 1 == len(ROWS) - VALID  # the rows already imported are not "refused"
    assert main(["--data-dir", str(desk.data_dir), "verify"]) == 0


def clean_ledger(path: Path, *, channel: bool = True) -> Path:
    wb = Workbook()
    wb.active.append(["姓名", "诉求", *(["来源"] if channel else []), "登记日期", "领域"])
    wb.active.append(["王小明", "道路破损", *(["来访"] if channel else []), date(2026, 2, 3), "城乡建设"])
    wb.active.append(["李秀英", "拖欠工资", *([""] if channel else []), date(2026, 2, 4), "劳动和社会保障"])
    wb.save(path)
    return path


def test_importing_again_skips_what_is_there_and_succeeds(desk: Desk, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    source = clean_ledger(tmp_path / "clean.xlsx")
    assert run(desk, str(source), "--channel", "来电") == 0
    out = capsys.readouterr().out
    assert "已导入 2 件案件" in out and "第3行：来源渠道按“来电”" in out
    assert "第2行：领域“城乡建设”不在本站的领域列表中" in out and "领域“劳动和社会保障”记为“劳动保障”" in out
    rows = desk.conn.execute("SELECT channel, domain, request_summary FROM cases ORDER BY case_id").fetchall()
    assert rows == [("visit", "其他", "【原领域：城乡建设】道路破损"), ("phone", "劳动保障", "拖欠工资")]
    assert run(desk, str(source), "--channel", "来电") == 0  # nothing new, nothing wrong
    out = capsys.readouterr()
    assert "均已导入过，未新建案件" in out.out and "第2行：已导入过，跳过（本站已有案件 TZ01-2026-00001）" in out.out
    assert not (tmp_path / "clean-未导入.xlsx").exists()
    assert case_count(desk) == 2


def test_a_ledger_without_a_channel_column_takes_the_one_given(desk: Desk, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    source = clean_ledger(tmp_path / "nochannel.xlsx", channel=False)
    assert run(desk, str(source), "--dry-run") == 1
    assert "请用 --channel 指定" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(desk, str(source), "--channel", "bogus")
    assert "来源渠道“bogus”无法识别" in capsys.readouterr().err
    assert run(desk, str(source), "--channel", "网上") == 0
    assert {r[0] for r in desk.conn.execute("SELECT channel FROM cases")} == {"online"}


@pytest.mark.parametrize(("content", "says", "what_to_do"), [
    (b"", "是空的", "没有保存完整"),
    (b"PK\x03\x04" + b"\0" * 200, "已损坏或不完整", "另存为 .xlsx"),
    ("姓名,诉求\n王小明,道路破损\n".encode(), "不是 Excel 工作簿", "另存为 .xlsx"),
    (b"<html><table><tr><td>x</td></tr></table></html>", "不是 Excel 工作簿", "另存为 .xlsx"),
    (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504, "旧版 Excel 格式（.xls）", "另存为 .xlsx"),
    (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le"), "设有打开密码",
     "取消密码后另存为 .xlsx"),
])
def test_unreadable_files_are_explained_in_chinese(desk: Desk, tmp_path: Path, content: bytes, says: str,
                                                   what_to_do: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_bytes(content)
    assert run(desk, str(path), "--dry-run") == 1
    err = capsys.readouterr().err
    assert says in err and what_to_do in err and "台账.xlsx" in err, err
    assert not any(word in err for word in ("invalid", "Zip", "EOCD", "Cfb", "error")), err


def test_missing_file_is_explained(desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(desk, str(tmp_path / "无此台账.xlsx"), "--dry-run") == 1
    assert "找不到台账文件" in capsys.readouterr().err


def test_missing_required_column_is_refused(desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wb = Workbook()
    wb.active.append(["姓名", "联系电话", "反映问题"])
    wb.active.append(["王小明", "13800138000", "道路破损"])
    wb.save(tmp_path / "short.xlsx")
    assert run(desk, str(tmp_path / "short.xlsx"), "--dry-run") == 1
    err = capsys.readouterr().err
    assert "缺少必需的列：来源渠道、登记日期" in err


def test_id_numbers_stored_as_numbers_are_refused_with_the_reason(desk: Desk, tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["姓名", "身份证号", "诉求", "来源", "登记日期"])
    wb.active.append(["王小明", 110105194912310021, "道路破损", "来访", date(2026, 2, 3)])
    wb.save(tmp_path / "numbers.xlsx")
    [row] = plan_import(desk, tmp_path / "numbers.xlsx").rows
    assert "存为数字" in row.reason


def test_bulk_registration_is_all_or_nothing(desk: Desk) -> None:
    drafts: list[tuple[CaseDraft, datetime | None]] = [(make_draft(name=f"甲{i}"), None) for i in range(3)]
    drafts.append((make_draft(name="乙", repeat_of=["TZ01-2020-00001"]), None))  # fails inside the transaction
    with pytest.raises(DomainError, match="要关联的案件不存在"):
        register_many(desk, drafts)
    assert case_count(desk) == 0
    assert desk.conn.execute("SELECT count(*) FROM events WHERE kind = 'register'").fetchone()[0] == 0
    bad = [(make_draft(), None), (CaseDraft("visit", [Petitioner("")], "诉求"), None)]
    with pytest.raises(DomainError, match="第2件"):
        register_many(desk, bad)
    assert case_count(desk) == 0
    assert len(register_many(desk, drafts[:3])) == 3


@needs_libreoffice
def test_ledger_written_by_libreoffice(desk: Desk, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    source = hand_ledger(tmp_path / "src" / "台账.xlsx")
    resaved = resave_with_libreoffice(source, tmp_path / "lo")
    assert resaved.read_bytes() != source.read_bytes()
    check_plan(desk, resaved)
    plan = plan_import(desk, resaved)
    assert len(run_import(desk, plan)) == VALID


@needs_libreoffice
def test_round_trip_of_an_exported_ledger_through_libreoffice(tmp_path: Path, now: FakeNow) -> None:
    demo = demo_station(tmp_path / "demo", 80, 5, now=now)
    exported = tmp_path / "out" / "demo.xlsx"
    write_ledger(demo.conn, exported, LedgerFilter(), demo.today(), station="DEMO", full_id=True)
    resaved = resave_with_libreoffice(exported, tmp_path / "lo")
    other = new_station(tmp_path / "other", "TZ09", "横街镇信访办", "township", now=now)
    plan = plan_import(other, resaved)
    assert not plan.rejected, plan.rejected[:3]
    run_import(other, plan)
    query = ("SELECT petitioner_names, request_summary, channel, domain, township, substr(registered_at, 1, 10) "
             "FROM cases ORDER BY 1, 2, 6")
    assert other.conn.execute(query).fetchall() == demo.conn.execute(query).fetchall()
    ids = "SELECT id_number, phone FROM petitioners ORDER BY 1, 2"
    assert other.conn.execute(ids).fetchall() == demo.conn.execute(ids).fetchall()
    demo.close()
    other.close()


def test_the_programs_own_masked_ledger_says_why_it_cannot_come_back(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from tests.cli_support import cli_station, run
    from tests.test_cli import register

    cli_station(tmp_path)
    assert register(capsys, tmp_path)[0] == 0
    ledger = tmp_path / "台账.xlsx"
    assert run(capsys, tmp_path, "ledger", "--out", str(ledger))[0] == 0  # ID numbers masked by default
    code, _out, err = run(capsys, tmp_path, "import-ledger", str(ledger), "--dry-run",
                          "--rejected", str(tmp_path / "未导入.xlsx"))
    assert "身份证号已脱敏（含*），不能导入" in err
    assert "脱敏（部分隐去）的身份证号不能导入" in err and "导出完整身份证号" in err and "ledger --full-id" in err


def test_sheets_are_read_from_a1_a_row_at_a_time_as_the_whole_sheet_reads(tmp_path: Path) -> None:
    """Rows are converted one by one (the window stays live during an import); the result is the same as the
    reader's whole-sheet conversion, blank rows and columns before the table included."""
    from python_calamine import CalamineWorkbook

    from app.reports.ledger_import import _read_sheets

    wb = Workbook()
    wb.active.title = "空白"
    offset = wb.create_sheet("偏移")
    offset["C3"], offset["D3"], offset["C4"], offset["E6"] = "姓名", "诉求", "王小明", 5
    plain = wb.create_sheet("台账")
    plain.append(["姓名", "诉求"])
    plain.append(["李秀英", None])
    wb.save(tmp_path / "sheets.xlsx")
    book = CalamineWorkbook.from_path(str(tmp_path / "sheets.xlsx"))
    whole = [(n, book.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in book.sheet_names]
    read = _read_sheets(tmp_path / "sheets.xlsx")
    assert read == whole
    assert read[1][1][2] == ["", "", "姓名", "诉求", ""] and read[2][1] == [["姓名", "诉求"], ["李秀英", ""]]
