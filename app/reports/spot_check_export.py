"""The spot-check list for the meeting: a PDF (CJK font embedded) and an xlsx workbook. No Qt.

reportlab and openpyxl are imported when a list is written: the 督查 menu that offers this is built just after
the window's first paint, and loading both there kept the window from answering for about a third of a second."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from app.models.vocab import COLOURS, STATUSES
from app.ops.spot_check import SpotCheck
from app.store.files import output_file
from app.store.queries import COLOUR_SQL
from app.store.stations import StationTree

TITLE = "随机抽查案件清单"
HEADERS = ("序号", "案件编号", "站点", "地点", "领域", "诉求", "包案领导", "状态", "登记日期",
           "已历时（天）", "督办")
_WIDTHS_MM = (12, 32, 42, 24, 18, 52, 24, 16, 20, 16, 12)
_XLSX_WIDTHS = (13, 18, 24, 20, 10, 48, 22, 10, 12, 10, 6)
_FILLS = {"red": "F4B6B6", "yellow": "F7E7A1", "green": "B9E3B9"}


@dataclass
class DrawnCase:
    """One line of the meeting list."""

    number: int
    case_id: str
    station: str
    place: str
    domain: str
    request_summary: str
    leader: str
    status: str
    registered: date | None
    days_open: int | None
    colour: str

    def cells(self) -> list[Any]:
        return [self.number, self.case_id, self.station, self.place, self.domain, self.request_summary,
                self.leader or "—", STATUSES.get(self.status, self.status or "—"), self.registered,
                self.days_open, COLOURS.get(self.colour, "—")]


def drawn_cases(conn: sqlite3.Connection, check: SpotCheck, today: date) -> list[DrawnCase]:
    """The drawn cases as they stand now, in the order drawn (a case not known here shows its number only). The
    station reads as the way down to where the case was registered: 椒江区信访局·新河镇信访办 at the city."""
    sql = ("SELECT case_id, origin, township, village, domain, request_summary, leader, status, "
           f"registered_at, {COLOUR_SQL} FROM cases WHERE case_id IN (SELECT value FROM json_each(:ids))")
    found = {r[0]: r for r in conn.execute(sql, {"ids": json.dumps(check.drawn), "today": today.isoformat()})}
    tree = StationTree.load(conn)
    lines = []
    for number, case_id in enumerate(check.drawn, start=1):
        r = found.get(case_id)
        if r is None:
            lines.append(DrawnCase(number, case_id, "", "", "", "（本站无此案件记录）", "", "", None, None,
                                   "none"))
            continue
        registered = date.fromisoformat(r[8][:10]) if r[8] else None
        station = "·".join(tree.short_label(code) for code in tree.path(r[1]))
        lines.append(DrawnCase(number, case_id, station, f"{r[2]}{r[3]}", r[4], r[5], r[6], r[7], registered,
                               (today - registered).days if registered else None, r[9]))
    return lines


def drawn_text(check: SpotCheck, names: dict[str, str] | None = None) -> str:
    """How many were asked for and how many were drawn, saying so when the candidates were too few."""
    names = names or {}
    drawn = len(check.drawn)
    short = check.short_stations()
    if not check.per_station:
        return f"实抽{drawn}件（候选不足{check.count}件）" if short else f"抽取{check.count}件"
    stations = len(check.candidates)
    text = f"每个站点抽取{check.count}件，{stations}个站点实抽{drawn}件"
    if short:
        which = "、".join(f"{names.get(code) or code}仅{n}件" for code, n in short.items())
        text += f"（候选不足{check.count}件、全部抽取的站点：{which}）"
    return text


def describe(check: SpotCheck, station_name: str, names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The draw's particulars, printed above the list so the meeting can check it."""
    scope = "未化解的积案" if check.backlog_only else "未化解案件"
    return [
        ("抽查单位", station_name),
        ("抽取时间", check.at.replace("T", " ")),
        ("抽取人", check.actor),
        ("随机种子", str(check.seed)),
        ("抽取范围", f"从{check.candidate_count}件{scope}中随机抽取：{drawn_text(check, names)}"),
        ("候选清单指纹", f"SHA-256 {check.candidates_sha256}"),
        ("抽查记录编号", check.event_id),
        ("复核方法", "任何人都可以在本程序中重新抽取核对：打开“督查 → 随机抽查”，在“历次抽查”中选中本记录，"
                     "点“复核所选记录”。程序用记录的随机种子，从同一份候选案件清单（按案件编号排列）重新抽取，"
                     "抽出的案件应与本清单完全一致；候选清单指纹一致，说明候选清单未被改动。"
                     "收到本记录的上级站点同样可以复核。"),
    ]


