"""The printed ledger cuts nobody: a case of several petitioners prints each name, ID number and phone whole,
one person a line, as LibreOffice (standing in for Excel and WPS) prints the workbook."""

from __future__ import annotations

import subprocess
from pathlib import Path

from openpyxl import load_workbook

from app.models.case import Petitioner
from app.ops.desk import Desk
from app.reports.ledger import HEADERS, LEDGER_SHEET, LedgerFilter, write_ledger
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
