"""The case detail's one row of buttons: the steps offered now (the next step of the chain first) as buttons, as
many as the pane's width holds, and 更多 with everything else — the steps that did not fit, then the other actions
(补充材料, 修改信息, 包案领导, 积案, 文书, 撤销上一步). One row at every size, so the timeline below keeps its room
on a 1366×768 laptop at 150 %; the same actions are on the timeline's right-click menu."""

from __future__ import annotations

from app.views.qt import Qt, QtGui, QtWidgets

TEXTS = {"more": "更多(&M)", "more_tip": "本案的其他操作（Alt+M；也可在办理过程中右键）"}


class ActionRow(QtWidgets.QWidget):
    """Buttons for the ``primary`` actions that fit, then 更多 (objectName ``moreButton``) with the rest."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("actionBar")
        # Its width is whatever the pane gives: buttons that do not fit go into 更多, they never widen the pane.
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.row = QtWidgets.QHBoxLayout(self)
        self.row.setContentsMargins(0, 4, 0, 4)
        self.row.setSpacing(6)
        self.more = QtWidgets.QPushButton(TEXTS["more"])
        self.more.setObjectName("moreButton")
        self.more.setToolTip(TEXTS["more_tip"])
        self.more_menu = QtWidgets.QMenu(self.more)
        self.more_menu.setObjectName("moreMenu")
        self.more_menu.setToolTipsVisible(True)  # a greyed entry says why (督办: the role it needs)
        self.more_menu.aboutToShow.connect(self._fill_more)
        self.more.setMenu(self.more_menu)
        self.row.addStretch(1)
        self.row.addWidget(self.more)
        self.buttons: list[QtWidgets.QPushButton] = []
        self.primary: list[QtGui.QAction] = []
        self.secondary: list[QtGui.QAction | None] = []
        self.setMinimumHeight(self.more.sizeHint().height() + 8)

    def set_actions(self, primary: list[QtGui.QAction], secondary: list[QtGui.QAction | None]) -> None:
        """Show these actions (``None`` in ``secondary``: a separator in 更多)."""
        for button in self.buttons:
            # Hidden and deleted while still a child: made parentless, a shown button would come back as a window
            # of its own when the layout next shows its children.
            self.row.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.buttons = []
        self.primary, self.secondary = primary, secondary
        for at, action in enumerate(primary):
            button = QtWidgets.QPushButton(action.text(), self)
            button.setObjectName(action.objectName())
            button.setProperty("primary", True)
            button.setToolTip(action.toolTip())
            button.setEnabled(action.isEnabled())
            button.clicked.connect(action.trigger)
            self.row.insertWidget(at, button)
            self.buttons.append(button)
        self.more.setVisible(bool(secondary))
        self.fit()

    def fit(self) -> None:
        """As many buttons as the width holds (the first always), in their order; the others wait in 更多."""
        room = self.width() - (self.more.sizeHint().width() + self.row.spacing() if self.secondary else 0)
        used, fitting = 0, True
        for at, button in enumerate(self.buttons):
            width = button.sizeHint().width() + (self.row.spacing() if at else 0)
            fitting = fitting and (at == 0 or used + width <= room)
            used += width
            button.setVisible(fitting)
        hidden = any(not b.isVisibleTo(self) for b in self.buttons)
        self.more.setVisible(bool(self.secondary) or hidden)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def hidden_primary(self) -> list[QtGui.QAction]:
        return [a for a, b in zip(self.primary, self.buttons, strict=True) if not b.isVisibleTo(self)]

    def menu_actions(self) -> list[QtGui.QAction | None]:
        """What 更多 holds now: the steps that did not fit, a separator, the other actions."""
        hidden: list[QtGui.QAction | None] = list(self.hidden_primary())
        return [*hidden, None, *self.secondary] if hidden else list(self.secondary)

    def _fill_more(self) -> None:
        self.more_menu.clear()
        fill_menu(self.more_menu, self.menu_actions())


def fill_menu(menu: QtWidgets.QMenu, actions: list[QtGui.QAction | None]) -> None:
    """Add the actions in order, ``None`` as a separator (never two in a row, none first or last)."""
    pending = False
    for action in actions:
        if action is None:
            pending = bool(menu.actions())
            continue
        if pending:
            menu.addSeparator()
            pending = False
        submenu = action.menu()
        if isinstance(submenu, QtWidgets.QMenu):  # 文书: its papers as a submenu
            menu.addMenu(submenu)
        else:
            menu.addAction(action)


def case_action(parent: QtWidgets.QWidget, name: str, text: str, slot: object, tip: str = "",
                shortcut: str = "") -> QtGui.QAction:
    """An action of the case shown, named for tests and the fit check (``step_dispatch``, ``editButton`` …)."""
    action = QtGui.QAction(text, parent)
    action.setObjectName(name)
    if tip:
        action.setToolTip(tip)
    if shortcut:
        action.setShortcut(QtGui.QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(slot)  # type: ignore[arg-type]
    return action
