"""The CJK font every PDF embeds, registered once per process.

reportlab's built-in ``STSong-Light`` is a CID font that is never embedded: on a machine without Adobe's
language pack the page prints blank. WenQuanYi Micro Hei ships in ``resources/fonts`` and is embedded
(as a subset).
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib import textsplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import paragraph

FONT_NAME = "WQYMicroHei"
FONT_PATH = Path(__file__).resolve().parents[2] / "resources" / "fonts" / "wqy-microhei.ttc"


# Chinese full-width punctuation that must not begin a line. reportlab's list (CJK word wrap) is drawn from
# Japanese typography and lacks these, so a wrapped note could start a line with "，". The list is read from two
# module globals: textsplit's (a paragraph of one run of text, the usual case) and paragraph's (mixed runs).
_CHINESE_CANNOT_START = "，；：！？、。）》」』】〕…"


def cjk_font() -> str:
    """The registered font's name; loading the file (~0.15 s) happens only the first time."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))
        for module in (textsplit, paragraph):
            missing = "".join(c for c in _CHINESE_CANNOT_START if c not in module.ALL_CANNOT_START)
            module.ALL_CANNOT_START += missing
    return FONT_NAME
