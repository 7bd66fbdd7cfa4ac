"""The case ledger (信访事项台账) as an Excel workbook: one row per case, as a county asks for it.

Written with openpyxl in write-only mode, so 100,000 cases stream to disk with flat memory. Dates are real
dates (Excel sorts and filters them as dates); the supervision colour is a filled cell; the header row is
frozen and has an auto-filter; printed, it is three A4 landscape pages across with the header row and the case
number repeated on each. ID numbers are masked (first 6 and last 4)
unless asked for in full: a ledger travels by e-mail and USB stick.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter

from app.models.errors import DomainError
from app.models.identity import mask_id_number
from app.models.vocab import CHANNELS, COLOURS, RATINGS, STATUSES
from app.reports.safe_cells import FORMULA_STARTS, clean_text, safe_row
from app.reports.wrapped_cells import RowWrapper
from app.store.files import output_file, write_only_workbook
from app.store.queries import COLOUR_SQL, CaseFilter

Progress = Callable[[int, int], None]
LEDGER_SHEET = "台账"
INFO_SHEET = "说明"

# (header, width in Excel character units). The headers are the ones import-ledger recognises first.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 7), ("案件编号", 17), ("登记日期", 11.5), ("来源渠道", 9), ("集体访", 7), ("人数", 6),
    ("信访人", 12), ("身份证号", 21), ("联系电话", 14), ("住址", 24), ("领域", 10), ("乡镇（街道）", 12),
    ("村（社区）", 11), ("反映问题", 48), ("事权单位", 20), ("属地", 10), ("办理状态", 10), ("督办", 7),
    ("当前时限", 10), ("办理期限", 11.5), ("剩余天数", 9), ("积案", 6), ("包案领导", 20), ("四定四包", 9),
    ("答复日期", 11.5), ("回访评价", 9), ("办结日期", 11.5), ("重复信访", 9),
)
HEADERS = tuple(h for h, _ in COLUMNS)
COLOUR_COLUMN = HEADERS.index("督办")
PROGRESS_EVERY = 1000  # rows between progress reports (each is a chance to cancel)
# Cells of several petitioners hold one person a line, and long texts wrap, with rows as tall as they print
# (app.reports.wrapped_cells, shared with the national layout).
_FILLS = {"red": ("D32F2F", "FFFFFF"), "yellow": ("F9D132", "000000"), "green": ("2E7D32", "FFFFFF")}

_PEOPLE = ("(SELECT group_concat({col}, '、') FROM (SELECT {col} FROM petitioners p "
           "WHERE p.case_id = c.case_id ORDER BY p.idx))")
_SELECT = (
    "SELECT c.case_id, c.registered_at, c.channel, c.collective, c.head_count, c.petitioner_names, "
    f"{_PEOPLE.format(col='id_number')}, {_PEOPLE.format(col='phone')}, {_PEOPLE.format(col='address')}, "
    "c.domain, c.township, c.village, c.request_summary, c.authority_unit, c.jurisdiction, c.status, "
    f"{COLOUR_SQL}, c.deadline_label, c.deadline, c.backlog, c.leader, c.checklist_done, c.replied_at, "
    "c.rating, "
    "c.closed_at, c.repeat_round FROM cases c"
)


@dataclass(frozen=True)
class LedgerFilter:
    """Which cases go into the ledger: by status, colour and registration date (both days included)."""

    status: str = ""
    colour: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def where(self, today: date) -> tuple[str, dict[str, Any]]:
        if self.status and self.status not in STATUSES:
            raise DomainError(f"状态须为：{'、'.join(STATUSES)}")
        if self.colour and self.colour not in ("red", "yellow", "green"):
            raise DomainError("督办颜色须为 red（红）、yellow（黄）或 green（绿）")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise DomainError("起始日期不能晚于截止日期")
        where, params = CaseFilter(status=self.status, colour=self.colour).where(today)
        if self.date_from:
            where += " AND registered_at >= :date_from"
            params["date_from"] = self.date_from.isoformat()
        if self.date_to:
            where += " AND registered_at < :date_after"
            params["date_after"] = (self.date_to + timedelta(days=1)).isoformat()
        return where, params

    def describe(self) -> str:
        parts = []
        if self.status:
            parts.append(f"状态：{STATUSES[self.status]}")
        if self.colour:
            parts.append(f"督办颜色：{COLOURS[self.colour]}")
        if self.date_from or self.date_to:
            parts.append(f"登记日期：{self.date_from or '不限'} 至 {self.date_to or '不限'}")
        return "；".join(parts) or "全部案件"


def _day(stamp: str | None) -> date | None:
    return date.fromisoformat(stamp[:10]) if stamp else None


def _ids(joined: str | None, full_id: bool) -> str:
    if not joined:
        return ""
    return joined if full_id else "、".join(mask_id_number(x) for x in joined.split("、"))


def ledger_rows(conn: sqlite3.Connection, flt: LedgerFilter, today: date,
                full_id: bool = False) -> Iterator[list[Any]]:
    """The ledger's rows as plain values (the colour column holds the colour code), oldest case first."""
    where, params = flt.where(today)
    cursor = conn.execute(f"{_SELECT} WHERE {where} "
                          "ORDER BY c.registered_at, c.case_id", params)
    for number, r in enumerate(cursor, start=1):
        deadline = _day(r[18])
        done = r[21]
        yield [
            number, r[0], _day(r[1]), CHANNELS.get(r[2], r[2]), "是" if r[3] else "", r[4], r[5],
            _ids(r[6], full_id), r[7] or "", r[8] or "", r[9], r[10], r[11], r[12], r[13], r[14],
            STATUSES.get(r[15], r[15]), r[16], r[17], deadline,
            (deadline - today).days if deadline else None, "是" if r[19] else "否", r[20],
            f"{done}/8" if (r[19] or r[20]) else "", _day(r[22]), RATINGS.get(r[23], ""), _day(r[24]),
            r[25] if r[25] > 1 else None,
        ]


