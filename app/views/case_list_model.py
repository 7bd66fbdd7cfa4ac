"""The case list's item model: it holds only row numbers and fetches rows a window at a time.

``case_numbers`` gives the matching row numbers in display order (a few hundred kilobytes for 100,000 cases);
the columns of the rows on screen come from ``list_rows`` in windows of ``WINDOW`` rows, of which the last
``CACHED_WINDOWS`` are kept. Sorting and filtering re-query; ``refreshed`` says when a new list is in place.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.models.deadlines import days_text
from app.models.vocab import CHANNELS, COLOURS, STATUSES
from app.ops.desk import Desk
from app.store.queries import SORT_SQL, CaseFilter, case_number_array, case_numbers, count_cases, list_rows
from app.store.stations import StationTree
from app.views.background_read import BACKGROUND_ROWS, BackgroundRead, many_cases
from app.views.common import COLOUR_HEX, ERROR_HEX, ROOT, Index, colour_dot
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
    "days_left": "逾期120天", "registered": "2026-00-00", "origin": "下陈街道信访办",
}
# At a county or city the station comes right after the case number: last, it was off-screen.
HUB_COLUMNS = ("colour", "case_id", "origin", *(k for k in COLUMNS if k not in ("colour", "case_id", "origin")))
CaseIdRole = int(Qt.ItemDataRole.UserRole) + 1
NumberRole = int(Qt.ItemDataRole.UserRole) + 2
ColourRole = int(Qt.ItemDataRole.UserRole) + 3
# Plain ints: comparing a role with enum members costs more than the rest of data() put together.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_SERVED = frozenset({_DISPLAY, _DECORATION, _FOREGROUND, _ALIGNMENT, _TOOLTIP, CaseIdRole, NumberRole, ColourRole})
_CENTRE = int(Qt.AlignmentFlag.AlignCenter)
_ITEM_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags


@dataclass(frozen=True, slots=True)
class _Row:
    """One fetched row: the store's values and what the list shows of them."""

    values: dict[str, Any]
    texts: tuple[str, ...]
    colour: str
    overdue: bool


