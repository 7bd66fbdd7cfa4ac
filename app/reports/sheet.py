"""The case summary sheet (信访事项办理情况表) as an A4 PDF, one or many cases per file.

Each case starts on a new page and is numbered on its own ("第 x 页 共 y 页"). The total is not
known until the case's last page is laid out, so the footer draws "共 y 页" from a PDF form defined
once the case is finished: pages stream out as they are made, however many cases are printed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError
from reportlab.platypus.tables import CellStyle

from app.models.errors import DomainError
from app.models.vocab import CHANNELS, CHECKLIST_ITEMS, STATUSES
from app.reports.fonts import FONT_NAME, cjk_font
from app.reports.sheet_data import SheetData
from app.store.files import output_file

PAGE_W, PAGE_H = A4
# The running header sits 12 mm from the top edge, the footer 7.5 mm from the bottom (inside what office printers
# print); the body gets the rest, so that a typical case (seven steps, the 四定四包 table) fits on one page.
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 16 * mm, 17 * mm, 16 * mm
HEADER_Y, FOOTER_Y = PAGE_H - 12 * mm, 7.5 * mm
BODY_W = PAGE_W - 2 * MARGIN_X
BODY_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
TALL_ROW = BODY_H / 4  # a table row this tall is split at a page break rather than moved whole to the next page
TITLE = "信访事项办理情况表"
GRID = colors.HexColor("#333333")
LABEL_BG = colors.HexColor("#EEF1F5")
COLOUR_FILL = {
    "red": ("#D32F2F", colors.white, "红色督办"), "yellow": ("#F9D132", colors.black, "黄色督办"),
    "green": ("#2E7D32", colors.white, "绿色（正常）"), "none": ("#FFFFFF", colors.black, "已结束，不督办"),
}
Progress = Callable[[int, int], None]


@cache
def _styles() -> dict[str, ParagraphStyle]:
    font = cjk_font()
    base = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11.5),
        "label": ParagraphStyle("label", parent=base, alignment=TA_CENTER),
        "head": ParagraphStyle("head", parent=base, fontSize=9.5, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=23, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10.5, leading=14, alignment=TA_CENTER),
        "section": ParagraphStyle("section", parent=base, fontSize=10.5, leading=14, spaceBefore=4,
                                  spaceAfter=1.5),
        "sign": ParagraphStyle("sign", parent=base, fontSize=10, leading=14),
        "sign_date": ParagraphStyle("sign_date", parent=base, fontSize=10, leading=14, alignment=TA_RIGHT),
        "qr": ParagraphStyle("qr", parent=base, fontSize=7, leading=9, alignment=TA_CENTER),
    }


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fit(text: str, style: ParagraphStyle, width: float) -> str | Paragraph:
    """Plain text when it fits the cell on one line (a table draws it far faster), else a wrapping paragraph.
    ``width`` is the column's width; 8 points go to the cell's padding."""
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width - 8:
        return text
    return Paragraph(_esc(text), style)


def _para(text: str, style: ParagraphStyle, width: float) -> Flowable:
    """A paragraph for a cell ``width`` wide (8 points of padding): drawn as a _Line when it fits on one line,
    which looks the same and costs a fraction of a Paragraph."""
    if text.strip() and stringWidth(" ".join(text.split()), style.fontName, style.fontSize) <= width - 8:
        return _Line(text, style)
    return Paragraph(_esc(text), style)


class _Line(Flowable):
    """One line of text laid out and drawn exactly as a one-line Paragraph in ``style`` would be, without parsing
    markup or breaking lines: a Paragraph costs about 0.1 ms to make and wrap, and a sheet has a score of fixed
    one-line texts (title, section headings, signature lines)."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        # A Paragraph splits at white space (the ideographic space too) and joins the words with one space.
        self.text, self.style = " ".join(text.split()), style
        self.spaceBefore, self.spaceAfter = style.spaceBefore, style.spaceAfter

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.style.leading

    def draw(self) -> None:
        st, canv = self.style, self.canv
        canv.setFillColor(st.textColor)
        canv.setFont(st.fontName, st.fontSize)
        y = st.leading - st.fontSize  # a Paragraph's first baseline: its height less the font size
        if st.alignment == TA_CENTER:
            canv.drawCentredString(self.width / 2, y, self.text)
        elif st.alignment == TA_RIGHT:
            canv.drawRightString(self.width - st.rightIndent, y, self.text)
        else:
            canv.drawString(st.leftIndent, y, self.text)


