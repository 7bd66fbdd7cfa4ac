"""Small pieces the views share: where resources live, the supervision colours, dots, days-left wording and
non-blocking message boxes (a modal ``exec()`` would stall tests and the keyboard flow alike)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from app.views.qt import Qt, QtCore, QtGui, QtWidgets

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
FONT_FILE = RESOURCES / "fonts" / "wqy-microhei.ttc"
STYLE_FILE = RESOURCES / "style.qss"
ICON_FILES = tuple(RESOURCES / "icons" / f"petition-desk-{size}.png" for size in (16, 24, 32, 48, 64, 128, 256))

# Calm but unmistakable: the three supervision colours, and grey for finished cases.
COLOUR_HEX = {"red": "#d64541", "yellow": "#e0a526", "green": "#3a9d5d", "none": "#a7adb5"}
ERROR_HEX = "#c0392b"
WARNING_HEX = "#b9770e"

# Item-model signatures: any index, and the invisible root as a default argument.
Index = QtCore.QModelIndex | QtCore.QPersistentModelIndex
ROOT = QtCore.QModelIndex()


_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def escape(text: str) -> str:
    """Text made safe to put in a rich-text label (the html package's escape without loading its entity table,
    about 3 ms of the window's start)."""
    for raw, safe in _ESCAPES:
        text = text.replace(raw, safe)
    return text


@cache
def colour_dot(colour: str, size: int = 12) -> QtGui.QIcon:
    """A filled circle in the supervision colour, for lists and labels."""
    pixmap = QtGui.QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pixmap)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QtGui.QColor(COLOUR_HEX.get(colour, COLOUR_HEX["none"])))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QtGui.QIcon(pixmap)


def message(parent: QtWidgets.QWidget | None, title: str, text: str,
            icon: QtWidgets.QMessageBox.Icon = QtWidgets.QMessageBox.Icon.Warning) -> QtWidgets.QMessageBox:
    """Show a message without blocking (window-modal); returns the box so callers and tests can reach it."""
    box = QtWidgets.QMessageBox(icon, title, text, QtWidgets.QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("messageBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def error_label() -> QtWidgets.QLabel:
    """A red line under a form for the Chinese reason an input was refused; hidden while there is none."""
    label = QtWidgets.QLabel()
    label.setObjectName("errorLabel")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_HEX};")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def show_error(label: QtWidgets.QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def shortcut_text(sequence: QtGui.QKeySequence | QtGui.QKeySequence.StandardKey | str) -> str:
    return QtGui.QKeySequence(sequence).toString(QtGui.QKeySequence.SequenceFormat.NativeText)


def single_shot(parent: QtCore.QObject, msec: int) -> QtCore.QTimer:
    """A restartable one-shot timer (search debounce and the like)."""
    timer = QtCore.QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(msec)
    return timer
