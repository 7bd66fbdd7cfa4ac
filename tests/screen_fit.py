"""Every window and dialog on a small laptop screen: run as a child process on an offscreen screen of a given size
(``python -m tests.screen_fit DATA_DIR [USER PASSWORD]``; the demo's account by default), it opens the main window
as a handler's first start does, then each entry of ``OPENERS`` in turn, and prints one JSON line per window: its
frame, the screen's available geometry, and the buttons that cannot be seen or reached. First it prints how many
entries of the longest open case's timeline are in view (``measure``: ``timeline``).

A dialog added later is one entry: a name and a function that opens it from the main window and returns it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.views.qt import QtCore, QtGui, QtWidgets

Opener = Callable[[Any], QtWidgets.QWidget | None]


def _action(name: str) -> Opener:
    """Open by triggering the window's action of that object name (a menu entry or a toolbar button)."""
    def open_(window: Any) -> None:
        action = window.findChild(QtGui.QAction, name)
        assert action is not None, f"no action {name}"
        action.trigger()
    return open_


def _case_with(window: Any, status: str) -> str:
    query = "SELECT case_id FROM cases WHERE status = ? ORDER BY n LIMIT 1"
    row = window.desk.conn.execute(query, (status,)).fetchone()
    assert row is not None, f"the demo has no case in status {status}"
    return str(row[0])


def _three_petitioners(window: Any) -> QtWidgets.QWidget:
    dialog = window.new_case()
    dialog.add_person()
    dialog.add_person()
    return dialog


def _close_with_override(window: Any) -> QtWidgets.QWidget:
    dialog = window.case_actions.record_step(_case_with(window, "followed_up"), ["close"])
    dialog.page.show_approval()
    return dialog


def _setup(window: Any) -> QtWidgets.QWidget:
    """First start on a laptop without a station (a desk in an empty folder beside the demo's)."""
    import tempfile

    from app.views.setup_dialog import SetupDialog

    dialog = SetupDialog(Path(tempfile.mkdtemp()) / "fresh", window)
    dialog.open()
    return dialog


def _login(window: Any) -> QtWidgets.QWidget:
    from app.views.login_dialog import LoginDialog

    dialog = LoginDialog(window.desk.data_dir, window)
    dialog.open()
    return dialog


def _forgot_password(window: Any) -> QtWidgets.QWidget:
    from app.views.recover_dialog import RecoverDialog

    dialog = RecoverDialog(window.desk.data_dir, window)
    dialog.open()
    return dialog


def _recovery_key(window: Any) -> QtWidgets.QWidget:
    from app.views.recovery_key_dialog import RecoveryKeyDialog

    dialog = RecoveryKeyDialog(window.desk.require_station(), "ABCD-" * 12 + "ABCD", window)
    dialog.open()
    return dialog


def _restore(window: Any) -> QtWidgets.QWidget:
    from app.views.restore_dialog import RestoreDialog

    manifest = {"station": {"code": "TZ01", "name": "新河镇信访办"}, "created_at": "2026-03-01T09:30:00"}
    dialog = RestoreDialog(window.desk, Path("/media/U盘/信访工作台备份-20260301.zip"),
                           Path("/home/user/信访工作台-恢复"), manifest, window)
    dialog.open()
    return dialog


def _record_on(status: str) -> Opener:
    return lambda window: window.case_actions.record_step(_case_with(window, status))


OPENERS: list[tuple[str, Opener]] = [
    ("new case, three petitioners", _three_petitioners),
    ("record a step (dispatched case)", _record_on("dispatched")),
    ("record a step (case in handling)", _record_on("handling")),
    ("close with the leader's approval", _close_with_override),
    ("attach evidence", lambda w: w.case_actions.attach(w.current_case_id())),
    ("edit a case", lambda w: w.case_actions.edit(w.current_case_id())),
    ("issue a supervision order", lambda w: w.case_actions.supervise(_case_with(w, "handling"))),
    ("station settings", lambda w: w.station_settings()),
    ("first start: set up a station", _setup),
    ("login", _login),
    ("forgot password: the recovery key", _forgot_password),
    ("the recovery key, shown once", _recovery_key),
    ("restore a backup: the backup's admin", _restore),
    ("save a view", lambda w: w.views.ask_save()),
    ("about", lambda w: w.about()),
    ("help", _action("helpManual")),
    ("dashboard", _action("supervise_dashboard")),
    ("spot check", _action("supervise_spot_check")),
    ("common problems", _action("supervise_common")),
    ("print preview", _action("print_sheets")),
    ("ledger export", _action("ledger_export")),
    ("ledger import", _action("ledger_import")),
    ("daily report", _action("report_daily")),
    ("sync export", _action("sync_export")),
    ("sync conflicts", _action("sync_conflicts")),
    ("stations and certificates", _action("sync_stations")),
]


