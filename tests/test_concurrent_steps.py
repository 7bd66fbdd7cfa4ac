"""Two stations moving one case along the chain without seeing each other's steps: the case never goes backwards
on its own, the step that no longer fits stays on the record marked, and every order of arrival folds alike."""

from __future__ import annotations

import itertools

from app.models.case import OUT_OF_TURN_NOTE, fold
from app.models.events import Event, HybridClock, sealed
from app.models.timeline import event_notes
from app.ops.desk import Desk

from .conftest import make_draft, own_seq

CASE = "TZ01-2026-00001"


def event(origin: str, seq: int, wall: int, kind: str, payload: dict[str, object]) -> Event:
    return sealed(Event(f"{origin}:{seq}", CASE, origin, seq, HybridClock.format(wall, 0), f"2026-03-0{wall}T09:00:00",
                        "经办人", kind, payload))


def history() -> list[Event]:
    """The township dispatches, accepts and contacts; the county, having only the registration, dispatches and
    accepts too (its clock between the township's)."""
    register = event("TZ01", 1, 1, "register", {"channel": "visit", "request_summary": "道路破损",
                                                 "petitioners": [{"name": "王小明"}]})
    seen_register = {"TZ01": 1}
    return [
        register,
        event("TZ01", 2, 2, "dispatch", {"units": ["镇农办"], "seen": seen_register}),
        event("TZJJ", 1, 3, "dispatch", {"units": ["县交通局"], "seen": seen_register}),
        event("TZ01", 3, 4, "accept", {"seen": {"TZ01": 2}}),
        event("TZ01", 4, 5, "contact", {"note": "电话联系", "seen": {"TZ01": 3}}),
        event("TZJJ", 2, 6, "accept", {"seen": {"TZ01": 1, "TZJJ": 1}}),
    ]


def test_a_step_made_without_seeing_the_other_stations_steps_does_not_move_the_case_back() -> None:
    state = fold(CASE, history())
    assert state.status == "contacted"
    assert state.out_of_turn == ["TZJJ:2"]
    late = next(s for s in state.steps if s.event_id == "TZJJ:2")
    assert late.note.endswith(OUT_OF_TURN_NOTE)
    notes = {e.id: note for e, _unit, note, _annulled in event_notes(history(), state.out_of_turn)}
    assert notes["TZJJ:2"].endswith(OUT_OF_TURN_NOTE) and not notes["TZ01:4"].endswith(OUT_OF_TURN_NOTE)


def test_every_order_of_arrival_gives_the_same_case() -> None:
    events = history()
    first = fold(CASE, events)
    for order in itertools.islice(itertools.permutations(events), 0, 720, 7):
        again = fold(CASE, order)
        assert (again.status, again.out_of_turn, again.steps) == (first.status, first.out_of_turn, first.steps)


def test_a_step_that_saw_the_one_before_it_moves_the_case_as_usual() -> None:
    events = [*history()[:5], event("TZJJ", 2, 6, "handle", {"note": "现场核查", "seen": {"TZ01": 4, "TZJJ": 1}})]
    state = fold(CASE, events)
    assert state.status == "handling" and state.out_of_turn == []


def test_steps_recorded_at_the_desk_say_what_the_station_had_seen(desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    dispatch = desk.record(case_id, "dispatch", {"units": ["镇农办"]})
    assert dispatch.payload["seen"] == {"TZ01": own_seq(1)}
    assert desk.record(case_id, "accept", {}).payload["seen"] == {"TZ01": own_seq(2)}
