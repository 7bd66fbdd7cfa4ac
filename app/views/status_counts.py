"""The status bar's counts: open, red, yellow, green and backlog cases (and, at a county or city, per station
directly below, as ``app.store.stations`` groups them: at the city a county's count holds its townships').

Clicking a count narrows the list to the cases it counts.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from app.ops.desk import Desk
from app.store.queries import counts, station_counts
from app.views.background_read import BackgroundRead, many_cases
from app.views.common import colour_dot
from app.views.qt import Qt, QtWidgets, Signal

LABELS = {"open": "在办", "red": "红", "yellow": "黄", "green": "绿", "backlog": "积案"}
TEXTS = {
    "shown": "列表 {n} 件",
    "by_origin": "各站点在办：",
    "origin_item": "{origin} {open}（红{red}）",
    "origin_tip": "{origin}：在办 {open}，红 {red}，黄 {yellow}，绿 {green}，积案 {backlog}",
    "own": "本级",
    "subtree": "{label}及所辖站点",
    "filter_tip": "只看{label}色案件",
    "open_tip": "只看在办案件",
    "backlog_tip": "只看在办的积案",
}


class StatusCounts(QtWidgets.QWidget):
    """Counts for the whole station, refreshed when cases change; ``filter_clicked`` asks to show only what a
    count counts (open, red, yellow, green, backlog)."""

    filter_clicked = Signal(str)
    counted = Signal()  # the counts shown are new

    def __init__(self, desk: Desk, by_origin: bool = False, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusCounts")
        self.desk, self.by_origin = desk, by_origin
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(14)
        self.shown = QtWidgets.QLabel()
        self.shown.setObjectName("count_shown")
        layout.addWidget(self.shown)
        self.labels: dict[str, QtWidgets.QAbstractButton] = {}
        for key, label in LABELS.items():
            button = QtWidgets.QToolButton()
            button.setObjectName(f"count_{key}")
            button.setAutoRaise(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            if key in ("red", "yellow", "green"):
                button.setIcon(colour_dot(key))
                button.setToolTip(TEXTS["filter_tip"].format(label=label))
            else:
                button.setToolTip(TEXTS[f"{key}_tip"])
            button.clicked.connect(lambda _c=False, k=key: self.filter_clicked.emit(k))
            self.labels[key] = button
            layout.addWidget(button)
        self.per_origin = QtWidgets.QLabel()
        self.per_origin.setObjectName("count_by_origin")
        self.per_origin.setVisible(by_origin)
        layout.addWidget(self.per_origin)
        self.values: dict[str, int] = {}
        self._reader = BackgroundRead(desk, self)

    def set_shown(self, number: int) -> None:
        self.shown.setText(TEXTS["shown"].format(n=number))

    def refresh(self) -> None:
        """Count again: on a big station off the GUI thread (``app.views.background_read``)."""
        today, by_origin = self.desk.today(), self.by_origin

        def count(conn: sqlite3.Connection) -> tuple[dict[str, int], list[tuple[Any, dict[str, int]]]]:
            return counts(conn, today), station_counts(conn, today) if by_origin else []

        if many_cases(self.desk.conn):
            self._reader.run(count, self._show)
        else:
            self._reader.drop()
            self._show(count(self.desk.conn))

    def _show(self, counted: tuple[dict[str, int], list[tuple[Any, dict[str, int]]]]) -> None:
        self.values, per_station = counted
        for key, button in self.labels.items():
            button.setText(f"{LABELS[key]} {self.values.get(key, 0)}")
        if self.by_origin:
            items, tips = [], []
            for group, bucket in per_station:
                label = f"{group.name}（{group.code}）" if group.name else group.code
                if len(group.origins) > 1:
                    label = TEXTS["subtree"].format(label=label)
                short = TEXTS["own"] if group.own else group.name or group.code
                items.append(TEXTS["origin_item"].format(origin=short, **bucket))
                tips.append(TEXTS["origin_tip"].format(origin=label, **bucket))
            self.per_origin.setText(TEXTS["by_origin"] + "　".join(items))
            self.per_origin.setToolTip("\n".join(tips))
        self.counted.emit()

    def text(self) -> str:
        """Everything the counts say, as one line (for tests and the accessibility name)."""
        parts: list[Any] = [self.shown.text()] + [b.text() for b in self.labels.values()]
        if self.by_origin:
            parts.append(self.per_origin.text())
        return "　".join(str(p) for p in parts)
