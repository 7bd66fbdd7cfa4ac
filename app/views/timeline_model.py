"""The case timeline (全过程留痕): every event of a case, who did what when, at which station, with evidence.

Events come from the log itself, not the projection, so corrections, checklist ticks and annulled steps all show;
how each reads is ``app.models.timeline``'s.
"""

from __future__ import annotations

from typing import Any

from app.models.events import Event, event_when_text
from app.models.timeline import event_notes, station_mark
from app.models.vocab import EVENT_LABELS
from app.views.common import ROOT, Index
from app.views.qt import Qt, QtCore, QtGui

COLUMNS = ("时间", "事项", "经办人", "站点", "单位", "说明", "佐证材料")
EvidenceRole = Qt.ItemDataRole.UserRole + 1
EventIdRole = Qt.ItemDataRole.UserRole + 2
ANNULLED = "（已撤销）"


class TimelineModel(QtCore.QAbstractTableModel):
    """One row per event, oldest first."""

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Event, str, str, bool]] = []
        self._annulled_brush = QtGui.QBrush(QtGui.QColor("#9aa0a6"))
        self._case_origin = ""
        self._own = ""
        self._above: frozenset[str] | None = None

    def set_events(self, events: list[Event], out_of_turn: list[str] | None = None, own: str = "",
                   above: frozenset[str] | None = None) -> None:
        """``own`` and ``above`` say who looks: this station's code and the stations above it. Steps from above
        are marked （上级）, this station's own steps on another station's case （本站）; without ``above``,
        every step made elsewhere than the case's own station is marked as coming from above."""
        self.beginResetModel()
        self._rows = event_notes(events, out_of_turn or ())
        self._case_origin = next((e.origin for e, *_ in self._rows if e.kind == "register"), "")
        self._own, self._above = own, above
        self.endResetModel()

    def _station_text(self, origin: str) -> str:
        return origin + station_mark(origin, self._case_origin, self._own, self._above)

    def event_at(self, row: int) -> Event | None:
        return self._rows[row][0] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        event, unit, note, annulled = self._rows[index.row()]
        column = index.column()
        evidence = list(event.payload.get("evidence", []))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (event_when_text(event),
                      EVENT_LABELS.get(event.kind, event.kind) + (ANNULLED if annulled else ""),
                      event.actor, self._station_text(event.origin), unit, note,
                      "、".join(str(item.get("name", "")) for item in evidence))
            if role == Qt.ItemDataRole.ToolTipRole:
                return note if column == 5 and note else None
            return values[column]
        if role == Qt.ItemDataRole.ForegroundRole and annulled:
            return self._annulled_brush
        if role == Qt.ItemDataRole.FontRole and annulled:
            font = QtGui.QFont()
            font.setStrikeOut(True)
            return font
        if role == EvidenceRole:
            return evidence
        if role == EventIdRole:
            return event.id
        return None
