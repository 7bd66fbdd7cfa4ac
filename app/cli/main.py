"""Argument parsing and dispatch to the command modules (each adds its own sub-commands).

``python main.py`` with no command opens the window without loading the command modules: they bring the sync,
report and demo code (openpyxl, cryptography …), about a quarter of a second the window's start should not pay.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from app.cli import chinese
from app.cli.common import EXIT_USAGE, run_handler
from app.cli.terminal import safe_terminal

# Modules that add sub-commands: each has ``register(subparsers)`` and sets ``run`` on its parsers.
COMMAND_MODULES = ["app.cli.accounts", "app.cli.cases", "app.cli.settings", "app.cli.supervise", "app.cli.reports",
                   "app.cli.sync", "app.cli.backup", "app.cli.papers"]
# The options that go with opening the window, each followed by its value.
WINDOW_OPTIONS = ("--data-dir", "--screenshot", "--case", "--user")
USER_HELP = "登录账号（或环境变量 PETITION_DESK_USER；密码取自 PETITION_DESK_PASSWORD 或在终端输入）"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"用法错误：{message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _top_parser() -> argparse.ArgumentParser:
    chinese.install()
    parser = _Parser(prog="petition-desk", description="信访工作台：乡镇信访事项登记、办理、督办与同步")
    parser.add_argument("--data-dir", help="数据目录（默认为用户数据目录，或环境变量 PETITION_DESK_HOME）")
    parser.add_argument("--screenshot", help="打开主窗口，列表填充后截图保存到此文件并退出")
    parser.add_argument("--case", help="打开主窗口并显示此案件（可与 --screenshot 同用）")
    parser.add_argument("--user", help=USER_HELP)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _top_parser()
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for command in sub.choices.values():  # `main.py list --user 张丽` as well as `main.py --user 张丽 list`
        command.add_argument("--user", default=argparse.SUPPRESS, help=USER_HELP)
    return parser


def opens_window(argv: Sequence[str]) -> bool:
    """Whether the arguments name no command: only window options, each with its value (``--case X``,
    ``--data-dir=D``)."""
    rest = list(argv)
    while rest:
        option = rest.pop(0)
        if option in WINDOW_OPTIONS and rest:
            rest.pop(0)
        elif not option.startswith(tuple(f"{o}=" for o in WINDOW_OPTIONS)):
            return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if opens_window(argv):
        from app.views.app import run_gui

        return run_gui(_top_parser().parse_args(argv))
    args = build_parser().parse_args(argv)
    if not args.command:
        from app.views.app import run_gui

        return run_gui(args)
    try:
        with safe_terminal():
            if getattr(args, "run_without_desk", None):  # restore: its folder must not be opened (made) first
                return int(args.run_without_desk(args))
            return run_handler(args.run, args)
    except BrokenPipeError:
        # `list | head` closed the pipe: the reader has what it wanted. Point stdout at nothing so the interpreter's
        # final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
