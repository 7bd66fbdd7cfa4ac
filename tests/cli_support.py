"""The command line as the tests drive it: one in-process run with a login, and a set-up station."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest

from app.cli.main import main
from tests.conftest import ADMIN, TEST_PASSWORD, new_station


def run(capsys: pytest.CaptureFixture[str], folder: Path, *argv: str, user: str = ADMIN,
        password: str = TEST_PASSWORD, **env: str) -> tuple[int, str, str]:
    """``main.py --data-dir folder argv…`` logged in as ``user`` (through PETITION_DESK_USER and
    PETITION_DESK_PASSWORD, as a script would); ``env`` adds more variables (``PETITION_DESK_NEW_PASSWORD=…``)."""
    variables = {"PETITION_DESK_USER": user, "PETITION_DESK_PASSWORD": password, **env}
    with mock.patch.dict(os.environ, variables), pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main(["--data-dir", str(folder), *argv]))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def cli_station(folder: Path) -> Path:
    """A township station TZ01 whose admin is 张丽 (the test password), for commands to run on."""
    new_station(folder).close()
    return folder


def login_env(user: str = ADMIN, password: str = TEST_PASSWORD) -> dict[str, str]:
    """The environment of a ``main.py`` child process logged in as ``user``."""
    return {**os.environ, "PETITION_DESK_USER": user, "PETITION_DESK_PASSWORD": password}
