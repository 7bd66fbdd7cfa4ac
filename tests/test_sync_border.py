"""Sync accepts only what a station may say: whose case, what a peer may claim, the shape of every event, and the
clock. Each hostile file is a real bundle changed in one way and signed again with the sender's real key, so that
only the check under test can refuse it; each refusal says why in Chinese and leaves the store as it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.models.errors import DomainError
from app.ops import supervision
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.ops.station_setup import SETUP_EVENTS, SETUP_KINDS
from app.store.db import transaction
from app.sync.authority import LIMITS_FROM
from tests.conftest import FakeNow, make_draft, own_seq, reopen
from tests.sync_helpers import (
    STATIONS,
    Row,
    as_earlier_version,
    bundle_events,
    import_refused,
    new_case,
    resign,
    sealed_row,
    send,
    station_tree,
    vouched,
)

TREE = (*STATIONS, ("331082", "临海市信访局", "county", "331000"), ("331082001", "杜桥镇信访办", "township", "331082"))


@pytest.fixture
def tree(tmp_path: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with station_tree(tmp_path, now, None, TREE) as desks:
        yield desks


def _payload(row: Row) -> dict[str, Any]:
    return dict(json.loads(row[8]))


def _with_payload(row: Row, payload: dict[str, Any], **changes: object) -> Row:
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return sealed_row(row, payload=text, **changes)


# The set-up events of the sender a file made by ``_up`` carries first, by file: ``_forge`` keeps them.
_SET_UP: dict[Path, list[Row]] = {}


def _forge(good: Path, target: Path, signer: Desk, events: list[Row]) -> None:
    """The file again with ``events`` (after the sender's set-up events it carried), their checkpoints and the
    file signed with the sender's real key."""
    events = [*_SET_UP.get(good, []), *events]
    resign(good, target, signer, events=events, replace=vouched(events, signer))


def _up(desk: Desk, tmp_path: Path, name: str = "good.zip") -> tuple[Path, list[Row]]:
    station = desk.require_station()
    parent = {code: parent for code, _n, _l, parent in TREE}[station.code]
    path = transfer.export_bundle(desk, str(parent), tmp_path / name).path
    rows = sorted(bundle_events(path), key=lambda r: r[3])
    _SET_UP[path] = rows[:SETUP_EVENTS] if [r[7] for r in rows[:SETUP_EVENTS]] == SETUP_KINDS else []
    return path, rows[len(_SET_UP[path]):]


# ----- whose case -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["sibling", "other county"])
def test_a_township_cannot_change_a_case_that_is_not_its_own(tree: dict[str, Desk], tmp_path: Path,
                                                            target: str) -> None:
    """331002002 appends, to a normal file of its own, an edit of its sibling's case (or of a case of another
    county): the county refuses the whole file, naming the case and both stations."""
    town, sibling, county = tree["331002001"], tree["331002002"], tree["331002"]
    victim = new_case(town) if target == "sibling" else new_case(tree["331082001"])
    if target == "sibling":
        send(town, county, tmp_path / "victim.zip")
    own = new_case(sibling, "李四")
    sibling.edit(own, "village", "前王村")
    good, rows = _up(sibling, tmp_path)
    edit = rows[-1]
    assert edit[7] == "edit"
    forged = sealed_row(edit, case_id=victim)
    _forge(good, tmp_path / "bad.zip", sibling, [*rows[:-1], forged])
    message = import_refused(county, tmp_path / "bad.zip")
    assert message == (f"事件 331002002:{own_seq(2)}（修改信息）：案件 {victim} 由站点 {victim.split('-')[0]} 登记，"
                       "站点 331002002 既不是登记站点或其上级，也不是案件派发到的站点，无权在这件案件上记录，"
                       "整个同步包不予导入")
    assert county.conn.execute("SELECT count(*) FROM events WHERE origin = '331002002'").fetchone()[0] == 0


def test_a_station_may_not_register_under_another_stations_numbers(tree: dict[str, Desk], tmp_path: Path) -> None:
    sibling, county = tree["331002002"], tree["331002"]
    new_case(sibling)
    good, rows = _up(sibling, tmp_path)
    forged = sealed_row(rows[0], case_id="331002001-2026-00001")
    _forge(good, tmp_path / "bad.zip", sibling, [forged])
    assert import_refused(county, tmp_path / "bad.zip") == (
        f"事件 331002002:{own_seq(1)}：站点 331002002 不能登记编号属于站点 331002001 的案件 331002001-2026-00001，"
        "整个同步包不予导入")


def test_stations_above_and_the_station_a_case_was_dispatched_to_may_write_on_it(tree: dict[str, Desk],
                                                                                tmp_path: Path) -> None:
    """The county's order on a township's case goes down and up; a township the county dispatched its own case to
    (一事双交: the second unit a station too) may record its steps on it."""
    town, county, city = tree["331002001"], tree["331002"], tree["331000"]
    case_id = new_case(town)
    send(town, county, tmp_path / "1.zip")
    supervision.supervise(county, case_id, "2026-03-20", "请月底前答复")
    send(county, city, tmp_path / "2.zip")
    assert city.case(case_id).supervision[0]["note"] == "请月底前答复"
    own = county.register_case(make_draft(name="赵六"))
    county.record(own, "dispatch", {"units": ["新河镇人民政府", "市农业农村局"], "stations": ["331002001"]})
    send(county, city, tmp_path / "3.zip")
    # The township's step on the county's case, in a file of its own (made by hand: the case is not routed to it).
    town.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    good, rows = _up(town, tmp_path, "4.zip")
    step = rows[-1]
    payload = {**_payload(step), "seen": {"331002": 3}}
    on_county_case = _with_payload(step, payload, case_id=own)
    forged = [*rows[:-1], on_county_case]
    _forge(good, tmp_path / "5.zip", town, forged)
    assert transfer.import_bundle(county, tmp_path / "5.zip").report.changed_cases == [own]
    assert sorted((s.origin, s.unit) for s in county.case(own).steps if s.kind == "dispatch") == [
        ("331002", "新河镇人民政府、市农业农村局"), ("331002001", "镇农业农村办")]


# ----- what a peer may claim ------------------------------------------------------------------------------------
def test_acknowledgements_beyond_what_was_sent_are_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    """A township's file claims it holds the county's events up to 10⁹: refused, and the county's next file to it
    still carries its events."""
    town, county = tree["331002001"], tree["331002"]
    case_id = new_case(town)
    send(town, county, tmp_path / "1.zip")
    supervision.supervise(county, case_id, "2026-03-20", "请月底前答复")
    good, _rows = _up(town, tmp_path)
    resign(good, tmp_path / "bad.zip", town, manifest={"acks": {"331002001": 1, "331002": 10**9}})
    assert import_refused(county, tmp_path / "bad.zip") == (
        "同步包声称站点 331002001 已收到站点 331002 的第 1000000000 号事件，而本站发给它的只到第 0 号：确认的不能多于"
        "本站实际发出的，整个同步包不予导入（否则本站此后将不再发送这些事件）")
    down = transfer.export_bundle(county, "331002001", tmp_path / "down.zip")
    assert down.manifest["counts"]["events"] == 1


def test_acknowledgements_of_events_held_but_not_yet_sent_are_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    """The county sent the township its first order; its second is held at the county but not exported yet. A
    township file acknowledging the second (no more than the county holds) is refused all the same, the store
    unchanged, and the county's next file still carries the second order."""
    town, county = tree["331002001"], tree["331002"]
    case_id = new_case(town)
    send(town, county, tmp_path / "1.zip")
    supervision.supervise(county, case_id, "2026-03-20", "请月底前答复")
    send(county, town, tmp_path / "2.zip")
    supervision.supervise(county, case_id, "2026-03-25", "请再次核实")
    good, _rows = _up(town, tmp_path)
    resign(good, tmp_path / "bad.zip", town, manifest={"acks": {"331002001": own_seq(1), "331002": own_seq(2)}})
    assert import_refused(county, tmp_path / "bad.zip") == (
        f"同步包声称站点 331002001 已收到站点 331002 的第 {own_seq(2)} 号事件，而本站发给它的只到第 {own_seq(1)} 号："
        "确认的不能多于"
        "本站实际发出的，整个同步包不予导入（否则本站此后将不再发送这些事件）")
    transfer.import_bundle(county, good)  # the file as the township made it acknowledges the first order only
    down = transfer.export_bundle(county, "331002001", tmp_path / "down.zip")
    transfer.import_bundle(town, down.path)
    assert [o["note"] for o in town.case(case_id).supervision] == ["请月底前答复", "请再次核实"]


def test_after_a_file_written_before_the_log_kept_what_it_told_what_is_held_bounds_acks(
        tree: dict[str, Desk], tmp_path: Path) -> None:
    """A store whose latest file to the township was written by an older program (its log row does not say what
    it told): the township's acknowledgement is held to what the county holds; from the county's next file on, to
    what it was told."""
    town, county = tree["331002001"], tree["331002"]
    case_id = new_case(town)
    send(town, county, tmp_path / "1.zip")
    supervision.supervise(county, case_id, "2026-03-20", "请月底前答复")
    down = transfer.export_bundle(county, "331002001", tmp_path / "2.zip")
    with transaction(county.conn) as conn:  # as an older program wrote it
        conn.execute("UPDATE sync_log SET summary = json_remove(summary, '$.sent') WHERE bundle_id = ?",
                     (down.bundle_id,))
    transfer.import_bundle(town, down.path)
    supervision.supervise(county, case_id, "2026-03-25", "请再次核实")
    good, _rows = _up(town, tmp_path)
    resign(good, tmp_path / "held.zip", town, manifest={"acks": {"331002001": own_seq(1), "331002": own_seq(2)}})
    transfer.import_bundle(county, tmp_path / "held.zip")
    supervision.supervise(county, case_id, "2026-03-28", "请第三次核实")
    transfer.export_bundle(county, "331002001", tmp_path / "3.zip")  # tells the township up to 3
    supervision.supervise(county, case_id, "2026-03-29", "请第四次核实")
    town.edit(case_id, "village", "前王村")
    good, _rows = _up(town, tmp_path, "again.zip")
    resign(good, tmp_path / "bad.zip", town, manifest={"acks": {"331002001": own_seq(2), "331002": own_seq(4)}})
    assert f"而本站发给它的只到第 {own_seq(3)} 号" in import_refused(county, tmp_path / "bad.zip")


def test_coverage_beyond_the_events_carried_is_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    town, county = tree["331002001"], tree["331002"]
    new_case(town)
    good, _rows = _up(town, tmp_path)
    resign(good, tmp_path / "bad.zip", town, manifest={"coverage": {"331002001": [0, 10**9]}})
    assert import_refused(county, tmp_path / "bad.zip") == (
        f"同步包声称完整携带站点 331002001 第 1 至 {10**9} 号事件，实际缺少 {10**9 - own_seq(1)} 个，"
        "整个同步包不予导入")


def test_a_parent_may_not_claim_to_carry_more_than_it_holds(tree: dict[str, Desk], tmp_path: Path) -> None:
    town, county = tree["331002001"], tree["331002"]
    case_id = new_case(town)
    send(town, county, tmp_path / "1.zip")
    supervision.supervise(county, case_id, "2026-03-20", "请月底前答复")
    down = transfer.export_bundle(county, "331002001", tmp_path / "down.zip")
    resign(down.path, tmp_path / "bad.zip", county, manifest={"coverage": {"331002": [0, 10**9]}})
    assert import_refused(town, tmp_path / "bad.zip") == (
        f"同步包声称完整携带站点 331002 到第 {10**9} 号的事件，超出发送站点 331002 自己所持有的，不予导入")
    resign(down.path, tmp_path / "own.zip", county, manifest={"coverage": {"331002001": [0, 5]}})
    assert "同步包声称完整携带站点 331002001 到第 5 号的事件" in import_refused(town, tmp_path / "own.zip")


# ----- the shape of every event ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("change", "says"), [
    (lambda p: {k: v for k, v in p.items() if k != "channel"}, "“登记”的内容不符合要求：缺少“来源渠道”"),
    (lambda p: {**p, "channel": "pigeon"}, "“登记”的内容不符合要求：“来源渠道”不是可选的值：pigeon"),
    (lambda p: {**p, "petitioners": "王小明"}, "“登记”的内容不符合要求：“信访人”应为列表"),
    (lambda p: {**p, "head_count": "五"}, "“登记”的内容不符合要求：“人数”应为整数"),
])
def test_an_event_of_the_wrong_shape_is_refused_not_crashed_on(tree: dict[str, Desk], tmp_path: Path,
                                                               change: Any, says: str) -> None:
    town, county = tree["331002001"], tree["331002"]
    new_case(town)
    good, rows = _up(town, tmp_path)
    _forge(good, tmp_path / "bad.zip", town, [_with_payload(rows[0], change(_payload(rows[0])))])
    assert import_refused(county, tmp_path / "bad.zip") == f"事件 331002001:{own_seq(1)}：{says}，整个同步包不予导入"


