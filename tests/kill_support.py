"""A program killed half-way, as a power cut or the task manager would: a child process SIGKILLed as soon as it is in
the middle of its work, judged by what it has printed or by the files it has open."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
When = Callable[[str, int], bool]  # (what the child has printed on stderr so far, its pid) → kill it now


def kill_half_way(command: list[str], env: dict[str, str], when: When, seconds: float = 40) -> None:
    """Run ``command`` (from the project's folder) and SIGKILL it as soon as ``when`` says it is in the middle of
    its work; fails if it ended first."""
    child = subprocess.Popen(command, cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    told: list[bytes] = []
    reader = threading.Thread(target=lambda: told.extend(iter(lambda: child.stderr.read1(4096), b"")), daemon=True)
    reader.start()
    deadline = time.monotonic() + seconds
    try:
        while child.poll() is None and time.monotonic() < deadline:
            if when(b"".join(told).decode("utf-8", "replace"), child.pid):
                child.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        reader.join(timeout=10)
        child.stderr.close()
    said = b"".join(told).decode("utf-8", "replace")[-300:]
    assert child.returncode == -signal.SIGKILL, (
        f"{command[-4:]} ended ({child.returncode}) before it was killed: {said}")


def main_py(*argv: str) -> list[str]:
    """The command line of ``main.py argv…``."""
    return [sys.executable, str(ROOT / "main.py"), *argv]


def stage(name: str) -> When:
    """The child has begun the stage its progress lines call ``name``."""
    return lambda said, pid: name in said


def writing_in(folder: Path, at_least: int = 1) -> When:
    """The child has a file in ``folder`` open with ``at_least`` bytes in it (one without a name, too: its /proc
    link then ends in "(deleted)", app.store.files)."""
    def writing(said: str, pid: int) -> bool:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):  # closed meanwhile
                if os.readlink(fd).startswith(str(folder)) and os.stat(fd).st_size >= at_least:
                    return True
        return False
    return writing
