"""Draws the program's icon with the shipped font: resources/icons/petition-desk-<size>.png and petition-desk.ico
(the Windows build's icon). Run once after changing the design; the files are checked in.

    .venv/bin/python installer/make_icons.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.views.common import FONT_FILE  # noqa: E402
from app.views.qt import Qt, QtCore, QtGui, QtWidgets  # noqa: E402

ICONS = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)
BLUE, RED, WHITE = "#1f4e79", "#c0392b", "#ffffff"


def draw(size: int, family: str) -> QtGui.QImage:
    """A blue rounded square with 访 in white and a small red seal in the corner (the three-colour light's red)."""
    image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
    margin = size * 0.04
    box = QtCore.QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QtGui.QColor(BLUE))
    painter.drawRoundedRect(box, size * 0.18, size * 0.18)
    font = QtGui.QFont(family)
    font.setPixelSize(round(size * 0.66))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QtGui.QColor(WHITE))
    painter.drawText(box.adjusted(0, -size * 0.02, 0, 0), Qt.AlignmentFlag.AlignCenter, "访")
    if size >= 24:
        seal = size * 0.2
        painter.setBrush(QtGui.QColor(RED))
        painter.setPen(QtGui.QPen(QtGui.QColor(WHITE), max(1.0, size / 64)))
        painter.drawEllipse(QtCore.QRectF(size - margin - seal * 1.15, size - margin - seal * 1.15, seal, seal))
    painter.end()
    return image


def main() -> None:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    font_id = QtGui.QFontDatabase.addApplicationFont(str(FONT_FILE))
    family = QtGui.QFontDatabase.applicationFontFamilies(font_id)[0]
    ICONS.mkdir(parents=True, exist_ok=True)
    pngs = []
    for size in SIZES:
        path = ICONS / f"petition-desk-{size}.png"
        assert draw(size, family).save(str(path)), path
        pngs.append(path)
    ico = ICONS / "petition-desk.ico"
    if shutil.which("convert"):  # ImageMagick: one .ico holding every size
        subprocess.run(["convert", *map(str, pngs), str(ico)], check=True)
    else:
        assert draw(256, family).save(str(ico), "ico")
    del app
    print(f"written: {ICONS}")


if __name__ == "__main__":
    main()
