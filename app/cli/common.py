"""Pieces every command uses: opening the desk with a login, printing JSON, and turning domain errors into exit
codes.

Every command that reads or changes a station logs in: the account from ``--user`` (or ``PETITION_DESK_USER``),
its password from ``PETITION_DESK_PASSWORD`` or a prompt on the terminal. A command that sets a station up
(``init``, ``recover``) says so with ``set_defaults(login=NO_LOGIN)``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.ops.approval import Approval
from app.ops.desk import Desk
from app.ops.session import has_accounts, open_station
from app.store.db import default_data_dir
from app.store.oserrors import os_reason

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
Handler = Callable[[Any, argparse.Namespace], int]  # a Desk, or None for a command that sets a station up
USER_VARIABLE, PASSWORD_VARIABLE = "PETITION_DESK_USER", "PETITION_DESK_PASSWORD"
NEW_PASSWORD_VARIABLE, APPROVER_PASSWORD_VARIABLE = "PETITION_DESK_NEW_PASSWORD", "PETITION_DESK_APPROVER_PASSWORD"
LOGIN, NO_LOGIN, LOGIN_IF_SET_UP = "login", "none", "if-set-up"


def data_dir_of(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def secret(variable: str, prompt: str, *, confirm: bool = False) -> str:
    """A password from the environment variable, or typed on the terminal (twice for a new one). Without
    either, a refusal that says how to give it."""
    value = os.environ.get(variable)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise DomainError(f"{prompt}：请在终端中运行以便输入，或设置环境变量 {variable}")
    typed = getpass.getpass(f"{prompt}：")
    if confirm and getpass.getpass(f"再输入一次{prompt}：") != typed:
        raise DomainError("两次输入的密码不一致")
    return typed


def approval_of(args: argparse.Namespace, reason: str) -> Approval:
    """The approval a command gives with ``--approver NAME`` (the leader's password from
    PETITION_DESK_APPROVER_PASSWORD or typed by the leader); without it, the signed-in account's own (a leader's)."""
    approver = (getattr(args, "approver", "") or "").strip()
    if not approver:
        return Approval("", "", reason)
    return Approval(approver, secret(APPROVER_PASSWORD_VARIABLE, f"批准人“{approver}”的密码"), reason)


def open_desk(args: argparse.Namespace) -> Desk | None:
    """The station for this command, logged in; None for a command that sets a station up (it opens the store
    itself, once the keyring holds the key the store is sealed with)."""
    data_dir = data_dir_of(args)
    mode = getattr(args, "login", LOGIN)
    if mode == NO_LOGIN or (mode == LOGIN_IF_SET_UP and not has_accounts(data_dir)):
        return None
    user = getattr(args, "user", None) or os.environ.get(USER_VARIABLE, "")
    if not user:
        raise DomainError(f"请用 --user 指定登录账号（或设置环境变量 {USER_VARIABLE}）")
    return open_station(data_dir, user, secret(PASSWORD_VARIABLE, f"账号“{user}”的密码"))


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
        if desk is not None:
            desk.close()


def progress_printer(label: str) -> Callable[[int, int], None]:
    """A progress line on stderr for long work, refreshed in place."""
    def report(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        print(f"\r{label}：{done}/{total}（{percent}%）", end="" if done < total else "\n", file=sys.stderr)
    return report
