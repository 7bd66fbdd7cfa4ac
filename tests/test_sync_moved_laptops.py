"""A township with two laptops moved to another county: 新河镇 (331002001 and its second laptop 33100200102, under
椒江区 331002) moves to 黄岩区 (331003) as 331003101, and both laptops are set up there again (331003101 and
33100310102). The move of the township's code takes the second laptop's history along: the new county and both new
laptops hold every old case, whichever laptop registered it, each new laptop may work on all of them, the city holds
one history with nothing twice, and the old county may write on none of them. Every step goes through real files
between real stations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops import supervision
from app.ops.desk import Desk
from app.ops.station_setup import SETUP_EVENTS
from app.ops.township_moves import hand_over, move_township
from app.store.integrity import verify
from app.store.queries import station_counts
from tests.conftest import FakeNow
from tests.sync_helpers import STATIONS, new_case, send, set_up, station_tree

OLD, NEW, TOWN, LAPTOP = "331002", "331003", "331002001", "33100200102"
SUCCESSOR, NEW_LAPTOP = "331003101", "33100310102"
TREE = (*STATIONS, (LAPTOP, "新河镇信访办（第2台电脑）", "township", OLD), (NEW, "黄岩区信访局", "county", "331000"))


@pytest.fixture
def tree(tmp_path: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with station_tree(tmp_path, now, None, TREE) as desks:
        yield desks


def _cases(desk: Desk) -> list[str]:
    return [r[0] for r in desk.conn.execute("SELECT case_id FROM cases ORDER BY case_id")]


def _events_of(desk: Desk, origin: str) -> int:
    return int(desk.conn.execute("SELECT count(*) FROM events WHERE origin = ?", (origin,)).fetchone()[0])


def _verified(*desks: Desk) -> None:
    for desk in desks:
        report = verify(desk.conn, desk.limits, desk.blobs)
        assert report.ok, (desk.require_station().code, report.problem)


def _moved(d: dict[str, Desk], folder: Path, now: FakeNow) -> list[str]:
    """Cases registered at both laptops and worked on at each and at the old county, all of it at the city; the old
    county hands the township over and the city confirms the move."""
    first, second, old, city = d[TOWN], d[LAPTOP], d[OLD], d["331000"]
    a = new_case(first, "王一")
    b, c = new_case(second, "李一"), new_case(second, "李二")
    second.record(b, "dispatch", {"units": ["镇农业农村办"]})
    for laptop in (TOWN, LAPTOP):
        send(d[laptop], old, folder / f"up-{laptop}.zip")
    send(old, first, folder / "down-first.zip")
    now.advance(hours=1)
    first.record(b, "accept", {})  # the first laptop on the second's case
    send(first, old, folder / "up-first2.zip")
    supervision.supervise(old, c, "2026-03-31", "请月底前答复")
    send(old, city, folder / "old-up1.zip")
    now.advance(hours=1)
    given = hand_over(old, TOWN, NEW, SUCCESSOR)
    assert given.events_held == _events_of(old, TOWN) + _events_of(old, LAPTOP)
    send(old, city, folder / "old-up2.zip")
    move_township(city, TOWN, NEW, "")
    return [a, b, c]


def test_both_laptops_histories_move_with_the_township(tree: dict[str, Desk], tmp_path: Path,
                                                       now: FakeNow) -> None:
    old, new, city = tree[OLD], tree[NEW], tree["331000"]
    cases = _moved(tree, tmp_path, now)
    a, b, c = cases
    city_events = int(city.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    # The city's next file to the new county: both laptops' cases, with every step on them.
    result = send(city, new, tmp_path / "city-new.zip")
    assert sorted(result.report.new_cases) == cases
    assert _events_of(new, LAPTOP) == _events_of(tree[LAPTOP], LAPTOP)
    assert [s.origin for s in new.case(b).steps if s.kind in ("dispatch", "accept")] == [LAPTOP, TOWN]
    assert new.case(c).supervision

    # Both laptops set up again under the new county: each gets every old case, whichever laptop registered it.
    successor = set_up(tmp_path / SUCCESSOR, now, (SUCCESSOR, "新河镇信访办", "township", NEW), new, tmp_path)
    laptop = set_up(tmp_path / NEW_LAPTOP, now, (NEW_LAPTOP, "新河镇信访办（第2台电脑）", "township", NEW), new,
                    tmp_path)
    try:
        for desk in (successor, laptop):
            got = send(new, desk, tmp_path / f"new-down-{desk.require_station().code}.zip")
            assert sorted(got.report.new_cases) == cases
            assert _events_of(desk, LAPTOP) == _events_of(tree[LAPTOP], LAPTOP)

        # The new second laptop works on the old second laptop's case and the old first laptop's; the new first
        # laptop on the old second's too. The new county and the city accept every step.
        now.advance(hours=1)
        laptop.record(b, "contact", {"note": "电话联系了李一"})
        laptop.record(a, "dispatch", {"units": ["镇民政办"]})
        successor.record(c, "dispatch", {"units": ["镇农业农村办"]})
        for desk in (successor, laptop):
            send(desk, new, tmp_path / f"up-{desk.require_station().code}.zip")
        send(new, city, tmp_path / "new-up.zip")
        for desk in (successor, laptop):
            send(new, desk, tmp_path / f"new-down2-{desk.require_station().code}.zip")
        assert [s.origin for s in successor.case(b).steps][-1] == NEW_LAPTOP
        assert [s.origin for s in laptop.case(c).steps][-1] == SUCCESSOR

        # The city: one history, nothing twice; the moved township's four codes count with the new county.
        assert _cases(city) == cases
        # the set-up events of the new county (its first file up) and of both new laptops, then the three steps
        assert int(city.conn.execute("SELECT count(*) FROM events").fetchone()[0]) == city_events + 3 * SETUP_EVENTS + 3
        assert not city.conn.execute("SELECT id FROM events GROUP BY id HAVING count(*) > 1").fetchall()
        groups = {g.code: g.origins for g, _n in station_counts(city.conn, city.now().date())}
        assert set(groups) == {NEW} and set(groups[NEW]) == {TOWN, LAPTOP}

        # The old county learns of the move and may write on neither laptop's cases.
        send(city, old, tmp_path / "city-old.zip")
        for case_id in (a, b):
            with pytest.raises(DomainError, match=f"所属的乡镇 {TOWN} 已由本站移交给 {NEW}"):
                supervision.supervise(old, case_id, "2026-05-31", "再催")
        _verified(city, old, new, successor, laptop, tree[TOWN], tree[LAPTOP])
    finally:
        successor.close()
        laptop.close()


def test_the_old_second_laptops_late_work_still_reaches_the_new_county(tree: dict[str, Desk], tmp_path: Path,
                                                                       now: FakeNow) -> None:
    old, new, city = tree[OLD], tree[NEW], tree["331000"]
    _moved(tree, tmp_path, now)
    send(city, old, tmp_path / "city-old.zip")  # the old county now holds the move
    now.advance(hours=1)
    late = new_case(tree[LAPTOP], "李三")  # worked on until the laptop was set up again under the new county
    send(tree[LAPTOP], old, tmp_path / "laptop-up.zip")
    send(old, city, tmp_path / "old-up3.zip")
    assert late in _cases(city)
    assert late in send(city, new, tmp_path / "city-new.zip").report.new_cases


def test_a_laptop_is_not_moved_without_its_township(tree: dict[str, Desk], tmp_path: Path) -> None:
    old, city = tree[OLD], tree["331000"]
    with pytest.raises(DomainError, match=f"{LAPTOP} 是乡镇 {TOWN} 的第2台电脑：请移交（迁移）乡镇 {TOWN}"):
        hand_over(old, LAPTOP, NEW)
    with pytest.raises(DomainError, match=f"{LAPTOP} 是乡镇 {TOWN} 的第2台电脑"):
        move_township(city, LAPTOP, NEW, "33100310203")


def test_the_stations_view_hands_over_a_selected_laptops_township(qtbot, tree: dict[str, Desk],  # type: ignore[no-untyped-def]
                                                                   tmp_path: Path) -> None:
    from app.views.sync_stations import StationsView

    old = tree[OLD]
    view = StationsView(old)
    qtbot.addWidget(view)
    view.show()
    row = next(r for r in range(view.child_table.rowCount()) if view.child_table.item(r, 0).text() == LAPTOP)
    view.child_table.selectRow(row)
    dialog = view.move_township()
    assert dialog.code.text() == TOWN
    dialog.close()
