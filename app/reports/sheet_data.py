"""What a case summary sheet shows, gathered from the desk without any layout, and the check code that ties a
printout to the record it was printed from.

The check code is the first 8 hexadecimal characters (upper case) of the hash of the case's latest event at
the time of printing. Every change to a case appends an event, so the code changes with any change; matching a
code against the case's events (``match_printout``) tells whether a printout shows the case as it stands now,
or as it stood after an earlier event (and how many changes came after it). The QR code on the sheet holds
``<case number> <check code>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from app.models.case import CaseState, Step, fold
from app.models.deadlines import Deadline, days_left
from app.models.errors import DomainError
from app.models.events import Event, event_when_text
from app.models.identity import mask_id_number
from app.models.light import case_light
from app.models.vocab import CHANNELS, EVENT_LABELS, RATINGS
from app.ops.desk import Desk
from app.reports.figures import station_names

CHECK_CODE_LENGTH = 8


def check_code(last_hash: str) -> str:
    """The printed check code for a case whose latest event has this hash."""
    return last_hash[:CHECK_CODE_LENGTH].upper()


def qr_text(case_id: str, code: str) -> str:
    """What the QR code holds: plain ASCII, readable by any phone scanner."""
    return f"{case_id} {code}"


def parse_qr_text(text: str) -> tuple[str, str]:
    """Case number and check code from a scanned QR text (or the two typed with a space)."""
    parts = text.split()
    if len(parts) != 2 or len(parts[1]) != CHECK_CODE_LENGTH:
        raise DomainError("二维码内容应为“案件编号 校验码”，如 TZ01-2026-00001 3F9A2C1B")
    return parts[0], parts[1].upper()


@dataclass(frozen=True)
class PrintoutMatch:
    """Which record a printout shows: the event it was printed after, and the changes made since."""

    event: Event | None
    later: list[Event]

    @property
    def current(self) -> bool:
        return self.event is not None and not self.later

    def describe(self) -> str:
        """One sentence for the handler."""
        if self.event is None:
            return "校验码与本案任何记录都不符：打印件不是本站本案的记录，或已被改动"
        if not self.later:
            last = f"{event_when_text(self.event)} {_label(self.event.kind)}"
            return f"打印件与当前记录一致（打印时最后一项记录：{last}）"
        kinds = "、".join(dict.fromkeys(_label(e.kind) for e in self.later))
        when = f"{event_when_text(self.event)}（{_label(self.event.kind)}）"
        return f"打印件为 {when} 时的记录，此后又有 {len(self.later)} 项变更（{kinds}），请重新打印"


def _label(kind: str) -> str:
    return EVENT_LABELS.get(kind, {"supervise": "督办", "resolve": "处理冲突"}.get(kind, kind))


def match_printout(events: list[Event], code: str) -> PrintoutMatch:
    """Find the event a printout's check code came from (events in the case's order)."""
    code = code.strip().upper()
    ordered = sorted(events, key=Event.sort_key)
    for index, event in enumerate(ordered):
        if check_code(event.hash) == code:
            return PrintoutMatch(event, ordered[index + 1:])
    return PrintoutMatch(None, [])


@dataclass
class StepRow:
    """One line of the handling-chain table."""

    number: int
    label: str
    day: str
    unit: str
    person: str
    note: str


@dataclass
class SheetData:
    """Everything one case's sheet prints."""

    station_code: str
    station_name: str
    state: CaseState
    code: str
    printed_on: date
    colour: str
    deadline: Deadline | None
    days_left: int | None
    # name, ID number as shown, phone, address
    petitioners: list[tuple[str, str, str, str]] = field(default_factory=list)
    steps: list[StepRow] = field(default_factory=list)
    follow_up: tuple[str, str, str] | None = None  # rating label, day, note

    @property
    def case_id(self) -> str:
        return self.state.case_id

    @property
    def qr(self) -> str:
        return qr_text(self.state.case_id, self.code)


def _step_row(number: int, step: Step, event: Event | None, names: dict[str, str], channel: str) -> StepRow:
    note = step.note
    if step.kind == "register":
        note = f"{CHANNELS.get(channel, '')}登记"
    elif step.kind == "follow_up" and event is not None:
        rating = RATINGS.get(event.payload.get("rating", ""), "")
        note = "；".join(x for x in (rating, step.note) if x)
    if step.evidence:
        files = "、".join(item.get("name", "") for item in step.evidence)
        note = "；".join(x for x in (note, f"佐证材料：{files}") if x)
    # The unit the step names (the units dispatched to, the unit that accepted…), else the station that recorded
    # it, by name: a step that came by sync was recorded at another station, whose code means little on paper.
    unit = step.unit or names.get(step.origin) or step.origin
    return StepRow(number, _label(step.kind), step.at[:10], unit, step.actor, note)


def sheet_data(desk: Desk, case_id: str, *, full_id: bool = False, events: list[Event] | None = None,
               names: dict[str, str] | None = None) -> SheetData:
    """The sheet of one case as it stands now. ID numbers are masked unless ``full_id``. ``names`` (station code
    → name, as ``station_names`` gives) may be passed when printing many cases."""
    station = desk.require_station()
    names = {**(names if names is not None else station_names(desk.conn)), station.code: station.name}
    events = events if events is not None else desk.events(case_id)
    if not events:
        raise DomainError(f"找不到案件：{case_id}")
    state = fold(case_id, events)
    limits, today = desk.limits, desk.today()
    light = case_light(state, limits)
    deadline, colour = light.nearest, light.colour(state.finished, today)
    data = SheetData(station.code, station.name, state, check_code(state.last_hash), today, colour, deadline,
                     days_left(deadline.due if deadline else None, today))
    for person in state.petitioners:
        shown = person.id_number if full_id else mask_id_number(person.id_number)
        data.petitioners.append((person.name, shown, person.phone, person.address))
    by_id = {e.id: e for e in events}
    for number, step in enumerate(state.steps, start=1):
        data.steps.append(_step_row(number, step, by_id.get(step.event_id), names, state.channel))
    # The latest follow-up as it was recorded: after 复查 / 复核 the case's own rating is cleared until the next
    # visit, but the sheet still shows the last visit and what the petitioner said then.
    for step in reversed(state.steps):
        event = by_id.get(step.event_id)
        if step.kind == "follow_up" and event is not None:
            rating = str(event.payload.get("rating", ""))
            data.follow_up = (RATINGS.get(rating, rating), step.at[:10], step.note)
            break
    return data


def open_case_ids(desk: Desk) -> list[str]:
    """Every unfinished case, oldest first (the order a folder of printouts is kept in)."""
    return [r[0] for r in desk.conn.execute(
        "SELECT case_id FROM cases WHERE finished = 0 ORDER BY registered_at, case_id")]


def sheets(desk: Desk, case_ids: Iterable[str], *, full_id: bool = False) -> Iterator[SheetData]:
    """Sheet data one case at a time, so printing every open case keeps one case in memory."""
    names = station_names(desk.conn)
    for case_id in case_ids:
        yield sheet_data(desk, case_id, full_id=full_id, names=names)
