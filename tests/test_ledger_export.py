"""The ledger (台账) read back as the county reads it: in LibreOffice (as Excel/WPS would show it) and cell by
cell with openpyxl for what a spreadsheet shows without printing (frozen row, filter, fills, date types)."""

from __future__ import annotations

import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli.main import main
from app.ops.desk import Desk
from app.reports.ledger import HEADERS, LEDGER_SHEET, LedgerFilter, write_ledger
from tests.conftest import VALID_ID, FakeNow, demo_station, make_draft
from tests.office import convert, needs_libreoffice, read_csv_via_libreoffice

OTHER_ID = "33020319850715001X"


@pytest.fixture
def station(desk: Desk, now: FakeNow) -> dict[str, str]:
    """Four cases, one of each colour and one finished. Today ends as 2026-03-15."""
    cases = {}
    cases["yellow"] = desk.register_case(make_draft(name="黄一"))  # registered 03-02, route limit 03-17
    now.advance(days=3)
    cases["red"] = desk.register_case(make_draft(name="红二", backlog=True, leader="陈建平（副县长）"))
    cases["closed"] = desk.register_case(make_draft(name="结三", id_number=OTHER_ID))
    for kind, payload in (("dispatch", {"units": ["镇农业农村办"]}), ("accept", {}), ("contact", {"note": "电话"})):
        desk.record(cases["closed"], kind, payload)
    desk.handle(cases["closed"], "已修复")
    desk.record(cases["closed"], "feedback", {"reply": "已修复"})
    desk.record(cases["closed"], "follow_up", {"rating": "satisfied"})
    desk.record(cases["closed"], "close", {"note": "办结"})
    now.advance(days=10)
    cases["green"] = desk.register_case(make_draft(name="绿四", channel="letter"))
    assert desk.today() == date(2026, 3, 15)
    return cases


def export(desk: Desk, out: Path, *extra: str) -> int:
    return main(["--data-dir", str(desk.data_dir), "ledger", "--out", str(out), *extra])


