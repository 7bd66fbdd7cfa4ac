"""Cells for workbooks written for people (ledger, reports, spot-check list, rejected rows, a bundle's workbook
saved as readable): what a petitioner or a handler typed is shown as typed, never run.

Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what Excel, WPS and LibreOffice
may take for a formula (``=HYPERLINK(...)``, ``+1+1``, ``@SUM(...)``), so it is written as a text cell marked
with the quote prefix (the cell stays text even when a person edits it) and never as a formula. Control
characters an XML file cannot hold (ESC, NUL, …) are shown as ``�`` instead of making the whole file fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def clean_text(text: str) -> str:
    """The text with every character XML cannot hold replaced by ``�`` (tab, newline and CR are kept)."""
    return _XML_ILLEGAL.sub(REPLACEMENT, text) if _XML_ILLEGAL.search(text) else text


def safe_cell(ws: Any, value: Any) -> Any:
    """``value`` as ``ws.append`` takes it (works for write-only and ordinary sheets): a plain value when it is
    harmless, else a text cell that shows the text as it is."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    if not value.startswith(FORMULA_STARTS):
        return value
    cell = WriteOnlyCell(ws, value)
    cell.data_type = "s"  # openpyxl would make a formula of any text starting with "="
    cell.quotePrefix = True
    return cell


def safe_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row of values for ``ws.append``, each through ``safe_cell``."""
    return [safe_cell(ws, v) for v in values]