def _shown_windows() -> set[QtWidgets.QWidget]:
    return {w for w in QtWidgets.QApplication.topLevelWidgets() if w.isVisible() and w.isWindow()}


def _hidden_buttons(window: QtWidgets.QWidget, available: QtCore.QRect) -> list[str]:
    """Buttons outside the screen or outside their window's visible area (those inside a scroll area count as
    reachable: the handler scrolls to them)."""
    hidden = []
    inside = window.geometry()
    for button in window.findChildren(QtWidgets.QAbstractButton):
        if not button.isVisibleTo(window) or button.window() is not window or not button.text():
            continue
        parent = button.parentWidget()
        scrolled = False
        while parent is not None and parent is not window:
            if isinstance(parent, QtWidgets.QAbstractScrollArea):
                scrolled = True
            parent = parent.parentWidget()
        if scrolled:
            continue
        top_left = button.mapToGlobal(QtCore.QPoint(0, 0))
        rect = QtCore.QRect(top_left, button.size())
        if not (available.contains(rect) and inside.contains(rect)):
            hidden.append(f"{button.text()} at {rect.getRect()}")
    return hidden


def report(name: str, widget: QtWidgets.QWidget) -> dict[str, Any]:
    screen = widget.screen() or QtGui.QGuiApplication.primaryScreen()
    available = screen.availableGeometry()
    frame = widget.frameGeometry()
    minimum = widget.minimumSizeHint().expandedTo(widget.minimumSize())
    return {"name": name, "title": widget.windowTitle(), "frame": list(frame.getRect()),
            "available": list(available.getRect()), "inside": available.contains(frame),
            "minimum": [minimum.width(), minimum.height()], "hidden_buttons": _hidden_buttons(widget, available)}


def settle(app: QtWidgets.QApplication) -> None:
    for _ in range(5):
        app.processEvents()
        app.sendPostedEvents()


def timeline_entries(app: QtWidgets.QApplication, window: Any) -> dict[str, Any]:
    """The open case with the longest history shown in the detail: how many of its timeline's entries are in view
    whole (the timeline opens on the latest)."""
    row = window.desk.conn.execute("SELECT s.case_id FROM steps s JOIN cases c USING (case_id) WHERE c.finished = 0 "
                                   "GROUP BY s.case_id ORDER BY count(*) DESC, s.case_id LIMIT 1").fetchone()
    assert row is not None, "no open case"
    window.select_case(str(row[0]))
    settle(app)
    timeline = window.detail.timeline
    model, viewport = timeline.model(), timeline.viewport().rect()
    whole = sum(1 for r in range(model.rowCount()) if viewport.contains(timeline.visualRect(model.index(r, 0))))
    return {"measure": "timeline", "case": str(row[0]), "entries": model.rowCount(), "visible": whole,
            "height": timeline.viewport().height()}


def main(data_dir: Path, user: str = "", password: str = "") -> int:
    from app.views.manual_pictures import open_demo_window

    app, desk, window = open_demo_window(data_dir, user, password)
    print(json.dumps(timeline_entries(app, window), ensure_ascii=False), flush=True)
    # The case with the longest 四定四包 notes, as the issue found it widening the window.
    row = desk.conn.execute("SELECT case_id FROM checklist WHERE note != '' GROUP BY case_id "
                            "ORDER BY sum(length(note)) DESC LIMIT 1").fetchone()
    if row is not None:
        window.select_case(str(row[0]))
    settle(app)
    print(json.dumps(report("main window", window), ensure_ascii=False), flush=True)
    for name, opener in OPENERS:
        before = _shown_windows()
        try:
            returned = opener(window)
        except Exception as err:  # noqa: BLE001 - reported as that window's failure; the others still run
            print(json.dumps({"name": name, "error": repr(err)}, ensure_ascii=False), flush=True)
            continue
        settle(app)
        opened = [w for w in _shown_windows() - before if w is not window]
        if isinstance(returned, QtWidgets.QWidget) and returned.isVisible() and returned not in opened:
            opened.append(returned)
        if not opened:
            print(json.dumps({"name": name, "error": "nothing opened"}, ensure_ascii=False), flush=True)
        for widget in opened:
            print(json.dumps(report(name, widget), ensure_ascii=False), flush=True)
            widget.close()
            settle(app)
    window.close()
    desk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), *sys.argv[2:4]))
