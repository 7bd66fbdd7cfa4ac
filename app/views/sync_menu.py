"""The 同步 menu: export a bundle to the parent or a child, import a bundle, the conflicts view and the stations
view. Installed by the main window through ``app.views.plugins.MENU_MODULES``."""

from __future__ import annotations

from typing import Any

from app.views.qt import QtGui, QtWidgets
from app.views.role_gates import gate
from app.views.sync_conflicts import ConflictsView
from app.views.sync_dialogs import ExportDialog, choose_and_import
from app.views.sync_stations import StationsView

TEXTS = {
    "menu": "同步(&Y)",
    "export": "导出同步包…",
    "import": "导入同步包…",
    "conflicts": "修改冲突…",
    "stations": "站点与证书…",
}
# The stations view's buttons and the right each needs (moving a township re-certifies it).
STATION_RIGHTS = {"enroll": "enroll", "install": "install_cert", "certify": "certify", "revoke": "revoke",
                  "move": "certify"}


def install(window: Any) -> None:
    """Add the 同步 menu to the main window."""
    menu = window.menuBar().addMenu(TEXTS["menu"])
    menu.setObjectName("syncMenu")
    kept: dict[str, QtWidgets.QWidget] = {}

    def export() -> None:
        dialog = ExportDialog(window.desk, window)
        dialog.open()
        kept["export"] = dialog

    def import_() -> None:
        runner = choose_and_import(window.desk, window)
        if runner is not None:
            kept["import"] = runner  # type: ignore[assignment]

    def view(key: str) -> None:
        widget = kept.get(key)
        if widget is None:
            widget = (ConflictsView if key == "conflicts" else StationsView)(window.desk, window.bus, window)
            kept[key] = widget
            if isinstance(widget, StationsView):
                for button, right in STATION_RIGHTS.items():
                    gate(window, widget.buttons[button], right)
        else:
            widget.refresh()  # type: ignore[attr-defined]
        widget.show()
        widget.raise_()

    for key, slot, shortcut in (("export", export, "Ctrl+Shift+E"), ("import", import_, "Ctrl+Shift+I"),
                                ("conflicts", lambda: view("conflicts"), ""),
                                ("stations", lambda: view("stations"), "")):
        action = QtGui.QAction(TEXTS[key], window)
        action.setObjectName(f"sync_{key}")
        if shortcut:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False, s=slot: s())
        menu.addAction(action)
