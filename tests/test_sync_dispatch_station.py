"""Dispatch to another station: the county dispatches a case of its own to a township (命令行 ``step … dispatch
--station``, the step dialog's 派发到下级站点); its next file down carries the whole case to that township, whose
steps on it the county and the city then accept. A township the case was not dispatched to is still refused, and
gets nothing of the case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.ops import supervision
from app.ops import sync_transfer as transfer
from app.ops.bulk import register_many
from app.ops.desk import Desk
from app.ops.station_setup import SETUP_EVENTS
from app.views.step_dialogs import StepDialog
from tests.cli_support import run
from tests.conftest import FakeNow, make_draft, own_seq
from tests.sync_helpers import (
    Row,
    bundle_events,
    import_refused,
    resign,
    sealed_row,
    send,
    station_tree,
    unpack,
    vouched,
)

TOWN, SIBLING, COUNTY, CITY = "331002001", "331002002", "331002", "331000"


@pytest.fixture
def now() -> FakeNow:
    """Two hours before the real time: the ``step`` command records by the computer's clock, after the stations'
    earlier events."""
    return FakeNow(datetime.now().replace(microsecond=0) - timedelta(hours=2))


@pytest.fixture
def tree(tmp_path: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with station_tree(tmp_path, now) as desks:
        yield desks


def _county_case(tree: dict[str, Desk], tmp_path: Path, now: FakeNow) -> str:
    """A case the county registered, with the city's supervision order on it, known to the city."""
    county, city = tree[COUNTY], tree[CITY]
    case_id = county.register_case(make_draft(name="赵六", township="新河镇", authority_unit="新河镇人民政府"))
    send(county, city, tmp_path / "c1.zip")
    supervision.supervise(city, case_id, "2026-12-31", "请督促新河镇办理")
    send(city, county, tmp_path / "c2.zip")
    return case_id


def test_a_case_dispatched_to_a_township_reaches_it_and_its_steps_are_accepted_above(
        tree: dict[str, Desk], tmp_path: Path, now: FakeNow, capsys: pytest.CaptureFixture[str]) -> None:
    town, sibling, county, city = tree[TOWN], tree[SIBLING], tree[COUNTY], tree[CITY]
    case_id = _county_case(tree, tmp_path, now)
    code, out, err = run(capsys, county.data_dir, "step", case_id, "dispatch", "--unit", "新河镇人民政府",
                         "--station", TOWN)
    assert code == 0, err
    assert out.splitlines()[-1] == f"已派发到站点 {TOWN}：本站此后导出的同步包会把本案带给它，它可在本案上记录办理步骤"
    now.current = datetime.now().replace(microsecond=0) + timedelta(minutes=1)  # after the command's event
    down = transfer.export_bundle(county, TOWN, tmp_path / "down.zip")
    assert {r[1] for r in bundle_events(down.path)} == {case_id}
    assert {r[7] for r in bundle_events(down.path)} == {"register", "supervise", "dispatch"}  # its whole history
    transfer.import_bundle(town, down.path)
    assert town.case(case_id).status == "dispatched"
    assert town.case(case_id).supervision[0]["note"] == "请督促新河镇办理"
    # The township records its steps on the county's case; the county and then the city take them.
    now.advance(minutes=1)
    town.record(case_id, "accept", {"unit": "新河镇人民政府"})
    town.record(case_id, "contact", {"note": "电话联系赵六"})
    send(town, county, tmp_path / "up.zip")
    assert [s.origin for s in county.case(case_id).steps][-2:] == [TOWN, TOWN]
    assert county.case(case_id).status == "contacted"
    send(county, city, tmp_path / "city.zip")
    assert city.case(case_id).status == "contacted"
    # Files after that carry only what is new; the sibling township gets nothing of the case.
    now.advance(minutes=1)
    county.record(case_id, "handle", {"note": "县住建局协助"})
    later = transfer.export_bundle(county, TOWN, tmp_path / "later.zip")
    assert [r[7] for r in bundle_events(later.path)] == ["handle"]
    other = transfer.export_bundle(county, SIBLING, tmp_path / "sibling.zip")
    assert case_id not in {r[1] for r in bundle_events(other.path)}
    transfer.import_bundle(sibling, other.path)
    assert sibling.conn.execute("SELECT count(*) FROM events WHERE case_id = ?", (case_id,)).fetchone()[0] == 0


