"""The bundle's workbook as a person and as LibreOffice see it: Chinese sheets and headers, every event, text that
stays text, and payloads longer than a cell."""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.case import Petitioner
from app.ops import sync_transfer as transfer
from app.ops.accounts import add_account
from app.sync.workbook import CELL_MAX, read_events
from tests.conftest import TEST_PASSWORD, FakeNow, make_draft, own_seq
from tests.sync_helpers import new_case, send, station_tree

LOSSLESS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def test_the_workbook_opens_in_libreoffice_with_every_event(tmp_path: Path, now: FakeNow) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice（soffice）未安装：installer/debian-deps.sh test 会安装")
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town = d["331002001"]
        # An account whose display name looks like a formula: it must stay text, never become one.
        add_account(town, "formula", "handler", TEST_PASSWORD, display="=1+1")
        town.sign_in("formula")
        case_id = new_case(town, "欧阳娜娜")
        town.record(case_id, "dispatch", {"units": ["镇农业农村办", "市农业农村局"], "note": "一事双交"})
        path = tmp_path / "up.zip"
        transfer.export_bundle(town, "331002", path)
        work = tmp_path / "saved"
        transfer.save_workbook(d["331002"], path, work / "data.xlsx")  # the receiver saves a readable copy
        with zipfile.ZipFile(path) as zf:
            assert zf.read("readme.txt").decode("utf-8-sig").startswith("信访工作台同步包")
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                        "--convert-to", LOSSLESS_CSV, "--outdir", str(work / "csv"), str(work / "data.xlsx")],
                       check=True, capture_output=True, timeout=180)
        sheets = {p.stem.split("-", 1)[1]: list(csv.reader(p.read_text("utf-8").splitlines()))
                  for p in (work / "csv").glob("*.csv")}
        assert set(sheets) == {"说明", "案件", "办理事件", "四定四包", "佐证材料清单"}
        events = sheets["办理事件"]
        assert events[0][:3] == ["事件编号", "案件编号", "来源站点"]
        stored = town.conn.execute("SELECT id, case_id, actor, payload, hash FROM events ORDER BY seq").fetchall()
        assert [(r[0], r[1], r[6], r[9], r[11]) for r in events[1:]] == [tuple(r) for r in stored]
        assert [r[6] for r in events[1:] if r[1] == case_id][0] == "=1+1（formula）"
        assert sheets["案件"][1][:3] == [case_id, "331002001", "欧阳娜娜"]
        assert ["发送站点", "331002001 新河镇信访办"] in sheets["说明"]


def test_a_payload_longer_than_a_cell_travels_whole(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        # A collective visit of 400 people, each with a long address: within every field's limit, yet longer
        # than two cells.
        people = [Petitioner(f"信访人{n}", "", "", "浙江省台州市椒江区新河镇" + "东岙村" * 55) for n in range(400)]
        case_id = town.register_case(make_draft(petitioners=people, head_count=400))
        town.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
        result = send(town, county, tmp_path / "long.zip")
        assert result.report.new_events == own_seq(2)
        assert county.events(case_id)[0].payload == town.events(case_id)[0].payload
        transfer.save_workbook(county, tmp_path / "long.zip", tmp_path / "data.xlsx")
        rows = list(read_events(tmp_path / "data.xlsx", own_seq(2)))
        assert len(next(r for r in rows if r[7] == "register")[8]) > 2 * CELL_MAX


@settings(max_examples=200, deadline=None)
@given(st.text(), st.dictionaries(st.text(), st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                                                          lambda inner: st.lists(inner, max_size=3), max_leaves=5)),
       st.integers(1, 10**9))
def test_the_fast_row_hash_is_the_event_hash(actor: str, payload: dict, seq: int) -> None:  # type: ignore[type-arg]
    from app.models.events import Event, sealed
    from app.store.eventlog import to_row
    from app.sync.apply import row_hash

    try:
        actor.encode("utf-8")
        canonical = to_row(Event("A:1", "A-2026-00001", "A", seq, "0" * 15 + ".00000", "2026", actor, "edit",
                                 payload))
        canonical[8].encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates cannot be hashed at all, so cannot be events
        return
    event = sealed(Event(f"A:{seq}", "A-2026-00001", "A", seq, "0" * 15 + ".00000", "2026", actor, "edit", payload))
    assert row_hash(to_row(event)) == event.hash  # type: ignore[arg-type]



_CELL = st.one_of(st.text(max_size=5), st.integers(-2, 3), st.floats(allow_nan=True), st.booleans(),
                  st.just("x" * (CELL_MAX + 1)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=3), min_size=11, max_size=15), st.one_of(st.integers(-1, 3), st.floats()),
       st.lists(st.tuples(st.integers(0, 15), _CELL), max_size=2))
def test_the_fast_row_reader_reads_a_row_as_the_checked_reader_does(
        texts: list[str], seq: object, changes: list[tuple[int, object]]) -> None:
    from app.models.errors import DomainError
    from app.sync.workbook import _fast_event, _parse_event

    row: list[object] = [*texts[:3], seq, *texts[3:]]
    for index, value in changes:
        if index < len(row):
            row[index] = value
    fast = _fast_event(row)
    try:
        checked = _parse_event(row, "第 2 行")
    except DomainError:
        assert fast is None  # a bad row is left to the checked reader, which names what is wrong
        return
    assert fast is None or repr(fast) == repr(checked)  # repr: 1.0 == 1, but a float seq is wrong


def test_the_fast_row_reader_takes_an_ordinary_row() -> None:
    from app.sync.workbook import _fast_event

    row = ["331002001:1", "331002001-2026-00001", "331002001", 1.0, "0" * 15 + ".00000", "2026-03-02T09:00:00",
           "张三", "register",
           "登记", '{"channel":"visit"}', "0" * 64, "1" * 64, "", ""]
    assert _fast_event(row) == ("331002001:1", "331002001-2026-00001", "331002001", 1, "0" * 15 + ".00000",
                                "2026-03-02T09:00:00",
                                "张三", "register", '{"channel":"visit"}', "0" * 64, "1" * 64)
    assert _fast_event([*row[:12], "续"]) is None  # a continued payload goes through the checked reader
