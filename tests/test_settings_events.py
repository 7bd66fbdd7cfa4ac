"""Settings that change what the tables show are events: a rebuild gives the same tables, verify proves the
settings, an older file's settings become events, and one station's settings never set another's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.models.deadlines import TimeLimits
from app.models.settings import SETTING_KIND
from app.ops.desk import Desk
from app.store import schema
from app.store.db import DB_NAME
from app.store.integrity import verify
from app.store.projection import fingerprint
from tests.conftest import FakeNow, make_draft, own_seq
from tests.sync_helpers import STATIONS, send, station_tree

CITY, COUNTY, TOWN = (s[0] for s in STATIONS[:3])


def setting_events(desk: Desk) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in desk.conn.execute(
        "SELECT json_extract(payload, '$.key'), actor FROM events WHERE kind = ? ORDER BY seq", (SETTING_KIND,))]


def drop_triggers(desk: Desk) -> None:
    desk.conn.execute("DROP TRIGGER events_append_only_update")
    desk.conn.execute("DROP TRIGGER events_append_only_delete")


def test_each_change_is_an_event_with_who_made_it(desk: Desk) -> None:
    desk.set_limits(TimeLimits(handle_days=30, holidays=("2026-10-01",)))
    desk.set_domains(["城乡建设", "其他"])
    desk.set_station_name("新河镇信访工作站")
    assert setting_events(desk) == [("limits", "张丽"), ("domains", "张丽"), ("station_name", "张丽")]
    assert desk.require_station().name == "新河镇信访工作站"
    assert desk.require_station().code == "TZ01"


def test_a_rebuild_gives_the_settings_and_the_lights_back(desk: Desk, now: FakeNow) -> None:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "accept", {})
    desk.set_limits(TimeLimits(handle_days=10, yellow_days=5))
    desk.set_domains(["城乡建设", "其他"])
    before = fingerprint(desk.conn)
    deadline = desk.conn.execute("SELECT deadline FROM cases").fetchone()[0]
    # Someone edits the settings table by hand: the tables no longer follow the record…
    desk.conn.execute("UPDATE settings SET value = '{}' WHERE key = 'limits'")
    desk.conn.execute("DELETE FROM settings WHERE key = 'domains'")
    desk._settings_cache.clear()
    report = verify(desk.conn, desk.limits)
    assert not report.ok and "本站设置“领域列表”与事件记录不一致" in str(report.problem)
    # …and a rebuild puts back what the events say.
    desk.rebuild()
    assert desk.limits.handle_days == 10 and desk.domains == ("城乡建设", "其他")
    assert fingerprint(desk.conn) == before
    assert desk.conn.execute("SELECT deadline FROM cases").fetchone()[0] == deadline
    assert verify(desk.conn, desk.limits).ok


def test_a_rewritten_setting_event_is_caught(desk: Desk) -> None:
    desk.set_limits(TimeLimits(handle_days=10))
    drop_triggers(desk)
    desk.conn.execute("UPDATE events SET payload = json_set(payload, '$.value.handle_days', 90) WHERE kind = ?",
                      (SETTING_KIND,))
    report = verify(desk.conn, desk.limits)
    assert not report.ok and f"TZ01:{own_seq(1)}" in str(report.problem)


def test_an_older_file_keeps_its_settings_as_events(tmp_path: Path, now: FakeNow) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    conn = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    for step in schema.STEPS[:6]:
        step(conn)
    conn.execute("PRAGMA user_version = 6")
    conn.execute("INSERT INTO settings VALUES ('station', ?)",
                 ('{"code": "TZ01", "name": "新河镇", "level": "township"}',))
    conn.execute("""INSERT INTO settings VALUES ('limits', '{"handle_days": 20}')""")
    conn.execute("""INSERT INTO settings VALUES ('domains', '["教育", "其他"]')""")
    conn.close()
    desk = Desk(folder, now=now)
    try:
        assert [k for k, _ in setting_events(desk)] == ["domains", "limits"]
        assert desk.limits.handle_days == 20 and desk.domains == ("教育", "其他")
        assert verify(desk.conn, desk.limits).ok
        desk.rebuild()
        assert desk.limits.handle_days == 20 and desk.domains == ("教育", "其他")
    finally:
        desk.close()


def test_a_townships_settings_travel_up_but_never_set_the_countys(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, (CITY, COUNTY, TOWN)) as desks:
        town, county = desks[TOWN], desks[COUNTY]
        town.set_limits(TimeLimits(handle_days=7))
        town.set_domains(["教育", "农业农村", "其他"])
        town.register_case(make_draft())
        send(town, county, tmp_path / "up.zip")
        assert county.conn.execute("SELECT count(*) FROM events WHERE kind = ? AND origin = ?",
                                   (SETTING_KIND, TOWN)).fetchone()[0] == 2
        assert county.limits.handle_days == 60 and "教育" != county.domains[0]
        county.rebuild()
        assert county.limits.handle_days == 60
        assert verify(county.conn, county.limits).ok