def ledger_people(conn: sqlite3.Connection, flt: LedgerFilter, today: date) -> int:
    """How many petitioners the ledger's cases name (what the output record counts)."""
    where, params = flt.where(today)
    return int(conn.execute(f"SELECT count(*) FROM petitioners WHERE case_id IN (SELECT case_id FROM cases "
                            f"WHERE {where})", params).fetchone()[0])


def count_rows(conn: sqlite3.Connection, flt: LedgerFilter, today: date) -> int:
    where, params = flt.where(today)
    return int(conn.execute(f"SELECT count(*) FROM cases WHERE {where}", params).fetchone()[0])


class _Cells:
    """Styled cells for the write-only sheet; each style is made once and shared."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        thin = Side(style="thin", color="808080")
        self.head_font = Font(bold=True)
        self.head_fill = PatternFill("solid", fgColor="DDE3EA")
        self.head_border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.head_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
        # One styled cell per colour, whose style every colour cell copies: setting fill, font and alignment on
        # each cell looks each style up in the workbook's tables again (about 10× the cost of the copy).
        self.colour: dict[str, WriteOnlyCell] = {}
        for code, (fill, ink) in _FILLS.items():
            proto = WriteOnlyCell(ws, COLOURS[code])
            proto.fill, proto.font = PatternFill("solid", fgColor=fill), Font(color=ink, bold=True)
            proto.alignment = Alignment(horizontal="center")
            self.colour[code] = proto
        self.wrap = WriteOnlyCell(ws, "")
        self.wrap.alignment = Alignment(vertical="top", wrap_text=True)

    def wrapped(self, text: str) -> WriteOnlyCell:
        """A wrapped text cell, as safe as ``safe_cell`` makes the others (shown as typed, never run)."""
        text = clean_text(text)
        cell = WriteOnlyCell(self.ws, text)
        cell._style = copy(self.wrap._style)
        cell.data_type = "s"
        cell.quotePrefix = text.startswith(FORMULA_STARTS)
        return cell

    def header(self, text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, text)
        cell.font, cell.fill, cell.border, cell.alignment = (self.head_font, self.head_fill, self.head_border,
                                                             self.head_align)
        return cell

    def colour_cell(self, code: str) -> WriteOnlyCell | str:
        if code not in self.colour:
            return COLOURS.get(code, "")
        cell = WriteOnlyCell(self.ws, COLOURS[code])
        cell._style = copy(self.colour[code]._style)
        return cell


PRINT_PAGES_WIDE = 3


def _page_setup(ws: Any, station: str) -> None:
    """How the ledger prints: A4 landscape, three pages across (at about 90%; one page across shrank 28 columns to
    an unreadable 4 points), the pages of the same rows one after another, the header row and the 序号 / 案件编号
    columns repeated on every page, the station and page number in the header and footer."""
    setup = ws.page_setup
    setup.orientation, setup.paperSize = "landscape", "9"  # A4
    setup.fitToWidth, setup.fitToHeight = PRINT_PAGES_WIDE, 0  # three pages across, as long as it takes
    setup.pageOrder = "overThenDown"  # a block of rows is read across its pages before the next block
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows, ws.print_title_cols = "1:1", "A:B"
    ws.page_margins.left = ws.page_margins.right = 0.4  # inches
    ws.page_margins.top, ws.page_margins.bottom = 0.7, 0.6
    ws.page_margins.header, ws.page_margins.footer = 0.3, 0.3
    ws.print_options.gridLines = True  # printed ruling without a border style on every cell
    name = clean_text(station).replace("&", "&&")  # & starts a header code
    ws.oddHeader.left.text, ws.oddHeader.center.text = name, "信访事项台账"
    ws.oddHeader.right.text = f"导出：{datetime.now():%Y-%m-%d %H:%M}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    for part in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right, ws.oddFooter.center):
        part.size = 9


def write_ledger(conn: sqlite3.Connection, out: Path, flt: LedgerFilter, today: date, *, station: str,
                 full_id: bool = False, progress: Progress | None = None, national: bool = False) -> int:
    """Write the ledger workbook; returns the number of cases in it. ``national``: in the fixed columns of the
    national 信访信息系统 (app.reports.national) instead of the county's."""
    total = count_rows(conn, flt, today)
    if progress:
        progress(0, total)
    with write_only_workbook() as wb:
        return _write_ledger(wb, conn, out, flt, today, station, full_id, progress, total, national)


