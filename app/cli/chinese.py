"""argparse's own words in Chinese: usage lines, help headings and its error messages.

argparse looks its texts up through the module-level ``_`` and ``ngettext`` (gettext) at the moment it uses them;
pointing those at this table before the parser is built gives a handler "用法错误：缺少必需的参数：--out" instead
of "the following arguments are required: --out".
"""

from __future__ import annotations

import argparse

TEXTS: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示此帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "one of the arguments %s is required": "须给出以下参数之一：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "ignored explicit argument %r": "多余的参数值 %r",
    "unexpected option string: %s": "意外的选项：%s",
}


def _text(message: str) -> str:
    return TEXTS.get(message, message)


def _plural(singular: str, plural: str, n: int) -> str:
    return _text(singular if n == 1 else plural)


def install() -> None:
    """Make argparse speak Chinese (idempotent)."""
    setattr(argparse, "_", _text)  # noqa: B010  (argparse reads these module attributes at call time)
    setattr(argparse, "ngettext", _plural)  # noqa: B010