def verify_command(check: SpotCheck) -> str:
    """The same check on the command line, printed small under the particulars."""
    return (f"命令行复核：petition-desk spot-check --verify {check.event_id}"
            "（候选按案件编号排序后，以 Python 的 random.Random(种子).sample 抽取）")


def write_pdf(path: Path, check: SpotCheck, lines: list[DrawnCase], station_name: str,
              names: dict[str, str] | None = None) -> Path:
    """Landscape A4: the particulars, then the list; "第 x 页 共 y 页" on every page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from app.reports.fonts import cjk_font

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    info = ParagraphStyle("info", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    small = ParagraphStyle("small", fontName=font, fontSize=7, leading=9, wordWrap="CJK",
                           textColor=colors.HexColor("#5f6b7a"))

    def story() -> list[Any]:
        parts: list[Any] = [Paragraph(TITLE, title), Spacer(1, 3 * mm)]
        parts += [Paragraph(f"<b>{k}：</b>{_escape(v)}", info) for k, v in describe(check, station_name, names)]
        parts.append(Paragraph(_escape(verify_command(check)), small))
        parts.append(Spacer(1, 4 * mm))
        data: list[list[Any]] = [[Paragraph(h, body) for h in HEADERS]]
        for line in lines:
            data.append([Paragraph(_escape("" if c is None else str(c)), body) for c in line.cells()])
        table = Table(data, colWidths=[w * mm for w in _WIDTHS_MM], repeatRows=1)
        style = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E3E8F0")),
                 ("VALIGN", (0, 0), (-1, -1), "TOP")]
        for row, line in enumerate(lines, start=1):
            if line.colour in _FILLS:
                style.append(("BACKGROUND", (-1, row), (-1, row), colors.HexColor("#" + _FILLS[line.colour])))
        table.setStyle(TableStyle(style))
        parts.append(table)
        parts.append(Spacer(1, 6 * mm))
        parts.append(Paragraph("包案领导须就所抽案件逐件汇报：所做工作、未化解原因、下一步措施。", info))
        return parts

    pages = {"total": 0}

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        total = pages["total"] or doc.page
        canvas.drawCentredString(landscape(A4)[0] / 2, 8 * mm, f"第 {doc.page} 页 共 {total} 页")
        canvas.drawRightString(landscape(A4)[0] - 12 * mm, 8 * mm, f"{station_name} {check.event_id}")
        canvas.restoreState()

    def build(target: Path) -> int:
        doc = SimpleDocTemplate(str(target), pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                topMargin=12 * mm, bottomMargin=14 * mm, title=TITLE, author=station_name)
        doc.build(story(), onFirstPage=footer, onLaterPages=footer)
        return int(doc.page)

    with output_file(path) as temp:  # written whole or not at all
        pages["total"] = build(temp)  # the first pass counts the pages the second one prints
        build(temp)
    return path


def write_xlsx(path: Path, check: SpotCheck, lines: list[DrawnCase], station_name: str,
               names: dict[str, str] | None = None) -> Path:
    """One sheet: the particulars on top, then the list with a frozen header row and a filter."""
    from openpyxl.styles import Alignment, Font, PatternFill

    from app.reports.safe_cells import safe_row
    from app.store.files import new_workbook

    wb = new_workbook()
    ws = wb.active
    ws.title = "抽查清单"
    ws.append([TITLE])
    ws["A1"].font = Font(size=14, bold=True)
    for key, value in describe(check, station_name, names):
        ws.append(safe_row(ws, [key, value]))
    ws.append(safe_row(ws, ["", verify_command(check)]))
    ws.cell(ws.max_row, 2).font = Font(size=8, color="5F6B7A")
    ws.append([])
    header_row = ws.max_row + 1
    ws.append(list(HEADERS))
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E3E8F0")
    for line in lines:
        ws.append(safe_row(ws, line.cells()))
        row = ws.max_row
        ws.cell(row, 9).number_format = "yyyy-mm-dd"
        ws.cell(row, 6).alignment = Alignment(wrap_text=True, vertical="top")
        if line.colour in _FILLS:
            ws.cell(row, 11).fill = PatternFill("solid", fgColor=_FILLS[line.colour])
    for index, width in enumerate(_XLSX_WIDTHS, start=1):
        ws.column_dimensions[ws.cell(header_row, index).column_letter].width = width
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.auto_filter.ref = f"A{header_row}:K{max(header_row, ws.max_row)}"
    with output_file(path) as temp:
        wb.save(temp)
    return path


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
