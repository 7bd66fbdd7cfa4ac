"""随机抽查 at the hub: N per station directly below (a county's townships drawn as the county's), and a draw made
at a county travels up by sync and is checked again at the city."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from app.cli.main import main
from app.ops.desk import Desk
from app.ops.spot_check import spot_check, spot_checks, verify_spot_check
from app.reports.spot_check_export import drawn_cases
from tests.conftest import FakeNow
from tests.hub_tree import PARENT, hub_tree, register_plan, sync_up
from tests.sync_helpers import send

# Open cases registered at each station.
PLAN = {"331000": 2, "331002": 2, "331002001": 3, "331002002": 4, "331082": 1, "331082001": 2, "331082002": 2}


@pytest.fixture
def synced(tmp_path: Path, now: FakeNow):  # type: ignore[no-untyped-def]
    now.current = datetime(2026, 3, 10, 9, 0, 0)
    with hub_tree(tmp_path, now) as desks:
        made = register_plan(desks, PLAN)
        sync_up(desks, tmp_path)
        yield desks, made


def _county_of(code: str) -> str:
    return code if PARENT[code] in ("331000", None) else str(PARENT[code])


def test_the_city_draws_n_per_county_with_its_townships(synced) -> None:  # type: ignore[no-untyped-def]
    desks, made = synced
    check = spot_check(desks["331000"], 5, seed=7, per_station=True)
    per_county = Counter(_county_of(made[c]) for c in check.drawn)
    # 临海 has 1 + 2 + 2 = 5 open cases, 椒江 2 + 3 + 4 = 9: five from each; the city's own 2 are all drawn.
    assert per_county == {"331082": 5, "331002": 5, "331000": 2}
    assert set(check.candidates) == {"331000", "331002", "331082"}
    assert check.short_stations() == {"331000": 2}
    assert "复核通过" in verify_spot_check(desks["331000"], check.event_id)
    lines = drawn_cases(desks["331000"].conn, check, desks["331000"].today())
    township_line = next(line for line in lines if made[line.case_id] == "331002002")
    assert township_line.station == "椒江区信访局·下陈街道信访办"


def test_a_countys_draw_reaches_the_city_and_is_checked_there(synced, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    desks, made = synced
    county: Desk = desks["331002"]
    check = spot_check(county, 2, seed=20260310, per_station=True)
    assert Counter(made[c] for c in check.drawn) == {"331002": 2, "331002001": 2, "331002002": 2}
    send(county, desks["331000"], tmp_path / "up-again.zip")
    city = desks["331000"]
    [arrived] = [c for c in spot_checks(city) if c.event_id == check.event_id]
    assert (arrived.origin, arrived.seed, arrived.drawn) == ("331002", 20260310, check.drawn)
    assert main(["--data-dir", str(city.data_dir), "spot-check", "--verify", check.event_id]) == 0
    out = capsys.readouterr().out
    assert "复核通过" in out and "得到与记录相同的 6 件案件" in out
    # The city lists it among its draws, and shows the drawn cases it now holds.
    assert main(["--data-dir", str(city.data_dir), "spot-check", "--show", check.event_id]) == 0
    out = capsys.readouterr().out
    assert all(case_id in out for case_id in check.drawn) and "本站无此案件记录" not in out
