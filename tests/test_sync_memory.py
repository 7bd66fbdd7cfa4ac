"""Memory stays bounded however large the station (issue: a township's whole history within 300 MB, measured by
bench/bench_township.py). Two things grew with the history and are held here: the store's page cache during an
export or import (the window's cache would let them keep a quarter of a gigabyte of pages), and the import's
record of the event ids it met (a set of a million id strings)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.ops import sync_transfer as transfer
from app.store.db import BULK_CACHE_KIB, CACHE_KIB
from app.sync.apply import SeenIds
from tests.conftest import FakeNow
from tests.sync_helpers import new_case, station_tree


def _cache_kib(conn: object) -> int:
    return -int(conn.execute("PRAGMA cache_size").fetchone()[0])  # type: ignore[attr-defined]


def test_an_export_and_an_import_keep_a_small_page_cache_then_give_the_window_its_own(tmp_path: Path,
                                                                                      now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        case_id = new_case(town)
        assert _cache_kib(town.conn) == _cache_kib(county.conn) == CACHE_KIB
        during: list[int] = []
        transfer.export_bundle(town, "331002", tmp_path / "up.zip",
                               progress=lambda *_a: during.append(_cache_kib(town.conn)))
        # The import's first word (读取同步包) comes before it takes the sync lock: not yet its work.
        transfer.import_bundle(county, tmp_path / "up.zip", progress=lambda stage, *_a: stage == "读取同步包"
                               or during.append(_cache_kib(county.conn)))  # type: ignore[func-returns-value]
        assert len(during) > 4 and set(during) == {BULK_CACHE_KIB} and BULK_CACHE_KIB < CACHE_KIB
        assert _cache_kib(town.conn) == _cache_kib(county.conn) == CACHE_KIB
        assert county.case(case_id).request_summary == town.case(case_id).request_summary


_ROW_TAIL = ("", "", "", "", "", "", "")
# Mostly the usual origin:seq of the row; sometimes another id: odd, of another row, not a number as written.
_ODD_IDS = ["", "", "", "", "x", "331002001:1", "331002001:01", ":3", "331002:3", "331002001:"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["331002001", "331002", "33100200102"]), st.integers(1, 40),
                          st.sampled_from(_ODD_IDS)), max_size=120))
def test_the_ids_met_are_told_apart_exactly_as_a_set_of_them_would(rows: list[tuple[str, int, str]]) -> None:
    """In order, out of order, repeated, and ids not of the usual ``origin:seq`` form (refused later, but first
    told apart as they are): ``SeenIds`` answers as a plain set of id strings does."""
    seen, plain = SeenIds(), set()
    for origin, seq, odd in rows:
        event_id = odd or f"{origin}:{seq}"
        row = (event_id, "", origin, seq, *_ROW_TAIL)
        assert seen.add(row) == (event_id not in plain), (event_id, rows)  # type: ignore[arg-type]
        plain.add(event_id)


def test_a_whole_history_in_order_keeps_one_run_per_station() -> None:
    seen = SeenIds()
    for origin in ("331002001", "33100200102"):
        for seq in range(1, 100_001):
            assert seen.add((f"{origin}:{seq}", "", origin, seq, *_ROW_TAIL))  # type: ignore[arg-type]
    assert seen.runs == {"331002001": (1, 100_000), "33100200102": (1, 100_000)} and not seen.others
    assert not seen.add(("331002001:5", "", "331002001", 5, *_ROW_TAIL))  # type: ignore[arg-type]
