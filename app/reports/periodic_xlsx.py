"""The 每日一报 / 周报 workbook: Chinese sheet names, a title on each sheet, plain tables a county can merge."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from math import ceil
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.models.vocab import STATUSES
from app.reports.figures import DEFINITIONS
from app.reports.periodic import FLOWS, KINDS, OVERDUE, OVERDUE_NOTES, STOCKS, PeriodReport
from app.reports.safe_cells import safe_row
from app.store.files import new_workbook, output_file

SHEETS = {"summary": "概况", "domain": "按领域", "township": "按乡镇", "figures": "各项指标", "overdue": "超期案件"}
_COUNT_KEYS = (*FLOWS, *STOCKS, *OVERDUE)
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE3EA")


RATE_FORMAT, DAYS_FORMAT = "0.00%", "0.0"
NOTHING_TO_DIVIDE = "—"


def _figure(value: float | None) -> float | str:
    """A figure as a cell value: the number itself (a rate as a fraction, formatted as a percentage), or "—" as
    text when there is nothing to divide (an empty cell would read as "not filled in", 0 would be false)."""
    return NOTHING_TO_DIVIDE if value is None else float(value)


def _title(ws: Worksheet, text: str, width: int) -> None:
    ws.append(safe_row(ws, [text]))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.row_dimensions[1].height = 24


def _table(ws: Worksheet, headers: list[str], rows: list[list[Any]], widths: Sequence[float]) -> None:
    start = ws.max_row + 1
    ws.append(safe_row(ws, headers))
    for row in rows:
        ws.append(safe_row(ws, row))
    for r in range(start, ws.max_row + 1):
        for c in range(1, len(headers) + 1):
            cell = ws.cell(r, c)
            cell.border = _BORDER
            if r == start:
                cell.font, cell.fill = Font(bold=True), _HEAD_FILL
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    # A header wider than its column wraps; its row is made tall enough to show every line (a Chinese character
    # is about two width units), not left at one line that cuts "平均办理时长（天）" in half.
    lines = max(ceil(2 * len(h) / max(w - 1, 1)) for h, w in zip(headers, widths, strict=False))
    if lines > 1:
        ws.row_dimensions[start].height = 15 * lines
    ws.freeze_panes = ws.cell(start + 1, 2)
    ws.page_setup.orientation = "landscape" if len(headers) > 5 else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # one page wide when printed
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _grouped(ws: Worksheet, title: str, label: str, groups: dict[str, Counter[str]], total: Counter[str]) -> None:
    headers = [label, *FLOWS.values(), *STOCKS.values(), *OVERDUE.values()]
    _title(ws, title, len(headers))
    rows = [[name, *(groups[name][k] for k in _COUNT_KEYS)] for name in sorted(groups)]
    rows.append(["合计", *(total[k] for k in _COUNT_KEYS)])
    _table(ws, headers, rows, [14] + [10] * (len(headers) - 1))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)


def write_workbook(report: PeriodReport, out: Path, station: str) -> None:
    name = KINDS[report.kind]
    span = (str(report.date_to) if report.date_from == report.date_to
            else f"{report.date_from} 至 {report.date_to}")
    heading = f"{station} {name}（{span}）"
    wb = new_workbook()
    ws = wb.active
    ws.title = SHEETS["summary"]
    _title(ws, heading, 3)
    rows: list[list[Any]] = [["统计期间", span, ""], ["生成时间", datetime.now().strftime("%Y-%m-%d %H:%M"), ""]]
    rows += [[label, report.total[key], "期内有该步骤的案件数"] for key, label in FLOWS.items()]
    rows += [[label, report.total[key], f"截至 {report.date_to} 日终"] for key, label in STOCKS.items()]
    rows += [[label, report.total[key], OVERDUE_NOTES[key]] for key, label in OVERDUE.items()]
    _table(ws, ["项目", "数量", "说明"], rows, [16, 22, 26])
    _grouped(wb.create_sheet(SHEETS["domain"]), f"{heading} — 按领域", "领域", report.by_domain, report.total)
    _grouped(wb.create_sheet(SHEETS["township"]), f"{heading} — 按乡镇（街道）", "乡镇（街道）",
             report.by_township, report.total)

    fig = wb.create_sheet(SHEETS["figures"])
    keys = list(DEFINITIONS)
    headers = ["范围", "登记件数", *(DEFINITIONS[k][0] for k in keys), "积案总数", "期内积案销号"]
    _title(fig, f"{heading} — 各项指标", len(headers))
    fig_rows = [[r["group"] or "（未填）", r["cases"], *(_figure(r[k]) for k in keys), r["backlog_total"],
                 r["backlog_cleared"]] for r in report.figures]
    _table(fig, headers, fig_rows, [14, 10] + [13] * len(keys) + [10, 12])
    # The figures are numbers (a county sums and sorts them); the cell format shows them as 97.12% or 3.2 days.
    first = fig.max_row - len(fig_rows) + 1
    for column, key in enumerate(keys, start=3):
        number_format = DAYS_FORMAT if key == "avg_handling_days" else RATE_FORMAT
        for row in range(first, fig.max_row + 1):
            cell = fig.cell(row, column)
            if isinstance(cell.value, int | float):
                cell.number_format = number_format
            else:
                cell.alignment = Alignment(horizontal="center")
    fig.append([])
    fig.append(["说明", f"“{NOTHING_TO_DIVIDE}”表示期内没有可计算该指标的案件（分母为0），不是0%。"])
    for key in keys:
        fig.append([DEFINITIONS[key][0], DEFINITIONS[key][3]])

    late = wb.create_sheet(SHEETS["overdue"])
    headers = ["案件编号", "信访人", "领域", "乡镇（街道）", "村（社区）", "办理状态", "时限", "期限", "超期天数",
               "超期情形", "包案领导"]
    _title(late, f"{heading} — 超期案件（期内超期办结的，及截至 {report.date_to} 在办已超期的）", len(headers))
    late_rows = [[c.state.case_id, c.state.petitioner_names(), c.state.domain, c.state.township, c.state.village,
                  STATUSES.get(c.state.status, c.state.status), c.limit, c.due, c.overdue_days(report.date_to),
                  c.situation(), c.state.leader]
                 for c in report.overdue]
    _table(late, headers, late_rows, [17, 12, 10, 12, 11, 10, 10, 11.5, 9, 16, 20])
    with output_file(out) as temp:
        wb.save(str(temp))
