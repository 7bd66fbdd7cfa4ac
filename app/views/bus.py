"""The app-wide change signal: the desk announces what kinds of things changed; each view refreshes what concerns it."""

from __future__ import annotations

from app.ops.desk import Desk
from app.views.qt import QtCore, Signal


class ChangeBus(QtCore.QObject):
    """Re-emits the desk's change notices as a Qt signal: ``changed(kinds: frozenset[str], case_ids: tuple)``.

    Kinds in use: "cases" (case data), "settings", "station", "sync", "conflicts".
    """

    changed = Signal(object, object)

    def __init__(self, desk: Desk, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)

        def relay(kinds: frozenset[str], case_ids: tuple[str, ...]) -> None:
            self.changed.emit(kinds, case_ids)

        desk.subscribe(relay)
        # A window closed while the desk stays open (tests, a second window) must stop hearing its notices.
        self.destroyed.connect(lambda *_: desk.unsubscribe(relay))
