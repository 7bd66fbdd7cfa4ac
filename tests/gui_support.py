"""Helpers for the GUI tests: typing Chinese the way an input method delivers it, finding open dialogs,
and a main window on a desk whose list has been filled."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from app.views.app import setup_application
from app.views.main_window import MainWindow
from app.views.qt import Qt, QtCore, QtGui, QtWidgets

W = TypeVar("W", bound=QtWidgets.QWidget)


def type_text(widget: QtWidgets.QWidget, text: str) -> None:
    """Type text key by key. Non-ASCII goes as a key event carrying the character (what an input method commits);
    QTest.keyClicks with Chinese aborts the process (PLATFORM-NOTES.md)."""
    for ch in text:
        for kind in (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.KeyRelease):
            key = Qt.Key.Key_unknown if not ch.isascii() else Qt.Key(ord(ch.upper())) if ch.isalnum() else \
                Qt.Key.Key_unknown
            event = QtGui.QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch)
            QtWidgets.QApplication.sendEvent(widget, event)


def press(widget: QtWidgets.QWidget, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
          ) -> None:
    for kind in (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.KeyRelease):
        QtWidgets.QApplication.sendEvent(widget, QtGui.QKeyEvent(kind, key, modifiers))


def open_dialog(parent: QtWidgets.QWidget, cls: type[W]) -> W:
    """The one visible dialog of a class under ``parent``."""
    found = [d for d in parent.findChildren(cls) if d.isVisible()]
    assert len(found) == 1, f"expected one open {cls.__name__}, found {len(found)}"
    return found[0]


def make_window(qtbot: object, desk: object) -> MainWindow:
    app = QtWidgets.QApplication.instance()
    assert isinstance(app, QtWidgets.QApplication)
    setup_application(app)
    window = MainWindow(desk)  # type: ignore[arg-type]
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.resize(1300, 800)
    window.show()
    with qtbot.waitSignal(window.loaded, timeout=5000):  # type: ignore[attr-defined]
        window.load()
    return window


def log_in_when_asked(then: Callable[[], None] | None = None) -> None:
    """When the program's login dialog comes up (``run_gui``), log in as the test stations' admin, then call
    ``then`` on the next turn of the event loop (to read a box the window shows next)."""
    from app.views.login_dialog import LoginDialog
    from tests.conftest import ADMIN, TEST_PASSWORD

    def fill() -> None:
        dialog = QtWidgets.QApplication.activeModalWidget()
        assert isinstance(dialog, LoginDialog), f"expected the login dialog, found {dialog!r}"
        dialog.user.setText(ADMIN)
        dialog.password.setText(TEST_PASSWORD)
        if then is not None:
            QtCore.QTimer.singleShot(0, then)
        dialog.log_in()

    QtCore.QTimer.singleShot(0, fill)


def use_case_action(qtbot: object, window: MainWindow, name: str) -> None:
    """Do one of the case detail's actions as a handler does: click its button when the row shows it, else choose
    it from 更多 (the steps that did not fit, 补充材料, 修改信息, 包案领导, 积案, 文书, 撤销上一步)."""
    button = window.detail.action_buttons().get(name)
    if button is not None:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
        return
    more = window.detail.action_bar.more
    assert more.isVisible(), "更多 is not shown"
    chosen = [a for a in window.detail.action_bar.menu_actions() if a is not None and a.objectName() == name]
    assert chosen, f"{name} is neither a button nor in 更多"
    chosen[0].trigger()
