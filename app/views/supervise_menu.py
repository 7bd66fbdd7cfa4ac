"""The 督查 menu: dashboard (督查看板), random spot-check (随机抽查) and common problems (共性问题).

Installed by the main window through ``app.views.plugins.MENU_MODULES``. Each window is made once and shown
again on later clicks, so a refresh-on-change subscription is not added twice.
"""

from __future__ import annotations

from typing import Any

from app.views.common_problems_view import CommonProblemsView
from app.views.dashboard import Dashboard
from app.views.qt import QtGui, QtWidgets
from app.views.role_gates import gate
from app.views.spot_check_dialog import SpotCheckDialog

TEXTS = {
    "menu": "督查(&S)",
    "dashboard": "督查看板（赛马晾晒、积案清零）",
    "spot_check": "随机抽查…",
    "common": "共性问题与成批办理…",
}


def _find_menu(window: QtWidgets.QMainWindow, title: str) -> QtWidgets.QMenu:
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QtWidgets.QMenu) and menu.title() == title:
            return menu
    return window.menuBar().addMenu(title)


def install(window: Any) -> None:
    """Add the 督查 menu to the main window."""
    menu = _find_menu(window, TEXTS["menu"])
    opened: dict[str, QtWidgets.QWidget] = {}

    def show(key: str) -> QtWidgets.QWidget:
        widget = opened.get(key)
        if widget is None:
            if key == "dashboard":
                widget = Dashboard(window.desk, window.bus, window)
            elif key == "spot_check":
                widget = SpotCheckDialog(window.desk, window)
                gate(window, widget.draw_button, "spot_check")  # the history stays open to read for everyone
            else:
                widget = CommonProblemsView(window.desk, window.bus, window)
            opened[key] = widget
        elif isinstance(widget, Dashboard | CommonProblemsView):
            widget.refresh()
        widget.show()
        widget.raise_()
        widget.activateWindow()
        return widget

    for key, shortcut in (("dashboard", "Ctrl+Shift+D"), ("spot_check", ""), ("common", "")):
        action = QtGui.QAction(TEXTS[key], window)
        action.setObjectName(f"supervise_{key}")
        if shortcut:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False, k=key: show(k))
        menu.addAction(action)
    window.supervise_windows = opened  # for tests and for closing with the main window
