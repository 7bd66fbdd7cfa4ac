"""A store too large to check before the first rows show is checked after the window opens: one damaged page is
found, told in Chinese with the way back, and nothing more is written to the store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops import store_check
from app.ops.desk import Desk
from app.store import db
from app.store.db import DB_NAME
from tests.conftest import login, make_draft

PAGE = 4096  # SQLCipher's page


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every store counts as too large to check as it opens (the real bound is 64 MB)."""
    monkeypatch.setattr(db, "QUICK_CHECK_BYTES", 0)


def _damage_the_search_text(desk: Desk) -> tuple[Path, bytes]:
    """Thirty cases, then one page overwritten: the page of the search text (read by a search and by the check,
    not by opening the station or showing its list). Returns the file and its damaged bytes."""
    for number in range(30):
        desk.register_case(make_draft(name=f"王{number}"))
    root = desk.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'case_text'").fetchone()[0]
    desk.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    desk.close()
    path = desk.data_dir / DB_NAME
    data = bytearray(path.read_bytes())
    data[(root - 1) * PAGE: root * PAGE] = os.urandom(PAGE)
    path.write_bytes(bytes(data))
    return path, bytes(data)


def test_a_sound_large_store_is_checked_after_opening_and_work_goes_on(desk: Desk, large: None) -> None:
    desk.register_case(make_draft())
    assert store_check.needs_check_after_start(desk)
    assert store_check.check_after_start(desk.data_dir, desk.require_master_key()) is None
    desk.register_case(make_draft(name="李四"))


def test_a_damaged_page_of_a_large_store_is_found_after_the_window_shows(qtbot, desk: Desk, large: None,  # type: ignore[no-untyped-def]
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from app.views.qt import QtWidgets
    from tests.gui_support import make_window

    path, damaged = _damage_the_search_text(desk)
    reopened = login(desk.data_dir)  # no check as it opens: the first rows are not kept waiting
    warned: list[str] = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    window = make_window(qtbot, reopened)
    try:
        assert window.store_check is not None  # started once the window showed
        qtbot.waitUntil(lambda: bool(warned), timeout=20000)
        assert "数据文件已损坏" in warned[0] and "可以从备份恢复" in warned[0] and "不再向它写入" in warned[0]
        assert "从备份恢复" in window.statusBar().currentMessage()
        with pytest.raises(DomainError, match="数据文件已损坏"):
            reopened.register_case(make_draft(name="李四"))
    finally:
        window.close()
        reopened.close()
    assert path.read_bytes() == damaged  # left as it was found, for a specialist


def test_the_command_line_still_refuses_a_damaged_small_store_at_once(desk: Desk) -> None:
    path, damaged = _damage_the_search_text(desk)
    with pytest.raises(DomainError, match="数据文件已损坏.*可以从备份恢复"):
        login(desk.data_dir)
    assert path.read_bytes() == damaged
