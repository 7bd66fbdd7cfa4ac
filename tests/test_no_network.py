"""The program opens no network socket, ever. The whole suite runs with socket creation and name lookups refused
(tests/no_network.py, installed by tests/conftest.py), so every command and window the other tests drive ran
without a network; here the refusal itself is checked, Qt's network module is shown never to load, and the
program runs as a user starts it, in child processes with the same refusal (and with no network device at all,
``unshare -n``, where the system allows it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app.ops.desk import Desk
from tests.gui_support import make_window
from tests.no_network import CHILD

ROOT = Path(__file__).resolve().parent.parent


def test_sockets_and_name_lookups_are_refused_in_this_suite() -> None:
    with pytest.raises(OSError, match="network refused"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(OSError, match="network refused"):
        socket.getaddrinfo("localhost", 80)


def test_the_window_never_loads_qt_network(qtbot, desk: Desk) -> None:  # type: ignore[no-untyped-def]
    window = make_window(qtbot, desk)
    window.close()
    assert not [name for name in sys.modules if name.startswith(("PySide6.QtNetwork", "PySide6.QtWebEngine"))]


def no_network_prefix() -> list[str]:
    """``unshare -n`` when this system lets us make a network namespace (root, or user namespaces allowed)."""
    if shutil.which("unshare") is None:
        return []
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    return ["unshare", "-n"] if probe.returncode == 0 else []


def test_the_program_runs_as_started_by_a_user_without_network(tmp_path: Path) -> None:
    station = tmp_path / "station"
    from app.demo import DEMO_PASSWORD, DEMO_USER

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PETITION_DESK_HOME": str(tmp_path / "unused"),
           "PETITION_DESK_USER": DEMO_USER, "PETITION_DESK_PASSWORD": DEMO_PASSWORD}
    prefix = no_network_prefix()

    def run(*args: str) -> str:
        done = subprocess.run([*prefix, sys.executable, "-c", CHILD, "--data-dir", str(station), *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, (args, done.stderr)
        assert "network refused" not in done.stderr
        return done.stdout

    run("demo", "--cases", "40", "--seed", "2")
    assert "DEMO-" in run("list")
    run("verify")
    run("ledger", "--out", str(tmp_path / "台账.xlsx"))
    run("print", "--all-open", "--out", str(tmp_path / "open.pdf"))
    run("report", "weekly", "--out", str(tmp_path / "周报.xlsx"))
    run("--screenshot", str(tmp_path / "window.png"))
    assert (tmp_path / "window.png").stat().st_size > 10_000
    assert (tmp_path / "open.pdf").read_bytes()[:4] == b"%PDF"
