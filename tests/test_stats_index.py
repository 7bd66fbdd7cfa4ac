"""Schema step 6: the figures by domain and by township read a covering index in group order (no sort of
every case, no lookup into the table), in new files and in files upgraded from version 5."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from app.ops.desk import Desk
from app.reports import figures
from app.store import schema
from app.store.db import DB_NAME, open_database
from tests.conftest import FakeNow, make_draft, new_station


def _plan(conn: sqlite3.Connection, by: str | None) -> str:
    """The query plan of the figures' own SQL for this grouping."""
    seen: list[tuple[str, object]] = []

    class Spy:
        def execute(self, sql: str, params: object = ()) -> sqlite3.Cursor:
            seen.append((sql, params))
            return conn.execute(sql, params)  # type: ignore[arg-type]

    figures.compute_figures(Spy(), date_from=None, date_to=None, by=by, today=date(2026, 3, 1))  # type: ignore[arg-type]
    sql, params = seen[-1]
    return " ".join(str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))  # type: ignore[arg-type]


@pytest.mark.parametrize("by", ["domain", "township"])
def test_figures_by_group_read_a_covering_index_without_sorting(desk: Desk, by: str) -> None:
    desk.register_case(make_draft())
    plan = _plan(desk.conn, by)
    assert f"COVERING INDEX cases_figures_{by}" in plan
    assert "TEMP B-TREE" not in plan


def test_a_version_5_file_gets_the_figure_indexes_and_keeps_its_figures(tmp_path: Path, now: FakeNow) -> None:
    desk = new_station(tmp_path, "TZ01", "新河镇", "township", now=now)
    for domain in ("农业农村", "教育", "农业农村"):
        desk.register_case(make_draft(domain=domain))
    before = figures.compute_figures(desk.conn, date_from=None, date_to=None, by="domain", today=now().date())
    for column in ("domain", "township"):
        desk.conn.execute(f"DROP INDEX cases_figures_{column}")
    desk.conn.execute("PRAGMA user_version = 5")
    key = desk.master_key
    desk.close()

    db = open_database(tmp_path / DB_NAME, key)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST_VERSION >= 6
    names = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"cases_figures_domain", "cases_figures_township"} <= names
    after = figures.compute_figures(db.conn, date_from=None, date_to=None, by="domain", today=now().date())
    assert after == before
    assert [(r["group"], r["cases"]) for r in after] == sorted([("农业农村", 2), ("教育", 1)])
    db.conn.close()
