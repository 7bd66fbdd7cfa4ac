"""Saved views above the case list: 在办 (the list opens on it), 我的在办, 今日到期, 逾期, 积案, 全部, and the views a
handler arranged and saved, each one click away.

A view is the filter bar's state (``FilterBar.state()``). The handler's own views are kept in the station's
``window.ini`` beside the window's layout (a preference of this laptop, not a record of the case: no event).
"""

from __future__ import annotations

import json
from pathlib import Path

from app.views.filters import FilterBar
from app.views.qt import Qt, QtCore, QtWidgets
from app.views.window_state import settings_file

DEFAULT_VIEW = "open"
BUILT_IN: dict[str, tuple[str, dict[str, object], str]] = {
    "open": ("在办", {"status": "open"}, "尚未办结的案件"),
    # The signed-in account's: the open cases it registered or recorded any step of (CaseFilter.account); it
    # changes with 切换用户.
    "mine": ("我的在办", {"status": "open", "mine": True}, "当前登录的账号登记过或记录过办理步骤、尚未办结的案件"),
    "due_today": ("今日到期", {"due_today": True}, "时限今天届满的案件（在办，或结案后尚未告知信访人）"),
    "overdue": ("逾期", {"overdue": True}, "已超过时限的案件（在办，或结案后逾期未告知信访人）"),
    "backlog": ("积案", {"status": "open", "backlog": True}, "尚未办结的积案"),
    "all": ("全部", {}, "全部案件，含已办结"),
}
TEXTS = {
    "save": "保存视图…",
    "save_tip": "把当前的筛选与搜索保存为一个视图，下次一键打开",
    "save_title": "保存视图",
    "save_label": "视图名称：",
    "own_tip": "我保存的视图（右键可删除）",
    "remove": "删除视图“{name}”",
    "group": "customViews",
}


class ViewBar(QtWidgets.QWidget):
    """One checkable button per view; the button of the view the filters now match stays pressed."""

    def __init__(self, filters: FilterBar, data_dir: Path, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewBar")
        self.filters, self.data_dir = filters, data_dir
        self.group = QtWidgets.QButtonGroup(self)
        self.group.setExclusive(False)  # none pressed when the filters match no view
        self.buttons: dict[str, QtWidgets.QToolButton] = {}
        self.layout_ = QtWidgets.QHBoxLayout(self)
        self.layout_.setContentsMargins(6, 4, 6, 0)
        self.layout_.setSpacing(4)
        for key, (label, _state, tip) in BUILT_IN.items():
            self._add_button(key, label, tip)
        self.own: dict[str, dict[str, object]] = {}
        self._own_at = self.layout_.count()
        self.layout_.addStretch(1)
        save = QtWidgets.QToolButton()
        save.setObjectName("saveView")
        save.setText(TEXTS["save"])
        save.setToolTip(TEXTS["save_tip"])
        save.clicked.connect(self.ask_save)
        self.layout_.addWidget(save)
        self._load_own()
        filters.changed.connect(lambda _filter: self._mark())

    def add_tool(self, button: QtWidgets.QAbstractButton) -> None:
        """Another button at the row's right end, before 保存视图… (the filters' 清除筛选)."""
        self.layout_.insertWidget(self.layout_.count() - 1, button)

    def _add_button(self, key: str, label: str, tip: str, at: int = -1) -> QtWidgets.QToolButton:
        button = QtWidgets.QToolButton()
        button.setObjectName(f"view_{key}")
        button.setText(label)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.clicked.connect(lambda _checked=False, k=key: self.choose(k))
        self.group.addButton(button)
        self.buttons[key] = button
        if at < 0:
            self.layout_.addWidget(button)
        else:
            self.layout_.insertWidget(at, button)
        return button

    def state_of(self, key: str) -> dict[str, object]:
        return dict(BUILT_IN[key][1]) if key in BUILT_IN else dict(self.own[key.removeprefix("own:")])

    def choose(self, key: str) -> None:
        """Apply a view (the list follows through the filters' ``changed``)."""
        self.filters.set_state(self.state_of(key))
        self._mark()

    def _mark(self) -> None:
        current = self.filters.state()
        for key, button in self.buttons.items():
            button.setChecked(self.state_of(key) == current)

    # ----- the handler's own views ------------------------------------------------------------------------------
    def _settings(self) -> QtCore.QSettings:
        return QtCore.QSettings(str(settings_file(self.data_dir)), QtCore.QSettings.Format.IniFormat)

    def _load_own(self) -> None:
        if not settings_file(self.data_dir).exists():
            return
        raw = self._settings().value(TEXTS["group"], "")
        try:
            views = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            views = {}  # a damaged entry: the built-in views still work
        if isinstance(views, dict):
            for name, state in views.items():
                if isinstance(name, str) and isinstance(state, dict):
                    self._show_own(name, state)

    def _store_own(self) -> None:
        settings = self._settings()
        settings.setValue(TEXTS["group"], json.dumps(self.own, ensure_ascii=False))
        settings.sync()

    def _show_own(self, name: str, state: dict[str, object]) -> None:
        key = "own:" + name
        if key in self.buttons:
            self.own[name] = state
            return
        self.own[name] = state
        button = self._add_button(key, name, TEXTS["own_tip"], self._own_at + len(self.own) - 1)
        button.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        button.customContextMenuRequested.connect(lambda _pos, n=name: self._offer_removal(n))

    def save_view(self, name: str) -> None:
        """Keep the filters as they are now under ``name`` (replacing a view of that name)."""
        name = name.strip()
        if not name:
            return
        self._show_own(name, self.filters.state())
        self._store_own()
        self._mark()

    def ask_save(self) -> QtWidgets.QInputDialog:
        dialog = QtWidgets.QInputDialog(self)
        dialog.setObjectName("saveViewDialog")
        dialog.setWindowTitle(TEXTS["save_title"])
        dialog.setLabelText(TEXTS["save_label"])
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self.save_view)
        dialog.open()
        return dialog

    def _offer_removal(self, name: str) -> None:
        menu = QtWidgets.QMenu(self)
        action = menu.addAction(TEXTS["remove"].format(name=name))
        action.triggered.connect(lambda: self.remove_view(name))
        menu.popup(self.cursor().pos())

    def remove_view(self, name: str) -> None:
        button = self.buttons.pop("own:" + name, None)
        self.own.pop(name, None)
        if button is not None:
            self.group.removeButton(button)
            button.deleteLater()
        self._store_own()
