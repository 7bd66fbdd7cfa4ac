"""Evidence opened in the system's viewer: copied (verified against its hash) into a private temporary folder,
which goes when the program ends. A program that was killed cannot remove its folder, so each start removes the
folders that earlier runs left behind: they hold personal data (photos, recordings of petitioners)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

from app.ops.desk import Desk
from app.views.qt import QtCore, QtGui

PREFIX = "petition-desk-"
STALE_SECONDS = 24 * 3600


@cache
def export_dir() -> Path:
    """A private folder for evidence opened in a viewer; removed when the program ends (personal data)."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def clean_stale_exports(root: Path | None = None, max_age: float = STALE_SECONDS) -> list[Path]:
    """Remove the evidence folders earlier runs left in the temporary folder (older than ``max_age`` seconds,
    so a second copy of the program running now keeps its own); returns what was removed."""
    base = Path(root or tempfile.gettempdir())
    cutoff = time.time() - max_age
    removed = []
    for folder in base.glob(f"{PREFIX}*"):
        try:
            if folder.is_dir() and not folder.is_symlink() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        except OSError:
            continue  # another user's folder, or gone meanwhile: not ours to worry about
    return removed


def open_in_viewer(desk: Desk, item: dict[str, Any]) -> Path:
    """Export one evidence file and open it with the system's viewer; raises DomainError when the stored file
    is missing or damaged."""
    name = Path(str(item.get("name") or "evidence")).name
    target = export_dir() / f"{str(item['sha256'])[:12]}-{name}"
    desk.blobs.export_to(str(item["sha256"]), target)
    QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(target)))
    return target
