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
from reportlab.lib.enums import TA_CENTER
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
from reportlab.platypus.tables import CellStyle

from app.models.errors import DomainError
from app.models.vocab import CHANNELS, CHECKLIST_ITEMS, STATUSES
from app.reports.fonts import FONT_NAME, cjk_font
from app.reports.sheet_data import SheetData

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 16 * mm, 24 * mm, 20 * mm
BODY_W = PAGE_W - 2 * MARGIN_X
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
        "title": ParagraphStyle("title", parent=base, fontSize=19, leading=26, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10.5, leading=15, alignment=TA_CENTER),
        "section": ParagraphStyle("section", parent=base, fontSize=11, leading=15, spaceBefore=7,
                                  spaceAfter=3),
        "sign": ParagraphStyle("sign", parent=base, fontSize=10.5, leading=15),
        "qr": ParagraphStyle("qr", parent=base, fontSize=7.5, leading=11.5, alignment=TA_CENTER),
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
        top = PAGE_H - MARGIN_TOP + 6 * mm
        self.setFont(font, 9)
        self.setFillColor(colors.HexColor("#444444"))
        self.drawString(MARGIN_X, top, station)
        self.drawRightString(PAGE_W - MARGIN_X, top, f"案件编号：{case_id}")
        self.setStrokeColor(GRID)
        self.setLineWidth(0.8)
        self.line(MARGIN_X, top - 2.2 * mm, PAGE_W - MARGIN_X, top - 2.2 * mm)
        bottom = MARGIN_BOTTOM - 10 * mm
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
    topPadding, bottomPadding, leftPadding, rightPadding = 3, 4, 4, 4


class _SmallCell(_Cell):
    fontsize = 8.5
    leading = 8.5 * 1.2


def _grid(data: list[list[Any]], widths: list[float], extra: list[tuple[Any, ...]] | None = None,
          repeat: int = 0, cell: type[CellStyle] = _Cell) -> Table:
    cjk_font()  # registered before any cell names it
    table = Table(data, colWidths=widths, repeatRows=repeat, hAlign="LEFT",
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
    qr_size = 27 * mm
    title = [_Line(TITLE, st["title"]), Spacer(1, 2 * mm), _Line(f"案件编号：{d.case_id}", st["subtitle"])]
    code = [_qr(d.qr, qr_size), _Line(f"校验码 {d.code}", st["qr"])]
    side = qr_size + 4 * mm
    table = Table([["", title, code]], colWidths=[side, BODY_W - 2 * side, side])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), cjk_font()), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("ALIGN", (2, 0), (2, 0), "CENTER"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _basic(d: SheetData, st: dict[str, ParagraphStyle]) -> Table:
    s = d.state
    lw, vw = 24 * mm, BODY_W / 2 - 24 * mm
    p = lambda text: _fit(text, st["body"], vw)  # noqa: E731
    channel = CHANNELS.get(s.channel, s.channel)
    if s.collective:
        channel += f"（集体访，{s.head_count}人）"
    fill, ink, colour_text = COLOUR_FILL[d.colour]
    repeat = "首次" if s.repeat_round == 1 else f"第{s.repeat_round}次（前次：{'、'.join(s.repeat_of)}）"
    rows = [
        ["登记日期", p(s.registered_at[:10]), "来源渠道", p(channel)],
        ["领    域", p(s.domain), "当前状态", p(STATUSES.get(s.status, s.status))],
        ["乡镇（街道）", p(s.township), "村（社区）", p(s.village)],
        ["事权单位", p(s.authority_unit or "—"), "属    地", p(s.jurisdiction or "—")],
        ["积    案", p("是" if s.backlog else "否"), "重复信访", p(repeat)],
        ["督办颜色", colour_text, "包案领导", p(s.leader or "—")],
    ]
    return _grid(rows, [lw, vw, lw, vw], [
        ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
        ("BACKGROUND", (2, 0), (2, -1), LABEL_BG), ("ALIGN", (0, 0), (0, -1), "CENTER"),
        ("ALIGN", (2, 0), (2, -1), "CENTER"), ("BACKGROUND", (1, 5), (1, 5), colors.HexColor(fill)),
        ("TEXTCOLOR", (1, 5), (1, 5), ink),
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
                 repeat=1, cell=_SmallCell)


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
    for key, label in CHECKLIST_ITEMS.items():
        entry = s.checklist[key]
        rows.append([label, "已落实" if entry.done else "未落实",
                     _fit(entry.by if entry.done else "", st["body"], widths[2]),
                     entry.at[:10] if entry.done else "", _fit(entry.note, st["body"], widths[4])])
    undone = [("TEXTCOLOR", (1, i), (1, i), colors.HexColor("#C62828"))
              for i, key in enumerate(CHECKLIST_ITEMS, start=1) if not s.checklist[key].done]
    return _grid(rows, widths, [
        ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
        ("BACKGROUND", (0, 1), (0, -1), LABEL_BG), ("ALIGN", (0, 0), (1, -1), "CENTER"),
        ("ALIGN", (3, 1), (3, -1), "CENTER"), *undone,
    ], repeat=1)


def _follow_up(d: SheetData, st: dict[str, ParagraphStyle]) -> Table:
    if d.follow_up is None:
        rating, day, note = "尚未回访", "—", ""
    else:
        rating, day, note = d.follow_up
    rows = [["评价结果", rating, "回访日期", day],
            ["回访情况", _para(note or "—", st["body"], BODY_W - 24 * mm), "", ""]]
    lw, vw = 24 * mm, BODY_W / 2 - 24 * mm
    return _grid(rows, [lw, vw, lw, vw], [
        ("SPAN", (1, 1), (3, 1)),
        ("BACKGROUND", (0, 0), (0, -1), LABEL_BG), ("BACKGROUND", (2, 0), (2, 0), LABEL_BG),
        ("ALIGN", (0, 0), (0, -1), "CENTER"), ("ALIGN", (2, 0), (2, 0), "CENTER"),
    ])


def _signatures(st: dict[str, ParagraphStyle]) -> Table:
    line = "＿" * 9
    day = "＿＿＿＿年＿＿月＿＿日"
    rows = [[_Line(f"{who}（签字）：{line}", st["sign"]), _Line(f"日期：{day}", st["sign"])]
            for who in ("经　办　人", "包案领导", "信　访　人")]
    table = Table(rows, colWidths=[BODY_W * 0.55, BODY_W * 0.45], hAlign="LEFT")
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), cjk_font()), ("TOPPADDING", (0, 0), (-1, -1), 9),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 3), ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
    return table


