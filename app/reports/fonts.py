"""The CJK font every PDF embeds, registered once per process.

reportlab's built-in ``STSong-Light`` is a CID font that is never embedded: on a machine without Adobe's
language pack the page prints blank. WenQuanYi Micro Hei ships in ``resources/fonts`` and is embedded
(as a subset).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib import textsplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace
from reportlab.platypus import paragraph

FONT_NAME = "WQYMicroHei"
PAPER_FONT_NAME = "WQYMicroHei-Papers"
FONT_PATH = Path(__file__).resolve().parents[2] / "resources" / "fonts" / "wqy-microhei.ttc"


# Chinese full-width punctuation that must not begin a line. reportlab's list (CJK word wrap) is drawn from
# Japanese typography and lacks these, so a wrapped note could start a line with "，". The list is read from two
# module globals: textsplit's (a paragraph of one run of text, the usual case) and paragraph's (mixed runs).
_CHINESE_CANNOT_START = "，；：！？、。）》」』】〕…"


def cjk_font() -> str:
    """The registered font's name; loading the file (~0.15 s) happens only the first time."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        _register(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))
    return FONT_NAME


def paper_font() -> str:
    """The same font for the papers (文书), embedded the same way, made for many small documents in a row: see
    ``_PaperFace``. Registered under a name of its own on first use."""
    if PAPER_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        font = TTFont(PAPER_FONT_NAME, str(FONT_PATH), subfontIndex=0)
        font.face.__class__ = _PaperFace  # the face just read, its two methods replaced (no second read)
        # reportlab keeps one font object per face name and would make this name another name of the plain font
        # (or the plain font's name another name of this one, whichever came first): registered under a face name
        # of its own, then given back its real one, which the PDF names.
        real_name = font.face.name
        font.face.name = real_name + b"-papers"
        try:
            _register(font)
        finally:
            font.face.name = real_name
    return PAPER_FONT_NAME


def _register(font: TTFont) -> None:
    pdfmetrics.registerFont(font)
    for module in (textsplit, paragraph):
        missing = "".join(c for c in _CHINESE_CANNOT_START if c not in module.ALL_CANNOT_START)
        module.ALL_CANNOT_START += missing


class _FastFlate:
    """The Flate (zlib) stream filter, compressed by ISA-L at its level 1: the same format any PDF reader
    decodes, about ten times faster than zlib's default level and within a few per cent of its size (13.9 vs
    13.3 KB for a notice's font subset)."""

    pdfname = "FlateDecode"

    def encode(self, text: bytes | str) -> bytes:
        from isal import isal_zlib

        return isal_zlib.compress(text.encode("utf8") if isinstance(text, str) else text, 1)

    def decode(self, encoded: bytes) -> bytes:
        import zlib

        return zlib.decompress(encoded)


_FAST_FLATE = _FastFlate()


class _PaperFace(TTFontFace):
    """The font face as reportlab reads it, with the two costs of embedding a subset taken out of each paper
    (together about 1 ms of a notice's 5): the file's tables are sliced once and kept (the font never changes;
    reportlab copies the 3.5 MB glyph table out of the file for every subset it makes), and the subset's stream is
    compressed by ISA-L (``_FastFlate``)."""

    def get_table(self, tag: str) -> bytes:
        tables: dict[str, bytes] = self.__dict__.setdefault("_tables", {})
        if tag not in tables:
            tables[tag] = bytes(super().get_table(tag))
        return tables[tag]

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:  # noqa: N802 (reportlab's)
        reference = super().addSubsetObjects(doc, fontname, subset)
        stream = doc.idToObject[f"fontFile:{self.filename}({fontname})"]
        if stream.filters:  # compressed at all: the document's choice
            stream.filters = [_FAST_FLATE]
        return reference
