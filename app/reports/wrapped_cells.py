"""The printed ledger's wrapped cells, one piece of code for the county's columns and for ``ledger --national``:
several petitioners one a line (name, ID number, phone, address each in its column), any text longer than its
column wrapped, and the row as tall as its longest cell prints — spreadsheets do not grow a row to its wrapped
text when they open a file, and a row too short prints its cells cut.

The lines a cell takes are counted as Excel lays the text out in a column of that width: a column-width unit is the
width of "0" in the workbook's 11-point Calibri (7 pixels at 96 dpi), a Chinese character is 11 points wide (about
14.7 pixels), a line breaks between any two Chinese characters but inside a run of digits or Latin letters (an ID
number, a phone number) only when the run is longer than a whole line. LibreOffice and WPS give Chinese text at
least as much room per line (LibreOffice measures a unit with its own, wider, stand-in for Calibri), so the rows
are never too short there; they are checked as LibreOffice prints them (tests/test_ledger_print_wrap.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

# Pixels at 96 dpi of the default 11-point font: "0" (one column-width unit), a Chinese character, a space.
UNIT_PIXELS = 7.0
CJK_PIXELS = 14.7
LATIN_PIXELS = 7.0
SPACE_PIXELS = 3.5
CELL_PADDING_PIXELS = 6.0  # the cell's inner margin left and right, and the grid line
LINE_POINTS = 14.5  # one line of 11-point text with its leading (Chinese fonts included)
ROW_PADDING_POINTS = 3.0
# The columns (by header, in either layout) that list every petitioner: joined by "、" in the query, printed one
# person a line so that the n-th line of each column is the same person.
PEOPLE_HEADERS = frozenset({"信访人", "身份证号", "证件号码", "联系电话", "住址"})
_RUN = re.compile(r"[\x21-\x7e]+")  # digits, Latin letters and ASCII signs: kept on one line when they fit one


def _room(width: float) -> float:
    return max(width * UNIT_PIXELS + 5 - CELL_PADDING_PIXELS, CJK_PIXELS)


def text_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes in a wrapped cell of that column width (Excel character units)."""
    room = _room(width)
    return sum(_part_lines(part, room) for part in text.split("\n"))


def _part_lines(part: str, room: float) -> int:
    """Greedy, as a spreadsheet fills lines: Chinese text (and spaces) breaks between any two characters; a run of
    ASCII moves whole to the next line, and is itself broken only when longer than a line. Counted by segments,
    not character by character (a ledger measures tens of thousands of cells)."""
    lines, used, at = 1, 0.0, 0
    for match in _RUN.finditer(part):
        lines, used = _breakable(part[at:match.start()], lines, used, room)
        lines, used = _unbreakable(match.end() - match.start(), lines, used, room)
        at = match.end()
    return _breakable(part[at:], lines, used, room)[0]


def _breakable(segment: str, lines: int, used: float, room: float) -> tuple[int, float]:
    if not segment:
        return lines, used
    spaces = segment.count(" ")
    size = (len(segment) - spaces) * CJK_PIXELS + spaces * SPACE_PIXELS
    if used + size <= room:
        return lines, used + size
    step = size / len(segment)  # the segment's mean character width
    fitting = int((room - used) // step)
    left = len(segment) - fitting
    per_line = max(int(room // step), 1)
    more = -(-left // per_line)
    return lines + more, (left - (more - 1) * per_line) * step


def _unbreakable(length: int, lines: int, used: float, room: float) -> tuple[int, float]:
    size = length * LATIN_PIXELS
    if used + size <= room:
        return lines, used + size
    if used > 0:
        lines, used = lines + 1, 0.0
    if size <= room:
        return lines, size
    per_line = max(int(room // LATIN_PIXELS), 1)
    more = -(-length // per_line) - 1
    return lines + more, (length - more * per_line) * LATIN_PIXELS


def row_points(lines: int) -> float:
    """The row height in points that prints ``lines`` lines whole."""
    return LINE_POINTS * lines + ROW_PADDING_POINTS


class RowWrapper:
    """Wraps the text cells of one layout's rows; ``wrap(row)`` changes the row in place and returns the height it
    needs in points (None: one line, the sheet's default)."""

    def __init__(self, columns: Sequence[tuple[str, float]], wrapped_cell: Callable[[str], Any]) -> None:
        self.widths = [width for _header, width in columns]
        # A text no longer than this fits its column's line even if every character is Chinese: most cells, so
        # only the few long ones are measured.
        self.short = [int(_room(width) // CJK_PIXELS) for width in self.widths]
        self.people = frozenset(i for i, (header, _w) in enumerate(columns) if header in PEOPLE_HEADERS)
        self.first_people = min(self.people) if self.people else -1
        self.wrapped_cell = wrapped_cell

    def wrap(self, row: list[Any]) -> float | None:
        several = self.first_people >= 0 and "、" in str(row[self.first_people] or "")
        lines, short = 1, self.short
        for column, value in enumerate(row):
            if not isinstance(value, str) or not value:
                continue
            person = several and column in self.people
            if not person and len(value) <= short[column] and "\n" not in value:
                continue
            text = value.replace("、", "\n") if person else value
            needed = text_lines(text, self.widths[column])
            if needed > 1 or person:
                row[column] = self.wrapped_cell(text)
                lines = max(lines, needed)
        return row_points(lines) if lines > 1 else None

    def header_points(self, headers: Sequence[str]) -> float | None:
        """The header row's height when a header wraps in its column (``初信初访/重复``), else None."""
        lines = max(text_lines(h, w) for h, w in zip(headers, self.widths, strict=True))
        return row_points(lines) if lines > 1 else None