# ----- the canvas: running header, footer and per-case page totals ---------------------------------------
class _CaseStart(Flowable):
    """Zero-size marker at the top of a case's first page: the canvas learns which case it is drawing."""

    def __init__(self, data: SheetData, index: int, on_start: Callable[[int], None] | None) -> None:
        super().__init__()
        self.info = (data.station_name, data.case_id, data.code, data.printed_on.isoformat())
        self.index, self.on_start = index, on_start

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canv: _SheetCanvas = self.canv  # type: ignore[assignment]
        canv.start_case(self.index, self.info)
        if self.on_start:
            self.on_start(self.index)


class _SheetCanvas(Canvas):
    """Draws each page's header and footer as the page closes; defines a case's "共 y 页" once it is done."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case_index = -1
        self.case_info = ("", "", "", "")
        self.case_pages = 0
        self.finished_cases: list[tuple[int, int]] = []

    def start_case(self, index: int, info: tuple[str, str, str, str]) -> None:
        if self.case_index >= 0:
            self.finished_cases.append((self.case_index, self.case_pages))
        self.case_index, self.case_info, self.case_pages = index, info, 0

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self.case_pages += 1
        self._decorate()
        super().showPage()
        self._define_totals()  # between pages: defining a form resets the drawing accumulators

    def save(self) -> None:
        if self.case_index >= 0:
            self.finished_cases.append((self.case_index, self.case_pages))
            self.case_index = -1
        self._define_totals()
        super().save()

    def _define_totals(self) -> None:
        font = cjk_font()
        for index, total in self.finished_cases:
            self.beginForm(f"total{index}")
            self.setFont(font, 9)
            self.drawString(0, 0, f"共 {total} 页")
            self.endForm()
        self.finished_cases = []

    def _decorate(self) -> None:
        station, case_id, code, printed = self.case_info
        font = cjk_font()
        self.saveState()
        top = HEADER_Y
        self.setFont(font, 9)
        self.setFillColor(colors.HexColor("#444444"))
        self.drawString(MARGIN_X, top, station)
        self.drawRightString(PAGE_W - MARGIN_X, top, f"案件编号：{case_id}")
        self.setStrokeColor(GRID)
        self.setLineWidth(0.8)
        self.line(MARGIN_X, top - 2.2 * mm, PAGE_W - MARGIN_X, top - 2.2 * mm)
        bottom = FOOTER_Y
        self.setLineWidth(0.4)
        self.line(MARGIN_X, bottom + 4.5 * mm, PAGE_W - MARGIN_X, bottom + 4.5 * mm)
        self.setFont(font, 8)
        self.drawString(MARGIN_X, bottom, f"打印日期：{printed}")
        self.drawRightString(PAGE_W - MARGIN_X, bottom, f"校验码：{code}")
        self.setFont(font, 9)
        self.drawRightString(PAGE_W / 2 - 1 * mm, bottom, f"第 {self.case_pages} 页")
        self.translate(PAGE_W / 2 + 1 * mm, bottom)
        self.doForm(f"total{self.case_index}")
        self.restoreState()


# ----- the story of one case ---------------------------------------------------------------------------
class _Cell(CellStyle):
    """The grid's cell defaults as class attributes: set by TableStyle commands, each of these walked every cell
    of every table (about a fifth of the time spent making a sheet's story)."""

    fontname = FONT_NAME  # also for empty cells: no unembedded Helvetica
    fontsize = 9.5
    leading = 9.5 * 1.2  # as the FONT command sets it
    valign = "MIDDLE"
    topPadding, bottomPadding, leftPadding, rightPadding = 2, 3, 4, 4


class _SmallCell(_Cell):
    fontsize = 8.5
    leading = 8.5 * 1.2


class _StepCell(_SmallCell):
    """The handling chain's cells: smaller, and top-aligned, so that a step whose note runs onto the next page
    shows its number, date and unit at the row's start rather than in whichever part is taller."""

    valign = "TOP"


class _Grid(Table):
    """A table whose rows may run over a page break. A row that does not fit goes whole to the next page, as
    rows should; a tall one (a long request or note, a quarter of a page or more) is split where the page
    ends, so it neither leaves half a page empty nor, taller than a page, stops the printing (LayoutError).
    reportlab alone (splitInRow) first splits between rows, then places the rest (the header row repeated and
    the tall row) on the same page: the header would print twice."""

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803 - reportlab's names
        self._calc(availWidth, availHeight)
        fitting = self._getFirstPossibleSplitRowPosition(availHeight, ignoreSpans=1)
        if fitting < len(self._rowHeights) and self._rowHeights[fitting] >= TALL_ROW:
            parts = self._splitRows(availHeight, doInRowSplit=True)
            if parts:
                return parts  # type: ignore[no-any-return]
        return super().split(availWidth, availHeight)  # type: ignore[no-any-return]


def _grid(data: list[list[Any]], widths: list[float], extra: list[tuple[Any, ...]] | None = None,
          repeat: int = 0, cell: type[CellStyle] = _Cell) -> Table:
    cjk_font()  # registered before any cell names it
    table = _Grid(data, colWidths=widths, repeatRows=repeat, hAlign="LEFT", splitInRow=1,
                  cellStyles=[[cell("") for _ in row] for row in data])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        *([("ALIGN", (0, 0), (-1, repeat - 1), "CENTER")] if repeat else []),  # header rows
        *(extra or []),
    ]))
    return table