def rows_by_case(path: Path) -> dict[str, dict[str, object]]:
    ws = load_workbook(path)[LEDGER_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    return {str(r[1]): dict(zip(HEADERS, r, strict=True)) for r in rows[1:]}


def test_ledger_rows_dates_and_colours(desk: Desk, station: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    write_ledger(desk.conn, out, LedgerFilter(), date(2026, 3, 15), station="TZ01 新河镇信访办")
    rows = rows_by_case(out)
    assert set(rows) == set(station.values())
    assert rows[station["red"]]["督办"] == "红" and rows[station["yellow"]]["督办"] == "黄"
    assert rows[station["green"]]["督办"] == "绿" and rows[station["closed"]]["督办"] == "—"
    assert rows[station["yellow"]]["登记日期"] == datetime(2026, 3, 2)
    assert rows[station["yellow"]]["剩余天数"] == 2 and rows[station["yellow"]]["办理期限"] == datetime(2026, 3, 17)
    closed = rows[station["closed"]]
    assert closed["办理状态"] == "已办结" and closed["回访评价"] == "满意"
    assert closed["办结日期"] == datetime(2026, 3, 5)
    assert rows[station["red"]]["积案"] == "是" and rows[station["red"]]["包案领导"] == "陈建平（副县长）"
    assert rows[station["red"]]["四定四包"] == "0/8"
    assert rows[station["green"]]["来源渠道"] == "来信"

    ws = load_workbook(out)[LEDGER_SHEET]
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref == f"A1:AB{len(station) + 1}"
    assert ws.cell(2, HEADERS.index("登记日期") + 1).is_date
    assert ws.column_dimensions["N"].width >= 40  # the request column is wide enough to read
    fills = {ws.cell(r, HEADERS.index("督办") + 1).value: ws.cell(r, HEADERS.index("督办") + 1).fill.fgColor.rgb
             for r in range(2, ws.max_row + 1)}
    assert fills["红"].endswith("D32F2F") and fills["黄"].endswith("F9D132") and fills["绿"].endswith("2E7D32")
    assert ws.cell(1, 1).font.b


def test_ids_masked_unless_full_id(desk: Desk, station: dict[str, str], tmp_path: Path) -> None:
    assert export(desk, tmp_path / "masked.xlsx") == 0
    assert export(desk, tmp_path / "full.xlsx", "--full-id") == 0
    masked = rows_by_case(tmp_path / "masked.xlsx")[station["yellow"]]
    full = rows_by_case(tmp_path / "full.xlsx")[station["yellow"]]
    assert masked["身份证号"] == "110105********002X"
    assert full["身份证号"] == VALID_ID


def test_filters(desk: Desk, station: dict[str, str], tmp_path: Path) -> None:
    # The command line runs on the real clock; the colour is a matter of the day, so it is asked of the desk's.
    write_ledger(desk.conn, tmp_path / "red.xlsx", LedgerFilter(colour="red"), desk.today(), station="TZ01")
    assert set(rows_by_case(tmp_path / "red.xlsx")) == {station["red"]}
    write_ledger(desk.conn, tmp_path / "yellow.xlsx", LedgerFilter(colour="yellow"), desk.today(), station="TZ01")
    assert set(rows_by_case(tmp_path / "yellow.xlsx")) == {station["yellow"]}
    assert export(desk, tmp_path / "closed.xlsx", "--status", "closed") == 0
    assert set(rows_by_case(tmp_path / "closed.xlsx")) == {station["closed"]}
    assert export(desk, tmp_path / "march5.xlsx", "--from", "2026-03-05", "--to", "2026-03-05") == 0
    assert set(rows_by_case(tmp_path / "march5.xlsx")) == {station["red"], station["closed"]}
    assert export(desk, tmp_path / "bad.xlsx", "--from", "2026-03-09", "--to", "2026-03-01") == 1
    assert not (tmp_path / "bad.xlsx").exists()


def test_status_and_colour_in_chinese(desk: Desk, station: dict[str, str], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert export(desk, tmp_path / "closed.xlsx", "--status", "已办结") == 0
    assert set(rows_by_case(tmp_path / "closed.xlsx")) == {station["closed"]}
    for colour in ("红", "红色", "red"):
        assert export(desk, tmp_path / f"{colour}.xlsx", "--colour", colour) == 0
    with pytest.raises(SystemExit):
        export(desk, tmp_path / "x.xlsx", "--colour", "紫")
    assert "督办颜色须为：红、黄、绿" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["ledger", "--help"])
    helptext = capsys.readouterr().out
    assert "已登记、已派发" in helptext and "红、黄、绿" in helptext


@needs_libreoffice
def test_libreoffice_shows_every_case_of_a_demo_station(tmp_path: Path, now: FakeNow) -> None:
    demo = demo_station(tmp_path / "demo", 120, 3, now=now)
    out = tmp_path / "ledger" / "demo.xlsx"
    assert export(demo, out) == 0
    table = read_csv_via_libreoffice(out, tmp_path / "csv")
    assert table[0] == list(HEADERS)
    expected = {r[0] for r in demo.conn.execute("SELECT case_id FROM cases")}
    assert len(expected) == 120
    assert [row[1] for row in table[1:]] == sorted(expected, key=lambda c: demo.case(c).registered_at + c)
    first = table[1]
    assert first[HEADERS.index("登记日期")] == demo.case(first[1]).registered_at[:10]  # shown as a date
    assert all("*" in row[HEADERS.index("身份证号")] for row in table[1:])
    demo.close()


def test_print_setup_is_readable(desk: Desk, station: dict[str, str], tmp_path: Path) -> None:
    """Printed, the 28 columns go over three A4 landscape pages (not one page at 4 points), each repeating the
    header row and the 序号 / 案件编号 columns, with the station and page number in the header and footer."""
    out = tmp_path / "台账.xlsx"
    write_ledger(desk.conn, out, LedgerFilter(), desk.today(), station="TZ01 新河镇信访办")
    ws = load_workbook(out)[LEDGER_SHEET]
    setup = ws.page_setup
    assert setup.orientation == "landscape" and setup.paperSize == 9
    assert (setup.fitToWidth, setup.fitToHeight) == (3, 0) and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows.replace("$", "") == "1:1" and ws.print_title_cols.replace("$", "") == "A:B"
    assert ws.oddHeader.left.text == "TZ01 新河镇信访办" and ws.oddFooter.center.text == "第 &P 页，共 &N 页"


@needs_libreoffice
def test_libreoffice_prints_the_ledger_three_pages_across(tmp_path: Path, now: FakeNow) -> None:
    demo = demo_station(tmp_path / "demo", 120, 3, now=now)
    out = tmp_path / "ledger.xlsx"
    write_ledger(demo.conn, out, LedgerFilter(), demo.today(), station="DEMO")
    pdf = convert(out, "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = [p for p in text.split("\f") if "信访事项台账" in p]  # the 说明 sheet has no running header
    assert len(pages) >= 6 and len(pages) % 3 == 0, len(pages)  # three across, several down
    assert all(f"第 {number} 页，共" in page for number, page in enumerate(pages, start=1))
    first_case = demo.conn.execute("SELECT case_id FROM cases ORDER BY registered_at, case_id").fetchone()[0]
    for page in pages[:3]:  # the same rows across the first three pages, each with its case numbers
        assert first_case in page
    assert all("DEMO-" in page for page in pages)
    demo.close()
