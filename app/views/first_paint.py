"""Waiting for a widget's first paint: the main window shows the first screenful of cases before it does the
slower rest of its loading."""

from __future__ import annotations

from collections.abc import Callable

from app.views.qt import QtCore, QtWidgets

FIRST_PAINT_WAIT_MS = 1000


class AfterFirstPaint(QtCore.QObject):
    """Calls back once, on the turn of the event loop after the watched widget was first painted."""

    def __init__(self, widget: QtWidgets.QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self.callback: Callable[[], None] | None = callback
        widget.installEventFilter(self)
        QtCore.QTimer.singleShot(FIRST_PAINT_WAIT_MS, self._fire)  # a window never painted (minimised) goes on

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint and self.callback is not None:
            QtCore.QTimer.singleShot(0, self._fire)
        return False

    def _fire(self) -> None:
        callback, self.callback = self.callback, None
        if callback is not None:
            parent = self.parent()
            if isinstance(parent, QtCore.QObject):
                parent.removeEventFilter(self)
            callback()