def test_an_unknown_kind_of_event_is_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    town, county = tree["331002001"], tree["331002"]
    new_case(town)
    good, rows = _up(town, tmp_path)
    _forge(good, tmp_path / "bad.zip", town, [sealed_row(rows[0], kind="frobnicate")])
    assert import_refused(county, tmp_path / "bad.zip") == (
        f"事件 331002001:{own_seq(1)}：“frobnicate”的内容不符合要求：未知的事件类别：frobnicate，整个同步包不予导入")


def test_limits_bind_new_events_and_an_older_event_still_travels(tmp_path: Path) -> None:
    """Past the day the limits came in, a 6,000-character request is refused at the border; an event made
    before (here: forged with an earlier clock, as a store of an earlier version holds it, before its upgrade mark)
    is checked for its structure only."""
    now = FakeNow(datetime(LIMITS_FROM.year, LIMITS_FROM.month, LIMITS_FROM.day + 3, 9))
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as tree:
        town, county = tree["331002001"], tree["331002"]
        as_earlier_version(town)
        new_case(town)
        good, rows = _up(town, tmp_path)
        long = {**_payload(rows[0]), "request_summary": "诉" * 6000}
        _forge(good, tmp_path / "long.zip", town, [_with_payload(rows[0], long)])
        assert import_refused(county, tmp_path / "long.zip") == (
            "事件 331002001:1：“登记”的内容不符合要求：“诉求”过长（6000 字，最多 5000 字），整个同步包不予导入")
        control = {**_payload(rows[0]), "village": "东岙\x07村"}
        _forge(good, tmp_path / "ctrl.zip", town, [_with_payload(rows[0], control)])
        assert "“村（社区）”含有控制字符或换行" in import_refused(county, tmp_path / "ctrl.zip")
        old = _with_payload(rows[0], long, hlc="001764547200000.00000")  # 2025-12-01, before the limits
        _forge(good, tmp_path / "old.zip", town, [old])
        result = transfer.import_bundle(county, tmp_path / "old.zip")
        assert county.case(result.report.new_cases[0]).request_summary == "诉" * 6000


