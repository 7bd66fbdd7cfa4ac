"""No silent winner: a 四定四包 item ticked at one station and unticked at another, a case dispatched to two
different units, and two decisions on one conflict, each made without seeing the other, become conflicts that a
person sees (the conflicts list and the ``conflicts`` command) and settles; the decision travels like any event and
every station ends alike, whichever file it imported first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.cli.main import main
from app.models.case import Petitioner
from app.ops import supervision
from app.ops import sync_transfer as transfer
from app.ops.case_edit import draft_of, edit_case
from app.ops.desk import Desk
from app.store import eventlog
from app.store.projection import fingerprint
from app.sync.conflicts import hard_conflicts
from app.views.qt import Qt, QtWidgets
from app.views.sync_conflicts import ConflictsView
from tests.conftest import FakeNow
from tests.sync_helpers import new_case, send, station_tree

TOWN, COUNTY = "331002001", "331002"


@pytest.fixture
def now() -> FakeNow:
    """Two hours before the real time: the ``resolve`` command records its decision by the computer's clock, which
    must come after the stations' earlier events and not a day ahead of the station that receives it."""
    return FakeNow(datetime.now().replace(microsecond=0) - timedelta(hours=2))


@pytest.fixture
def pair(tmp_path: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with station_tree(tmp_path, now, ("331000", COUNTY, TOWN)) as desks:
        yield desks


def _shared_case(desks: dict[str, Desk], folder: Path, now: FakeNow) -> str:
    """A backlog case of the township with a leader, held alike at the township and the county."""
    town, county = desks[TOWN], desks[COUNTY]
    case_id = new_case(town)
    supervision.assign_leader(town, case_id, "周镇长")
    send(town, county, folder / "setup-up.zip")
    send(county, town, folder / "setup-down.zip")
    now.advance(minutes=1)
    return case_id


def _crossing(desks: dict[str, Desk], folder: Path, name: str, up_first: bool) -> None:
    """Both stations export before either imports (the files cross on their way), imported in either order."""
    town, county = desks[TOWN], desks[COUNTY]
    up = transfer.export_bundle(town, COUNTY, folder / f"{name}-up.zip").path
    down = transfer.export_bundle(county, TOWN, folder / f"{name}-down.zip").path
    for desk, path in ((county, up), (town, down)) if up_first else ((town, down), (county, up)):
        transfer.import_bundle(desk, path)


def _conflict_lines(desk: Desk, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["--data-dir", str(desk.data_dir), "conflicts"]) == 0
    return [line for line in capsys.readouterr().out.splitlines() if line.strip()]


def _settled_alike(desks: dict[str, Desk], folder: Path, case_id: str, name: str) -> None:
    send(desks[TOWN], desks[COUNTY], folder / f"{name}-up.zip")
    send(desks[COUNTY], desks[TOWN], folder / f"{name}-down.zip")
    for desk in (desks[TOWN], desks[COUNTY]):
        assert hard_conflicts(desk.conn, case_id) == []
    assert fingerprint(desks[TOWN].conn) == fingerprint(desks[COUNTY].conn)


def _tick_untick(desks: dict[str, Desk], case_id: str) -> None:
    desks[TOWN].set_checklist(case_id, "fix_measures", False, "")  # the township finds the measures not in place
    desks[COUNTY].set_checklist(case_id, "fix_measures", True, "县住建局限期修复道路")


def _two_units(desks: dict[str, Desk], case_id: str) -> None:
    desks[TOWN].record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desks[COUNTY].record(case_id, "dispatch", {"units": ["县交通运输局"]})


SCENES: dict[str, tuple[Callable[[dict[str, Desk], str], None], str, str, list[str]]] = {
    "tick and untick": (_tick_untick, "checklist.fix_measures", "四定四包“定措施”", ["否", "是"]),
    "two units": (_two_units, "dispatch_units", "派发单位", ["镇农业农村办", "县交通运输局"]),
}


@pytest.mark.parametrize("up_first", [True, False], ids=["county imports first", "township imports first"])
@pytest.mark.parametrize("scene", list(SCENES))
def test_concurrent_changes_become_a_conflict_a_person_settles(pair: dict[str, Desk], tmp_path: Path, now: FakeNow,
                                                              capsys: pytest.CaptureFixture[str], scene: str,
                                                              up_first: bool) -> None:
    make, field, label, values = SCENES[scene]
    case_id = _shared_case(pair, tmp_path, now)
    if scene == "tick and untick":
        pair[TOWN].set_checklist(case_id, "fix_measures", True, "镇里自行修复")
        send(pair[TOWN], pair[COUNTY], tmp_path / "tick.zip")
        send(pair[COUNTY], pair[TOWN], tmp_path / "tick-back.zip")
    now.advance(minutes=1)
    make(pair, case_id)
    _crossing(pair, tmp_path, "cross", up_first)
    for desk in (pair[TOWN], pair[COUNTY]):
        found = hard_conflicts(desk.conn, case_id)
        assert [(c.field, c.label) for c in found] == [(field, label)]
        assert sorted(supervision_text(c.value) for c in found[0].choices) == sorted(values)
        lines = _conflict_lines(desk, capsys)
        assert lines[0] == f"{case_id} {label}：两处同时修改，须人工确定"
        assert lines[-1] == "共 1 处修改冲突，0 处同时修改已自动合并"
    assert fingerprint(pair[TOWN].conn) == fingerprint(pair[COUNTY].conn)
    # A person at the county keeps the county's value; the decision reaches the township.
    county_pick = next(n for n, c in enumerate(hard_conflicts(pair[COUNTY].conn, case_id)[0].choices, start=1)
                       if c.origin == COUNTY)
    assert main(["--data-dir", str(pair[COUNTY].data_dir), "resolve", case_id, field, "--pick", str(county_pick)]) == 0
    assert capsys.readouterr().out.strip() == f"{case_id}：“{label}”已定为 {values[1]}"
    _settled_alike(pair, tmp_path, case_id, "settled")
    state = pair[TOWN].case(case_id)
    if scene == "tick and untick":
        assert state.checklist["fix_measures"].done and state.checklist["fix_measures"].note == "县住建局限期修复道路"
    else:
        assert state.dispatch_units == ["县交通运输局"]


def supervision_text(value: object) -> str:
    """A conflict's value as the conflicts list says it."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return "、".join(value) if isinstance(value, list) else str(value)


def test_changes_made_after_seeing_each_other_or_alike_are_no_conflict(pair: dict[str, Desk], tmp_path: Path,
                                                                      now: FakeNow) -> None:
    """Dispatching again after seeing the first dispatch (改派), unticking after seeing the tick, and the same tick
    made at both stations at once are ordinary changes."""
    town, county = pair[TOWN], pair[COUNTY]
    case_id = _shared_case(pair, tmp_path, now)
    town.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    town.set_checklist(case_id, "fix_leader", True, "周镇长包案")
    county.set_checklist(case_id, "fix_leader", True, "周镇长包案")
    send(town, county, tmp_path / "1.zip")
    county.record(case_id, "dispatch", {"units": ["县交通运输局"]})
    county.set_checklist(case_id, "fix_leader", False)
    send(county, town, tmp_path / "2.zip")
    for desk in (town, county):
        assert hard_conflicts(desk.conn, case_id) == []
        state = desk.case(case_id)
        assert state.dispatch_units == ["县交通运输局"] and not state.checklist["fix_leader"].done


@pytest.mark.parametrize("up_first", [True, False], ids=["county imports first", "township imports first"])
def test_two_decisions_on_one_conflict_made_apart_are_a_conflict_again(pair: dict[str, Desk], tmp_path: Path,
                                                                       now: FakeNow, capsys: pytest.CaptureFixture[str],
                                                                       up_first: bool) -> None:
    town, county = pair[TOWN], pair[COUNTY]
    case_id = _shared_case(pair, tmp_path, now)
    town.edit(case_id, "village", "前王村")
    county.edit(case_id, "village", "后王村")
    _crossing(pair, tmp_path, "edits", up_first)
    assert [c.field for c in hard_conflicts(town.conn, case_id)] == ["village"]
    now.advance(minutes=1)
    supervision.resolve(town, case_id, "village", value="前王村")  # each decides without seeing the other's decision
    supervision.resolve(county, case_id, "village", value="东岙村")
    _crossing(pair, tmp_path, "decisions", up_first)
    for desk in (town, county):
        found = hard_conflicts(desk.conn, case_id)
        assert [(c.label, sorted(str(x.value) for x in c.choices)) for c in found] == [
            ("村（社区）", ["东岙村", "前王村"])]
        assert _conflict_lines(desk, capsys)[0] == f"{case_id} 村（社区）：两处同时修改，须人工确定"
    assert fingerprint(town.conn) == fingerprint(county.conn)
    supervision.resolve(county, case_id, "village", value="东岙村")
    _settled_alike(pair, tmp_path, case_id, "final")
    assert town.case(case_id).village == "东岙村"
    # The same decision made at both stations at once is no conflict.
    town.edit(case_id, "village", "前王村")
    county.edit(case_id, "village", "后王村")
    _crossing(pair, tmp_path, "edits-2", up_first)
    supervision.resolve(town, case_id, "village", value="西岙村")
    supervision.resolve(county, case_id, "village", value="西岙村")
    _settled_alike(pair, tmp_path, case_id, "alike")
    assert county.case(case_id).village == "西岙村"


def test_the_conflicts_view_shows_them_and_settles_a_dispatch_with_both_units(pair: dict[str, Desk], tmp_path: Path,
                                                                             now: FakeNow, qtbot) -> None:  # type: ignore[no-untyped-def]
    case_id = _shared_case(pair, tmp_path, now)
    pair[TOWN].set_checklist(case_id, "fix_measures", True, "镇里自行修复")
    send(pair[TOWN], pair[COUNTY], tmp_path / "tick.zip")
    send(pair[COUNTY], pair[TOWN], tmp_path / "tick-back.zip")
    _tick_untick(pair, case_id)
    _two_units(pair, case_id)
    _crossing(pair, tmp_path, "cross", True)
    county = pair[COUNTY]
    view = ConflictsView(county)
    qtbot.addWidget(view)
    view.show()
    rows = [(view.hard.item(r, 0).text(), view.hard.item(r, 1).text()) for r in range(view.hard.rowCount())]
    assert rows == [(case_id, "四定四包“定措施”"), (case_id, "派发单位")]
    view.hard.selectRow(1)
    texts = [view.choices.itemText(i) for i in range(view.choices.count())]
    assert [t.split("（")[0] for t in texts] == ["[1] 镇农业农村办", "[2] 县交通运输局"]
    view.merged.setText("镇农业农村办、县交通运输局")  # 一事双交: both units
    view.grab().save(str(tmp_path / "conflicts.png"))
    view.apply.click()
    box = view.findChild(QtWidgets.QMessageBox, "confirmBox")
    assert "“派发单位”将定为" in box.text()
    qtbot.mouseClick(box.button(QtWidgets.QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    assert [view.hard.item(r, 1).text() for r in range(view.hard.rowCount())] == ["四定四包“定措施”"]
    assert county.case(case_id).dispatch_units == ["镇农业农村办", "县交通运输局"]
    _settled_alike_but(pair, tmp_path, case_id)


def _settled_alike_but(pair: dict[str, Desk], folder: Path, case_id: str) -> None:
    """After the exchange both stations show the one conflict left, alike."""
    send(pair[COUNTY], pair[TOWN], folder / "settled-down.zip")
    send(pair[TOWN], pair[COUNTY], folder / "settled-up.zip")
    for desk in pair.values():
        if desk.require_station().code in (TOWN, COUNTY):
            assert [c.field for c in hard_conflicts(desk.conn, case_id)] == ["checklist.fix_measures"]
            assert desk.case(case_id).dispatch_units == ["镇农业农村办", "县交通运输局"]


@pytest.mark.parametrize("up_first", [True, False], ids=["county imports first", "township imports first"])
def test_equal_petitioners_written_differently_are_no_conflict(pair: dict[str, Desk], tmp_path: Path, now: FakeNow,
                                                                capsys: pytest.CaptureFixture[str],
                                                                up_first: bool) -> None:
    """Both stations add the same second petitioner at once: the township through the form (every field, the
    people in the form's order), the county with the people the other way round and the empty address left out.
    Same people, same values: no conflict at either station, whichever file comes in first; a real difference
    (another phone) still is one."""
    town, county = pair[TOWN], pair[COUNTY]
    case_id = _shared_case(pair, tmp_path, now)
    first = town.case(case_id).petitioners[0].to_json()
    second = {"name": "李四", "id_number": "", "phone": "13800138000", "address": ""}
    edit_case(town, case_id, replace(draft_of(town.case(case_id)),
                                     petitioners=[Petitioner.from_json(first), Petitioner.from_json(second)]))
    county.edit(case_id, "petitioners", [{"phone": "13800138000", "name": "李四"},
                                         {k: first[k] for k in reversed(list(first))}])
    written = [e.payload["value"] for d in (town, county)
               for e in eventlog.for_case(d.conn, case_id) if e.kind == "edit"]
    assert written[0] != written[1]  # written differently
    _crossing(pair, tmp_path, "cross", up_first)
    for desk in (town, county):
        assert hard_conflicts(desk.conn, case_id) == []
        assert _conflict_lines(desk, capsys)[-1].startswith("共 0 处修改冲突")
        assert sorted(p.name for p in desk.case(case_id).petitioners) == sorted([first["name"], "李四"])
    assert fingerprint(town.conn) == fingerprint(county.conn)

    now.advance(minutes=1)  # the same edit with another phone at each station: a conflict a person must settle
    for desk, phone in ((town, "13900139000"), (county, "13700137000")):
        desk.edit(case_id, "petitioners", [first, {**second, "phone": phone}])
    _crossing(pair, tmp_path, "again", up_first)
    for desk in (town, county):
        assert [c.field for c in hard_conflicts(desk.conn, case_id)] == ["petitioners"]
