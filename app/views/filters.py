"""The row of filters above the case list: search box, status, colour, domain, leader, station, backlog, overdue.

At a county or city the station filter offers this station's own cases, then each station directly below (at
the city a county with all its townships' cases, followed by the county's own and each township on its own),
as ``app.store.stations`` groups them; a choice filters by ``origin IN (…)`` over a few codes.

Typing in the search box waits ``SEARCH_DELAY_MS`` after the last key before the list re-queries, so a fast
typist does not trigger one query per character; every other filter applies at once.
"""

from __future__ import annotations

import sqlite3

from app.models.vocab import COLOURS, STATUSES
from app.ops.desk import Desk
from app.store.queries import CaseFilter, distinct_values
from app.store.stations import StationTree, origins_with_cases
from app.views.background_read import BackgroundRead, many_cases
from app.views.common import colour_dot, single_shot
from app.views.flow_layout import FlowLayout
from app.views.qt import Qt, QtGui, QtWidgets, Signal

SEARCH_DELAY_MS = 150
ALL = "全部"
OPEN = "在办"
TEXTS = {
    "search": "搜索：编号、姓名、身份证号、电话、地点、诉求、办理情况…（Ctrl+F）",
    "status": "状态",
    "colour": "督办",
    "domain": "领域",
    "leader": "包案领导",
    "origin": "站点",
    "backlog": "积案",
    "overdue": "逾期",
    "clear": "清除筛选",
    "own": "本级：{label}",
    "subtree": "{label}及所辖站点",
    "own_below": "{label}本级",
    "below": "{label}",
    "indent": "　",
    "searched": "搜索“{text}”",
    "mine": "我经办的",
    "due_today": "今日到期",
}


