"""The window's conflict banner: while the station holds conflicts nobody has settled (one field changed at two
stations without either seeing the other), a line above the list says how many; clicking it (or Enter on it) opens
the conflicts view. It goes away when the last one is settled."""

from __future__ import annotations

from collections.abc import Callable

from app.ops.desk import Desk
from app.sync.conflicts import unsettled_count
from app.views.bus import ChangeBus
from app.views.common import WARNING_HEX
from app.views.qt import QtWidgets

TEXTS = {
    "banner": "⚠ 本站有 {n} 处修改冲突待处理（同一项在两个站点被同时修改，两个值都已保留）。点击这里处理…",
    "tip": "打开“同步 → 修改冲突”，逐处选定或合并",
}
# What can add or settle a conflict: an import (sync), a resolution (cases), the conflicts view itself.
WATCHED = frozenset({"conflicts", "sync", "cases"})


class ConflictBanner(QtWidgets.QPushButton):
    """Hidden while there is nothing to settle."""

    def __init__(self, desk: Desk, bus: ChangeBus, open_view: Callable[[], object],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictBanner")
        self.desk = desk
        self.count = 0
        self.setToolTip(TEXTS["tip"])
        self.setStyleSheet(f"QPushButton#conflictBanner {{ color: {WARNING_HEX}; font-weight: bold; text-align: left;"
                           " background: #FFF4E5; border: 1px solid #F0B070; border-radius: 3px; padding: 4px 8px; }")
        self.clicked.connect(open_view)
        bus.changed.connect(lambda kinds, _ids: self.refresh() if kinds & WATCHED else None)
        self.hide()

    def refresh(self) -> None:
        self.count = unsettled_count(self.desk.conn)
        if self.count:
            self.setText(TEXTS["banner"].format(n=self.count))
        self.setVisible(self.count > 0)
