"""The store sealed with the master key (SQLCipher): nothing readable in its files, opened only with the key."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops.accounts import Account
from app.ops.desk import Desk
from app.store.db import DB_NAME, is_plain
from app.store.queries import CaseFilter, case_numbers
from tests.conftest import FakeNow, make_draft, new_station

NAME, ID_NUMBER, PHONE = "欧阳秘密", "11010519491231002X", "13800138000"


def _leaks(folder: Path) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for text in (NAME, ID_NUMBER, PHONE):
                for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                    if text.encode(encoding) in data:
                        found.append(f"{path.name}: {text} ({encoding})")
    return found


def _register(desk: Desk) -> None:
    desk.register_case(make_draft(name=NAME, id_number=ID_NUMBER, phone=PHONE, request_summary="欧阳秘密的诉求"))


def _older_plain_station(folder: Path, now: FakeNow) -> None:
    """A store as a program before accounts left it: plain, with a case recorded under a typed name."""
    desk = Desk(folder, now=now)
    desk.init_station("TZ01", "新河镇信访办", "township")
    desk.account = Account("张丽", "张丽", "admin")  # what an older program recorded: a name, no login
    _register(desk)
    desk.close()


def test_the_sealed_store_holds_nothing_readable_and_opens_only_with_its_key(tmp_path: Path, now: FakeNow) -> None:
    desk = new_station(tmp_path / "s", now=now)  # every station is sealed with its master key from the start
    key = desk.master_key
    _register(desk)
    try:
        assert desk.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert _leaks(tmp_path / "s") == []  # the write-ahead log too, while the store is open
        assert case_numbers(desk.conn, CaseFilter(text="欧阳秘密"), desk.today()) == [1]  # the trigram index
        assert case_numbers(desk.conn, CaseFilter(text="欧阳"), desk.today()) == [1]  # two characters: LIKE
    finally:
        desk.close()
    assert _leaks(tmp_path / "s") == [] and not is_plain(tmp_path / "s" / DB_NAME)
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(tmp_path / "s" / DB_NAME).execute("SELECT * FROM cases").fetchall()
    with pytest.raises(DomainError, match="密钥不对，或数据文件已损坏.*可以从备份恢复"):
        Desk(tmp_path / "s", now=now, master_key=os.urandom(32))
    again = Desk(tmp_path / "s", now=now, master_key=key)
    try:
        assert again.case("TZ01-2026-00001").petitioners[0].name == NAME
    finally:
        again.close()


def test_a_plain_store_is_sealed_when_first_opened_with_the_key(tmp_path: Path, now: FakeNow) -> None:
    _older_plain_station(tmp_path / "s", now)
    assert _leaks(tmp_path / "s") != []  # what an older program left: readable
    sealed = new_station(tmp_path / "s", now=now)  # `init --admin` gives it accounts and seals it
    try:
        assert sealed.case("TZ01-2026-00001").petitioners[0].name == NAME
        assert sealed.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        sealed.close()
    assert _leaks(tmp_path / "s") == []
    assert sorted(p.name for p in (tmp_path / "s").iterdir() if p.name.startswith(DB_NAME)) == [DB_NAME]
