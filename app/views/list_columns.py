"""The case list's column widths: whole case numbers, and no sideways scrolling on a narrow screen.

Each column has a natural width (its widest sample text, or its heading) and a least width (its heading). When the
list is narrower than the natural widths, ``ColumnFit.fit`` lets the place, leader and names give up width first,
then hides the columns the detail repeats, until the rest fits; the case number never gives way.
"""

from __future__ import annotations

from app.views.case_list_model import COLUMN_SAMPLES, COLUMNS
from app.views.qt import QtGui, QtWidgets

# The columns that give up width first when the list is narrow (their text is elided, shown whole in tooltips).
ELASTIC_COLUMNS = ("place", "leader", "petitioners", "domain")
# Then these are hidden, in this order, until the rest fits (the detail shows them for the current case).
HIDDEN_WHEN_NARROW = ("registered", "leader", "channel", "origin", "domain")


class ColumnFit:
    """Sets the natural widths of ``view``'s columns at once; ``fit()`` on each resize of its viewport."""

    def __init__(self, view: QtWidgets.QTableView, columns: list[str], font: QtGui.QFont,
                 station_code: str, multi_station: bool) -> None:
        self.view, self.columns = view, columns
        metrics = QtGui.QFontMetrics(font)
        bold = QtGui.QFont(font)
        bold.setBold(True)
        header_metrics = QtGui.QFontMetrics(bold)
        samples = dict(COLUMN_SAMPLES)
        # Whole case numbers: as long as this station's, or (at a county or city) a township's nine-digit code.
        samples["case_id"] = max(samples["case_id"], f"{station_code}-2026-00000",
                                 "000000000-2026-00000" if multi_station else "", key=metrics.horizontalAdvance)
        self.natural: list[int] = []
        self.least: list[int] = []
        header = view.horizontalHeader()
        for column, key in enumerate(self.columns):
            least = header_metrics.horizontalAdvance(COLUMNS[key]) + 26
            width = max(metrics.horizontalAdvance(samples[key]) + 16, least)
            header.resizeSection(column, width)
            self.natural.append(width)
            self.least.append(least)

    def fit(self) -> None:
        room = self.view.viewport().width()
        widths = list(self.natural)
        hidden: set[int] = set()
        short = sum(widths) - room
        for key in ELASTIC_COLUMNS:
            if short <= 0:
                break
            if key in self.columns:
                column = self.columns.index(key)
                cut = min(short, widths[column] - self.least[column])
                widths[column] -= cut
                short -= cut
        for key in HIDDEN_WHEN_NARROW:
            if short <= 0:
                break
            if key in self.columns:
                column = self.columns.index(key)
                hidden.add(column)
                short -= widths[column]
        header = self.view.horizontalHeader()
        last = max(c for c in range(len(widths)) if c not in hidden)
        for column, width in enumerate(widths):
            self.view.setColumnHidden(column, column in hidden)
            if column != last and column not in hidden and header.sectionSize(column) != width:
                header.resizeSection(column, width)  # the last one shown stretches to the edge