class _SheetQr(QrCode):
    """reportlab's QR flowable (it draws straight onto the canvas; the QrCodeWidget in a Drawing encoded twice and
    went through the graphics renderer shape by shape: ~60% of a sheet's time), with one mask pattern instead of
    trying all eight for the best (another fifth). Every mask pattern is valid; the code is short and printed
    large, so the choice does not matter to a scanner."""

    def draw(self) -> None:
        code = self.qr
        code.version = code.version or code.calculate_version()
        code.makeImpl(False, 0)
        code.make = lambda: None  # made above; QrCode.draw calls make() before drawing the modules
        super().draw()


# The Reed-Solomon generator polynomial depends only on the number of error-correction codewords (the same for
# every sheet's QR code), and the encoder only reads it; reportlab rebuilt it for every code, half of the
# encoding time (about 0.6 ms a sheet).
if not hasattr(qrencoder.QRUtil.getErrorCorrectPolynomial, "cache_info"):
    qrencoder.QRUtil.getErrorCorrectPolynomial = staticmethod(cache(qrencoder.QRUtil.getErrorCorrectPolynomial))


def _qr(text: str, size: float) -> QrCode:
    return _SheetQr(text, width=size, height=size, qrLevel="M", qrBorder=4)


def _title_block(d: SheetData, st: dict[str, ParagraphStyle]) -> Table:
    qr_size = 21 * mm
    title = [_Line(TITLE, st["title"]), Spacer(1, 1.5 * mm), _Line(f"案件编号：{d.case_id}", st["subtitle"])]
    code = [_qr(d.qr, qr_size), _Line(f"校验码 {d.code}", st["qr"])]
    side = qr_size + 4 * mm
    table = Table([["", title, code]], colWidths=[side, BODY_W - 2 * side, side])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), cjk_font()), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("ALIGN", (2, 0), (2, 0), "CENTER"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return table


# 基本情况 as three label/value pairs a row: the labels' column fits "乡镇（街道）", the values share the rest.
BASIC_LABEL_W = 23 * mm
BASIC_VALUE_W = (BODY_W - 3 * BASIC_LABEL_W) / 3


def _basic(d: SheetData, st: dict[str, ParagraphStyle]) -> Table:
    s = d.state
    p = lambda text: _fit(text, st["body"], BASIC_VALUE_W)  # noqa: E731
    channel = CHANNELS.get(s.channel, s.channel)
    if s.collective:
        channel += f"（集体访，{s.head_count}人）"
    fill, ink, colour_text = COLOUR_FILL[d.colour]
    repeat = "首次" if s.repeat_round == 1 else f"第{s.repeat_round}次（前次：{'、'.join(s.repeat_of)}）"
    rows = [
        ["登记日期", p(s.registered_at[:10]), "来源渠道", p(channel), "当前状态", p(STATUSES.get(s.status, s.status))],
        ["领    域", p(s.domain), "乡镇（街道）", p(s.township), "村（社区）", p(s.village)],
        ["事权单位", p(s.authority_unit or "—"), "属    地", p(s.jurisdiction or "—"), "积    案",
         p("是" if s.backlog else "否")],
        ["督办颜色", colour_text, "包案领导", p(s.leader or "—"), "重复信访", p(repeat)],
    ]
    labels = [(c, 0, c, -1) for c in (0, 2, 4)]
    return _grid(rows, [BASIC_LABEL_W, BASIC_VALUE_W] * 3, [
        *[("BACKGROUND", (a, b), (c, e), LABEL_BG) for a, b, c, e in labels],
        *[("ALIGN", (a, b), (c, e), "CENTER") for a, b, c, e in labels],
        ("BACKGROUND", (1, 3), (1, 3), colors.HexColor(fill)), ("TEXTCOLOR", (1, 3), (1, 3), ink),
    ])


def _petitioners(d: SheetData, st: dict[str, ParagraphStyle]) -> Table:
    head = ["序号", "姓名", "身份证号", "联系电话", "住址"]
    widths = [11 * mm, 24 * mm, 44 * mm, 31 * mm, BODY_W - 110 * mm]
    rows: list[list[Any]] = [head]
    for i, (name, id_shown, phone, address) in enumerate(d.petitioners, start=1):
        rows.append([str(i), _fit(name, st["body"], widths[1]), id_shown or "—", phone or "—",
                     _fit(address or "—", st["body"], widths[4])])
    return _grid(rows, widths, [("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
                                ("ALIGN", (0, 1), (0, -1), "CENTER")],
                 repeat=1)


def _steps(d: SheetData, st: dict[str, ParagraphStyle]) -> Table:
    head = ["序号", "办理步骤", "日期", "办理单位", "经办人", "情况说明"]
    widths = [11 * mm, 22 * mm, 21 * mm, 34 * mm, 17 * mm, BODY_W - 105 * mm]
    small = ParagraphStyle("cell", parent=st["small"], fontSize=8.5)
    rows: list[list[Any]] = [head]
    for r in d.steps:
        rows.append([str(r.number), _fit(r.label, small, widths[1]), r.day, _fit(r.unit, small, widths[3]),
                     _fit(r.person, small, widths[4]), _fit(r.note, small, widths[5])])
    return _grid(rows, widths, [("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
                                ("ALIGN", (0, 1), (0, -1), "CENTER"), ("ALIGN", (2, 1), (2, -1), "CENTER")],
                 repeat=1, cell=_StepCell)


def _limits(d: SheetData) -> Table:
    s = d.state
    if d.deadline is None:
        current, start, due, left = "—", "—", "—", "—"
    else:
        current, start, due = d.deadline.label, d.deadline.start.isoformat(), d.deadline.due.isoformat()
        days = d.days_left or 0
        left = f"超期 {-days} 天" if days < 0 else f"剩余 {days} 天"
    review = {0: "无", 1: "已复查"}.get(s.review_round, "已复查、复核")
    if s.status in ("reviewing", "re_reviewing"):
        review = STATUSES[s.status]
    extension = f"{s.extension_days} 天" if s.extension_days else "未延期"
    rows = [["当前时限", current, "起算日期", start, "办理期限", due],
            ["时限情况", left, "延期天数", extension, "复查复核", review]]
    if d.deadline is None:  # no limit running (a finished case): one line instead of a row of dashes
        ended = f"{s.ended_text(between=chr(10))}\n不再计时" if s.finished else "—"  # in lines: the cell is narrow
        rows = [["时限情况", ended, "延期天数", extension, "复查复核", review]]
    overdue = [("TEXTCOLOR", (1, 1), (1, 1), colors.HexColor("#C62828"))] if (d.days_left or 0) < 0 else []
    return _grid(rows, [BODY_W / 6] * 6, [
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        *[("BACKGROUND", (c, 0), (c, -1), LABEL_BG) for c in (0, 2, 4)], *overdue,
    ])


def _checklist(d: SheetData, st: dict[str, ParagraphStyle]) -> Table:
    s = d.state
    if not s.needs_checklist:
        text = _para("本件未列为积案、未设包案领导，四定四包不作要求。", st["body"], BODY_W)
        return _grid([[text]], [BODY_W])
    titles = ("项目", "落实情况", "落实人", "日期", "说明（措施、期限、单位）")
    rows: list[list[Any]] = [list(titles)]
    widths = [18 * mm, 19 * mm, 22 * mm, 21 * mm, BODY_W - 80 * mm]
    small = st["small"]
    for key, label in CHECKLIST_ITEMS.items():
        entry = s.checklist[key]
        rows.append([label, "已落实" if entry.done else "未落实",
                     _fit(entry.by if entry.done else "", small, widths[2]),
                     entry.at[:10] if entry.done else "", _fit(entry.note, small, widths[4])])
    undone = [("TEXTCOLOR", (1, i), (1, i), colors.HexColor("#C62828"))
              for i, key in enumerate(CHECKLIST_ITEMS, start=1) if not s.checklist[key].done]
    return _grid(rows, widths, [
        ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
        ("BACKGROUND", (0, 1), (0, -1), LABEL_BG), ("ALIGN", (0, 0), (1, -1), "CENTER"),
        ("ALIGN", (3, 1), (3, -1), "CENTER"), *undone,
    ], repeat=1, cell=_SmallCell)


FOLLOW_UP_W = (23 * mm, 22 * mm, 23 * mm, 23 * mm, 23 * mm)  # then the note, on the same line when it fits


def _follow_up(d: SheetData, st: dict[str, ParagraphStyle]) -> Table:
    if d.follow_up is None:
        rating, day, note = "尚未回访", "—", ""
    else:
        rating, day, note = d.follow_up
    note = note or "—"
    labels = [("BACKGROUND", (c, 0), (c, 0), LABEL_BG) for c in (0, 2, 4)]
    labels += [("ALIGN", (c, 0), (c, 0), "CENTER") for c in (0, 2, 4)]
    note_w = BODY_W - sum(FOLLOW_UP_W)
    if "\n" not in note and stringWidth(note, FONT_NAME, st["body"].fontSize) <= note_w - 8:
        return _grid([["评价结果", rating, "回访日期", day, "回访情况", note]], [*FOLLOW_UP_W, note_w], labels)
    # A note of more than a line gets the width of the page below the rating (and may run onto the next page).
    lw = FOLLOW_UP_W[0]
    rest = (BODY_W - 2 * lw) / 2
    rows = [["评价结果", rating, "回访日期", day],
            ["回访情况", _para(note, st["body"], BODY_W - lw), "", ""]]
    return _grid(rows, [lw, rest, lw, rest], [
        ("SPAN", (1, 1), (3, 1)), ("VALIGN", (0, 1), (-1, 1), "TOP"),  # the label stays at the note's start
        ("BACKGROUND", (0, 0), (0, -1), LABEL_BG), ("BACKGROUND", (2, 0), (2, 0), LABEL_BG),
        ("ALIGN", (0, 0), (0, -1), "CENTER"), ("ALIGN", (2, 0), (2, 0), "CENTER"),
    ])


SIGNATURE_SPACE = 10 * mm  # room to sign by hand between the label and the date line


def _signatures(st: dict[str, ParagraphStyle]) -> Table:
    """Three boxes side by side (handler, leader, petitioner): each a label, room to sign, and a date line."""
    day = "日期：＿＿＿＿年＿＿月＿＿日"
    cells = [[_Line(f"{who}（签字）：", st["sign"]), Spacer(1, SIGNATURE_SPACE), _Line(day, st["sign_date"])]
             for who in ("经办人", "包案领导", "信访人")]
    table = Table([cells], colWidths=[BODY_W / 3] * 3, hAlign="LEFT")
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), cjk_font()), ("GRID", (0, 0), (-1, -1), 0.6, GRID),
                               ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                               ("LEFTPADDING", (0, 0), (-1, -1), 5), ("RIGHTPADDING", (0, 0), (-1, -1), 5)]))
    return table


