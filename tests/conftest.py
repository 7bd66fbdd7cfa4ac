"""Shared fixtures: a desk in a temporary folder, with a fixed clock, and small demo stations."""

from __future__ import annotations

import os
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

# A valid ID number (GB 11643 check character X) and a mobile number for test petitioners.
VALID_ID = "11010519491231002X"
VALID_PHONE = "13800138000"


class FakeNow:
    """A clock the test moves by hand, so time limits can be crossed without waiting."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.current += timedelta(**delta)


@pytest.fixture
def now() -> FakeNow:
    return FakeNow(datetime(2026, 3, 2, 9, 0, 0))


@pytest.fixture
def desk(tmp_path: Path, now: FakeNow) -> Iterator[Desk]:
    d = Desk(tmp_path / "station", now=now)
    d.init_station("TZ01", "新河镇信访办", "township", handler="张丽")
    yield d
    d.close()


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
