"""An event written by an older version, before input was bounded — a control character in its actor, a payload of
more than a megabyte — still travels: export writes it, the receiver reads back exactly the text that was stored,
its hash and its station's signature still hold, and ``verify`` passes at both ends."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.events import Event, sealed
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.ops.station_setup import SETUP_EVENTS
from app.store import eventlog, signatures
from app.store.db import transaction
from app.store.integrity import verify
from app.sync import keys
from app.sync.workbook import CELL_MAX, MAX_CONTINUATION, read_events, write_workbook
from tests.conftest import FakeNow, reopen
from tests.sync_helpers import Row, as_earlier_version, new_case, station_tree

TOWN, COUNTY = "331002001", "331002"
OLD_CLOCK = "001764547200000.00000"  # 2025-12-01, before input was bounded
# What a cell cannot hold as it is, and what a reader would take for an escape.
HOSTILE = "王\x07某\r\n\x00\x1b\x0b\x0c_x0041_ _x005F_ _xD800_ \ufffe\uffff \t😀 =1+1"


def _round_trip(tmp_path: Path, rows: list[Row]) -> list[Row]:
    book = tmp_path / "data.xlsx"
    write_workbook(book, [("说明", "测试")], [], rows, len(rows), max(len(r[8]) for r in rows), [], [])
    return list(read_events(book, len(rows)))


def _row(seq: int, actor: str, payload: str) -> Row:
    return (f"A:{seq}", "", "A", seq, OLD_CLOCK, "2025-12-01T09:00:00", actor, "note", payload, "0" * 64, "1" * 64)


def test_every_text_and_a_payload_past_32_cells_come_back_exactly(tmp_path: Path) -> None:
    """The escapes themselves at every cut between cells: a payload made only of them, longer than a row holds."""
    crowded = json.dumps({"note": "_x0041_\x07" * (CELL_MAX * (MAX_CONTINUATION + 3) // 8)}, ensure_ascii=False)
    plain = json.dumps({"note": "诉" * (CELL_MAX * (MAX_CONTINUATION + 1) * 2 + 5)}, ensure_ascii=False)
    rows = [_row(1, HOSTILE, json.dumps({"note": HOSTILE}, ensure_ascii=False)), _row(2, "张丽", crowded),
            _row(3, "_x0041_", plain), _row(4, "李四", "{}")]
    assert _round_trip(tmp_path, rows) == rows


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
       st.text(st.characters(exclude_categories=("Cs",)), max_size=40))
def test_any_stored_text_comes_back_exactly(tmp_path_factory: object, actor: str, note: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        rows = [_row(1, actor, json.dumps({"note": note}, ensure_ascii=False)), _row(2, "x", "{}")]
        assert _round_trip(Path(tmp), rows) == rows


def _forge_old_events(town: Desk, case_id: str, request: str) -> list[str]:
    """What an older version wrote and signed: a case registered with a request of ``len(request)`` characters
    and a step recorded by a handler whose name held control characters (raw SQL, as no operation writes them
    now), the tables projected from them and the station's checkpoint over them."""
    register = town.events(case_id)[0]
    payload = {**register.payload, "request_summary": request}
    old_case = f"{TOWN}-2025-00001"
    seq, previous = eventlog.head(town.conn, TOWN)
    forged = []
    for kind, case, body, actor in (("register", old_case, payload, "老版本经办人"),
                                    ("dispatch", old_case, {"units": ["镇农业农村办"], "note": HOSTILE}, HOSTILE)):
        seq += 1
        event = sealed(Event(f"{TOWN}:{seq}", case, TOWN, seq, OLD_CLOCK, "2025-12-01T09:00:00", actor, kind, body,
                             previous))
        forged.append(event)
        previous = event.hash
    key = keys.load_key(town.data_dir)
    assert key is not None
    with transaction(town.conn) as conn:
        eventlog.append(conn, forged)
        signatures.sign_new(conn, TOWN, forged[0].seq - 1, key)
    town.rebuild()
    return [e.id for e in forged]


def _stored(desk: Desk, ids: list[str]) -> list[tuple[object, ...]]:
    marks = ",".join("?" * len(ids))
    return desk.conn.execute(f"SELECT id, actor, payload, hash FROM events WHERE id IN ({marks}) ORDER BY id",
                             ids).fetchall()


def test_an_old_event_with_a_control_character_and_a_huge_payload_exports_and_verifies(
        tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", COUNTY, TOWN)) as tree:
        town, county = tree[TOWN], tree[COUNTY]
        as_earlier_version(town)  # the events below were written before its upgrade
        request = "东岙村道路破损_x0041_" * 90_000  # 1.5 M characters: 46 cells, two rows
        ids = _forge_old_events(town, new_case(town), request)
        town.close()
        tree[TOWN] = town = reopen(town)  # this version's first login: the upgrade mark after them
        assert verify(town.conn, town.limits, town.blobs, own_public=town.public_key()).ok
        path = tmp_path / "up.zip"
        transfer.export_bundle(town, COUNTY, path)
        result = transfer.import_bundle(county, path)
        assert result.report.new_events == 3 + SETUP_EVENTS
        assert _stored(county, ids) == _stored(town, ids)
        assert county.case(f"{TOWN}-2025-00001").request_summary == request
        report = verify(county.conn, county.limits, county.blobs, own_public=county.public_key())
        assert report.ok, report.problem
