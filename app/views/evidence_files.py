"""Evidence opened in the system's viewer: copied (verified against its hash) into the station's private
temporary folder (``app.store.private``), which goes when the station is closed; the next start removes what a
killed program left there. Older programs copied into the system's temporary folder: each start still removes the
folders they left behind, as they hold personal data (photos, recordings of petitioners)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from app.ops.desk import Desk
from app.store.private import system_temp
from app.views.qt import QtCore, QtGui

PREFIX = "petition-desk-"
STALE_SECONDS = 24 * 3600


def export_dir(desk: Desk) -> Path:
    """A private folder for evidence opened in a viewer; removed when the station is closed (personal data)."""
    folder = desk.scratch.path / "evidence"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def clean_stale_exports(root: Path | None = None, max_age: float = STALE_SECONDS) -> list[Path]:
    """Remove the evidence folders earlier runs left in the temporary folder (older than ``max_age`` seconds,
    so a second copy of the program running now keeps its own); returns what was removed."""
    base = Path(root or system_temp())
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
    target = export_dir(desk) / f"{str(item['sha256'])[:12]}-{name}"
    desk.blobs.export_to(str(item["sha256"]), target)
    QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(target)))
    return target
