"""Two laptops at one township (two handlers, a computer each), syncing through their county.

The second laptop has a code of its own (the township's and a laptop number: 33100200102), certified by the
county like any township. Each numbers its own events and cases, so no number is handed out twice; after a round
trip through the county each laptop holds the other's cases and may work on them; a township that is not theirs
still may not; ``verify`` passes at every station. Every step goes through real files between real stations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.models.divisions import certify_problem, is_division_code, same_township, township_of
from app.ops import supervision
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.store.integrity import verify
from app.store.queries import CaseFilter, count_cases, station_counts
from tests.conftest import FakeNow
from tests.sync_helpers import (
    STATIONS,
    bundle_events,
    import_refused,
    new_case,
    resign,
    sealed_row,
    send,
    station_tree,
    vouched,
)
from tests.test_cli import run

LAPTOP = "33100200102"
TREE = (*STATIONS, (LAPTOP, "新河镇信访办（第2台电脑）", "township", "331002"))


@pytest.fixture
def tree(tmp_path: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with station_tree(tmp_path, now, None, TREE) as desks:
        yield desks


def _round_trip(d: dict[str, Desk], folder: Path, name: str) -> None:
    """Both laptops send up, then the county sends down to both."""
    county = d["331002"]
    for code in ("331002001", LAPTOP):
        send(d[code], county, folder / f"{name}-up-{code}.zip")
    for code in ("331002001", LAPTOP):
        send(county, d[code], folder / f"{name}-down-{code}.zip")


def _numbers(desk: Desk) -> list[str]:
    return [r[0] for r in desk.conn.execute("SELECT case_id FROM cases ORDER BY case_id")]


def _verified(*desks: Desk) -> None:
    for desk in desks:
        report = verify(desk.conn, desk.limits, desk.blobs)
        assert report.ok, (desk.require_station().code, report.problem)


def test_a_laptop_code_is_the_township_and_a_laptop_number() -> None:
    assert is_division_code(LAPTOP, "township") and township_of(LAPTOP) == "331002001"
    assert same_township(LAPTOP, "331002001") and not same_township(LAPTOP, "331002002")
    for wrong in ("33100200101", "33100200100", "3310020010", "331002001002"):
        assert not is_division_code(wrong, "township"), wrong
    assert certify_problem("331002", "county", LAPTOP, "township") is None
    assert "不属于站点 331003" in str(certify_problem("331003", "county", LAPTOP, "township"))
    assert "不是行政区划代码" in str(certify_problem("331002", "county", "33100200101", "township"))


def test_two_laptops_number_apart_and_see_each_others_cases_after_a_round_trip(tree: dict[str, Desk],
                                                                              tmp_path: Path, now: FakeNow) -> None:
    first, second, county = tree["331002001"], tree[LAPTOP], tree["331002"]
    a1, a2 = new_case(first, "王一"), new_case(first, "王二")
    b1 = new_case(second, "李一")
    assert (a1, a2, b1) == ("331002001-2026-00001", "331002001-2026-00002", f"{LAPTOP}-2026-00001")
    _round_trip(tree, tmp_path, "r1")
    assert _numbers(first) == _numbers(second) == _numbers(county) == sorted([a1, a2, b1])
    assert second.case(a1).petitioners[0].name == "王一" and first.case(b1).petitioners[0].name == "李一"

    # Each works on the other's case; the county's order on one laptop's case reaches both.
    now.advance(hours=1)
    second.record(a1, "dispatch", {"units": ["镇农业农村办"]})
    first.record(b1, "dispatch", {"units": ["镇城建办"]})
    supervision.supervise(county, a2, "2026-03-31", "请月底前答复")
    b2 = new_case(second, "李二")  # numbering goes on apart after the round trip
    a3 = new_case(first, "王三")
    assert (a3, b2) == ("331002001-2026-00003", f"{LAPTOP}-2026-00002")
    _round_trip(tree, tmp_path, "r2")
    for desk in (first, second, county):
        assert desk.case(a1).dispatch_units == ["镇农业农村办"]
        assert desk.case(b1).dispatch_units == ["镇城建办"]
        assert desk.case(a2).supervision
        assert set(_numbers(desk)) == {a1, a2, a3, b1, b2}
    assert [s.origin for s in first.case(a1).steps if s.kind == "dispatch"] == [LAPTOP]
    assert not county.conn.execute("SELECT count(*) FROM conflicts").fetchone()[0]

    # Nothing is sent twice: once the laptop's next file acknowledges what came down, nothing goes down again.
    send(second, county, tmp_path / "ack.zip")
    again = transfer.export_bundle(county, LAPTOP, tmp_path / "again.zip")
    assert again.manifest["counts"]["events"] == 0
    _verified(first, second, county)
    send(county, tree["331000"], tmp_path / "city.zip")
    _verified(tree["331000"])


def test_the_county_counts_both_laptops_as_one_township(tree: dict[str, Desk], tmp_path: Path) -> None:
    first, second, county = tree["331002001"], tree[LAPTOP], tree["331002"]
    new_case(first)
    new_case(second)
    _round_trip(tree, tmp_path, "r1")
    today = county.now().date()
    groups = station_counts(county.conn, today)
    assert [(g.code, g.name, g.origins, n["open"]) for g, n in groups] == [
        ("331002001", "新河镇信访办", ("331002001", LAPTOP), 2)]
    assert count_cases(county.conn, CaseFilter(origins=groups[0][0].origins), today) == 2


def test_another_township_still_may_not_write_on_a_laptops_case(tree: dict[str, Desk], tmp_path: Path) -> None:
    second, other, county = tree[LAPTOP], tree["331002002"], tree["331002"]
    victim = new_case(second)
    send(second, county, tmp_path / "victim.zip")
    own = new_case(other, "李四")
    other.edit(own, "village", "前王村")
    good = transfer.export_bundle(other, "331002", tmp_path / "good.zip").path
    rows = sorted(bundle_events(good), key=lambda r: r[3])
    forged = [*rows[:-1], sealed_row(rows[-1], case_id=victim)]
    resign(good, tmp_path / "bad.zip", other, events=forged, replace=vouched(forged, other))
    message = import_refused(county, tmp_path / "bad.zip")
    assert f"案件 {victim} 由站点 {LAPTOP} 登记，站点 331002002 既不是登记站点或其上级" in message
    # Nor may a laptop register under its sibling's numbers.
    new_case(second, "李五")
    good = transfer.export_bundle(second, "331002", tmp_path / "good2.zip").path
    rows = sorted(bundle_events(good), key=lambda r: r[3])
    forged = [sealed_row(rows[-1], case_id="331002001-2026-00009")]
    resign(good, tmp_path / "bad2.zip", second, events=forged, replace=vouched(forged, second))
    assert f"站点 {LAPTOP} 不能登记编号属于站点 331002001 的案件" in import_refused(county, tmp_path / "bad2.zip")


def test_the_county_passes_a_laptop_only_its_own_townships_history(tree: dict[str, Desk], tmp_path: Path) -> None:
    first, second, other, county = tree["331002001"], tree[LAPTOP], tree["331002002"], tree["331002"]
    new_case(first)
    new_case(other, "李四")
    send(first, county, tmp_path / "up1.zip")
    send(other, county, tmp_path / "up2.zip")
    down = transfer.export_bundle(county, LAPTOP, tmp_path / "down.zip")
    origins = {r[2] for r in bundle_events(down.path)}
    assert origins == {"331002001"}  # the sibling laptop's whole history; nothing of 331002002
    assert any(p.startswith("certs/331002001-") for p in _members(down.path))
    transfer.import_bundle(second, down.path)
    assert _numbers(second) == ["331002001-2026-00001"]


def _members(path: Path) -> list[str]:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def test_a_second_laptop_is_set_up_and_synced_from_the_command_line(tmp_path: Path, now: FakeNow,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        new_case(d["331002001"])
        send(d["331002001"], d["331002"], tmp_path / "up.zip")
        with station_tree(tmp_path / "second", now, (LAPTOP,),
                          ((LAPTOP, "新河镇信访办（第2台电脑）", "township", None),)) as s:
            laptop = s[LAPTOP]
            folder = tmp_path / "files"
            folder.mkdir()
            code, _, _ = run(capsys, laptop.data_dir, "enroll-request", "--out", str(folder / "l.req"))
            assert code == 0
            code, out, _ = run(capsys, d["331002"].data_dir, "certify", str(folder / "l.req"),
                               "--out", str(folder / "l.cert"))
            assert code == 0 and LAPTOP in out
            code, _, err = run(capsys, laptop.data_dir, "install-cert", str(folder / "l.cert"))
            assert code == 0, err
            code, _, err = run(capsys, d["331002"].data_dir, "export", "--to", LAPTOP, "--out",
                               str(folder / "down.zip"))
            assert code == 0, err
            code, out, err = run(capsys, laptop.data_dir, "import", str(folder / "down.zip"))
            assert code == 0 and "新案件 1 件" in out, err
            code, out, _ = run(capsys, laptop.data_dir, "list")
            assert "331002001-2026-00001" in out


def test_two_laptops_changing_one_field_unseen_make_a_conflict(tree: dict[str, Desk], tmp_path: Path,
                                                             now: FakeNow) -> None:
    first, second, county = tree["331002001"], tree[LAPTOP], tree["331002"]
    case_id = new_case(first)
    _round_trip(tree, tmp_path, "r1")
    now.advance(hours=1)
    first.edit(case_id, "village", "前王村")
    second.edit(case_id, "village", "后王村")
    _round_trip(tree, tmp_path, "r2")
    for desk in (first, second, county):
        rows = desk.conn.execute("SELECT field FROM conflicts WHERE case_id = ?", (case_id,)).fetchall()
        assert [r[0] for r in rows] == ["village"], desk.require_station().code


def test_a_rebuilt_laptop_gets_both_laptops_cases_back(tree: dict[str, Desk], tmp_path: Path, now: FakeNow) -> None:
    from app.ops import recovery, sync
    from tests.sync_helpers import set_up

    first, second, county = tree["331002001"], tree[LAPTOP], tree["331002"]
    a1, b1 = new_case(first), new_case(second, "李一")
    _round_trip(tree, tmp_path, "r1")
    now.advance(days=1)
    sync.revoke(county, LAPTOP, "电脑丢失")  # the second laptop is lost; a new computer takes its code
    fresh = set_up(tmp_path / "laptop-new", now, TREE[-1], county, tmp_path)
    try:
        made = recovery.recovery_file(county, LAPTOP, tmp_path / "rec.zip")
        result = transfer.import_bundle(fresh, made.path)
        assert sorted(result.report.new_cases) == sorted([a1, b1])
        assert new_case(fresh, "李二") == f"{LAPTOP}-2026-00002"
        now.advance(hours=1)
        a2 = new_case(first, "王二")  # the first laptop's later work comes through the county as before
        send(first, county, tmp_path / "up1.zip")
        send(fresh, county, tmp_path / "up2.zip")
        send(county, fresh, tmp_path / "down.zip")
        assert set(_numbers(fresh)) == {a1, a2, b1, f"{LAPTOP}-2026-00002"}
        _verified(fresh, county)
    finally:
        fresh.close()
