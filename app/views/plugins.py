"""Menus that feature packages add to the main window.

Each module named in ``MENU_MODULES`` has ``install(window)``: it may add a menu
(``window.menuBar().addMenu(...)``) or toolbar actions and connect them to its own dialogs. The main window calls
every installer once, after building itself. Window attributes installers may use: ``window.desk``
(app.ops.Desk), ``window.bus`` (ChangeBus), ``window.selected_case_ids()`` (list[str]),
``window.current_case_id()`` (str | None).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

MENU_MODULES: list[str] = ["app.views.supervise_menu", "app.views.report_print", "app.views.report_excel",
                          "app.views.sync_menu", "app.views.account_menu"]


def installers() -> list[Callable[[Any], None]]:
    return [importlib.import_module(name).install for name in MENU_MODULES]
