"""A paper (文书) written as an A4 PDF with the embedded font, or as a .docx to edit in Word or WPS before printing.

Both are made from the station's template (app.reports.paper_templates) with its placeholders filled. The PDF
follows the official-paper layout: issuing office and title centred in large type, the number line under them, the
addressee, the body indented two characters, the issuing office and date at the right with room for the seal.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from app.models.papers import fill
from app.reports.fonts import cjk_font
from app.reports.paper_templates import Line, lines, paragraphs

SEAL_SPACE = 28 * mm  # above the issuing office: room for the round seal


@cache
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("plain", fontName=cjk_font(), fontSize=15, leading=28, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=21, leading=32, alignment=TA_CENTER),
        "number": ParagraphStyle("number", parent=base, fontSize=15, alignment=TA_CENTER, spaceBefore=6,
                                 spaceAfter=18),
        "plain": base,
        "body": ParagraphStyle("body", parent=base, firstLineIndent=30),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, rightIndent=12 * mm),
    }


def pdf_flowables(filled: list[Line]) -> list[Any]:
    styles = _styles()
    story: list[Any] = []
    first_right = True
    for line in filled:
        if line.role == "right" and first_right:
            story.append(Spacer(1, SEAL_SPACE))
            first_right = False
        story.append(Paragraph(escape(line.text) or "&nbsp;", styles[line.role]))
    return story


def write_pdf(document: Any, values: dict[str, str], target: Path) -> None:
    """The template's paragraphs, filled, as an A4 PDF at ``target`` (GB/T 9704 margins, roughly)."""
    filled = [Line(line.role, fill(line.text, values)) for line in lines(document)]
    page = SimpleDocTemplate(str(target), pagesize=A4, leftMargin=28 * mm, rightMargin=26 * mm, topMargin=37 * mm,
                             bottomMargin=35 * mm, title=filled[1].text if len(filled) > 1 else "",
                             author=values.get("发文机关", ""))
    page.build(pdf_flowables(filled))


def write_docx(document: Any, values: dict[str, str], target: Path) -> None:
    """The template with its placeholders filled, saved at ``target``. A placeholder Word split over several runs
    (it does, after editing) is joined: the paragraph's text goes into its first run, in that run's format."""
    for paragraph in paragraphs(document):
        text = paragraph.text
        if "{{" not in text:
            continue
        runs = paragraph.runs
        runs[0].text = fill(text, values)
        for run in runs[1:]:
            run.text = ""
    document.core_properties.title = values.get("文书名称", "")
    document.save(str(target))
