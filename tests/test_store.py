"""The station file: versions, append-only events, verification, evidence and search."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3

from app.models.errors import DomainError
from app.ops.desk import Desk
from app.store import schema
from app.store.db import DB_NAME, SchemaTooNew, open_database
from app.store.integrity import verify
from app.store.queries import CaseFilter, case_numbers, earlier_cases

from .conftest import FakeNow, make_draft, new_station, own_seq, reopen


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_new_file_is_at_the_latest_version_in_wal_mode(tmp_path: Path) -> None:
    db = open_database(tmp_path / DB_NAME)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_each_schema_step_runs_once_from_any_older_version(tmp_path: Path) -> None:
    for start in range(schema.LATEST_VERSION):
        path = tmp_path / f"v{start}.db"
        conn = sqlite3.connect(path, isolation_level=None)
        for step in schema.STEPS[:start]:
            step(conn)
        conn.execute(f"PRAGMA user_version = {start}")
        conn.close()
        db = open_database(path)
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION
        assert {"events", "cases", "case_fts"} <= set(db.table_names())
        db.conn.close()


def test_a_file_from_a_newer_program_is_refused_and_left_untouched(tmp_path: Path, now: FakeNow) -> None:
    desk = new_station(tmp_path, now=now)
    desk.register_case(make_draft())
    desk.conn.execute(f"PRAGMA user_version = {schema.LATEST_VERSION + 1}")
    desk.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    key = desk.master_key
    desk.close()
    before = sha(tmp_path / DB_NAME)
    files = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(SchemaTooNew, match="更新版本的程序创建.*请升级"):
        Desk(tmp_path, master_key=key)
    assert sha(tmp_path / DB_NAME) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # no -wal or -shm left beside it either


def test_a_file_that_is_not_a_database_gets_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DomainError, match="数据文件已损坏"):
        Desk(tmp_path)


def test_events_cannot_be_updated_or_deleted(desk: Desk) -> None:
    desk.register_case(make_draft())
    integrity_errors = (sqlite3.IntegrityError, sqlcipher3.dbapi2.IntegrityError)  # the sealed store's driver
    with pytest.raises(integrity_errors, match="append-only"):
        desk.conn.execute("UPDATE events SET actor = '某人'")
    with pytest.raises(integrity_errors, match="append-only"):
        desk.conn.execute("DELETE FROM events")


def test_verify_names_the_first_tampered_event(desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农办"]})
    assert verify(desk.conn, desk.limits, desk.blobs).ok
    desk.conn.execute("DROP TRIGGER events_append_only_update")
    dispatch = f"TZ01:{own_seq(2)}"
    desk.conn.execute("UPDATE events SET payload = replace(payload, '镇农办', '县农业局') WHERE id = ?", (dispatch,))
    report = verify(desk.conn, desk.limits, desk.blobs)
    assert not report.ok and dispatch in (report.problem or "")


def test_verify_catches_a_projection_edited_behind_the_log(desk: Desk) -> None:
    desk.register_case(make_draft())
    second = desk.register_case(make_draft())
    desk.conn.execute("UPDATE cases SET status = 'closed' WHERE case_id = ?", (second,))
    report = verify(desk.conn, desk.limits, desk.blobs)
    assert report.problem == (f"案件 {second} 在数据表 cases 中与事件记录重建的结果不一致（投影被改动或损坏），"
                              f"其最近的事件为 TZ01:{own_seq(2)}")


def test_verify_catches_an_event_removed_from_the_middle_or_the_end(desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    for kind, payload in [("dispatch", {"units": ["镇农办"]}), ("accept", {}), ("contact", {"note": "电话"})]:
        desk.record(case_id, kind, payload)
    desk.conn.execute("DROP TRIGGER events_append_only_delete")
    desk.conn.execute("DELETE FROM events WHERE id = 'TZ01:2'")
    desk.rebuild()  # the projections follow the shortened log, so only the hole shows what was done
    report = verify(desk.conn, desk.limits, desk.blobs)
    assert report.problem == "事件 TZ01:2：本站事件缺失（事件记录被删除）"
    # The tail: a peer confirmed holding event 4, and it is gone here.
    desk.conn.execute("INSERT INTO sync_acked (peer, origin, seq) VALUES ('TZ', 'TZ01', 4)")
    desk.conn.execute("DELETE FROM events WHERE seq >= 2")
    desk.rebuild()
    assert "对方已确认收到至第4号，本机只有1号" in (verify(desk.conn, desk.limits, desk.blobs).problem or "")


def test_verify_catches_a_search_text_or_index_changed_behind_the_log(desk: Desk) -> None:
    case_id = desk.register_case(make_draft(name="姜敏"))
    desk.conn.execute("UPDATE case_text SET body = ''")
    assert f"案件 {case_id} 在数据表 case_text 中" in (verify(desk.conn, desk.limits, desk.blobs).problem or "")
    desk.rebuild()
    assert verify(desk.conn, desk.limits, desk.blobs).ok
    desk.conn.execute("INSERT INTO case_fts (case_fts) VALUES ('delete-all')")
    assert "全文搜索索引" in (verify(desk.conn, desk.limits, desk.blobs).problem or "")


def test_evidence_is_stored_by_content_and_verified_on_read(desk: Desk, tmp_path: Path) -> None:
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(b"\xff\xd8 photo bytes" * 1000)
    case_id = desk.register_case(make_draft())
    for kind, payload in [("dispatch", {"units": ["镇农办"]}), ("accept", {}), ("contact", {"note": "电话"})]:
        desk.record(case_id, kind, payload)
    desk.handle(case_id, "现场拍照", [photo])
    item = desk.case(case_id).steps[-1].evidence[0]
    assert item == {"sha256": sha(photo), "name": "现场.jpg", "kind": "photo", "size": photo.stat().st_size}
    copy = desk.blobs.export_to(item["sha256"], tmp_path / "copy.jpg")
    assert copy.read_bytes() == photo.read_bytes()
    desk.blobs.path(item["sha256"]).write_bytes(b"changed")
    with pytest.raises(DomainError, match="已损坏"):
        desk.blobs.export_to(item["sha256"], tmp_path / "copy2.jpg")
    assert not (tmp_path / "copy2.jpg").exists()
    assert "已损坏" in (verify(desk.conn, desk.limits, desk.blobs).problem or "")


def test_half_copied_evidence_left_by_a_killed_program_is_removed_at_the_next_start(tmp_path: Path) -> None:
    import os
    import time

    desk = Desk(tmp_path)
    desk.blobs.root.mkdir(parents=True)
    stale, fresh = desk.blobs.root / ".incoming-abc123", desk.blobs.root / ".incoming-def456"
    for partial in (stale, fresh):
        partial.write_bytes(b"half a video")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    desk.close()
    Desk(tmp_path).close()
    assert not stale.exists()
    assert fresh.exists(), "a copy another window may be making now is left alone"


def test_large_evidence_streams_in_chunks(desk: Desk, tmp_path: Path) -> None:
    import io

    class Source(io.RawIOBase):
        """40 MB of data that exists only chunk by chunk."""

        def __init__(self) -> None:
            self.left, self.biggest = 40 << 20, 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            self.biggest = max(self.biggest, size)
            n = min(size, self.left)
            self.left -= n
            return b"v" * n

    source = Source()
    digest, size = desk.blobs.put_stream(source)  # type: ignore[arg-type]
    assert size == 40 << 20 and source.biggest <= 1 << 20
    assert digest == hashlib.sha256(b"v" * (40 << 20)).hexdigest()


def test_a_missing_evidence_file_is_refused_before_anything_is_written(desk: Desk, tmp_path: Path) -> None:
    case_id = desk.register_case(make_draft())
    with pytest.raises(DomainError, match="找不到文件"):
        desk.attach(case_id, [tmp_path / "nope.jpg"])
    assert len(desk.events(case_id)) == 1


def test_a_full_disk_loses_nothing_and_says_so(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = desk.register_case(make_draft())
    from app.store import eventlog

    def disk_full(*args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(eventlog, "append", disk_full)
    with pytest.raises(DomainError, match="磁盘空间已满"):
        desk.record(case_id, "dispatch", {"units": ["镇农办"]})
    monkeypatch.undo()
    assert [e.kind for e in desk.events(case_id)] == ["register"]
    assert desk.case(case_id).status == "registered"
    assert verify(desk.conn, desk.limits).ok


def test_search_finds_two_character_and_longer_terms(desk: Desk) -> None:
    desk.register_case(make_draft(name="王小明", request_summary="东岙村道路破损"))
    desk.register_case(make_draft(name="李秀英", id_number="", phone="0576-88123456", village="前王村",
                                  request_summary="化工厂排放异味"))
    today = desk.today()

    def found(text: str) -> list[int]:
        return sorted(case_numbers(desk.conn, CaseFilter(text=text), today))

    assert found("小明") == [1]
    assert found("王") == [1, 2]  # a surname, and 前王村
    assert found("排放异味") == [2]
    assert found("88123456") == [2]
    assert found("11010519491231002X") == [1]
    assert found("TZ01-2026-00002") == [2]
    assert found("化工厂 前王") == [2]
    assert found("100%") == []


def test_earlier_cases_of_the_same_person_are_found(desk: Desk) -> None:
    first = desk.register_case(make_draft())
    desk.register_case(make_draft(name="张三", id_number="", phone="13900001111"))
    assert [c["case_id"] for c in earlier_cases(desk.conn, "11010519491231002X", "", "")] == [first]
    assert len(earlier_cases(desk.conn, "", "张三", "13900001111")) == 1
    assert earlier_cases(desk.conn, "", "张三", "") == []


def test_starting_the_clock_reads_the_hlc_index_not_every_event(desk: Desk) -> None:
    desk.register_case(make_draft())
    plan = " ".join(str(r) for r in desk.conn.execute("EXPLAIN QUERY PLAN SELECT max(hlc) FROM events"))
    assert "events_hlc" in plan


def test_a_settings_change_that_fails_half_way_is_not_kept(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.models.deadlines import TimeLimits
    from app.store import projection

    def broken(*args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(projection, "recompute_deadlines", broken)
    with pytest.raises(DomainError, match="磁盘空间已满"):
        desk.set_limits(TimeLimits(handle_days=30))
    assert desk.limits.handle_days == 60
    assert reopen(desk).limits.handle_days == 60
