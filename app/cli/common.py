"""Pieces every command uses: opening the desk, printing JSON, and turning domain errors into exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.ops.desk import Desk
from app.store.db import default_data_dir
from app.store.oserrors import os_reason

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
Handler = Callable[[Desk, argparse.Namespace], int]


def open_desk(args: argparse.Namespace) -> Desk:
    return Desk(Path(args.data_dir) if args.data_dir else default_data_dir())


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def choices_help(what: str, labels: dict[str, str]) -> str:
    """Help text naming each code a choice takes with its Chinese label: ``状态：registered=已登记、…``."""
    return f"{what}：" + "、".join(f"{code}={label}" for code, label in labels.items())


def fail(message: str) -> int:
    """Print a refusal in Chinese on stderr; exit code 1."""
    print(f"错误：{message}", file=sys.stderr)
    return EXIT_REFUSED


def os_error_text(err: OSError) -> str:
    """A file-system failure the command did not expect, told as the rest of the program tells it."""
    where = f"：{err.filename}" if err.filename else ""
    return f"{os_reason(err)}{where}"


def run_handler(handler: Handler, args: argparse.Namespace) -> int:
    try:
        desk = open_desk(args)
    except DomainError as err:
        return fail(str(err))
    except OSError as err:
        return fail(os_error_text(err))
    try:
        return handler(desk, args)
    except DomainError as err:
        return fail(str(err))
    except BrokenPipeError:
        raise  # the reader of our output went away: main() ends quietly
    except OSError as err:
        return fail(os_error_text(err))
    finally:
        desk.close()


def progress_printer(label: str) -> Callable[[int, int], None]:
    """A progress line on stderr for long work, refreshed in place."""
    def report(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        print(f"\r{label}：{done}/{total}（{percent}%）", end="" if done < total else "\n", file=sys.stderr)
    return report
