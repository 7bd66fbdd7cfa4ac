"""A city over two counties, each with townships, all enrolled, for the hub's ranking and filters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.ops.desk import Desk
from tests.conftest import FakeNow, make_draft
from tests.sync_helpers import send, station_tree

# code, name, level, parent
HUB_STATIONS = (
    ("331000", "台州市信访局", "city", None),
    ("331002", "椒江区信访局", "county", "331000"),
    ("331002001", "新河镇信访办", "township", "331002"),
    ("331002002", "下陈街道信访办", "township", "331002"),
    ("331082", "临海市信访局", "county", "331000"),
    ("331082001", "杜桥镇信访办", "township", "331082"),
    ("331082002", "汛桥镇信访办", "township", "331082"),
)
PARENT = {code: parent for code, _name, _level, parent in HUB_STATIONS}
NAME = {code: name for code, name, _level, _parent in HUB_STATIONS}


@contextmanager
def hub_tree(folder: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with station_tree(folder, now, None, HUB_STATIONS) as desks:
        yield desks


def sync_up(desks: dict[str, Desk], folder: Path) -> None:
    """Every township's file to its county, then every county's file to the city."""
    for level in ("township", "county"):
        for code, _name, station_level, parent in HUB_STATIONS:
            if station_level == level and parent:
                send(desks[code], desks[parent], folder / f"up-{code}.zip")


def register_plan(desks: dict[str, Desk], plan: dict[str, int], **fields: object) -> dict[str, str]:
    """Register ``plan[code]`` open cases at each station with the draft fields given (a callable field is given
    the case's index at its station); returns case number → registering station."""
    made: dict[str, str] = {}
    for code, count in plan.items():
        for i in range(count):
            extra = {k: (v(i) if callable(v) else v) for k, v in fields.items()}
            made[desks[code].register_case(make_draft(name=f"王{i}", **extra))] = code
    return made
