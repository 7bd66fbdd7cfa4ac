"""History no one can rewrite unseen: whoever holds a store without the station's key may drop the append-only
triggers, change an old event (a petitioner's ID number, who registered the case) and hash the chain again; verify
still names the event, here and at the county that holds a copy, and a bundle carrying it is refused."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli.main import main
from app.models.errors import DomainError
from app.models.events import Event
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.ops.station_setup import SETUP_EVENTS
from app.store import eventlog
from app.store.integrity import verify
from app.store.signatures import Checkpoint
from tests.conftest import FakeNow, make_draft, own_seq
from tests.sync_helpers import STATIONS, import_refused, new_case, resign, send, station_tree

OTHER_ID = "33020319850715001X"
CITY, COUNTY, TOWN, TOWN2 = (s[0] for s in STATIONS)
Change = Callable[[Event], Event]


def drop_triggers(desk: Desk) -> None:
    for table in ("events", "checkpoints"):
        for action in ("update", "delete"):
            desk.conn.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{action}")


def rewrite(desk: Desk, event_id: str, change: Change) -> None:
    """What an attacker does with the file: change one event, then hash every later event of its station again so
    that every link holds, and rebuild the tables so they show the changed record."""
    drop_triggers(desk)
    origin = event_id.split(":", maxsplit=1)[0]
    rows = desk.conn.execute("SELECT id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash "
                             "FROM events WHERE origin = ? ORDER BY seq", (origin,)).fetchall()
    previous = None
    for row in rows:
        event = eventlog.from_row(row)
        if event.id == event_id:
            event = change(event)
        if previous is not None and event.seq == previous.seq + 1:
            event.prev_hash = previous.hash
        event.hash = event.compute_hash()
        desk.conn.execute("UPDATE events SET payload = ?, actor = ?, prev_hash = ?, hash = ? WHERE id = ?",
                          (eventlog.to_row(event)[8], event.actor, event.prev_hash, event.hash, event.id))
        previous = event
    desk.rebuild()


def other_id_number(event: Event) -> Event:
    event.payload["petitioners"][0]["id_number"] = OTHER_ID
    return event


def other_actor(event: Event) -> Event:
    event.actor = "县委书记王某"
    return event


def busy(desk: Desk) -> list[str]:
    """Three cases, each step its own operation."""
    ids = [new_case(desk, name) for name in ("王小明", "李秀英", "张三")]
    desk.record(ids[0], "dispatch", {"units": ["镇农业农村办"]})
    desk.record(ids[0], "accept", {})
    desk.record(ids[1], "dispatch", {"units": ["镇城建办"]})
    return ids


def problem(desk: Desk) -> str:
    report = verify(desk.conn, desk.limits, desk.blobs, own_public=desk.public_key())
    assert not report.ok
    return str(report.problem)


def test_an_untouched_store_verifies_with_one_checkpoint_per_operation(desk: Desk) -> None:
    busy(desk)
    assert verify(desk.conn, desk.limits, desk.blobs, own_public=desk.public_key()).ok
    signed = [r[0] for r in desk.conn.execute("SELECT seq FROM checkpoints WHERE origin = 'TZ01' ORDER BY seq")]
    assert signed == [SETUP_EVENTS, *(own_seq(n) for n in range(1, 7))]  # the set-up's, then one per operation


@pytest.mark.parametrize("change", [other_id_number, other_actor], ids=["id-number", "registering-actor"])
def test_a_rewritten_and_rehashed_event_is_named_by_verify(desk: Desk, change: Change,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    busy(desk)
    rewrite(desk, f"TZ01:{own_seq(2)}", change)
    assert eventlog.check_chains(desk.conn) is None  # the chain itself holds: only the signature shows it
    assert f"事件 TZ01:{own_seq(2)}：内容与来源站点 TZ01 签名时不同" in problem(desk)
    folder = desk.data_dir
    desk.close()
    assert main(["--data-dir", str(folder), "verify"]) == 1
    assert f"事件 TZ01:{own_seq(2)}：内容与来源站点 TZ01 签名时不同" in capsys.readouterr().err


def test_deleting_the_checkpoints_too_is_caught(desk: Desk) -> None:
    busy(desk)
    rewrite(desk, f"TZ01:{own_seq(1)}", other_id_number)
    desk.conn.execute("DELETE FROM checkpoints")
    assert "没有来源站点 TZ01 签名的检查点" in problem(desk)


def test_a_forged_checkpoint_is_caught(desk: Desk) -> None:
    busy(desk)
    rewrite(desk, f"TZ01:{own_seq(6)}", other_actor)
    drop_triggers(desk)
    head = desk.conn.execute("SELECT hash FROM events WHERE id = ?", (f"TZ01:{own_seq(6)}",)).fetchone()[0]
    desk.conn.execute("UPDATE checkpoints SET hash = ? WHERE seq = ?", (head, own_seq(6)))
    assert f"TZ01:{own_seq(6)}" in problem(desk) and "签名不正确" in problem(desk)


def test_the_next_operation_refuses_to_sign_over_a_rewritten_history(desk: Desk) -> None:
    ids = busy(desk)
    rewrite(desk, f"TZ01:{own_seq(1)}", other_id_number)
    with pytest.raises(DomainError, match="与签名不符"):
        desk.record(ids[2], "dispatch", {"units": ["镇城建办"]})
    assert desk.conn.execute("SELECT max(seq) FROM events").fetchone()[0] == own_seq(6)  # nothing written
    assert f"事件 TZ01:{own_seq(1)}" in problem(desk)


def test_the_county_holding_a_copy_names_the_rewritten_event(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, (CITY, COUNTY, TOWN)) as desks:
        town, county = desks[TOWN], desks[COUNTY]
        busy(town)
        send(town, county, tmp_path / "up.zip")
        assert verify(county.conn, county.limits, county.blobs, own_public=county.public_key()).ok
        rewrite(county, f"{TOWN}:{own_seq(1)}", other_id_number)
        assert f"事件 {TOWN}:{own_seq(1)}：内容与来源站点 {TOWN} 签名时不同" in problem(county)
        # The same rewrite at the township is caught there, and the county's copy refuses its next file.
        rewrite(town, f"{TOWN}:{own_seq(1)}", other_id_number)
        assert f"事件 {TOWN}:{own_seq(1)}" in problem(town)
        path = tmp_path / "again.zip"
        transfer.export_bundle(town, COUNTY, path)
        assert f"{TOWN}:{own_seq(1)}" in import_refused(county, path)


def test_a_bundle_carrying_a_rewritten_event_is_refused(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, (CITY, COUNTY, TOWN)) as desks:
        town, county = desks[TOWN], desks[COUNTY]
        busy(town)
        rewrite(town, f"{TOWN}:{own_seq(2)}", other_actor)
        path = tmp_path / "up.zip"
        transfer.export_bundle(town, COUNTY, path)
        assert f"事件 {TOWN}:{own_seq(2)}：内容与来源站点 {TOWN} 签名时不同" in import_refused(county, path)
        # Without its checkpoints the file proves nothing, even re-signed with the township's real key.
        bare = tmp_path / "bare.zip"
        resign(path, bare, town, drop=("checkpoints.jsonl",))
        assert f"没有来源站点 {TOWN} 签名的检查点" in import_refused(county, bare)


def test_a_checkpoint_signed_by_another_key_is_refused(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, (CITY, COUNTY, TOWN)) as desks:
        town, county = desks[TOWN], desks[COUNTY]
        busy(town)
        path = tmp_path / "up.zip"
        transfer.export_bundle(town, COUNTY, path)
        with zipfile.ZipFile(path) as zf:
            lines = [Checkpoint(*json.loads(line)) for line in zf.read("checkpoints.jsonl").splitlines()]
        from app.store.signatures import sign
        from app.sync import keys

        forged = [sign(keys.new_key(), c.origin, c.seq, c.hash) for c in lines]
        data = b"".join(json.dumps(list(c.row())).encode() + b"\n" for c in forged)
        changed = tmp_path / "forged.zip"
        resign(path, changed, town, replace={"checkpoints.jsonl": data})
        assert "签名不正确" in import_refused(county, changed) or "没有来源站点" in import_refused(county, changed)


def test_events_from_above_travel_with_their_own_signatures(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now) as desks:
        town, county, other = desks[TOWN], desks[COUNTY], desks[TOWN2]
        mine = new_case(town)
        send(town, county, tmp_path / "1.zip")
        other.register_case(make_draft(name="赵六"))
        send(other, county, tmp_path / "2.zip")
        county.set_leader(mine, "陈建平（副县长）")
        county.set_backlog(mine, True)
        send(county, town, tmp_path / "down.zip")  # the county's events on TZ01's case, with gaps between them
        assert verify(town.conn, town.limits, town.blobs, own_public=town.public_key()).ok
        held = [r[0] for r in town.conn.execute("SELECT id FROM events WHERE origin = ? ORDER BY seq", (COUNTY,))]
        assert len(held) == 2
        rewrite(town, held[0], lambda e: Event(e.id, e.case_id, e.origin, e.seq, e.hlc, e.at, e.actor, e.kind,
                                              {**e.payload, "leader": "冒名领导"}, e.prev_hash))
        assert f"事件 {held[0]}：内容与来源站点 {COUNTY} 签名时不同" in problem(town)
