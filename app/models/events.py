"""Events: every change to a case is one, and they are never edited or deleted.

An event is hashed over all its fields and the hash of the previous event of the same origin station, so a
station's events form a chain; changing any stored event breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.models.errors import DomainError

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value, so that the same payload always hashes the same."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def minute_text(stamp: str | None) -> str:
    """A recorded time as people write it, to the minute: ``2026-05-27 13:24``."""
    return (stamp or "")[:16].replace("T", " ")


class DayOnly(datetime):
    """A date given without a time of day (``--on 2026-03-02``). It still sorts and counts as a moment (that day's
    start, or now when it is today), but the step records that only the day was given (payload ``date_only``)
    and is shown as a date, never as an invented 00:00."""


def when_text(at: str, date_only: bool = False) -> str:
    """How a step's date reads: to the minute, or the day alone when only the day was given."""
    return (at or "")[:10] if date_only else minute_text(at)


def event_when_text(event: Event) -> str:
    return when_text(event.at, bool(event.payload.get("date_only")))


def parse_when(text: str, now: datetime) -> datetime:
    """The date (and time) a step happened, as typed: ``2026-03-02`` or ``2026-03-02T14:30`` (a space for the T
    too). A bare date is a ``DayOnly``: today's is now, an earlier one that day's start. Refuses, in Chinese, a
    date in the future or a text that is not a date."""
    cleaned = text.strip().replace(" ", "T")
    try:
        if len(cleaned) == 10:
            day = date.fromisoformat(cleaned)
            start = now if day == now.date() else datetime(day.year, day.month, day.day)
            when: datetime = DayOnly(start.year, start.month, start.day, start.hour, start.minute, start.second)
        else:
            when = datetime.fromisoformat(cleaned).replace(second=0, microsecond=0)
    except ValueError:
        raise DomainError(f"日期格式不对：{text}（应为 2026-03-02 或 2026-03-02T14:30）") from None
    if when > now:
        raise DomainError(f"日期不能晚于现在：{text}")
    return when


def entered_text(event: Event) -> str:
    """（录入于 …） when the step was typed in at another time than it happened, else an empty string."""
    entered = event.payload.get("entered_at")
    return f"（{minute_text(str(entered))}录入）" if entered and str(entered)[:16] != event.at[:16] else ""


def event_id(origin: str, seq: int) -> str:
    """Globally unique: station codes are unique and each station numbers its own events."""
    return f"{origin}:{seq}"


@dataclass(slots=True)
class Event:
    """One recorded change. ``at`` is when it happened (local time, ISO); ``hlc`` orders events across stations.

    Not frozen (a million of them are made on a rebuild, and frozen construction costs twice as much); treat
    events as immutable all the same.
    """

    id: str
    case_id: str
    origin: str
    seq: int
    hlc: str
    at: str
    actor: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    def compute_hash(self) -> str:
        """SHA-256 over every field but the hash itself."""
        body = canonical_json(
            [self.id, self.case_id, self.origin, self.seq, self.hlc, self.at, self.actor, self.kind,
             self.payload, self.prev_hash]
        )
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def sort_key(self) -> tuple[str, str, int]:
        """Causal order: hybrid logical clock, then station and sequence to break ties the same everywhere."""
        return (self.hlc, self.origin, self.seq)


def saw(later: Event, earlier: Event) -> bool:
    """Whether the station that made ``later`` held ``earlier`` at the time. A change carries ``seen``: per
    station, the highest sequence number of that station's events on the case the changing station held. Events
    recorded before ``seen`` existed count as having seen everything older."""
    if later.origin == earlier.origin:
        return later.seq > earlier.seq
    seen = later.payload.get("seen")
    if isinstance(seen, dict):
        return int(seen.get(earlier.origin, 0)) >= earlier.seq
    return later.sort_key() > earlier.sort_key()


def saw_id(later: Event, earlier_id: str) -> bool:
    """``saw`` for an earlier event known by its id (``origin:seq``) only. An id of another form counts as seen."""
    origin, _, seq = earlier_id.rpartition(":")
    if not origin or not seq.isdigit():
        return True
    if later.origin == origin:
        return later.seq > int(seq)
    seen = later.payload.get("seen")
    if isinstance(seen, dict):
        return int(seen.get(origin, 0)) >= int(seq)
    return True  # recorded before changes carried what they had seen


def sealed(event: Event) -> Event:
    """The event with its own hash filled in."""
    return Event(
        event.id, event.case_id, event.origin, event.seq, event.hlc, event.at, event.actor, event.kind,
        event.payload, event.prev_hash, event.compute_hash(),
    )


class HybridClock:
    """A hybrid logical clock: wall-clock milliseconds, bumped past anything seen, plus a counter.

    The text form sorts the same as the clock, so SQLite can order events by it.
    """

    def __init__(self, last: str | None = None) -> None:
        self.wall_ms, self.counter = self.parse(last) if last else (0, 0)

    @staticmethod
    def parse(text: str) -> tuple[int, int]:
        wall, counter = text.split(".")
        return int(wall), int(counter)

    @staticmethod
    def format(wall_ms: int, counter: int) -> str:
        return f"{wall_ms:015d}.{counter:05d}"

    def tick(self, now_ms: int) -> str:
        """A new time for a local event, later than every time this clock has given or seen."""
        if now_ms > self.wall_ms:
            self.wall_ms, self.counter = now_ms, 0
        else:
            self.counter += 1
        return self.format(self.wall_ms, self.counter)

    def observe(self, hlc: str) -> None:
        """Move past a time seen on an event from elsewhere."""
        wall, counter = self.parse(hlc)
        self.wall_ms, self.counter = max((self.wall_ms, self.counter), (wall, counter))
