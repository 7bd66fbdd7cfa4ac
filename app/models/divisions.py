"""Station codes as administrative division codes (行政区划代码), and which station may certify which.

A city is six digits ending in 00 (台州市 331000), a county six digits (椒江区 331002: its first four are its city's),
a township nine digits beginning with its county's six (新河镇 331002001). A city certifies only the counties that
share its first four digits, a county only the townships that begin with its code. A station whose code is not a
division code (a demo station, a test desk) stays outside the tree: it can neither be certified nor certify.

A township with more than one laptop (two handlers, each with a computer of their own) gives each further laptop a
code of its own: the township's nine digits and a two-digit laptop number from 02 (新河镇's second laptop
33100200102); the first laptop keeps the township's code. Each laptop numbers its own events and cases under its
own code, so no number is handed out twice, and all laptops of a township stand for the township: each may write on
every case registered at any of them (app.sync.authority), and the county passes each the others' history.
"""

from __future__ import annotations

import re

from app.models.vocab import LEVELS

_PATTERNS = {
    "city": re.compile(r"^[1-9]\d(?!00)\d{2}00$"),
    "county": re.compile(r"^[1-9]\d(?!00)\d{2}(?!00)\d{2}$"),
    "township": re.compile(r"^[1-9]\d(?!00)\d{2}(?!00)\d{2}\d{3}(?:0[2-9]|[1-9]\d)?$"),
}
_SHAPES = {"city": "6位、以00结尾，如 331000", "county": "6位，如 331002",
           "township": "9位、以所属县（区）代码开头，如 331002001；同一乡镇的第二台及以后的电脑在其后加两位电脑编号，"
                       "如 33100200102"}
TOWNSHIP_DIGITS = 9


def is_division_code(code: str, level: str) -> bool:
    """Whether ``code`` is spelled as a division code of ``level``."""
    pattern = _PATTERNS.get(level)
    return bool(pattern and pattern.match(code))


def township_of(code: str) -> str:
    """The township a laptop's code belongs to (33100200102 → 331002001); any other code as it is."""
    if len(code) == TOWNSHIP_DIGITS + 2 and is_division_code(code, "township"):
        return code[:TOWNSHIP_DIGITS]
    return code


def same_township(a: str, b: str) -> bool:
    """Whether two stations are laptops of one township (a laptop and itself too)."""
    return township_of(a) == township_of(b) and is_division_code(township_of(a), "township")


def laptop_label(code: str) -> str:
    """第2台电脑 for a further laptop of a township, empty for any other station."""
    return f"第{int(code[TOWNSHIP_DIGITS:])}台电脑" if township_of(code) != code else ""


def _covers(issuer_code: str, issuer_level: str, code: str) -> bool:
    if issuer_level == "city":
        return code[:4] == issuer_code[:4]
    if issuer_level == "county":
        return code[:6] == issuer_code
    return False


def certify_problem(issuer_code: str, issuer_level: str, code: str, level: str) -> str | None:
    """Why the station ``issuer_code`` may not certify ``code``, in Chinese, or None when it may."""
    what = f"{LEVELS.get(level, level)}站点 {code}"
    if not is_division_code(issuer_code, issuer_level):
        return (f"站点 {issuer_code} 的代码不是{LEVELS.get(issuer_level, issuer_level)}的行政区划代码"
                f"（{_SHAPES.get(issuer_level, '')}），不在站点树中，不能签发证书")
    if not is_division_code(code, level):
        return f"{what} 的代码不是行政区划代码（{_SHAPES.get(level, '')}），不能入网认证"
    if not _covers(issuer_code, issuer_level, code):
        prefix = issuer_code[:4] if issuer_level == "city" else issuer_code
        return (f"{what} 的代码不以 {prefix} 开头，不属于站点 {issuer_code} 的辖区，"
                f"{issuer_code} 不能为它签发证书")
    return None


def root_problem(code: str) -> str | None:
    """Why a root certificate for ``code`` cannot head the tree, or None."""
    if is_division_code(code, "city"):
        return None
    return f"根证书的站点代码 {code} 不是市级行政区划代码（{_SHAPES['city']}）"
