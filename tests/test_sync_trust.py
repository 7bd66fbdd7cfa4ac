"""Revocation and the bundle's own time: a revoked key is refused whatever time its file states, a revoked county
takes the townships it certified with it until its new key certifies them again, and a bundle may not state a time
earlier than the events it carries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops import recovery, sync
from app.ops import sync_transfer as transfer
from app.sync import keys
from tests.conftest import FakeNow, new_station, own_seq
from tests.sync_helpers import enroll, new_case, resign, send, station_tree, store_state


def test_a_revoked_county_takes_its_townships_with_it_until_its_new_key_certifies_them(
        tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        city, old_county, town = d["331000"], d["331002"], d["331002001"]
        case_id = new_case(town)
        send(town, old_county, tmp_path / "1.zip")
        send(old_county, town, tmp_path / "ack.zip")  # the old county acknowledged the case
        send(old_county, city, tmp_path / "c-up.zip")
        now.advance(hours=1)
        sync.revoke(city, "331002", "县局电脑被盗")
        # The county sets up again on a new computer, with a new key the city certifies.
        county = new_station(tmp_path / "331002-new", "331002", "椒江区信访局", "county", now=now)
        try:
            enroll(county, city, tmp_path)
            # Its history from the city first (app.ops.recovery): the township acknowledges the old county's events.
            recovery.recovery_file(city, "331002", tmp_path / "rec.zip")
            transfer.import_bundle(county, tmp_path / "rec.zip")
            now.advance(minutes=5)
            new_case(town, "李四")
            transfer.export_bundle(town, "331002", tmp_path / "2.zip")
            before = store_state(county)
            with pytest.raises(DomainError) as err:
                transfer.import_bundle(county, tmp_path / "2.zip")
            message = str(err.value)
            assert ("331002001（新河镇信访办）的证书链中，"
                    "站点 331002（椒江区信访局）的密钥已于 2026-03-02 10:00:00 被吊销") \
                in message
            assert "由其新密钥为 331002001 等下级站点重新签发证书（重新认证）" in message
            assert store_state(county) == before
            assert not transfer.verify_bundle(county, tmp_path / "2.zip").genuine
            # Certified again by the county's new key, the township's next file comes in, with everything the old
            # county had acknowledged (it may be lost with the old computer).
            (tmp_path / "again").mkdir()
            enroll(town, county, tmp_path / "again")
            result = send(town, county, tmp_path / "3.zip")
            assert result.report.new_cases == ["331002001-2026-00002"] and county.case(case_id).registered_at
        finally:
            county.close()


def test_a_revoked_key_is_not_certified_again_and_a_new_key_is(tmp_path: Path, now: FakeNow) -> None:
    (tmp_path / "again").mkdir()
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        sync.revoke(county, "331002001", "密钥外泄")
        sync.enroll_request(town, tmp_path / "again" / "old.req")
        with pytest.raises(DomainError, match="这把密钥已于 2026-03-02 09:00:00 被吊销，不能再为它签发证书"):
            sync.certify(county, tmp_path / "again" / "old.req", tmp_path / "again" / "old.cert")
        old_key = keys.key_id(keys.raw_public(sync.identity(town).key))
        sync.enroll_request(town, tmp_path / "again" / "new.req", new_key=True)
        assert keys.key_id(keys.raw_public(sync.identity(town).key)) != old_key
        from app.store import vault
        from app.sync.keys import RETIRED
        assert len(vault.names(town.conn, f"{RETIRED}station-ed25519")) == 1  # the old key kept, not deleted
        with pytest.raises(DomainError, match="尚未安装上级签发的证书"):
            transfer.export_bundle(town, "331002", tmp_path / "x.zip")
        sync.certify(county, tmp_path / "again" / "new.req", tmp_path / "again" / "new.cert")
        sync.install_cert(town, tmp_path / "again" / "new.cert")
        case_id = new_case(town)
        assert send(town, county, tmp_path / "up.zip").report.new_cases == [case_id]


def test_a_computer_clock_set_back_does_not_backdate_a_bundle(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        now.advance(days=2)
        new_case(town)
        now.current = datetime(2026, 3, 2, 9, 30, 0)  # two days back
        with pytest.raises(DomainError, match="本机时钟为 2026-03-02 09:30，早于本站最近一次记录的时间 "
                                              "2026-03-04 09:00"):
            new_case(town, "李四")
        result = transfer.export_bundle(town, "331002", tmp_path / "up.zip")
        assert result.manifest["created_at"] == "2026-03-04T09:00:00"  # the events' clock, not the set-back one
        now.current = datetime(2026, 3, 4, 9, 5, 0)  # the county's clock is right
        assert transfer.import_bundle(county, tmp_path / "up.zip").report.new_events == own_seq(1)


def test_a_bundle_stating_a_time_before_its_events_is_refused(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        now.advance(days=1)
        new_case(town)
        transfer.export_bundle(town, "331002", tmp_path / "good.zip")
        stated = datetime(2026, 3, 2, 10, 0, 0)
        resign(tmp_path / "good.zip", tmp_path / "early.zip", town,
               manifest={"created_at": stated.isoformat(), "created_ms": int(stated.timestamp() * 1000)})
        before = store_state(county)
        with pytest.raises(DomainError, match="同步包中有事件的时间（2026-03-03 09:00:00）晚于同步包自己写的生成时间"
                                              "（2026-03-02 10:00:00）") as err:
            transfer.import_bundle(county, tmp_path / "early.zip")
        assert "331002001 的电脑时间被调回过" in str(err.value)
        assert store_state(county) == before
        # Within a few minutes is rounding, not backdating; without created_ms the text is read.
        close = datetime(2026, 3, 3, 8, 57, 0)
        resign(tmp_path / "good.zip", tmp_path / "close.zip", town,
               manifest={"created_at": close.isoformat(), "created_ms": None})
        assert transfer.import_bundle(county, tmp_path / "close.zip").report.new_events == own_seq(1)


def test_a_city_is_not_offered_as_a_peer_of_its_own(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002")) as d:
        assert [(c.code, direction) for c, direction in transfer.peers(d["331000"])] == [("331002", "down")]
        assert [(c.code, direction) for c, direction in transfer.peers(d["331002"])] == [("331000", "up")]


def test_a_new_key_is_installed_only_once_its_request_is_written(tmp_path: Path, now: FakeNow) -> None:
    from app.store import vault
    from app.sync.keys import RETIRED, load_key, raw_public

    with station_tree(tmp_path, now, ("331000", "331002")) as d:
        county = d["331002"]
        key = load_key(county.data_dir)
        assert key is not None
        before = raw_public(key)
        with pytest.raises(DomainError, match="是一个文件夹"):
            sync.enroll_request(county, tmp_path, new_key=True)  # a folder given as the file: nothing written
        assert raw_public(load_key(county.data_dir)) == before  # type: ignore[arg-type]
        assert vault.names(county.conn, RETIRED) == []
        assert not list(tmp_path.glob("*.part"))
        sync.enroll_request(county, tmp_path / "331002-new.req", new_key=True)
        assert raw_public(load_key(county.data_dir)) != before  # type: ignore[arg-type]
        assert len(vault.names(county.conn, f"{RETIRED}station-ed25519")) == 1  # the old key kept
