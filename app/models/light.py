"""A case's time limits and its three-colour light, in one place for the projection, the detail, the printed
sheet and the reports (the list reads the projected columns through ``app.store.queries.COLOUR_SQL``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.models.case import CaseState
from app.models.deadlines import (
    Deadline,
    TimeLimits,
    colour_pin,
    end_notice_limits,
    light_dates,
    running_limits,
    supervision_colour,
)
from app.models.vocab import CHECKLIST_ITEMS


@dataclass(frozen=True)
class Light:
    """Every limit running (nearest first), the nearest, the first yellow day and the colour pin."""

    limits: tuple[Deadline, ...]
    nearest: Deadline | None
    yellow_from: date | None
    pin: str

    def colour(self, finished: bool, today: date) -> str:
        return supervision_colour(finished=finished, pin=self.pin, deadline=self.nearest.due if self.nearest else None,
                                  yellow_from=self.yellow_from, today=today)


def case_light(state: CaseState, limits: TimeLimits) -> Light:
    """The light of a case as its events and the station's limits make it. On a finished case only the notice an
    end by 不予受理, 不再受理 or 导入法定途径 owes still runs, until it is recorded."""
    clock = state.clock()
    found = end_notice_limits(clock, limits) if state.finished else running_limits(clock, limits)
    nearest, yellow = light_dates(found, limits)
    pin = colour_pin(backlog=state.backlog, dissatisfied=state.dissatisfied, checklist_done=state.checklist_done,
                     checklist_total=len(CHECKLIST_ITEMS), limits=limits)
    return Light(tuple(found), nearest, yellow, pin)