def case_story(d: SheetData, index: int, on_start: Callable[[int], None] | None = None) -> list[Flowable]:
    """The flowables of one case's sheet, starting with the marker that sets its header and numbering."""
    st = _styles()
    section = lambda text: _Line(text, st["section"])  # noqa: E731
    request = _grid([[_para(d.state.request_summary, st["body"], BODY_W)]], [BODY_W],
                    [("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 7)])
    checklist_title = "六、四定四包"
    if d.state.needs_checklist:
        checklist_title += f"（已落实 {d.state.checklist_done}/{len(CHECKLIST_ITEMS)}）"
    story: list[Flowable] = [
        _CaseStart(d, index, on_start), _title_block(d, st), Spacer(1, 3 * mm),
        section("一、基本情况"), _basic(d, st),
        section("二、信访人"), _petitioners(d, st),
        section("三、信访诉求"), request,
        CondPageBreak(30 * mm), section("四、办理过程"), _steps(d, st),
        KeepTogether([section("五、办理时限"), _limits(d)]),
        KeepTogether([section(checklist_title), _checklist(d, st)]),
        KeepTogether([section("七、回访评价"), _follow_up(d, st), Spacer(1, 2 * mm),
                      section("八、签字确认"), _signatures(st)]),
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
    """Write the sheets of several cases into one PDF (each from a new page); returns the number of cases."""
    doc = BaseDocTemplate(str(out) if isinstance(out, Path) else out, pagesize=A4, leftMargin=MARGIN_X,
                          rightMargin=MARGIN_X, topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=TITLE,
                          author="信访工作台", creator="信访工作台", initialFontName=cjk_font())
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, BODY_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("sheet", [frame])])
    count = 0
    report = (lambda i: progress(i, total or 0)) if progress else None

    def stories() -> Iterator[list[Flowable]]:
        nonlocal count
        for index, data in enumerate(sheets):
            count = index + 1
            yield ([PageBreak()] if index else []) + case_story(data, index, report)

    story = _LazyStory(stories())
    if not story:
        raise DomainError("没有要打印的案件")
    doc.build(story, canvasmaker=_SheetCanvas)
    if progress:
        progress(count, total or count)
    return count