def case_story(d: SheetData, index: int, on_start: Callable[[int], None] | None = None) -> list[Flowable]:
    """The flowables of one case's sheet, starting with the marker that sets its header and numbering."""
    st = _styles()
    section = lambda text: _Line(text, st["section"])  # noqa: E731
    request = _grid([[_para(d.state.request_summary, st["body"], BODY_W)]], [BODY_W],
                    [("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 5)])
    checklist_title = "六、四定四包"
    if d.state.needs_checklist:
        checklist_title += f"（已落实 {d.state.checklist_done}/{len(CHECKLIST_ITEMS)}）"
    story: list[Flowable] = [
        _CaseStart(d, index, on_start), _title_block(d, st), Spacer(1, 1 * mm),
        section("一、基本情况"), _basic(d, st),
        section("二、信访人"), _petitioners(d, st),
        section("三、信访诉求"), request,
        CondPageBreak(30 * mm), section("四、办理过程"), _steps(d, st),
        KeepTogether([section("五、办理时限"), _limits(d)]),
        KeepTogether([section(checklist_title), _checklist(d, st)]),
        # The signatures never stand alone on a page: they go over together with the follow-up above them.
        KeepTogether([section("七、回访评价"), _follow_up(d, st), section("八、签字确认"), _signatures(st)]),
    ]
    return story


class _LazyStory(list):  # type: ignore[type-arg]
    """The flowables of many cases, made a case at a time as reportlab consumes them (memory stays flat)."""

    def __init__(self, cases: Iterator[list[Flowable]]) -> None:
        super().__init__()
        self.cases = cases
        self.more = True

    def __len__(self) -> int:
        while self.more and super().__len__() < 16:
            story = next(self.cases, None)
            if story is None:
                self.more = False
            else:
                self.extend(story)
        return super().__len__()

    def __bool__(self) -> bool:
        return len(self) > 0


def write_sheets(out: str | Path | BinaryIO, sheets: Iterable[SheetData], total: int | None = None,
                 progress: Progress | None = None) -> int:
    """Write the sheets of several cases into one PDF (each from a new page); returns the number of cases.
    A file is written whole or not at all (see app.store.files); its folder is made if missing."""
    count, case_id = 0, ""
    report = (lambda i: progress(i, total or 0)) if progress else None

    def stories() -> Iterator[list[Flowable]]:
        nonlocal count, case_id
        for index, data in enumerate(sheets):
            count, case_id = index + 1, data.case_id
            yield ([PageBreak()] if index else []) + case_story(data, index, report)

    story = _LazyStory(stories())
    if not story:
        raise DomainError("没有要打印的案件")
    try:
        if isinstance(out, str | Path):
            with output_file(out) as temp:
                _build(str(temp), story)
        else:
            _build(out, story)
    except LayoutError:
        # Every table row can split across pages, so this should not happen; if it does, say which case.
        raise DomainError(f"案件 {case_id} 的办理情况表无法排版（某一项内容过长），请联系技术支持") from None
    if progress:
        progress(count, total or count)
    return count


def _build(out: str | BinaryIO, story: list[Flowable]) -> None:
    doc = BaseDocTemplate(out, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                          bottomMargin=MARGIN_BOTTOM, title=TITLE, author="信访工作台", creator="信访工作台",
                          initialFontName=cjk_font())
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, BODY_W, BODY_H, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("sheet", [frame])])
    doc.build(story, canvasmaker=_SheetCanvas)
