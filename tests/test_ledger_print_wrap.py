"""The printed ledger cuts nobody: a case of several petitioners prints each name, ID number and phone whole,
one person a line, as LibreOffice (standing in for Excel and WPS) prints the workbook — in the county's columns and
in the national layout alike, rows as tall as their lines."""

from __future__ import annotations

import subprocess
from pathlib import Path

from openpyxl import load_workbook

from app.models.case import Petitioner
from app.ops.desk import Desk
from app.reports.ledger import HEADERS, LEDGER_SHEET, LedgerFilter, write_ledger
from app.reports.national import NATIONAL_HEADERS
from app.reports.wrapped_cells import LINE_POINTS, row_points, text_lines
from tests.conftest import VALID_ID, make_draft
from tests.office import convert, needs_libreoffice

PEOPLE = [Petitioner("欧阳建国", VALID_ID, "13800138000", "新河镇东岙村12号"),
          Petitioner("司马秀英", "33020319850715001X", "13912345678", "新河镇东岙村南岙自然村108号"),
          Petitioner("诸葛明", "330102197001010013", "057688123456", "新河镇西岙村3号")]


def three_people_ledger(desk: Desk, out: Path) -> str:
    case_id = desk.register_case(make_draft(
        petitioners=PEOPLE, head_count=3,
        request_summary="东岙村道路破损多年，雨天积水无法通行，村民多次反映未果，要求镇政府尽快安排资金修复并加装路灯"))
    write_ledger(desk.conn, out, LedgerFilter(), desk.today(), station="TZ01 新河镇信访办", full_id=True)
    return case_id


def test_several_petitioners_are_one_a_line_in_wrapped_cells(desk: Desk, tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    three_people_ledger(desk, out)
    ws = load_workbook(out)[LEDGER_SHEET]
    row = [cell for cell in next(ws.iter_rows(min_row=2, max_row=2))]
    by_header = dict(zip(HEADERS, row, strict=True))
    assert by_header["信访人"].value == "欧阳建国\n司马秀英\n诸葛明"
    assert by_header["联系电话"].value == "13800138000\n13912345678\n057688123456"
    for header in ("信访人", "身份证号", "联系电话", "住址", "反映问题"):
        assert by_header[header].alignment.wrap_text, header


@needs_libreoffice
def test_libreoffice_prints_every_person_whole(desk: Desk, tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    three_people_ledger(desk, out)
    pdf = convert(out, "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    lines = text.splitlines()
    for person in PEOPLE:
        for value in (person.name, person.id_number, person.phone):
            # Whole, and on a line of its own within the cell: not run on into the next person's.
            assert any(value in line and all(other.id_number not in line for other in PEOPLE
                                             if other is not person and value == person.id_number)
                       for line in lines), value
    assert "加装路灯" in text  # the long request wraps to its end
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 5000


def test_lines_are_counted_as_a_spreadsheet_breaks_them() -> None:
    """Worked by hand: a column-width unit is 7 px, a Chinese character 14.7 px, a digit 7 px, 6 px of padding."""
    assert text_lines("新河镇东岙村12号", 24) == 1
    # 167 px a line: 11 characters (161.7 px); "108" does not fit after them and moves whole to the second line,
    # which then holds "108号，靠近村委会东侧" (21 + 9 × 14.7 = 153.3 px); "的老房子" is the third.
    assert text_lines("新河镇东岙村南岙自然村108号，靠近村委会东侧的老房子", 24) == 3
    assert text_lines("电话13912345678", 12) == 2  # 83 px: the phone number is not split, it moves down
    assert text_lines("11010519491231002X", 10) == 2  # longer than a line (69 px): split, 9 characters a line
    assert text_lines("欧阳建国\n司马秀英\n诸葛明", 12) == 3
    assert row_points(3) == 3 * LINE_POINTS + 3


def test_the_national_ledger_wraps_the_same_way(desk: Desk, tmp_path: Path) -> None:
    """``ledger --national``: each person a line in 信访人, 证件号码, 联系电话, 住址, wrapped, and every row exactly as
    tall as the same case's row in the county's ledger (one piece of code); the header that wraps has its room."""
    three_people_ledger(desk, tmp_path / "台账.xlsx")
    write_ledger(desk.conn, tmp_path / "国家.xlsx", LedgerFilter(), desk.today(), station="TZ01 新河镇信访办",
                 full_id=True, national=True)
    local = load_workbook(tmp_path / "台账.xlsx")[LEDGER_SHEET]
    national = load_workbook(tmp_path / "国家.xlsx")[LEDGER_SHEET]
    row = dict(zip(NATIONAL_HEADERS, next(national.iter_rows(min_row=2, max_row=2)), strict=True))
    assert row["信访人"].value == "欧阳建国\n司马秀英\n诸葛明"
    assert row["证件号码"].value == "\n".join(p.id_number for p in PEOPLE)
    assert row["住址"].value == "\n".join(p.address for p in PEOPLE)
    for header in ("信访人", "证件号码", "联系电话", "住址", "诉求内容"):
        assert row[header].alignment.wrap_text, header
    # The address of 司马秀英 takes two lines of its column: four lines in all.
    assert national.row_dimensions[2].height == local.row_dimensions[2].height == row_points(4)
    assert national.row_dimensions[1].height == row_points(2)  # 初信初访/重复 in two lines


@needs_libreoffice
def test_libreoffice_prints_the_national_ledger_with_nobody_cut(desk: Desk, tmp_path: Path) -> None:
    five = [*PEOPLE, Petitioner("王大明", VALID_ID, "13800138001", "新河镇西岙村4号"),
            Petitioner("李小红", VALID_ID, "13800138002", "新河镇西岙村南岙自然村一百零八号靠近村委会东侧的老房子")]
    request = "反映征地补偿款未足额发放，" * 6 + "请求尽快答复"
    desk.register_case(make_draft(petitioners=five, head_count=5, request_summary=request))
    out = tmp_path / "国家.xlsx"
    write_ledger(desk.conn, out, LedgerFilter(), desk.today(), station="TZ01 新河镇信访办", full_id=True,
                 national=True)
    pdf = convert(out, "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for person in five:  # the fifth person's lines are the first a row too short would cut
        for value in (person.name, person.id_number, person.phone):
            assert value in text, value
    assert "老房子" in text and "请求尽快答复" in text  # the last words of a long address and request
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 5000
