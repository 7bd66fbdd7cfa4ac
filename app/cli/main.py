"""Argument parsing and dispatch to the command modules (each adds its own sub-commands)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from app.cli import cases, chinese, reports, settings, supervise, sync
from app.cli.common import EXIT_USAGE, run_handler

# Modules that add sub-commands: each has ``register(subparsers)`` and sets ``run`` on its parsers.
COMMAND_MODULES = [cases, settings, supervise, reports, sync]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"用法错误：{message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    chinese.install()
    parser = _Parser(prog="petition-desk", description="信访工作台：乡镇信访事项登记、办理、督办与同步")
    parser.add_argument("--data-dir", help="数据目录（默认为用户数据目录，或环境变量 PETITION_DESK_HOME）")
    parser.add_argument("--screenshot", help="打开主窗口，列表填充后截图保存到此文件并退出")
    parser.add_argument("--case", help="打开主窗口并显示此案件（可与 --screenshot 同用）")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        from app.views.app import run_gui

        return run_gui(args)
    try:
        return run_handler(args.run, args)
    except BrokenPipeError:
        # `list | head` closed the pipe: the reader has what it wanted. Point stdout at nothing so the interpreter's
        # final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
