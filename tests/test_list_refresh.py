"""After a job changed cases on a big station, the window reads its whole list and its counts off the GUI thread:
the GUI thread reads the count and the first screenful only, and the rest arrives a moment later.

"Big" is lowered to a few cases here (``BACKGROUND_ROWS``, and the list's window of rows to two), so a station of
a few dozen cases takes the path a station of 100,000 takes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from app.demo import generate_demo
from app.ops.desk import Desk
from app.views import background_read, case_list_model, filters
from app.views.jobs import run_job
from tests.conftest import make_draft
from tests.gui_support import make_window


@pytest.fixture
def big(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, int | None]]:
    """Makes a dozen cases a big station; returns (on the GUI thread?, limit) of every read of the list's order."""
    monkeypatch.setattr(background_read, "BACKGROUND_ROWS", 5)
    monkeypatch.setattr(case_list_model, "BACKGROUND_ROWS", 5)
    monkeypatch.setattr(case_list_model, "WINDOW", 2)
    reads: list[tuple[bool, int | None]] = []
    real = case_list_model.case_numbers

    def case_numbers(*args: Any, limit: int | None = None, matching: int = 0) -> list[int]:
        reads.append((threading.current_thread() is threading.main_thread(), limit))
        return real(*args, limit=limit, matching=matching)

    def case_number_array(*args: Any) -> Any:
        reads.append((threading.current_thread() is threading.main_thread(), None))
        return real_array(*args)

    def distinct_values(conn: Any, column: str) -> list[str]:
        reads.append((threading.current_thread() is threading.main_thread(), -1))  # -1: the filters' choices
        return real_distinct(conn, column)

    real_array = case_list_model.case_number_array
    real_distinct = filters.distinct_values
    monkeypatch.setattr(case_list_model, "case_numbers", case_numbers)
    monkeypatch.setattr(case_list_model, "case_number_array", case_number_array)
    monkeypatch.setattr(filters, "distinct_values", distinct_values)
    return reads


def test_after_a_job_a_big_list_is_read_off_the_gui_thread(qtbot, desk: Desk, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                           big: list[tuple[bool, int | None]]) -> None:
    generate_demo(desk, 60, seed=3)  # two of its cases have a leader
    window = make_window(qtbot, desk)
    window.views.choose("all")
    qtbot.waitUntil(lambda: window.model.rowCount() == 60 and not window.model._order.pending, timeout=5000)
    open_before = window.counts.values["open"]
    big.clear()

    def work(own: Desk, say: Any) -> str:
        return own.register_case(make_draft(name="赵新来"))

    runner = run_job(desk, "导入台账", work, parent=window, kinds={"cases"})
    with qtbot.waitSignals([runner.done, window.model.refreshed, window.counts.counted], timeout=10000):
        pass
    assert window.model.rowCount() == 61
    ids = {window.model.case_id_at(row) for row in range(61)}
    assert len(ids) == 61 and None not in ids  # every row is there, past the first screenful too
    assert window.counts.values["open"] == open_before + 1
    assert window.counts.labels["open"].text() == f"在办 {open_before + 1}"
    qtbot.waitUntil(lambda: not window.filters._choices.pending, timeout=5000)
    leaders = [r[0] for r in desk.conn.execute("SELECT DISTINCT leader FROM cases WHERE leader != '' ORDER BY 1")]
    combo = window.filters.leader
    assert leaders and [combo.itemText(i) for i in range(1, combo.count())] == leaders
    on_gui = [limit for gui, limit in big if gui]
    assert on_gui and all(limit == 2 for limit in on_gui)  # the GUI thread read the first screenful only
    assert sorted(limit or 0 for gui, limit in big if not gui) == [-1, 0]  # the order and the leaders, once each


def test_a_late_background_read_is_dropped_for_a_newer_one(qtbot, desk: Desk,  # type: ignore[no-untyped-def]
                                                           big: list[tuple[bool, int | None]]) -> None:
    generate_demo(desk, 12, seed=3)
    window = make_window(qtbot, desk)
    window.views.choose("all")
    qtbot.waitUntil(lambda: window.model.rowCount() == 12 and not window.model._order.pending, timeout=5000)
    desk.register_case(make_draft(name="赵新来"))  # the list re-read, its order on the way
    window.model.complete(now=True)  # needed at once (a case to select): read here, the one on the way unused
    assert window.model.rowCount() == 13 and window.model.case_id_at(12) is not None
    for read in window.model._order.reads:
        read.result(10)
    with qtbot.assertNotEmitted(window.model.refreshed, wait=200):
        pass


def test_the_order_read_in_one_text_is_the_order_read_row_by_row(desk: Desk) -> None:
    from datetime import date

    from app.store.queries import SORT_SQL, CaseFilter, case_number_array, case_numbers

    generate_demo(desk, 30, seed=5)
    for sort in SORT_SQL:
        for descending in (True, False):
            expected = case_numbers(desk.conn, CaseFilter(), date(2026, 6, 1), sort, descending)
            assert list(case_number_array(desk.conn, CaseFilter(), date(2026, 6, 1), sort, descending)) == expected
    assert list(case_number_array(desk.conn, CaseFilter(text="没有这样的案件"), date(2026, 6, 1))) == []
