"""A station file written by each earlier version of the schema (tests/data/old-stores, made by the program at
that version) opens with today's program, is upgraded in place, passes ``verify``, and keeps every event and case."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.cli.main import main
from app.ops.outputs import audit
from app.store.db import DB_NAME
from app.store.schema import LATEST_VERSION
from tests.conftest import login, make_draft, new_station

OLD = Path(__file__).resolve().parent / "data" / "old-stores"
def version_of(store: Path) -> int:
    return int(store.stem.rsplit("v", 1)[1])


STORES = sorted(OLD.glob("schema-v*.db"), key=version_of)  # by number: v10 after v9


def read(path: Path) -> tuple[int, list[tuple[str, str]], list[str]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return (int(conn.execute("PRAGMA user_version").fetchone()[0]),
                conn.execute("SELECT id, hash FROM events ORDER BY id").fetchall(),
                [r[0] for r in conn.execute("SELECT case_id FROM cases ORDER BY case_id")])
    finally:
        conn.close()


def test_there_is_a_store_of_every_earlier_version() -> None:
    assert [version_of(s) for s in STORES] == list(range(1, LATEST_VERSION)), (
        "add the store of the version before the new schema step (tests/data/old-stores/README.md)")
    for store in STORES:
        assert read(store)[0] == version_of(store)  # written by the program at that version, untouched since


@pytest.mark.parametrize("store", STORES, ids=lambda s: s.stem)
def test_an_earlier_store_opens_upgrades_and_verifies(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "station"
    folder.mkdir()
    shutil.copyfile(store, folder / DB_NAME)
    shutil.copytree(OLD / "blobs", folder / "blobs")
    own_blobs = OLD / f"blobs-v{version_of(store)}"  # sealed evidence (version 8 on) is the station's own
    if own_blobs.is_dir():
        shutil.copytree(own_blobs, folder / "blobs", dirs_exist_ok=True)
    _, events, cases = read(folder / DB_NAME)
    assert events and cases

    sealed = OLD / f"sealed-v{version_of(store)}"  # from version 10 on the program seals its store
    if sealed.is_dir():  # the store as written, with its keyring; opened by its demo account
        shutil.copytree(sealed, folder, dirs_exist_ok=True)
        desk = login(folder, "demo", "demo1234")
        monkeypatch.setenv("PETITION_DESK_USER", "demo")
        monkeypatch.setenv("PETITION_DESK_PASSWORD", "demo1234")
    else:
        # A station from before accounts gets its first admin as a person would (the setup dialog or init
        # --admin); its plain store is sealed with the new master key as it opens.
        desk = new_station(folder, "DEMO", "示范镇信访办（演示）", "township")
    try:
        assert int(desk.conn.execute("PRAGMA user_version").fetchone()[0]) == LATEST_VERSION
        held = dict(desk.conn.execute("SELECT id, hash FROM events").fetchall())
        assert all(held.get(event_id) == digest for event_id, digest in events)  # every event, unchanged
        assert [r[0] for r in desk.conn.execute("SELECT case_id FROM cases ORDER BY case_id")] == cases
        # Its chain now holds the upgrade mark (app.ops.station_setup) and its first admin as an account event,
        # listed by the audit: no longer a setting.
        admin = desk.account.name if desk.account else ""
        opening = desk.conn.execute("SELECT kind, json_extract(payload, '$.account') FROM events WHERE case_id = '' "
                                    "AND origin = 'DEMO' AND kind IN ('upgrade', 'account') ORDER BY seq").fetchall()
        assert opening[:2] == [("upgrade", None), ("account", admin)]
        assert desk.setting("first_admin") is None and desk.accounts()[admin].role == "admin"
        assert [e.text for e in audit(desk) if e.kind == "account"][0] == f"设置站点并新建第一个管理员：{admin}"
        new = desk.register_case(make_draft())  # the upgraded station goes on working
        assert new.startswith("DEMO-") and new not in cases
    finally:
        desk.close()
    assert main(["--data-dir", str(folder), "verify"]) == 0, capsys.readouterr().err
