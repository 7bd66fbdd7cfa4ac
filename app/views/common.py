"""Small pieces the views share: where resources live, the supervision colours, dots, days-left wording and
non-blocking message boxes (a modal ``exec()`` would stall tests and the keyboard flow alike)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

from app.views.qt import Qt, QtCore, QtGui, QtWidgets

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
FONT_FILE = RESOURCES / "fonts" / "wqy-microhei.ttc"
STYLE_FILE = RESOURCES / "style.qss"
ICON_FILES = tuple(RESOURCES / "icons" / f"petition-desk-{size}.png" for size in (16, 24, 32, 48, 64, 128, 256))

# Calm but unmistakable: the three supervision colours, and grey for finished cases.
COLOUR_HEX = {"red": "#d64541", "yellow": "#e0a526", "green": "#3a9d5d", "none": "#a7adb5"}
ERROR_HEX = "#c0392b"
WARNING_HEX = "#b9770e"

# The demo station lives beside the real data folder, never in it: "<folder>-demo".
DEMO_FOLDER_SUFFIX = "-demo"
DEMO_CODE = "DEMO"


def demo_folder(data_dir: Path) -> Path:
    """Where the demo station of a data folder lives."""
    return Path(data_dir).with_name(Path(data_dir).name + DEMO_FOLDER_SUFFIX)


def real_folder(data_dir: Path) -> Path | None:
    """The real station's folder a demo folder belongs to (None for a folder that is not a demo's)."""
    name = Path(data_dir).name
    return Path(data_dir).with_name(name.removesuffix(DEMO_FOLDER_SUFFIX)) if name.endswith(DEMO_FOLDER_SUFFIX) \
        else None


# Item-model signatures: any index, and the invisible root as a default argument.
Index = QtCore.QModelIndex | QtCore.QPersistentModelIndex
ROOT = QtCore.QModelIndex()
W = TypeVar("W", bound=QtWidgets.QWidget)


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


def confirm(parent: QtWidgets.QWidget | None, title: str, text: str, do: Callable[[], object]) -> QtWidgets.QMessageBox:
    """Ask before writing what cannot be undone or touches many cases: ``text`` names what will be written; 确定
    runs ``do``, 取消 (the default, so a stray Enter writes nothing) does nothing. Non-blocking; returns the box."""
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Question, title, text,
                                QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No,
                                parent)
    box.setObjectName("confirmBox")
    box.button(QtWidgets.QMessageBox.StandardButton.Yes).setText("确定")
    box.button(QtWidgets.QMessageBox.StandardButton.No).setText("取消")
    box.setDefaultButton(QtWidgets.QMessageBox.StandardButton.No)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def finished(result: int) -> None:
        if result == QtWidgets.QMessageBox.StandardButton.Yes:
            do()

    box.finished.connect(finished)
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


# Room a window manager's title bar and borders take around a window (a typical Windows or desktop Linux frame).
FRAME_ROOM = QtCore.QSize(16, 48)


def available_room(widget: QtWidgets.QWidget) -> QtCore.QSize:
    """The size a top-level window may take on its screen, frame included: a 1366×768 laptop, or 1280×720 at
    150 %, with its task bar."""
    screen = widget.screen() or QtGui.QGuiApplication.primaryScreen()
    available = screen.availableGeometry()
    return QtCore.QSize(available.width() - FRAME_ROOM.width(), available.height() - FRAME_ROOM.height())


def fit_to_screen(window: QtWidgets.QWidget, width: int, height: int) -> None:
    """Resize a top-level window to the size it would like, but never past its screen; a window that is moved
    back inside when it was placed partly off it (a dialog centred on a tall parent)."""
    room = available_room(window)
    window.resize(min(width, room.width()), min(height, room.height()))


def grow_to_hint(window: QtWidgets.QWidget) -> None:
    """Let a shown window grow to what its content now asks for (a part that appeared), as far as the screen
    allows; never shrink what the handler widened. Done on the next turn of the event loop, once the content's
    layouts have taken the new part in."""
    def grow() -> None:
        try:
            if not window.isVisible():
                return
            hint = window.sizeHint()
        except RuntimeError:  # closed and deleted meanwhile
            return
        fit_to_screen(window, max(window.width(), hint.width()), max(window.height(), hint.height()))

    QtCore.QTimer.singleShot(0, window, grow)


def keep_on_screen(window: QtWidgets.QWidget) -> None:
    """Move a shown top-level window so that its frame lies inside the screen's available area."""
    screen = window.screen() or QtGui.QGuiApplication.primaryScreen()
    available = screen.availableGeometry()
    frame = window.frameGeometry()
    if available.contains(frame):
        return
    if frame.width() > available.width() or frame.height() > available.height():
        room = available_room(window)
        window.resize(min(window.width(), room.width()), min(window.height(), room.height()))
        frame = window.frameGeometry()
    x = min(max(frame.x(), available.x()), available.right() + 1 - frame.width())
    y = min(max(frame.y(), available.y()), available.bottom() + 1 - frame.height())
    window.move(x, y)


class ScreenFitted(QtCore.QObject):
    """Keeps a top-level window inside its screen each time it is shown (and after it grows, as a dialog does
    when a hidden part appears)."""

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() in (QtCore.QEvent.Type.Show, QtCore.QEvent.Type.LayoutRequest) \
                and isinstance(watched, QtWidgets.QWidget) and watched.isWindow() and watched.isVisible():
            QtCore.QTimer.singleShot(0, lambda w=watched: _still_on_screen(w))
        return False


def _still_on_screen(window: QtWidgets.QWidget) -> None:
    try:
        if window.isVisible() and not window.isMaximized() and not window.isFullScreen():
            keep_on_screen(window)
    except RuntimeError:  # deleted meanwhile
        pass


def fitted(window: W) -> W:
    """Keep this top-level window on the screen whenever it shows or grows."""
    keeper = ScreenFitted(window)
    window.installEventFilter(keeper)
    return window


class ScrollArea(QtWidgets.QScrollArea):
    """A frameless vertical scroll area that wants the whole height of its content, so a dialog is as tall as its
    form on a big screen and scrolls on a small one."""

    def __init__(self, content: QtWidgets.QWidget, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        # The content grew or shrank (a person added, a hidden part shown): so does this area's wish.
        if watched is self.widget() and event.type() == QtCore.QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QtCore.QSize:
        content = self.widget()
        if content is None:
            return super().sizeHint()
        hint = content.sizeHint()
        bar = self.verticalScrollBar().sizeHint().width()
        room = available_room(self)
        return QtCore.QSize(hint.width() + bar, min(hint.height(), room.height() - 120))

    def minimumSizeHint(self) -> QtCore.QSize:
        content = self.widget()
        width = content.minimumSizeHint().width() if content is not None else 0
        return QtCore.QSize(width + self.verticalScrollBar().sizeHint().width(), self.fontMetrics().height() * 4)
