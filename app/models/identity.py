"""Checks of a petitioner's resident ID number (GB 11643-1999) and phone number."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from app.models.errors import DomainError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
# Area codes: 010 and 02x are followed by 8 digits; the other (four-character) codes 0[3-9]xx by 7 or 8.
# A dash or space between the two parts is allowed.
_LANDLINE = re.compile(r"^0(?:10|2[0-9])[- ]?[0-9]{8}$|^0[3-9][0-9]{2}[- ]?[0-9]{7,8}$")


def _plain(raw: str) -> str:
    """Full-width digits, letters and dashes (as Chinese input methods type them) as ASCII, spaces trimmed."""
    return unicodedata.normalize("NFKC", raw).strip()


def id_check_char(first17: str) -> str:
    """The check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def id_problem(raw: str) -> str | None:
    """Why ``raw`` is not a valid ID number, in Chinese, or None when it is valid.

    Used as the user types, so it names the first thing wrong rather than raising.
    """
    text = _plain(raw).upper()
    if len(text) != 18:
        return f"身份证号应为18位，现为{len(text)}位"
    if not (text[:17].isascii() and text[:17].isdigit()) or text[17] not in "0123456789X":
        return "身份证号前17位须为数字，末位为数字或X"
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return f"身份证号中的出生日期{text[6:14]}不存在"
    if born.year < 1890 or born > date.today():
        return f"身份证号中的出生日期{born.isoformat()}不合理"
    expected = id_check_char(text[:17])
    if text[17] != expected:
        return f"身份证号校验位错误：应为{expected}，实为{text[17]}"
    return None


def normalize_id_number(raw: str) -> str:
    """The ID number in stored form (upper-case X); raises DomainError when it is invalid."""
    problem = id_problem(raw)
    if problem:
        raise DomainError(problem)
    return _plain(raw).upper()


def phone_problem(raw: str) -> str | None:
    """Why ``raw`` is not a phone number, in Chinese, or None when it is a mobile or a landline with area code."""
    text = _plain(raw)
    if _MOBILE.match(text) or _LANDLINE.match(text):
        return None
    if text.isascii() and text.isdigit() and text.startswith("1"):
        if len(text) == 11:
            return "手机号号段不正确（第二位应为3至9）"
        return f"手机号应为11位，现为{len(text)}位"
    return "电话应为11位手机号，或带区号的固定电话（如0576-88123456）"


def normalize_phone(raw: str) -> str:
    """The phone number as stored; raises DomainError when it is neither mobile nor landline."""
    problem = phone_problem(raw)
    if problem:
        raise DomainError(problem)
    return _plain(raw).replace(" ", "-")


def mask_id_number(id_number: str) -> str:
    """First 6 and last 4 characters shown, the rest hidden (for printouts)."""
    if len(id_number) <= 10:
        return id_number
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]