def test_a_township_the_case_was_not_dispatched_to_is_refused(tree: dict[str, Desk], tmp_path: Path,
                                                              now: FakeNow) -> None:
    """The sibling township writes a step on the county's case into a file of its own, signed with its real key:
    the county refuses the whole file. The parent's file cannot push the case to a township it was not dispatched
    to either."""
    town, sibling, county = tree[TOWN], tree[SIBLING], tree[COUNTY]
    case_id = _county_case(tree, tmp_path, now)
    county.record(case_id, "dispatch", {"units": ["新河镇人民政府"], "stations": [TOWN]})
    send(county, town, tmp_path / "down.zip")
    own = sibling.register_case(make_draft(name="孙七"))
    sibling.record(own, "dispatch", {"units": ["下陈街道农业办"]})
    good = transfer.export_bundle(sibling, COUNTY, tmp_path / "good.zip").path
    rows: list[Row] = sorted(bundle_events(good), key=lambda r: r[3])
    step = rows[-1]
    payload = {**json.loads(step[8]), "seen": {COUNTY: 10}}
    forged = sealed_row(step, case_id=case_id,
                        payload=json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    resign(good, tmp_path / "bad.zip", sibling, events=[*rows[:-1], forged], replace=vouched([*rows[:-1], forged],
                                                                                            sibling))
    assert import_refused(county, tmp_path / "bad.zip") == (
        f"事件 {SIBLING}:{own_seq(2)}（派发）：案件 {case_id} 由站点 {COUNTY} 登记，"
        f"站点 {SIBLING} 既不是登记站点或其上级，也不是案件派发到的站点，无权在这件案件上记录，整个同步包不予导入")
    # Down: the county's file to the township, re-addressed and signed by the county, given to the sibling.
    down = transfer.export_bundle(county, SIBLING, tmp_path / "sib.zip")
    case_rows = bundle_events(tmp_path / "down.zip")
    _manifest, members, _key = unpack(tmp_path / "down.zip")  # with the origins' own checkpoints
    resign(down.path, tmp_path / "push.zip", county, events=case_rows,
           replace={"checkpoints.jsonl": members["checkpoints.jsonl"]})
    assert import_refused(sibling, tmp_path / "push.zip") == (
        f"案件 {case_id}：上级下发的事件不属于本站的案件，该案也没有派发到本站，整个同步包不予导入")


def test_dispatching_to_a_station_not_below_is_refused(tree: dict[str, Desk], tmp_path: Path, now: FakeNow,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    county = tree[COUNTY]
    case_id = _county_case(tree, tmp_path, now)
    code, _out, err = run(capsys, county.data_dir, "step", case_id, "dispatch", "--unit", "某单位",
                          "--station", "331082001")
    assert code == 1
    assert "站点 331082001 不是本站已知的下级站点，不能派发给它。可派发的站点：新河镇信访办（331002001）、" \
           "下陈街道信访办（331002002）" in err
    assert county.case(case_id).status == "registered"


def test_the_step_dialog_offers_the_stations_below(tree: dict[str, Desk], tmp_path: Path, now: FakeNow,
                                                   qtbot) -> None:  # type: ignore[no-untyped-def]
    county = tree[COUNTY]
    case_id = _county_case(tree, tmp_path, now)
    dialog = StepDialog(county, case_id, ["dispatch"])
    qtbot.addWidget(dialog)
    page = dialog.page
    station = page.fields["station"]
    assert [station.itemText(i) for i in range(station.count())] == [  # type: ignore[attr-defined]
        "（不派发到其他站点）", "新河镇信访办（331002001）", "下陈街道信访办（331002002）"]
    station.setCurrentIndex(2)  # type: ignore[attr-defined]
    dialog.show()
    dialog.grab().save(str(tmp_path / "dispatch.png"))
    with qtbot.waitSignal(dialog.recorded) as signal:
        dialog.submit()
    assert signal.args[0].payload["stations"] == [SIBLING]
    assert transfer.export_bundle(county, SIBLING, tmp_path / "x.zip").manifest["counts"]["cases"] == 1


def test_cases_registered_in_one_batch_reach_the_station_they_are_dispatched_to(tree: dict[str, Desk],
                                                                                 tmp_path: Path) -> None:
    """Four cases of a ledger import (one transaction, one signature at its end): the county dispatches the first
    to a township, the city the third; each reaches it alone, its registration vouched for by the county's key."""
    town, county, city = tree[TOWN], tree[COUNTY], tree[CITY]
    first, _, second, _ = register_many(county, [(make_draft(name=name), None) for name in ("赵六", "孙七", "钱八",
                                                                                           "周九")])
    send(county, city, tmp_path / "up.zip")
    county.record(first, "dispatch", {"units": ["新河镇人民政府"], "stations": [TOWN]})
    city.record(second, "dispatch", {"units": ["新河镇人民政府"], "stations": [TOWN]})
    send(city, county, tmp_path / "city-down.zip")
    send(county, town, tmp_path / "down.zip")
    assert [town.case(c).petitioner_names() for c in (first, second)] == ["赵六", "钱八"]
    assert all(town.case(c).status == "dispatched" for c in (first, second))


def _self_dispatch(sibling: Desk, case_id: str, tmp_path: Path) -> tuple[Path, list[Row], list[Row]]:
    """The sibling township's file up, and its events as a township naming itself would write them: its set-up
    and its own case's registration kept, then a dispatch of ``case_id`` naming itself and a step on it (chained
    again as its own history)."""
    own = sibling.register_case(make_draft(name="孙七"))
    sibling.record(own, "dispatch", {"units": ["下陈街道农业办"], "stations": []})
    sibling.record(own, "accept", {})
    good = transfer.export_bundle(sibling, COUNTY, tmp_path / "good.zip").path
    rows: list[Row] = sorted(bundle_events(good), key=lambda r: r[3])
    kept = SETUP_EVENTS + 1
    forged: list[Row] = []
    previous = rows[kept - 1][10]
    for row in rows[kept:]:
        payload = {**json.loads(row[8]), "seen": {COUNTY: 10}}
        if row[7] == "dispatch":
            payload["stations"] = [SIBLING]
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        forged.append(sealed_row(row, case_id=case_id, payload=text, prev_hash=previous))
        previous = forged[-1][10]
    return good, rows[:kept], forged


def test_a_station_cannot_dispatch_a_case_to_itself(tree: dict[str, Desk], tmp_path: Path, now: FakeNow) -> None:
    """A township writes, into a file of its own, a dispatch of the county's case naming itself: refused (only a
    station that may write on the case gives that right), and so is a step after it."""
    sibling, county = tree[SIBLING], tree[COUNTY]
    case_id = _county_case(tree, tmp_path, now)
    good, kept, forged = _self_dispatch(sibling, case_id, tmp_path)
    events = [*kept, *forged]
    resign(good, tmp_path / "bad.zip", sibling, events=events, replace=vouched(events, sibling))
    assert import_refused(county, tmp_path / "bad.zip") == (
        f"事件 {SIBLING}:{own_seq(2)}（派发）：案件 {case_id} 由站点 {COUNTY} 登记，"
        f"站点 {SIBLING} 既不是登记站点或其上级，也不是案件派发到的站点，无权在这件案件上记录，整个同步包不予导入")


def test_a_dispatch_an_earlier_version_accepted_gives_no_right_the_rule_would_not(
        tree: dict[str, Desk], tmp_path: Path, now: FakeNow, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store upgraded from an earlier version holds what that version accepted: here the sibling township's
    dispatch of the county's case naming itself (an earlier version let a station name itself). The whose-case
    rule judges every later event on the case by the dispatches held, those from before included, with today's
    rule: the sibling's next step on the case, in a file signed with its real key, is refused; the township the
    county itself dispatched the case to (before the upgrade too) still records on it."""
    town, sibling, county = tree[TOWN], tree[SIBLING], tree[COUNTY]
    case_id = _county_case(tree, tmp_path, now)
    county.record(case_id, "dispatch", {"units": ["新河镇人民政府"], "stations": [TOWN]})
    send(county, town, tmp_path / "down.zip")
    good, kept, forged = _self_dispatch(sibling, case_id, tmp_path)
    accepted = [*kept, forged[0]]
    resign(good, tmp_path / "old.zip", sibling, events=accepted, replace=vouched(accepted, sibling),
           manifest={"coverage": {SIBLING: [0, len(accepted)]}})

    def any_dispatch_counted(conn: Any, case: str, _tree: Any, more: Any = None) -> set[str]:
        held = conn.execute("SELECT payload FROM events WHERE case_id = ? AND kind = 'dispatch'", (case,))
        return {str(s) for (p,) in held for s in json.loads(p).get("stations", [])} | \
            {str(s) for _origin, stations in (more or []) for s in stations}

    with monkeypatch.context() as old:  # the earlier version's rule: any dispatch held counted
        old.setattr("app.sync.authority.held_dispatches", any_dispatch_counted)
        transfer.import_bundle(county, tmp_path / "old.zip")
    assert SIBLING in {s for e in county.events(case_id) if e.kind == "dispatch" for s in e.payload["stations"]}
    later = [*accepted, forged[1]]
    resign(good, tmp_path / "later.zip", sibling, events=later, replace=vouched(later, sibling))
    assert import_refused(county, tmp_path / "later.zip") == (
        f"事件 {SIBLING}:{own_seq(3)}（受理）：案件 {case_id} 由站点 {COUNTY} 登记，"
        f"站点 {SIBLING} 既不是登记站点或其上级，也不是案件派发到的站点，无权在这件案件上记录，整个同步包不予导入")
    now.advance(minutes=1)
    town.record(case_id, "accept", {"unit": "新河镇人民政府"})
    assert send(town, county, tmp_path / "up.zip").report.new_events == own_seq(1)  # its set-up, then the step
    assert county.case(case_id).steps[-1].origin == TOWN
