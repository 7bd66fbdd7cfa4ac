"""Right-click menus on the case list and the timeline (the toolbar's actions, on the case under the pointer), and
files dragged onto a case: they open 补充材料 with the files filled in, so the handler adds a note and saves —
nothing is recorded by the drop alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.views.qt import QtCore, QtGui, QtWidgets

# The main window's actions offered, in this order (None: a separator); those of feature menus when installed.
MENU_ACTIONS: tuple[str | None, ...] = ("recordStep", "attachEvidence", "closeCase", "superviseCase", None,
                                        "editCase", "annulStep", None, "print_sheets")
# The detail's actions that are the toolbar's under another name (left out of the timeline's menu).
TOOLBAR_TWINS = frozenset({"attachButton", "editButton", "annulButton", "superviseButton"})


def case_menu(window: Any, parent: QtWidgets.QWidget) -> QtWidgets.QMenu:
    """The same actions as the toolbar and the 案件 menu, enabled as they are there."""
    menu = QtWidgets.QMenu(parent)
    menu.setObjectName("caseContextMenu")
    menu.setToolTipsVisible(True)  # a greyed entry says why, as in the 案件 menu
    for name in MENU_ACTIONS:
        if name is None:
            if menu.actions() and not menu.actions()[-1].isSeparator():
                menu.addSeparator()
            continue
        action = window.findChild(QtGui.QAction, name)
        if action is not None:
            menu.addAction(action)
    return menu


def install_list_menu(window: Any, view: QtWidgets.QAbstractItemView) -> None:
    """Right-click on a row: that row becomes the current case (unless it is part of the selection), then the menu."""
    view.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)

    def show(position: QtCore.QPoint) -> None:
        index = view.indexAt(position)
        if not index.isValid():
            return
        if not view.selectionModel().isRowSelected(index.row(), QtCore.QModelIndex()):
            view.selectionModel().setCurrentIndex(
                index, QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QtCore.QItemSelectionModel.SelectionFlag.Rows)
        window.last_menu = case_menu(window, view)
        window.last_menu.popup(view.viewport().mapToGlobal(position))

    view.customContextMenuRequested.connect(show)


def install_timeline_menu(window: Any, view: QtWidgets.QAbstractItemView) -> None:
    """Right-click in the timeline: the toolbar's actions, then the rest of the detail's row and its 更多."""
    view.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)

    def show(position: QtCore.QPoint) -> None:
        from app.views.action_row import fill_menu

        menu = case_menu(window, view)
        # Then the detail's own actions the toolbar has not: the steps offered now by name, 包案领导, 积案, 文书.
        extra = [a for a in window.detail.menu_actions() if a is None or a.objectName() not in TOOLBAR_TWINS]
        fill_menu(menu, [None, *extra])
        window.last_menu = menu
        window.last_menu.popup(view.viewport().mapToGlobal(position))

    view.customContextMenuRequested.connect(show)


def local_files(mime: QtCore.QMimeData) -> list[Path]:
    """The local files (not folders) a drag carries."""
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.is_file()]


class FileDrop(QtCore.QObject):
    """Accepts files dropped on a widget; ``case_at(position)`` names the case they go to (None: not here)."""

    def __init__(self, target: QtWidgets.QWidget, case_at: Callable[[QtCore.QPoint], str | None],
                 attach: Callable[[str, list[Path]], object]) -> None:
        super().__init__(target)
        self.case_at, self.attach = case_at, attach
        target.setAcceptDrops(True)
        target.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        kind = event.type()
        if kind in (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove):
            drag: Any = event
            if local_files(drag.mimeData()) and self.case_at(drag.position().toPoint()):
                drag.setDropAction(QtCore.Qt.DropAction.CopyAction)
                drag.accept()
            else:
                drag.ignore()
            return True
        if kind == QtCore.QEvent.Type.Drop:
            drop: Any = event
            files = local_files(drop.mimeData())
            case_id = self.case_at(drop.position().toPoint())
            if files and case_id:
                drop.setDropAction(QtCore.Qt.DropAction.CopyAction)
                drop.accept()
                self.attach(case_id, files)
            return True
        return False
