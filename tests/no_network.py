"""The program never touches the network: an audit hook that turns every socket creation and every name lookup
into a failure. Installed for the whole test suite (tests/conftest.py), so every command and every window the
tests run, runs without sockets; child processes install it with ``python -c`` (see ``CHILD``)."""

from __future__ import annotations

import sys

REFUSED_EVENTS = frozenset({
    "socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo",
    "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo", "socket.sendto",
})
MESSAGE = "network refused: the program must not open sockets"
# Runs main.py in a child process with the hook installed first.
CHILD = ("import sys; sys.path.insert(0, '.'); from tests.no_network import install; install(); "
         "import runpy; sys.argv = ['main.py', *sys.argv[1:]]; runpy.run_path('main.py', run_name='__main__')")
_installed: list[bool] = []


def _hook(event: str, args: tuple[object, ...]) -> None:
    if event in REFUSED_EVENTS:
        raise OSError(f"{MESSAGE} ({event})")


def install() -> None:
    """Install the hook (once per process; an audit hook cannot be removed)."""
    if not _installed:
        sys.addaudithook(_hook)
        _installed.append(True)