def test_an_event_back_dated_past_the_cut_over_is_held_to_the_limits(tmp_path: Path) -> None:
    """The township has sent the county an event dated after the limits came in; its next event bears a date
    before them (its clock set back, or the file written by hand and signed with its real key) and carries a
    6,000-character request: refused, because in its station's chain it comes after the cut-over. (A station of an
    earlier version, not yet upgraded: no upgrade mark in its chain.)"""
    now = FakeNow(datetime(LIMITS_FROM.year, LIMITS_FROM.month, LIMITS_FROM.day + 3, 9))
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as tree:
        town, county = tree["331002001"], tree["331002"]
        as_earlier_version(town)
        case_id = new_case(town)
        send(town, county, tmp_path / "1.zip")
        town.edit(case_id, "village", "前王村")
        good, rows = _up(town, tmp_path)
        payload = {**_payload(rows[-1]), "field": "request_summary", "value": "诉" * 6000}
        back_dated = _with_payload(rows[-1], payload, hlc="001764547200000.00000")  # 2025-12-01
        _forge(good, tmp_path / "bad.zip", town, [back_dated])
        assert import_refused(county, tmp_path / "bad.zip") == (
            "事件 331002001:2：“修改信息”的内容不符合要求：“诉求”过长（6000 字，最多 5000 字）。该事件写的时间早于"
            "输入限制生效之日（2026-12-01），但站点 331002001 在它之前已记录了生效之后的第 1 号事件，它是新录入的"
            "内容（时间被调回过），整个同步包不予导入")
        assert county.case(case_id).request_summary != "诉" * 6000


