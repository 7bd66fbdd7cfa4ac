"""Schema step 3 (sync tables): a file from before it is upgraded; a file from a newer program is refused untouched."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops.desk import Desk
from app.store import schema
from app.store.db import DB_NAME, SchemaTooNew
from app.store.integrity import verify
from tests.conftest import FakeNow, make_draft, new_station, raw_connection

SYNC_TABLES = ("sync_certificates", "sync_revocations", "sync_trust", "sync_acked", "sync_coverage", "sync_log")


def _step_of_sync() -> int:
    return [step.__name__ for step in schema.STEPS].index("_v3") + 1


def test_a_file_from_before_the_sync_tables_is_upgraded(tmp_path: Path, now: FakeNow) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    conn = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    before = _step_of_sync() - 1
    for step in schema.STEPS[:before]:  # exactly what the program before the sync tables wrote
        step(conn)
    conn.execute(f"PRAGMA user_version = {before}")
    conn.close()
    reopened = Desk(folder, now=now)
    try:
        assert reopened.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION
        tables = {r[0] for r in reopened.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert set(SYNC_TABLES) <= tables
        reopened.close()
        reopened = new_station(folder, now=now)  # accounts given to the upgraded file, as `init --admin` does
        case_id = reopened.register_case(make_draft())
        assert reopened.case(case_id).request_summary == make_draft().request_summary
        assert verify(reopened.conn, reopened.limits, reopened.blobs).ok
        from app.ops import sync_transfer

        with pytest.raises(DomainError, match="尚未安装上级签发的证书"):
            sync_transfer.export_bundle(reopened, "TZJJ", folder / "x.zip")
    finally:
        reopened.close()


def test_a_file_from_a_newer_program_is_refused_untouched(desk: Desk) -> None:
    path, key = desk.data_dir / DB_NAME, desk.master_key
    desk.close()
    conn = raw_connection(desk.data_dir)
    conn.execute(f"PRAGMA user_version = {schema.LATEST_VERSION + 1}")
    conn.commit()
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(SchemaTooNew, match="更新版本的程序"):
        Desk(Path(desk.data_dir), master_key=key)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