class FilterBar(QtWidgets.QWidget):
    """Collects the handler's filters into a ``CaseFilter``; ``changed`` carries it.

    The search box belongs to the filters but is not laid out here: the window places it (in its toolbar).
    """

    changed = Signal(object)

    def __init__(self, desk: Desk, with_origin: bool = False, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._choices = BackgroundRead(desk, self)  # the leaders and stations of a big station
        self.setObjectName("filterBar")
        self.desk = desk
        self.search = QtWidgets.QLineEdit()
        self.search.setObjectName("caseSearch")
        self.search.setPlaceholderText(TEXTS["search"])
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.search_timer = single_shot(self, SEARCH_DELAY_MS)
        self.search.textChanged.connect(lambda _text: self.search_timer.start())
        self.search_timer.timeout.connect(self._emit)

        self.status = self._combo("statusFilter", [(ALL, ""), (OPEN, "open")]
                                  + [(label, code) for code, label in STATUSES.items()])
        self.colour = self._combo("colourFilter", [(ALL, "")])
        for code in ("red", "yellow", "green"):
            self.colour.addItem(colour_dot(code), COLOURS[code], code)
        self.domain = self._combo("domainFilter", [(ALL, "")] + [(d, d) for d in desk.domains])
        self.leader = self._combo("leaderFilter", [(ALL, "")])
        self.origin = self._combo("originFilter", [(ALL, "")]) if with_origin else None
        self._origin_sets: dict[str, tuple[str, ...]] = {}  # station choice → the registering stations it covers
        if self.origin is not None:
            self.origin.view().setMinimumWidth(self.origin.fontMetrics().horizontalAdvance("中") * 22)
        self.backlog = QtWidgets.QCheckBox(TEXTS["backlog"])
        self.backlog.setObjectName("backlogFilter")
        self.overdue = QtWidgets.QCheckBox(TEXTS["overdue"])
        self.overdue.setObjectName("overdueFilter")
        # Set by a saved view only (我的在办, 今日到期): no widget of their own, shown by the view's button.
        self.mine = False
        self.due_today = False
        for box in (self.backlog, self.overdue):
            box.toggled.connect(self._emit)
        # Placed by the window on the row of saved views (its room there is free; beside the filters it would
        # push them to a second row at 1366×768).
        self.clear_button = QtWidgets.QToolButton()
        self.clear_button.setText(TEXTS["clear"])
        self.clear_button.setObjectName("clearFilters")
        self.clear_button.clicked.connect(self.clear)

        # One row when the list is wide enough, else the filters wrap to a second row: at a county or a city (one
        # more filter, 站点) on a 1280×720 screen a single row would be wider than the screen.
        layout = FlowLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        for name, combo in (("status", self.status), ("colour", self.colour), ("domain", self.domain),
                            ("leader", self.leader), ("origin", self.origin)):
            if combo is None:
                continue
            pair = QtWidgets.QWidget()
            pair_layout = QtWidgets.QHBoxLayout(pair)
            pair_layout.setContentsMargins(0, 0, 0, 0)
            pair_layout.setSpacing(4)
            label = QtWidgets.QLabel(TEXTS[name])
            label.setBuddy(combo)
            pair_layout.addWidget(label)
            pair_layout.addWidget(combo, 1)
            layout.addWidget(pair)
        layout.addWidget(self.backlog)
        layout.addWidget(self.overdue)
        # The leaders and stations (a scan of every case) are filled by reload_choices(), which the window calls
        # once its first rows are painted.

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QtWidgets.QComboBox:
        combo = QtWidgets.QComboBox()
        combo.setObjectName(name)
        # Narrow when the window is: long leader names are elided in the box and shown whole in the drop-down.
        combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(5)
        combo.view().setMinimumWidth(combo.fontMetrics().horizontalAdvance("中") * 14)
        for label, code in items:
            combo.addItem(label, code)
        combo.currentIndexChanged.connect(self._emit)
        return combo

    def reload_choices(self) -> None:
        """Leaders and stations come from the data; refill them, keeping what was chosen. Both are a scan of every
        case: on a big station it is made off the GUI thread (``app.views.background_read``)."""
        with_origin = self.origin is not None

        def read(conn: sqlite3.Connection) -> tuple[list[str], StationTree | None, list[str]]:
            if not with_origin:
                return distinct_values(conn, "leader"), None, []
            return distinct_values(conn, "leader"), StationTree.load(conn), origins_with_cases(conn)

        if many_cases(self.desk.conn):
            self._choices.run(read, self._fill_choices)
        else:
            self._choices.drop()
            self._fill_choices(read(self.desk.conn))

    def _fill_choices(self, read: tuple[list[str], StationTree | None, list[str]]) -> None:
        leaders, tree, origins = read
        self._refill(self.leader, [(v, v) for v in leaders])
        if self.origin is not None and tree is not None:
            self._refill(self.origin, self._station_choices(tree, origins))

    def _station_choices(self, tree: StationTree, origins: list[str]) -> list[tuple[str, str]]:
        """(label, key) of each station choice; ``_origin_sets`` maps each key to the stations it covers."""
        choices: list[tuple[str, str]] = []
        sets: dict[str, tuple[str, ...]] = {}
        for group in tree.groups(origins):
            if group.own:
                choices.append((TEXTS["own"].format(label=tree.label(group.code)), group.code))
                sets[group.code] = (group.code,)
                continue
            if group.origins == (group.code,):
                choices.append((TEXTS["below"].format(label=tree.label(group.code)), group.code))
                sets[group.code] = (group.code,)
                continue
            key = "*" + group.code  # the whole subtree; its stations follow, one by one
            choices.append((TEXTS["subtree"].format(label=tree.label(group.code)), key))
            sets[key] = group.origins
            for origin in group.origins:
                text = TEXTS["own_below" if origin == group.code else "below"].format(label=tree.label(origin))
                choices.append((TEXTS["indent"] * max(1, tree.depth(origin)) + text, origin))
                sets[origin] = (origin,)
        self._origin_sets = sets
        return choices

    def _refill(self, combo: QtWidgets.QComboBox, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        if [(combo.itemText(i), combo.itemData(i)) for i in range(1, combo.count())] == items:
            return
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(ALL, "")
        for label, value in items:
            combo.addItem(label, value)
        found = combo.findData(current)
        combo.setCurrentIndex(max(found, 0))
        combo.blockSignals(False)
        if found < 0 and current:
            self._emit()

    def case_filter(self) -> CaseFilter:
        status = self.status.currentData() or ""
        return CaseFilter(
            text=self.search.text().strip(),
            status="" if status == "open" else status,
            open_only=status == "open",
            colour=self.colour.currentData() or "",
            domain=self.domain.currentData() or "",
            leader=self.leader.currentData() or "",
            origins=self._origin_sets.get(self.origin.currentData() or "", ()) if self.origin is not None else (),
            backlog=self.backlog.isChecked(),
            overdue=self.overdue.isChecked(),
            due_today=self.due_today,
            account=self.desk.account.name if self.mine and self.desk.account else "",
        )

    def state(self) -> dict[str, object]:
        """What is chosen, as a saved view keeps it (only the filters that narrow anything)."""
        values: dict[str, object] = {
            "status": self.status.currentData() or "", "colour": self.colour.currentData() or "",
            "domain": self.domain.currentData() or "", "leader": self.leader.currentData() or "",
            "backlog": self.backlog.isChecked(), "overdue": self.overdue.isChecked(),
            "text": self.search.text().strip(), "mine": self.mine, "due_today": self.due_today,
        }
        return {key: value for key, value in values.items() if value}

    def set_state(self, state: dict[str, object]) -> None:
        """Apply a saved view: every filter it does not name is cleared; one ``changed`` follows."""
        widgets = self._widgets()
        for widget in widgets:
            widget.blockSignals(True)
        for name, combo in (("status", self.status), ("colour", self.colour), ("domain", self.domain),
                            ("leader", self.leader)):
            combo.setCurrentIndex(max(combo.findData(state.get(name, "")), 0))
        if self.origin is not None:
            self.origin.setCurrentIndex(0)
        self.backlog.setChecked(bool(state.get("backlog")))
        self.overdue.setChecked(bool(state.get("overdue")))
        self.search.setText(str(state.get("text", "")))
        self.mine, self.due_today = bool(state.get("mine")), bool(state.get("due_today"))
        for widget in widgets:
            widget.blockSignals(False)
        self._emit()

    def describe(self) -> str:
        """The chosen filters in words, for the note under an empty list."""
        parts = []
        if self.search.text().strip():
            parts.append(TEXTS["searched"].format(text=self.search.text().strip()))
        for name, combo in (("status", self.status), ("colour", self.colour), ("domain", self.domain),
                            ("leader", self.leader), ("origin", self.origin)):
            if combo is not None and combo.currentIndex() > 0:
                parts.append(f"{TEXTS[name]}：{combo.currentText().strip()}")
        for flag, word in ((self.backlog.isChecked(), TEXTS["backlog"]), (self.overdue.isChecked(), TEXTS["overdue"]),
                           (self.mine, TEXTS["mine"]), (self.due_today, TEXTS["due_today"])):
            if flag:
                parts.append(word)
        return "，".join(parts)

    def _widgets(self) -> list[QtWidgets.QWidget]:
        widgets: list[QtWidgets.QWidget | None] = [self.status, self.colour, self.domain, self.leader, self.origin,
                                                   self.backlog, self.overdue, self.search]
        return [w for w in widgets if w is not None]

    def show_only(self, key: str) -> None:
        """A click on the status bar's counts: open cases (在办), a colour (red / yellow / green), or the open
        backlog, so that the list then holds as many rows as the count said (other filters permitting)."""
        widgets = (self.status, self.colour, self.backlog)
        for widget in widgets:
            widget.blockSignals(True)
        if key in ("open", "backlog"):
            self.status.setCurrentIndex(self.status.findData("open"))
            self.backlog.setChecked(key == "backlog" or self.backlog.isChecked())
        else:
            self.colour.setCurrentIndex(max(self.colour.findData(key), 0))
        for widget in widgets:
            widget.blockSignals(False)
        self._emit()

    def clear(self) -> None:
        self.set_state({})

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        # Escape in the bar empties the search box before anything else reacts to it.
        if event.key() == Qt.Key.Key_Escape and self.search.text():
            self.search.clear()
            return
        super().keyPressEvent(event)

    def reapply(self) -> None:
        """The same choices again, for a list whose meaning changed without them (切换用户: 我的在办 is the
        signed-in account's)."""
        self._emit()

    def _emit(self, *_args: object) -> None:
        self.search_timer.stop()
        self.changed.emit(self.case_filter())