class CaseListModel(QtCore.QAbstractTableModel):
    """Rows of the case list for one desk, a filter and a sort order."""

    refreshed = Signal(int)  # the number of matching cases, after every re-query

    def __init__(self, desk: Desk, with_origin: bool = False, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.columns = list(HUB_COLUMNS) if with_origin else [k for k in COLUMNS if k != "origin"]
        self._stations: StationTree | None = None
        self.case_filter = CaseFilter()
        self.sort_key = "registered"
        self.descending = True
        self._numbers: array[int] = array("q")
        self._total = 0  # rows in the list; more than len(_numbers) only until complete()
        self._windows: OrderedDict[int, dict[int, dict[str, Any] | _Row]] = OrderedDict()
        self._today = date.today()
        self._order = BackgroundRead(desk, self)  # the whole order of a long list
        self._overdue_brush = QtGui.QBrush(QtGui.QColor(ERROR_HEX))
        self._colour_brushes = {c: QtGui.QBrush(QtGui.QColor(h)) for c, h in COLOUR_HEX.items()}

    # ----- what the list shows ------------------------------------------------------------------------------------
    def set_filter(self, case_filter: CaseFilter) -> None:
        if case_filter != self.case_filter:
            self.case_filter = case_filter
            self.refresh()

    def refresh(self, first_screen: bool = False) -> None:
        """Query the matching row numbers again (filter, sort or data changed) and drop the cached rows.

        With ``first_screen`` only the first window of numbers and the count are read, so the first rows can be
        painted at once; ``complete()`` reads the whole order afterwards (``refreshed`` waits for it). A list of
        more than ``BACKGROUND_ROWS`` cases always starts so, and its whole order is read off the GUI thread.
        """
        self._today = self.desk.today()
        if "origin" in self.columns:
            self._stations = StationTree.load(self.desk.conn)  # a handful of certificate rows
        self._order.drop()
        args = (self.desk.conn, self.case_filter, self._today, self.sort_key, self.descending)
        total = count_cases(*args[:3]) if first_screen or many_cases(self.desk.conn) else -1
        if first_screen or total > BACKGROUND_ROWS:
            numbers = case_numbers(*args, limit=WINDOW, matching=total)
        else:
            numbers = case_numbers(*args)
            total = len(numbers)
        self.beginResetModel()
        self._numbers = array("q", numbers)
        self._total = total
        self._windows.clear()
        self.endResetModel()
        if len(self._numbers) == self._total:
            self.refreshed.emit(self._total)
        elif not first_screen:
            self.complete()

    def complete(self, now: bool = False) -> None:
        """After a ``first_screen`` refresh: read the whole order (the rows already shown stay where they are); of
        a long list off the GUI thread, unless it is needed ``now``."""
        if len(self._numbers) == self._total:
            return
        query = (self.case_filter, self._today, self.sort_key, self.descending)
        if now or self._total <= BACKGROUND_ROWS:
            self._order.drop()
            self._completed(array("q", case_numbers(self.desk.conn, *query)))
        elif not self._order.pending:
            self._order.run(lambda conn: case_number_array(conn, *query), self._completed)

    def _completed(self, numbers: array[int]) -> None:
        if len(numbers) != self._total:  # the data changed in between: start again
            self.refresh()
            return
        self._numbers = numbers
        if self._total > WINDOW:
            self.dataChanged.emit(self.index(WINDOW, 0), self.index(self._total - 1, len(self.columns) - 1))
        self.refreshed.emit(self._total)

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
    def _window(self, row: int) -> dict[int, dict[str, Any] | _Row]:
        """The rows of the window holding ``row``, fetched when it is not cached; each is prepared when first
        asked for (a screenful of the window's rows is painted, not all of them)."""
        start = row - row % WINDOW
        window = self._windows.get(start)
        if window is None:
            window = list_rows(self.desk.conn, list(self._numbers[start:start + WINDOW]), self._today)  # type: ignore[assignment]
            self._windows[start] = window  # type: ignore[assignment]
            if len(self._windows) > CACHED_WINDOWS:
                self._windows.popitem(last=False)
        elif start != next(reversed(self._windows)):
            self._windows.move_to_end(start)
        return window  # type: ignore[return-value]

    def _prepared(self, row: int) -> _Row | None:
        if not 0 <= row < len(self._numbers):
            return None  # past the first screenful until complete() has read the whole order
        window, number = self._window(row), self._numbers[row]
        found = window.get(number)
        if found is None or isinstance(found, _Row):
            return found
        prepared = window[number] = self._prepare(found)
        return prepared

    def row_data(self, row: int) -> dict[str, Any] | None:
        """The list columns of one row as the store gives them (fetching its window when needed)."""
        prepared = self._prepared(row)
        return None if prepared is None else prepared.values

    def _prepare(self, values: dict[str, Any]) -> _Row:
        """Texts and colours worked out once per fetched row, so painting a screenful stays cheap."""
        texts = tuple(self._text(key, values) for key in self.columns)
        overdue = bool(values["deadline"]) and values["deadline"] < self._today.isoformat()
        return _Row(values, texts, str(values["colour"]), overdue)

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
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[self.columns[section]]
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"按“{COLUMNS[self.columns[section]]}”排序"
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < self._total:
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _ITEM_FLAGS if index.isValid() else _NO_FLAGS

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Called for every role of every visible cell on each paint: answer the roles we do not serve first,
        # and serve the others from the prepared row.
        if role not in _SERVED or not index.isValid():
            return None
        prepared = self._prepared(index.row())
        if prepared is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            return prepared.texts[column]
        key = self.columns[column]
        if role == _DECORATION:
            return colour_dot(prepared.colour) if key == "colour" else None
        if role == _FOREGROUND:
            if key == "days_left" and prepared.overdue:
                return self._overdue_brush
            return self._colour_brushes.get(prepared.colour) if key == "colour" else None
        if role == _ALIGNMENT:
            return _CENTRE if key in ("days_left", "registered", "colour") else None
        if role == _TOOLTIP:
            return self._tooltip(key, prepared.values)
        if role == CaseIdRole:
            return prepared.values["case_id"]
        if role == NumberRole:
            return prepared.values["n"]
        return prepared.colour  # ColourRole

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
        if key == "origin" and self._stations is not None:
            return self._stations.short_label(str(row["origin"]))
        return str(row.get(key) or "")

    def _tooltip(self, key: str, row: dict[str, Any]) -> str | None:
        if key == "days_left" and row["deadline"]:
            return f"{row['deadline_label']}期限：{row['deadline']}"
        if key == "petitioners":
            return str(row["petitioner_names"]) or None
        if key == "origin" and self._stations is not None:
            return " › ".join(self._stations.label(code) for code in self._stations.path(str(row["origin"])))
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
