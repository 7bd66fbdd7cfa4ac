"""The case list's item model: it holds only row numbers and fetches rows a window at a time.

``case_numbers`` gives the matching row numbers in display order (a few hundred kilobytes for 100,000 cases);
the columns of the rows on screen come from ``list_rows`` in windows of ``WINDOW`` rows, of which the last
``CACHED_WINDOWS`` are kept. Sorting and filtering re-query; ``refreshed`` says when a new list is in place.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from datetime import date
from typing import Any

from app.models.vocab import CHANNELS, COLOURS, STATUSES
from app.ops.desk import Desk
from app.store.queries import SORT_SQL, CaseFilter, case_numbers, list_rows
from app.views.common import COLOUR_HEX, ERROR_HEX, ROOT, Index, colour_dot, days_text
from app.views.qt import Qt, QtCore, QtGui, Signal

WINDOW = 200
CACHED_WINDOWS = 8

# Column key (also the SORT_SQL key) → header.
COLUMNS: dict[str, str] = {
    "colour": "督办",
    "case_id": "案件编号",
    "petitioners": "信访人",
    "channel": "渠道",
    "domain": "领域",
    "place": "地点",
    "status": "状态",
    "leader": "包案领导",
    "days_left": "剩余天数",
    "registered": "登记日期",
    "origin": "站点",
}
# A typical widest value per column: widths follow the font instead of being fixed in pixels.
COLUMN_SAMPLES: dict[str, str] = {
    "colour": "督办", "case_id": "TZ0102-2026-00000", "petitioners": "欧阳建国", "channel": "渠道",
    "domain": "劳动保障", "place": "横街镇东岙村", "status": "不予受理", "leader": "陈建平（副",
    "days_left": "逾期120天", "registered": "2026-00-00", "origin": "TZ0102",
}
CaseIdRole = Qt.ItemDataRole.UserRole + 1
NumberRole = Qt.ItemDataRole.UserRole + 2
ColourRole = Qt.ItemDataRole.UserRole + 3


class CaseListModel(QtCore.QAbstractTableModel):
    """Rows of the case list for one desk, a filter and a sort order."""

    refreshed = Signal(int)  # the number of matching cases, after every re-query

    def __init__(self, desk: Desk, with_origin: bool = False, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.columns = [k for k in COLUMNS if with_origin or k != "origin"]
        self.case_filter = CaseFilter()
        self.sort_key = "registered"
        self.descending = True
        self._numbers: array[int] = array("q")
        self._windows: OrderedDict[int, dict[int, dict[str, Any]]] = OrderedDict()
        self._today = date.today()
        self._overdue_brush = QtGui.QBrush(QtGui.QColor(ERROR_HEX))
        self._colour_brushes = {c: QtGui.QBrush(QtGui.QColor(h)) for c, h in COLOUR_HEX.items()}

    # ----- what the list shows ------------------------------------------------------------------------------------
    def set_filter(self, case_filter: CaseFilter) -> None:
        if case_filter != self.case_filter:
            self.case_filter = case_filter
            self.refresh()

    def refresh(self) -> None:
        """Query the matching row numbers again (filter, sort or data changed) and drop the cached rows."""
        self._today = self.desk.today()
        numbers = case_numbers(self.desk.conn, self.case_filter, self._today, self.sort_key, self.descending)
        self.beginResetModel()
        self._numbers = array("q", numbers)
        self._windows.clear()
        self.endResetModel()
        self.refreshed.emit(len(self._numbers))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns) or self.columns[column] not in SORT_SQL:
            return
        key, descending = self.columns[column], order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self.sort_key, self.descending):
            self.sort_key, self.descending = key, descending
            self.refresh()

    def sort_column(self) -> int:
        return self.columns.index(self.sort_key) if self.sort_key in self.columns else -1

    # ----- lookups for the window ---------------------------------------------------------------------------------
    def row_data(self, row: int) -> dict[str, Any] | None:
        """The list columns of one row, fetching its window of rows when it is not cached."""
        if not 0 <= row < len(self._numbers):
            return None
        start = row - row % WINDOW
        window = self._windows.get(start)
        if window is None:
            window = list_rows(self.desk.conn, list(self._numbers[start:start + WINDOW]), self._today)
            self._windows[start] = window
            if len(self._windows) > CACHED_WINDOWS:
                self._windows.popitem(last=False)
        else:
            self._windows.move_to_end(start)
        return window.get(self._numbers[row])

    def case_id_at(self, row: int) -> str | None:
        data = self.row_data(row)
        return None if data is None else str(data["case_id"])

    def number_at(self, row: int) -> int | None:
        return self._numbers[row] if 0 <= row < len(self._numbers) else None

    def row_of_number(self, number: int) -> int:
        """The row showing a case's row number, or -1 when the filter hides it."""
        try:
            return self._numbers.index(number)
        except ValueError:
            return -1

    # ----- QAbstractTableModel ------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._numbers)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[self.columns[section]]
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"按“{COLUMNS[self.columns[section]]}”排序"
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self._numbers):
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() >= len(self.columns):
            return None
        row = self.row_data(index.row())
        if row is None:
            return None
        key = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(key, row)
        if role == Qt.ItemDataRole.DecorationRole and key == "colour":
            return colour_dot(row["colour"])
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "days_left" and row["deadline"] and row["deadline"] < self._today.isoformat():
                return self._overdue_brush
            if key == "colour":
                return self._colour_brushes.get(row["colour"])
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(key, row)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("days_left", "registered", "colour"):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == CaseIdRole:
            return row["case_id"]
        if role == NumberRole:
            return row["n"]
        if role == ColourRole:
            return row["colour"]
        return None

    def _text(self, key: str, row: dict[str, Any]) -> str:
        if key == "colour":
            return COLOURS.get(row["colour"], "")
        if key == "petitioners":
            return str(row["petitioner_names"])
        if key == "channel":
            return CHANNELS.get(row["channel"], row["channel"])
        if key == "place":
            return f"{row['township']}{row['village']}"
        if key == "status":
            return STATUSES.get(row["status"], row["status"])
        if key == "days_left":
            return days_text(row["deadline"], self._today)[0]
        if key == "registered":
            return str(row["registered_at"])[:10]
        return str(row.get(key) or "")

    def _tooltip(self, key: str, row: dict[str, Any]) -> str | None:
        if key == "days_left" and row["deadline"]:
            return f"{row['deadline_label']}期限：{row['deadline']}"
        if key == "petitioners":
            return str(row["petitioner_names"]) or None
        if key == "case_id":
            notes = []
            if row["backlog"]:
                notes.append("积案")
            if row["repeat_round"] and row["repeat_round"] > 1:
                notes.append(f"第{row['repeat_round']}次信访")
            if row["conflicts"]:
                notes.append(f"{row['conflicts']}处修改冲突待处理")
            return "，".join(notes) or None
        return None
