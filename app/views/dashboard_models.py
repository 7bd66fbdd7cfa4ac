"""Small item models for the supervision views: a table of dicts, and the ranking (赛马晾晒) built on it.

These tables hold tens to a few hundred rows (stations, leaders, drawn cases, groups), so the rows are kept in
the model; the case list's lazy window is not needed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.reports.figures import format_days, format_rate
from app.views.common import ROOT, Index
from app.views.qt import Qt, QtCore, QtGui

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the raw value, for sorting and for tests


@dataclass(frozen=True)
class Column:
    """One column: its header, the dict key it shows, and how the value reads."""

    title: str
    key: str
    fmt: Callable[[Any], str] = lambda v: "" if v is None else str(v)
    tip: str = ""
    align_right: bool = False


def rate_column(title: str, key: str, tip: str = "") -> Column:
    return Column(title, key, format_rate, tip, True)


def days_column(title: str, key: str, tip: str = "") -> Column:
    return Column(title, key, format_days, tip, True)


def count_column(title: str, key: str, tip: str = "") -> Column:
    return Column(title, key, lambda v: "" if v is None else str(v), tip, True)


class DictTableModel(QtCore.QAbstractTableModel):
    """Rows of dicts shown through a list of columns; optionally the rows carry a check box."""

    def __init__(self, columns: list[Column], checkable: bool = False,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.checkable = checkable
        self.rows: list[dict[str, Any]] = []
        self.checked: list[bool] = []
        self.backgrounds: dict[int, QtGui.QColor] = {}

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.checked = [True] * len(self.rows)
        self.backgrounds = {}
        self.endResetModel()

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        column = self.columns[index.column()]
        value = self.rows[index.row()].get(column.key)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.fmt(value)
        if role == SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tip or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.backgrounds.get(index.row())
        if role == Qt.ItemDataRole.CheckStateRole and self.checkable and index.column() == 0:
            return Qt.CheckState.Checked if self.checked[index.row()] else Qt.CheckState.Unchecked
        return None

    def setData(self, index: Index, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not (self.checkable and index.isValid() and index.column() == 0
                and role == Qt.ItemDataRole.CheckStateRole):
            return False
        self.checked[index.row()] = Qt.CheckState(value) == Qt.CheckState.Checked
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.checkable and index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].tip or None
        return None

    def checked_rows(self) -> list[dict[str, Any]]:
        return [row for row, on in zip(self.rows, self.checked, strict=True) if on]


# Figures where a smaller value ranks higher.
LOWER_IS_BETTER = frozenset({"dissatisfaction_rate", "repeat_rate", "avg_handling_days", "backlog_open"})
BEST = QtGui.QColor("#dff1e3")
WORST = QtGui.QColor("#f8dcdc")


class RankingModel(DictTableModel):
    """赛马晾晒: the groups ranked on one figure; clicking a header ranks on that column. The first place is
    tinted green, the last red. A group with nothing to divide (—) ranks after all others."""

    def __init__(self, columns: list[Column], parent: QtCore.QObject | None = None) -> None:
        super().__init__([Column("名次", "rank", align_right=True), *columns], parent=parent)
        self.rank_key = "one_time_resolution_rate"

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        super().set_rows(self._ranked(rows, self.rank_key))
        self._tint()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column].key
        if key in ("rank", "group", "label"):
            return
        self.rank_key = key
        self.layoutAboutToBeChanged.emit()
        self.rows = self._ranked(self.rows, key)
        self._tint()
        self.layoutChanged.emit()

    def _ranked(self, rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
        sign = 1 if key in LOWER_IS_BETTER else -1
        present = sorted((r for r in rows if r.get(key) is not None), key=lambda r: (sign * r[key], r["group"]))
        missing = sorted((r for r in rows if r.get(key) is None), key=lambda r: r["group"])
        ranked, previous, place = [], None, 0
        for position, row in enumerate(present, start=1):
            if row[key] != previous:
                place, previous = position, row[key]
            ranked.append({**row, "rank": place})
        return ranked + [{**row, "rank": None} for row in missing]

    def _tint(self) -> None:
        ranks = [r["rank"] for r in self.rows if r["rank"] is not None]
        self.backgrounds = {}
        if len(ranks) >= 2 and min(ranks) != max(ranks):
            for i, row in enumerate(self.rows):
                if row["rank"] == min(ranks):
                    self.backgrounds[i] = BEST
                elif row["rank"] == max(ranks):
                    self.backgrounds[i] = WORST
