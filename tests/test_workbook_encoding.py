"""Workbooks keep Chinese as UTF-8 text, whatever XML library is installed beside openpyxl."""

from __future__ import annotations

import zipfile
from pathlib import Path

import app  # noqa: F401  (sets openpyxl's writer before openpyxl is imported)


def test_a_sheet_holds_chinese_as_utf8_not_character_references(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("办理事件")
    ws.append(["东岙村道路破损多年，要求修复"])
    wb.save(tmp_path / "t.xlsx")
    sheet = zipfile.ZipFile(tmp_path / "t.xlsx").read("xl/worksheets/sheet1.xml")
    assert "东岙村道路破损多年".encode() in sheet
    assert b"&#" not in sheet