def _write_ledger(wb: Any, conn: sqlite3.Connection, out: Path, flt: LedgerFilter, today: date, station: str,
                  full_id: bool, progress: Progress | None, total: int, national: bool) -> int:
    ws = wb.create_sheet(LEDGER_SHEET)
    columns, headers, rows, colour_column = COLUMNS, HEADERS, ledger_rows(conn, flt, today, full_id), COLOUR_COLUMN
    if national:
        from app.reports.national import NATIONAL_COLUMNS, NATIONAL_HEADERS, national_rows

        where, params = flt.where(today)
        columns, headers, colour_column = NATIONAL_COLUMNS, NATIONAL_HEADERS, -1
        rows = national_rows(conn, where, params, lambda joined: _ids(joined, full_id))
    for index, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "C2"  # header row, and the number and case number stay in view when scrolling right
    _page_setup(ws, station)
    cells = _Cells(ws)
    wrapper = RowWrapper(columns, cells.wrapped)
    header_height = wrapper.header_points(headers)
    if header_height:
        ws.row_dimensions[1].height = header_height
    ws.append([cells.header(h) for h in headers])
    written = 0
    for row in rows:
        if colour_column >= 0:
            row[colour_column] = cells.colour_cell(row[colour_column])
        height = wrapper.wrap(row)
        if height:
            ws.row_dimensions[written + 2].height = height
        ws.append(safe_row(ws, row))
        written += 1
        if progress and written % PROGRESS_EVERY == 0:
            progress(written, total)
    ws.auto_filter = AutoFilter(ref=f"A1:{get_column_letter(len(headers))}{written + 1}")
    info = wb.create_sheet(INFO_SHEET)
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 12, 60
    info.page_setup.fitToWidth, info.page_setup.fitToHeight = 1, 0
    info.sheet_properties.pageSetUpPr.fitToPage = True
    for label, value in (("站点", station), ("导出时间", datetime.now().strftime("%Y-%m-%d %H:%M")),
                         ("统计日期", today), ("筛选条件", flt.describe()), ("案件数", written),
                         ("身份证号", "完整号码" if full_id else "已脱敏（仅显示前6位和后4位）"),
                         ("格式", "全国信访信息系统字段（固定列）" if national else "本地台账"),
                         ("督办颜色", "红：超期、积案或不满意；黄：临近期限；绿：正常；—：已办结")):
        info.append(safe_row(info, [label, value]))
    with output_file(out) as temp:
        wb.save(str(temp))
    if progress:
        progress(written, total)
    return written
