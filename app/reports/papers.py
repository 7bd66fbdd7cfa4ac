"""A paper (文书) written as an A4 PDF with the embedded font, or as a .docx to edit in Word or WPS before printing.

Both are made from the station's template (app.reports.paper_templates) with its placeholders filled. The PDF
follows the official-paper layout: issuing office and title centred in large type, the number line under them, the
addressee, the body indented two characters, the issuing office and date at the right with room for the seal.
"""

from __future__ import annotations

import io
import re
import zipfile
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx.oxml.ns import qn
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from app.models.papers import fill, printed
from app.reports.fonts import paper_font
from app.reports.paper_templates import Line, Template

SEAL_SPACE = 28 * mm  # above the issuing office: room for the round seal


@cache
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("plain", fontName=paper_font(), fontSize=15, leading=28, wordWrap="CJK")
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


def write_pdf(template: Template, values: dict[str, str], target: Path) -> None:
    """The template's paragraphs, filled, as an A4 PDF at ``target`` (GB/T 9704 margins, roughly)."""
    filled = [Line(line.role, fill(line.text, values)) for line in template.lines if printed(line.text, values)]
    page = SimpleDocTemplate(str(target), pagesize=A4, leftMargin=28 * mm, rightMargin=26 * mm, topMargin=37 * mm,
                             bottomMargin=35 * mm, title=values.get("文书名称", ""),
                             author=values.get("发文机关", ""), initialFontName=paper_font())
    page.build(pdf_flowables(filled))


# The parts of a .docx whose text a template may put placeholders in.
_TEXT_PART = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")


def write_docx(template: Template, values: dict[str, str], target: Path) -> None:
    """The template with its placeholders filled, saved at ``target``: the parts with text are filled paragraph
    by paragraph, every other part is copied as it is (the county's styles, fonts and page set-up stay). A
    placeholder Word split over several runs (it does, after editing) is joined: the paragraph's text goes into
    its first run, in that run's format."""
    from docx.oxml import parse_xml
    from docx.text.paragraph import Paragraph
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(template.data)) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if _TEXT_PART.match(item.filename):
                root = parse_xml(data)
                for element in list(root.iter(qn("w:p"))):  # a list: paragraphs may be taken out
                    paragraph = Paragraph(element, None)  # type: ignore[arg-type]
                    text = paragraph.text
                    if not printed(text, values):
                        _leave_out(element)
                    elif "{{" in text and paragraph.runs:
                        runs = paragraph.runs
                        runs[0].text = fill(text, values)
                        for run in runs[1:]:
                            run.text = ""
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            out.writestr(item, data)


def _leave_out(element: Any) -> None:
    """Take a paragraph off the paper; a table cell keeps an empty paragraph (Word requires one in each cell)."""
    parent = element.getparent()
    if parent is not None and parent.tag != qn("w:tc"):
        parent.remove(element)
        return
    for text in element.iter(qn("w:t")):
        text.text = ""
