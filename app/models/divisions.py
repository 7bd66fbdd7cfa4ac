"""Station codes as administrative division codes (行政区划代码), and which station may certify which.

A city is six digits ending in 00 (台州市 331000), a county six digits (椒江区 331002: its first four are its city's),
a township nine digits beginning with its county's six (新河镇 331002001). A city certifies only the counties that
share its first four digits, a county only the townships that begin with its code. A station whose code is not a
division code (a demo station, a test desk) stays outside the tree: it can neither be certified nor certify.
"""

from __future__ import annotations

import re

from app.models.vocab import LEVELS

_PATTERNS = {
    "city": re.compile(r"^[1-9]\d(?!00)\d{2}00$"),
    "county": re.compile(r"^[1-9]\d(?!00)\d{2}(?!00)\d{2}$"),
    "township": re.compile(r"^[1-9]\d(?!00)\d{2}(?!00)\d{2}\d{3}$"),
}
_SHAPES = {"city": "6位、以00结尾，如 331000", "county": "6位，如 331002",
           "township": "9位、以所属县（区）代码开头，如 331002001"}


def is_division_code(code: str, level: str) -> bool:
    """Whether ``code`` is spelled as a division code of ``level``."""
    pattern = _PATTERNS.get(level)
    return bool(pattern and pattern.match(code))


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
