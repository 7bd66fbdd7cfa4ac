"""Shared fixtures: a desk in a temporary folder, with a fixed clock, and small demo stations."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.no_network import install as refuse_network  # noqa: E402

refuse_network()  # every test runs with sockets refused (tests/test_no_network.py)

from app.models.case import Petitioner  # noqa: E402
from app.models.intake import CaseDraft  # noqa: E402
from app.ops.desk import Desk  # noqa: E402
from app.ops.keyring import KdfCost  # noqa: E402
from app.ops.session import create_station, open_station  # noqa: E402
from app.ops.station_setup import SETUP_EVENTS  # noqa: E402

# A valid ID number (GB 11643 check character X) and a mobile number for test petitioners.
VALID_ID = "11010519491231002X"
VALID_PHONE = "13800138000"
# Every test station's accounts share one password and a cheap KDF cost (scrypt n=2^4 instead of 2^16): the cost
# is stored with each wrap, so it is a property of these test stations only, never a default of the program.
TEST_PASSWORD = "test-password"
TEST_COST = KdfCost(n=2 ** 4, r=8, p=1)
ADMIN = "张丽"  # the admin of the ``desk`` fixture's station; events it records name it
LOGIN_VARIABLES = {"PETITION_DESK_USER": ADMIN, "PETITION_DESK_PASSWORD": TEST_PASSWORD}  # a child process's login


SET_UP_AT = datetime(2025, 1, 1, 9, 0)  # when the ``desk`` fixture's station is set up


def own_seq(n: int) -> int:
    """The number of a station's ``n``-th event after it was set up: a new station's chain opens with its set-up
    events (app.ops.station_setup: the upgrade mark and the first admin). Tests name and count events by this."""
    return SETUP_EVENTS + n


def new_station(folder: Path, code: str = "TZ01", name: str = "新河镇信访办", level: str = "township",
                admin: str = ADMIN, now: object = datetime.now) -> Desk:
    """A new station set up with its first admin signed in — the one way tests (and sync_helpers) make one.
    The recovery key's text is kept on the desk as ``recovery_key`` for the tests that need it."""
    desk, recovery = create_station(folder, code, name, level, admin, TEST_PASSWORD, now=now,  # type: ignore[arg-type]
                                    cost=TEST_COST)
    desk.recovery_key = recovery  # type: ignore[attr-defined]
    return desk


def demo_station(folder: Path, cases: int, seed: int = 1, now: object = datetime.now) -> Desk:
    """The demo station (code DEMO) with ``cases`` generated cases, its admin the same as every test station's."""
    from app.demo import generate_demo
    from app.demo.generator import DEMO_STATION

    desk = new_station(folder, *DEMO_STATION, now=now)
    generate_demo(desk, cases, seed=seed)
    return desk


def login(folder: Path, user: str = ADMIN, password: str = TEST_PASSWORD, now: object = datetime.now) -> Desk:
    """The station in ``folder`` opened again with a login (as the program opens it)."""
    return open_station(folder, user, password, now=now)  # type: ignore[arg-type]


def raw_connection(folder: Path, user: str = ADMIN) -> sqlite3.Connection:
    """A bare connection to the station's sealed file (its key unwrapped with a login), for tests that change the
    file behind the program's back (an attacker who has the key, an older program's file)."""
    from app.store.db import DB_NAME, connect_keyed

    desk = login(folder, user)
    key = desk.require_master_key()
    desk.close()
    return connect_keyed(Path(folder) / DB_NAME, key)


def reopen(desk: Desk, user: str | None = None) -> Desk:
    """Another desk on the same station, signed in as ``user`` (the same account by default)."""
    name = user or (desk.account.name if desk.account else ADMIN)
    return login(desk.data_dir, name, now=desk.now)


class FakeNow:
    """A clock the test moves by hand, so time limits can be crossed without waiting."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.current += timedelta(**delta)


@pytest.fixture(autouse=True)
def _cli_login(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in a test (``main([...])``) log in as the test stations' admin, as a script would."""
    for name, value in LOGIN_VARIABLES.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(autouse=True)
def _jobs_in_thread(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window's long jobs run in a thread of the test's own process, where a test can stop one half-way or
    give it a fake clock; tests marked ``child_process`` run them in a process of their own, as the program does
    (tests/test_job_process.py)."""
    if request.node.get_closest_marker("child_process") is None:
        monkeypatch.setattr("app.views.jobs.IN_CHILD_PROCESS", False)


@pytest.fixture
def now() -> FakeNow:
    return FakeNow(datetime(2026, 3, 2, 9, 0, 0))


@pytest.fixture
def desk(tmp_path: Path, now: FakeNow) -> Iterator[Desk]:
    # Set up before any day a test records on: its set-up events are the station's first, and a step dated
    # earlier than the station's latest event is refused as a clock set back.
    test_time, now.current = now.current, SET_UP_AT
    d = new_station(tmp_path / "station", now=now)
    now.current = test_time
    yield d
    d.close()


def approved(reason: str) -> dict[str, str]:
    """A mark in a test's step payload: record the step with the signed-in account's own approval (the
    fixture's admin approves) and this reason — see ``record_step``."""
    return {"approved_because": reason}


def record_step(desk: Desk, case_id: str, kind: str, payload: dict[str, object], at: datetime | None = None
                ) -> object:
    """``desk.record``, with the approval a payload marked by ``approved`` asks for."""
    from app.ops.approval import Approval

    payload = dict(payload)
    reason = str(payload.pop("approved_because", ""))
    return desk.record(case_id, kind, payload, at=at, approval=Approval("", "", reason) if reason else None)


def make_draft(name: str = "王小明", id_number: str = VALID_ID, phone: str = VALID_PHONE,
               **fields: object) -> CaseDraft:
    """A valid new case; keyword arguments change any field."""
    values: dict[str, object] = {
        "channel": "visit", "petitioners": [Petitioner(name, id_number, phone, "新河镇东岙村12号")],
        "request_summary": "东岙村道路破损多年，要求修复", "domain": "农业农村", "township": "新河镇",
        "village": "东岙村", "authority_unit": "镇农业农村办",
    }
    values.update(fields)
    return CaseDraft(**values)  # type: ignore[arg-type]


@pytest.fixture
def draft() -> CaseDraft:
    return make_draft()
