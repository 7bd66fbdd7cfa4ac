"""Making a station's next events: sequence numbers, hash links and clock times, without touching the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.models.events import Event, HybridClock, event_id, sealed
from app.models.shapes import check_event


class ChainWriter:
    """Seals new events onto the end of one station's chain."""

    def __init__(self, origin: str, last_seq: int, last_hash: str, clock: HybridClock) -> None:
        self.origin = origin
        self.seq = last_seq
        self.prev_hash = last_hash
        self.clock = clock

    def make(self, case_id: str, kind: str, payload: dict[str, Any], actor: str, when: datetime,
             hlc: str | None = None) -> Event:
        """The next event, after its kind's shape is checked (app.models.shapes: the one check of every local
        path in). ``hlc`` is given only by the demo, whose events are back-dated."""
        at = when.isoformat(timespec="seconds")
        check_event(kind, payload, actor, at, today=when.date())
        self.seq += 1
        hlc = hlc or self.clock.tick(int(when.timestamp() * 1000))
        event = sealed(Event(event_id(self.origin, self.seq), case_id, self.origin, self.seq, hlc,
                             at, actor, kind, payload, self.prev_hash))
        self.prev_hash = event.hash
        return event