def test_after_its_upgrade_a_station_cannot_back_date_its_first_file(tmp_path: Path) -> None:
    """The gap the upgrade mark closes: a township of an earlier version recorded (and sent) nothing dated after
    the limits came in. Upgraded — its first login with this version writes the mark into its chain — it writes
    its next file by hand, every date before the cut-over, with a 6,000-character request, and signs it with its
    real key: refused, because in its chain the event comes after the mark. The file as made is taken, and its
    events from before the upgrade travel as they are."""
    now = FakeNow(LIMITS_FROM - timedelta(days=20))
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as tree:
        town, county = tree["331002001"], tree["331002"]
        as_earlier_version(town)
        case_id = new_case(town)
        town.close()
        tree["331002001"] = town = reopen(town)  # this version's first login: the mark
        now.current = LIMITS_FROM + timedelta(days=3)
        town.edit(case_id, "village", "前王村")
        good = transfer.export_bundle(town, "331002", tmp_path / "good.zip").path
        rows = sorted(bundle_events(good), key=lambda r: r[3])
        assert [r[7] for r in rows] == ["register", "upgrade", "account", "edit"]
        payload = {**_payload(rows[-1]), "field": "request_summary", "value": "诉" * 6000}
        back_dated = _with_payload(rows[-1], payload, hlc="001764547200000.00000")  # 2025-12-01
        events = [*rows[:-1], back_dated]
        resign(good, tmp_path / "bad.zip", town, events=events, replace=vouched(events, town))
        assert import_refused(county, tmp_path / "bad.zip") == (
            "事件 331002001:4：“修改信息”的内容不符合要求：“诉求”过长（6000 字，最多 5000 字）。该事件写的时间早于"
            "输入限制生效之日（2026-12-01），但站点 331002001 在它之前已升级到启用输入限制的版本（升级标记为第 2 号"
            "事件），它是新录入的内容（时间被调回过），整个同步包不予导入")
        transfer.import_bundle(county, good)
        assert county.case(case_id).village == "前王村" and county.case(case_id).request_summary != "诉" * 6000


