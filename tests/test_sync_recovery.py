"""A station rebuilt from the stations above it: reinstalled, restored from an older copy, a reinstalled county.

Every scenario runs through real files between real stations, and ends with sync running as before and ``verify``
passing at every station."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops import recovery, supervision
from app.ops import sync_transfer as transfer
from app.ops.desk import RESTORED_MARK, Desk
from app.store.integrity import verify
from app.store.projection import fingerprint
from tests.conftest import FakeNow, own_seq, reopen
from tests.sync_helpers import enroll, import_refused, new_case, send, set_up_again, station_tree
from tests.test_cli import run


def _verified(*desks: Desk) -> None:
    for desk in desks:
        report = verify(desk.conn, desk.limits, desk.blobs)
        assert report.ok, (desk.require_station().code, report.problem)


def _own_numbers(desk: Desk) -> list[str]:
    return [r[0] for r in desk.conn.execute("SELECT case_id FROM cases ORDER BY case_id")]


def test_a_reinstalled_township_gets_its_history_back_and_numbers_on(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now) as d:
        town, county = d["331002001"], d["331002"]
        first, second = new_case(town, "王一"), new_case(town, "王二")
        town.record(first, "dispatch", {"units": ["镇农业农村办"]})
        send(town, county, tmp_path / "up1.zip")
        now.advance(hours=1)
        supervision.supervise(county, first, "2026-03-20", "请月底前答复")
        send(county, town, tmp_path / "down1.zip")
        now.advance(hours=1)
        third = new_case(town, "王三")
        town.record(second, "dispatch", {"units": ["镇城建办"]})
        send(town, county, tmp_path / "up2.zip")
        now.advance(hours=1)
        lost = new_case(town, "王四")  # registered after the last file up: it never reached the county
        assert lost == "331002001-2026-00004"

        now.advance(days=1)  # the laptop is lost; a new one is set up under the same code
        fresh = set_up_again(tmp_path, now, "331002001", county)
        try:
            with pytest.raises(DomainError, match="请先请上级为本站制作恢复文件"):
                new_case(fresh, "赵五")
            assert not verify(fresh.conn, fresh.limits).ok  # the county holds events this computer lacks

            made = recovery.recovery_file(county, "331002001", tmp_path / "recovery.zip")
            assert made.manifest["direction"] == "recovery" and made.manifest["receiver_key"] != ""
            result = transfer.import_bundle(fresh, tmp_path / "recovery.zip")
            assert sorted(result.report.new_cases) == [first, second, third]
            assert "上级最后收到的本站同步包生成于 2026-03-02 11:00" in result.recovery_message
            assert "无法恢复" in result.recovery_message
            assert fresh.case(first).supervision[0]["note"] == "请月底前答复"
            assert fresh.case(second).status == county.case(second).status
            assert _own_numbers(fresh) == [first, second, third]

            # Numbering goes on after what the county holds: no case number and no event number is used twice.
            fifth = new_case(fresh, "赵五")
            assert fifth == "331002001-2026-00004"
            fresh.record(first, "accept", {})
            up = send(fresh, county, tmp_path / "up3.zip")
            assert up.report.new_cases == [fifth] and up.report.changed_cases == [first]
            assert county.case(fifth).petitioners[0].name == "赵五"
            send(county, d["331000"], tmp_path / "city.zip")
            send(county, fresh, tmp_path / "down2.zip")
            assert fingerprint(fresh.conn) == fingerprint(county.conn)
            _verified(fresh, county, d["331000"])
        finally:
            fresh.close()


def test_a_township_restored_from_an_older_copy_gets_back_what_reached_the_county(
        tmp_path: Path, now: FakeNow, capsys: pytest.CaptureFixture[str]) -> None:
    with station_tree(tmp_path, now) as d:
        town, county = d["331002001"], d["331002"]
        first = new_case(town, "王一")
        send(town, county, tmp_path / "up1.zip")
        town.close()
        backup = tmp_path / "backup-of-331002001"
        shutil.copytree(town.data_dir, backup)  # the copy kept in the office: one case, its first file sent
        d["331002001"] = town = reopen(town)
        now.advance(hours=2)
        second = new_case(town, "王二")
        town.record(first, "dispatch", {"units": ["镇农业农村办"]})
        send(town, county, tmp_path / "up2.zip")
        supervision.supervise(county, second, "2026-03-20", "请核实")
        down = tmp_path / "down.zip"
        transfer.export_bundle(county, "331002001", down)
        now.advance(hours=1)
        town.record(second, "dispatch", {"units": ["镇城建办"]})
        stale = tmp_path / "stale.zip"  # made on the failing disk, left on a stick, never imported
        transfer.export_bundle(town, "331002", stale)
        town.close()

        shutil.rmtree(town.data_dir)  # the disk fails; the older copy is put back
        shutil.copytree(backup, town.data_dir)
        (town.data_dir / RESTORED_MARK).write_text("")  # as a restore from a backup leaves it (test_backup)
        d["331002001"] = town = reopen(town)
        # Before any word from the county: a restored station numbers nothing yet.
        with pytest.raises(DomainError, match="本站是从备份恢复的"):
            new_case(town, "赵五")
        # The county's next file tells it the county holds more of its events than it has: a phantom-free import,
        # and no new number until the recovery file is in.
        code, out, _ = run(capsys, town.data_dir, "import", str(down))
        assert code == 0 and f"暂存：1 件案件的登记还没有同步到本站（如 {second}）" in out
        # No phantom case: the order about the case registered after the copy waits for its registration.
        assert _own_numbers(town) == [first]
        code, out, _ = run(capsys, town.data_dir, "list")
        assert code == 0 and first in out and second not in out
        code, _, err = run(capsys, town.data_dir, "show", second)
        assert code != 0 and f"案件 {second} 的登记还没有同步到本站" in err
        with pytest.raises(DomainError, match=f"本机只有 {own_seq(1)} 个"):
            new_case(town, "赵五")
        assert "恢复文件" in str(verify(town.conn, town.limits).problem)

        code, out, _ = run(capsys, county.data_dir, "recovery-file", "331002001", "--out", str(tmp_path / "rec.zip"))
        assert code == 0 and "已为站点 331002001（新河镇信访办）制作恢复文件" in out
        code, out, _ = run(capsys, town.data_dir, "import", str(tmp_path / "rec.zip"))
        assert code == 0 and (f"已从站点 331002 恢复本站数据：新增 1 件案件，本站事件现有 {own_seq(3)} 个"
                              f"（导入前 {own_seq(1)} 个）") in out
        assert second in run(capsys, town.data_dir, "show", second)[1]
        assert not (town.data_dir / RESTORED_MARK).exists()
        assert town.case(second).supervision[0]["note"] == "请核实"
        assert town.case(second).supervision == county.case(second).supervision
        assert town.case(first).status == county.case(first).status
        assert new_case(town, "赵五") == "331002001-2026-00003"
        # The old computer's file turns up: its events after the rebuild point are no longer this station's.
        refused = import_refused(county, stale)
        assert "已用恢复文件重建" in refused and f"第 {own_seq(3)} 号之后的事件的编号已由新电脑使用" in refused
        send(town, county, tmp_path / "up3.zip")
        send(county, town, tmp_path / "down2.zip")
        assert fingerprint(town.conn) == fingerprint(county.conn)
        _verified(town, county)


def test_a_reinstalled_county_from_the_city_and_its_townships_next_files(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now) as d:
        county, city = d["331002"], d["331000"]
        one, two = new_case(d["331002001"], "王一"), new_case(d["331002002"], "李二")
        send(d["331002001"], county, tmp_path / "up1.zip")
        send(d["331002002"], county, tmp_path / "up2.zip")
        supervision.assign_leader(county, one, "陈副县长")
        county_case = new_case(county, "县局来访")
        send(county, city, tmp_path / "county-up.zip")
        now.advance(hours=1)
        d["331002002"].record(two, "dispatch", {"units": ["街道城建办"]})  # not yet sent when the county is lost

        now.advance(days=1)
        fresh = set_up_again(tmp_path, now, "331002", city)
        try:
            recovery.recovery_file(city, "331002", tmp_path / "recovery.zip")
            result = transfer.import_bundle(fresh, tmp_path / "recovery.zip")
            assert sorted(result.report.new_cases) == sorted([one, two, county_case])
            assert fresh.case(one).leader == "陈副县长"
            assert new_case(fresh, "县局二") == "331002-2026-00002"
            # The townships enroll again under the county's new key; their next files carry everything again.
            for code in ("331002001", "331002002"):
                enroll(d[code], fresh, tmp_path)
                send(d[code], fresh, tmp_path / f"again-{code}.zip")
            assert fresh.case(two).dispatch_units == ["街道城建办"]
            send(fresh, city, tmp_path / "county-up2.zip")
            send(fresh, d["331002001"], tmp_path / "down1.zip")
            assert fresh.case(one).leader == d["331002001"].case(one).leader
            _verified(fresh, city, d["331002001"], d["331002002"])
        finally:
            fresh.close()


def test_a_recovery_file_is_only_for_a_station_below_and_only_imported_by_it(tmp_path: Path,
                                                                             now: FakeNow) -> None:
    with station_tree(tmp_path, now) as d:
        county = d["331002"]
        new_case(d["331002001"])
        send(d["331002001"], county, tmp_path / "up.zip")
        with pytest.raises(DomainError, match="不能为自己"):
            recovery.recovery_file(county, "331002", tmp_path / "x.zip")
        with pytest.raises(DomainError, match="不在本站之下"):
            recovery.recovery_file(d["331002001"], "331002002", tmp_path / "x.zip")
        recovery.recovery_file(county, "331002001", tmp_path / "rec.zip")
        assert "不是本站" in import_refused(d["331002002"], tmp_path / "rec.zip")
        # A recovery file made for a township that is still whole: its next file is taken for an old computer's…
        new_case(d["331002001"], "李四")
        assert "恢复文件做了没有用" in import_refused(
            county, transfer.export_bundle(d["331002001"], "331002", tmp_path / "up2.zip").path)
        # …until it imports the recovery file (nothing new in it) and exports again.
        result = transfer.import_bundle(d["331002001"], tmp_path / "rec.zip")
        assert result.report.new_events == 0 and \
            f"本站事件现有 {own_seq(2)} 个（导入前 {own_seq(2)} 个）" in result.recovery_message
        assert send(d["331002001"], county, tmp_path / "up3.zip").report.new_cases == ["331002001-2026-00002"]


def test_a_restored_station_that_sent_nothing_after_its_backup_resumes_numbering_when_told(
        tmp_path: Path, now: FakeNow, capsys: pytest.CaptureFixture[str]) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town = d["331002001"]
        first = new_case(town)
        (town.data_dir / RESTORED_MARK).write_text("")
        with pytest.raises(DomainError, match="resume-numbering"):
            town.record(first, "dispatch", {"units": ["镇农业农村办"]})
        code, out, _ = run(capsys, town.data_dir, "resume-numbering")
        assert code == 0 and "可以直接继续登记" in out
        assert new_case(town, "李四") == "331002001-2026-00002"
        assert "无需确认" in run(capsys, town.data_dir, "resume-numbering")[1]
        # The city has no station above it to ask: it is never held back.
        (d["331000"].data_dir / RESTORED_MARK).write_text("")
        assert new_case(d["331000"], "王五") == "331000-2026-00001"


def test_a_township_restored_from_its_own_backup_gets_back_what_it_synced_after_it(
        tmp_path: Path, now: FakeNow, capsys: pytest.CaptureFixture[str]) -> None:
    """A real backup (made while the station is open) and a real restore, inside a synced tree: what the README
    promises — the restored station numbers nothing until the county's recovery file is in, then has everything
    that reached the county, no case twice and none lost."""
    from app.ops import backup as backup_ops
    from tests.conftest import ADMIN, TEST_PASSWORD, login

    with station_tree(tmp_path, now) as d:
        town, county = d["331002001"], d["331002"]
        first = new_case(town, "王一")
        send(town, county, tmp_path / "up1.zip")
        backup_ops.make(town, tmp_path / "stick" / "备份.zip")  # the office's weekly backup
        now.advance(hours=2)
        second = new_case(town, "王二")
        town.record(first, "dispatch", {"units": ["镇农业农村办"]})
        send(town, county, tmp_path / "up2.zip")
        town.close()  # the laptop is lost

        restored = tmp_path / "331002001-restored"
        backup_ops.restore_as_admin(tmp_path / "stick" / "备份.zip", restored, ADMIN, TEST_PASSWORD)
        d["331002001"] = town = login(restored, now=now)
        assert _own_numbers(town) == [first]
        with pytest.raises(DomainError, match="本站是从备份恢复的"):
            new_case(town, "赵五")  # the county may hold numbers this copy does not know
        code, out, _ = run(capsys, county.data_dir, "recovery-file", "331002001", "--out", str(tmp_path / "rec.zip"))
        assert code == 0
        result = transfer.import_bundle(town, tmp_path / "rec.zip")
        assert result.recovery_message and "新增 1 件案件" in result.recovery_message
        assert _own_numbers(town) == [first, second]
        assert town.case(first).status == county.case(first).status
        third = new_case(town, "赵五")
        assert third == "331002001-2026-00003"  # numbering goes on after what the county holds
        send(town, county, tmp_path / "up3.zip")
        send(county, town, tmp_path / "down.zip")
        assert _own_numbers(county) == _own_numbers(town) == [first, second, third]
        assert county.conn.execute("SELECT count(*) FROM events WHERE origin = '331002001'").fetchone()[0] == \
            town.conn.execute("SELECT count(*) FROM events WHERE origin = '331002001'").fetchone()[0]
        assert fingerprint(town.conn) == fingerprint(county.conn)
        _verified(town, county)
