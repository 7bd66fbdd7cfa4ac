"""The data folder kept private: readable by its owner only, and a private place for temporary files.

Libraries write temporary files of their own (openpyxl writes each sheet of a workbook to a temporary file
before zipping it): with personal data in them they must not land in the system's temporary folder, where
other users can list them and a killed program leaves them for ever. Each program that opens a station gets a
folder of its own under ``<data>/tmp``, made the process's temporary folder while the station is open and locked
while the program runs; the next start removes every such folder whose program is gone (killed or crashed).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

SCRATCH = "tmp"
LOCK = ".lock"
OUTPUTS = "outputs-being-written"  # in a program's folder: the hidden files it is writing where the user chose
OUTPUT_PREFIX = ".信访工作台-"  # such a file's name: neutral (never the name of the file it will become)
POSIX = os.name == "posix"


def secure_folder(path: Path) -> Path:
    """Make ``path`` (and missing parents) and keep it owner-only (0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if POSIX:
        os.chmod(path, 0o700)
    return path


def secure_file(path: Path) -> None:
    """An existing file made owner-only (0600); a missing one is left missing."""
    if POSIX:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, 0o600)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with owner-only permissions if it does not exist, so that whatever fills it later
    (SQLite, which makes its -wal and -shm files with the permissions of the database file) is never readable
    by others, not even for a moment."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def open_private(path: Path) -> IO[bytes]:
    """Open (or create, owner-only) a file for appending: the lock files."""
    return os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600), "a+b")


def try_lock(handle: IO[bytes]) -> bool:
    """Take the system's exclusive lock on an open file without waiting; False when another program holds it.
    The system releases it when the program ends, however it ends."""
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


_active: list[Scratch] = []
_outputs: set[str] = set()
_outputs_lock = threading.Lock()
_original: list[str | None] = []


def system_temp() -> str:
    """The system's temporary folder, whichever folder is this process's temporary folder now."""
    if _active and _original and _original[0]:
        return _original[0]
    if _active:
        saved, tempfile.tempdir = tempfile.tempdir, None
        try:
            return tempfile.gettempdir()
        finally:
            tempfile.tempdir = saved
    return tempfile.gettempdir()


class Scratch:
    """This program's private temporary folder inside a data folder (see the module's note)."""

    def __init__(self, data_dir: Path) -> None:
        self.base = secure_folder(Path(data_dir) / SCRATCH)
        remove_abandoned(self.base)
        self.path = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=self.base))
        self._lock: IO[bytes] | None = open_private(self.path / LOCK)
        try_lock(self._lock)
        _active[:] = [s for s in _active if s.path.is_dir()]
        if not _active and not _original:
            _original.append(tempfile.tempdir)
        _active.append(self)
        tempfile.tempdir = str(self.path)

    def close(self) -> None:
        if self in _active:
            _active.remove(self)
            # The station opened last that is still open lends its folder; with none open, the system's again.
            # (A station never closed whose folder was deleted under it lends nothing.)
            _active[:] = [s for s in _active if s.path.is_dir()]
            tempfile.tempdir = str(_active[-1].path) if _active else (_original.pop() if _original else None)
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        shutil.rmtree(self.path, ignore_errors=True)


def note_output(temp: Path) -> None:
    """Note, in this program's private folder, a hidden file it is writing in a folder the user chose (where the
    system cannot write it without a name: app.store.files.output_file), so that if this program is killed the
    next start removes the half-written file (``remove_abandoned``)."""
    with _outputs_lock:
        _outputs.add(str(temp))
        _write_outputs()


def forget_output(temp: Path) -> None:
    with _outputs_lock:
        _outputs.discard(str(temp))
        _write_outputs()


def _write_outputs() -> None:
    folder = _active[-1].path if _active else None
    if folder is not None and folder.is_dir():
        with contextlib.suppress(OSError):
            (folder / OUTPUTS).write_text("\n".join(sorted(_outputs)), encoding="utf-8")


def _remove_outputs(folder: Path) -> None:
    """The half-written files a killed program noted (``note_output``): only hidden files of ours."""
    try:
        noted = (folder / OUTPUTS).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return
    for line in noted:
        path = Path(line)
        if path.is_absolute() and path.name.startswith(OUTPUT_PREFIX) and path.suffix == ".part":
            with contextlib.suppress(OSError):
                path.unlink()


def remove_abandoned(base: Path) -> list[Path]:
    """Remove the temporary folders of programs that are gone: a folder whose lock can be taken is nobody's
    (and the half-written files it noted elsewhere)."""
    removed = []
    for folder in base.iterdir() if base.is_dir() else []:
        if not folder.is_dir() or folder.is_symlink():
            with contextlib.suppress(OSError):
                folder.unlink()  # a stray file: nothing of ours belongs here
            continue
        try:
            with (folder / LOCK).open("a+b") as handle:
                if not try_lock(handle):
                    continue  # another program running now uses it
        except OSError:
            pass  # no lock file to open (made by a program killed at once): the folder is abandoned
        _remove_outputs(folder)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
