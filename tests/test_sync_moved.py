"""A township moved to another county: 新河镇 (331002001, under 椒江区 331002) moves to 黄岩区 (331003) and becomes
331003101 there. The old county hands it over, the city confirms the move, the new county and the township's new
station receive its whole history through ordinary files, the city holds one history with nothing twice, and the
old county may no longer write on its cases. Every step goes through real files between real stations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops import supervision
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.ops.station_setup import SETUP_EVENTS
from app.ops.township_moves import hand_over, move_township
from app.store.integrity import verify
from app.store.queries import station_counts
from tests.cli_support import run
from tests.conftest import FakeNow
from tests.sync_helpers import (
    STATIONS,
    bundle_events,
    import_refused,
    new_case,
    resign,
    sealed_row,
    send,
    set_up,
    station_tree,
    vouched,
)

OLD, NEW, TOWN, SUCCESSOR = "331002", "331003", "331002001", "331003101"
TREE = (*STATIONS, (NEW, "黄岩区信访局", "county", "331000"), ("331082", "临海市信访局", "county", "331000"))


@pytest.fixture
def tree(tmp_path: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with station_tree(tmp_path, now, None, TREE) as desks:
        yield desks


def _verified(*desks: Desk) -> None:
    for desk in desks:
        report = verify(desk.conn, desk.limits, desk.blobs)
        assert report.ok, (desk.require_station().code, report.problem)


def _count(desk: Desk, sql: str, *params: object) -> int:
    return int(desk.conn.execute(sql, params).fetchone()[0])


def _handed_over(d: dict[str, Desk], folder: Path, now: FakeNow) -> tuple[str, str]:
    """Two cases of the township, worked on by the township and its old county, all of it at the city; then the
    old county hands the township over and its file with the hand-over reaches the city."""
    town, old, city = d[TOWN], d[OLD], d["331000"]
    first, second = new_case(town, "王一"), new_case(town, "王二")
    town.record(first, "dispatch", {"units": ["镇农业农村办"]})
    send(town, old, folder / "t-up.zip")
    now.advance(hours=1)
    supervision.supervise(old, first, "2026-03-31", "请月底前答复")
    send(old, city, folder / "old-up1.zip")
    now.advance(hours=1)
    given = hand_over(old, TOWN, NEW, SUCCESSOR)
    assert given.events_held == _count(old, "SELECT count(*) FROM events WHERE origin = ?", TOWN)
    send(old, city, folder / "old-up2.zip")
    return first, second


def test_a_moved_township_brings_its_whole_history_to_its_new_county(tree: dict[str, Desk], tmp_path: Path,
                                                                    now: FakeNow) -> None:
    town, old, new, city = tree[TOWN], tree[OLD], tree[NEW], tree["331000"]
    first, second = _handed_over(tree, tmp_path, now)
    move = move_township(city, TOWN, NEW, "", "行政区划调整")
    assert (move.successor, move.old_county, move.new_county) == (SUCCESSOR, OLD, NEW)
    city_events = _count(city, "SELECT count(*) FROM events")

    # The city's next file to the new county: the township's whole history, the old county's orders on its cases.
    result = send(city, new, tmp_path / "city-down.zip")
    assert sorted(result.report.new_cases) == [first, second]
    assert [s.origin for s in new.case(first).steps if s.kind in ("dispatch", "supervise")] == [TOWN, OLD]
    assert _count(new, "SELECT count(*) FROM events WHERE origin = ?", TOWN) == \
        _count(town, "SELECT count(*) FROM events WHERE origin = ?", TOWN)

    # The township's new station, certified by the new county, gets the same, works on the old cases and numbers
    # its own from 1.
    successor = set_up(tmp_path / SUCCESSOR, now, (SUCCESSOR, "新河镇信访办", "township", NEW), new, tmp_path)
    try:
        result = send(new, successor, tmp_path / "new-down.zip")
        assert sorted(result.report.new_cases) == [first, second]
        now.advance(hours=1)
        successor.record(first, "accept", {})
        third = new_case(successor, "王三")
        assert third == f"{SUCCESSOR}-2026-00001"
        send(successor, new, tmp_path / "s-up.zip")
        supervision.supervise(new, second, "2026-04-30", "请核实")
        send(new, city, tmp_path / "new-up.zip")
        send(new, successor, tmp_path / "new-down2.zip")
        assert successor.case(second).supervision

        # The city: one history, nothing twice — the township's events once, the new work on top.
        assert sorted(r[0] for r in city.conn.execute("SELECT case_id FROM cases")) == [first, second, third]
        # the new county's set-up (its first file up) and the successor's, then accept, register, supervise
        assert _count(city, "SELECT count(*) FROM events") == city_events + 2 * SETUP_EVENTS + 3
        assert _count(city, "SELECT count(*) FROM (SELECT id FROM events GROUP BY id HAVING count(*) > 1)") == 0
        assert [s.origin for s in city.case(first).steps][-1] == SUCCESSOR
        groups = {g.code: g.origins for g, _n in station_counts(city.conn, city.now().date())}
        assert set(groups) == {NEW} and set(groups[NEW]) == {TOWN, SUCCESSOR}

        # The old county learns of the move: it sends the township nothing more and still may not write.
        send(city, old, tmp_path / "city-old.zip")
        with pytest.raises(DomainError, match=f"已由本站移交给 {NEW}"):
            supervision.supervise(old, second, "2026-05-31", "再催")
        _verified(city, old, new, successor, town)
    finally:
        successor.close()


def test_what_reaches_the_old_county_later_still_goes_up(tree: dict[str, Desk], tmp_path: Path,
                                                         now: FakeNow) -> None:
    town, old, new, city = tree[TOWN], tree[OLD], tree[NEW], tree["331000"]
    _handed_over(tree, tmp_path, now)
    move_township(city, TOWN, NEW, SUCCESSOR)
    send(city, old, tmp_path / "city-old.zip")  # the old county now holds the move
    now.advance(hours=1)
    late = new_case(town, "王四")  # the old laptop worked on until its new station was set up
    send(town, old, tmp_path / "t-up2.zip")
    send(old, city, tmp_path / "old-up3.zip")
    assert city.case(late).request_summary
    assert late in send(city, new, tmp_path / "city-new.zip").report.new_cases


def test_the_old_county_may_not_write_after_its_hand_over(tree: dict[str, Desk], tmp_path: Path,
                                                          now: FakeNow) -> None:
    old, city = tree[OLD], tree["331000"]
    first, _second = _handed_over(tree, tmp_path, now)
    move_township(city, TOWN, NEW, SUCCESSOR)
    with pytest.raises(DomainError, match="不能再在这件案件上记录"):
        old.record(first, "contact", {"note": "电话"})
    # A file made to say it anyway (its own case's edit turned into one on the township's case, signed with the
    # old county's real key) is refused whole at the city.
    own = new_case(old, "县里登记的")
    old.edit(own, "village", "前王村")
    good = transfer.export_bundle(old, "331000", tmp_path / "good.zip").path
    rows = sorted(bundle_events(good), key=lambda r: r[3])
    forged = [*rows[:-1], sealed_row(rows[-1], case_id=first)]
    resign(good, tmp_path / "bad.zip", old, events=forged, replace=vouched(forged, old))
    message = import_refused(city, tmp_path / "bad.zip")
    assert f"案件 {first} 所属的乡镇 {TOWN} 已由站点 {OLD} 移交给 {NEW}" in message and "无权" in message


def test_a_move_is_confirmed_only_by_the_city_after_the_hand_over(tree: dict[str, Desk], tmp_path: Path,
                                                                 now: FakeNow) -> None:
    town, old, new, city = tree[TOWN], tree[OLD], tree[NEW], tree["331000"]
    new_case(town)
    send(town, old, tmp_path / "t.zip")
    send(old, city, tmp_path / "o.zip")
    with pytest.raises(DomainError, match=f"尚未收到县（区）{OLD} 移交乡镇 {TOWN} 的记录"):
        move_township(city, TOWN, NEW, SUCCESSOR)
    with pytest.raises(DomainError, match="不是本站（331002）签发过证书的下级站点"):
        hand_over(old, "331002009", NEW)
    with pytest.raises(DomainError, match="迁入的县（区）代码 331102 不正确"):
        hand_over(old, TOWN, "331102")
    with pytest.raises(DomainError, match="只有县（区）站点"):
        hand_over(town, TOWN, NEW)
    hand_over(old, TOWN, NEW)
    with pytest.raises(DomainError, match="已由本站移交过"):
        hand_over(old, TOWN, NEW)
    send(old, city, tmp_path / "o2.zip")
    with pytest.raises(DomainError, match="由市局确认"):
        move_township(new, TOWN, NEW, SUCCESSOR)
    with pytest.raises(DomainError, match="请填写乡镇的新站点代码"):
        move_township(city, TOWN, NEW, "")
    with pytest.raises(DomainError, match="不以 331003 开头"):
        move_township(city, TOWN, NEW, "331002101")
    with pytest.raises(DomainError, match="移交给 331003 的，不是 331082"):
        move_township(city, TOWN, "331082", "331082101")
    with pytest.raises(DomainError, match="不是本市已入网的另一个县（区）"):
        move_township(city, TOWN, OLD, SUCCESSOR)
    before = _count(city, "SELECT count(*) FROM sync_trust")
    move_township(city, TOWN, NEW, SUCCESSOR)
    assert _count(city, "SELECT count(*) FROM sync_trust") == before + 1
    with pytest.raises(DomainError, match="已经迁移过"):
        move_township(city, TOWN, NEW, SUCCESSOR)


def test_a_move_record_not_signed_by_the_city_is_not_followed(tree: dict[str, Desk], tmp_path: Path,
                                                              now: FakeNow) -> None:
    """The old county signs a move record of its own making into its file: it is not the root, so the record is
    ignored, and the township stays where the city says it is."""
    import json

    from app.sync import keys, moves
    from tests.sync_helpers import repack, unpack

    old, city = tree[OLD], tree["331000"]
    _handed_over(tree, tmp_path, now)
    key = keys.load_key(old.data_dir)
    assert key is not None
    mine = next(c for c in transfer.TrustStore(old.conn).pool().values() if c.code == OLD)
    fake = moves.Move.make(key, mine, TOWN, "331002101", NEW, OLD, 1, "伪造", "2026-03-02T09:00:00")
    good = transfer.export_bundle(old, "331000", tmp_path / "good.zip").path
    manifest, members, receiver = unpack(good)
    members["moves.json"] = json.dumps([fake.document()]).encode()
    manifest.pop("members")
    repack(tmp_path / "bad.zip", old, manifest, members, receiver)
    transfer.import_bundle(city, tmp_path / "bad.zip")
    assert moves.held(city.conn) == []


def test_hand_over_and_move_from_the_command_line(tree: dict[str, Desk], tmp_path: Path, now: FakeNow,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    old, new, city = tree[OLD], tree[NEW], tree["331000"]
    _handed_over(tree, tmp_path, now)
    code, out, err = run(capsys, city.data_dir, "move", TOWN, "--to", NEW)
    assert code == 0, err
    assert f"乡镇 {TOWN} 由 {OLD} 迁入 {NEW}，新站点代码 {SUCCESSOR}" in out
    code, out, err = run(capsys, city.data_dir, "move", TOWN, "--to", NEW)
    assert code != 0 and "已经迁移过" in err
    code, out, _ = run(capsys, city.data_dir, "stations")
    assert f"乡镇迁移：{TOWN} → {SUCCESSOR}（{NEW}），原属 {OLD}" in out
    assert send(city, new, tmp_path / "down.zip").report.new_cases
    # The old county's command (the other township; its event keeps this computer's real clock, so it is not sent).
    code, out, err = run(capsys, old.data_dir, "hand-over", "331002002", "--to", NEW, "--successor", "331003102")
    assert code == 0, err
    assert "已把乡镇 331002002 移交给 331003" in out and "导出给市局" in out
    code, out, err = run(capsys, old.data_dir, "hand-over", "331002002", "--to", NEW)
    assert code != 0 and "已由本站移交过" in err


def test_the_stations_view_hands_over_and_confirms_a_move(qtbot, tree: dict[str, Desk], tmp_path: Path,  # type: ignore[no-untyped-def]
                                                          now: FakeNow) -> None:
    from app.views.qt import QtWidgets
    from app.views.sync_stations import StationsView

    town, old, city = tree[TOWN], tree[OLD], tree["331000"]
    new_case(town)
    send(town, old, tmp_path / "t.zip")
    view = StationsView(old)
    qtbot.addWidget(view)
    view.show()
    assert view.buttons["move"].text() == "移交所选乡镇…" and not view.moves.isVisible()
    row = next(r for r in range(view.child_table.rowCount()) if view.child_table.item(r, 0).text() == TOWN)
    view.child_table.selectRow(row)
    dialog = view.move_township()
    assert dialog.code.text() == TOWN
    dialog.to.setText("331102")
    dialog.ok.click()
    assert dialog.isVisible() and "迁入的县（区）代码 331102 不正确" in dialog.error.text()
    assert not moves_handed(old)
    dialog.to.setText(NEW)
    dialog.successor.setText(SUCCESSOR)
    dialog.ok.click()
    assert not dialog.isVisible() and moves_handed(old) == [TOWN]
    box = [b for b in view.findChildren(QtWidgets.QMessageBox) if b.isVisible()][-1]
    assert f"已把乡镇 {TOWN} 移交给 {NEW}" in box.text()
    box.close()

    send(old, city, tmp_path / "o.zip")
    city_view = StationsView(city)
    qtbot.addWidget(city_view)
    city_view.show()
    assert city_view.buttons["move"].text() == "确认乡镇迁移…"
    dialog = city_view.move_township()
    dialog.code.setText(TOWN)
    dialog.to.setText(NEW)
    dialog.ok.click()
    assert not dialog.isVisible()
    assert city_view.moves.isVisible()
    assert f"乡镇迁移：{TOWN} → {SUCCESSOR}（迁入 {NEW}，原属 {OLD}" in city_view.moves.text()


def moves_handed(desk: Desk) -> list[str]:
    from app.sync import moves

    return sorted(moves.handed_over(desk.conn, desk.require_station().code))