# ----- clocks ---------------------------------------------------------------------------------------------------
def test_a_file_from_a_laptop_forty_days_fast_is_refused_and_drags_no_clock(tree: dict[str, Desk], tmp_path: Path,
                                                                            now: FakeNow) -> None:
    town, county = tree["331002001"], tree["331002"]
    now.advance(days=40)  # the township's laptop runs 40 days fast
    new_case(town)
    path = transfer.export_bundle(town, "331002", tmp_path / "fast.zip").path
    now.advance(days=-40)  # the county's clock is right
    message = import_refused(county, path)
    assert message.startswith(
        f"事件 331002001:{own_seq(1)} 的时间（2026-04-11 09:00）比本机时钟（2026-03-02 09:00）快一天以上")
    assert "站点 331002001 的电脑时间不准" in message
    assert county.case(new_case(county, "本级")).registered_at.startswith("2026-03-02")
    # Within a day is ordinary skew between two computers.
    now.advance(days=40, hours=-20)
    assert len(send(town, county, tmp_path / "skew.zip").report.new_cases) == 1


def test_a_laptop_reset_to_2000_records_nothing(desk: Desk, now: FakeNow) -> None:
    new_case(desk)
    now.current = datetime(2000, 1, 1, 8, 0)
    with pytest.raises(DomainError, match="本机时钟为 2000-01-01 08:00，早于本站最近一次记录的时间 2026-03-02 09:00"):
        new_case(desk, "李四")
    assert [r[0] for r in desk.conn.execute("SELECT case_id FROM cases")] == ["TZ01-2026-00001"]
