"""The demo station: believable data at every stage, every step one the workflow allows, the same data for the
same seed, and real evidence files."""

from __future__ import annotations

import io
import json
import struct
import wave
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.demo.clusters import NAMES as CLUSTER_NAMES
from app.models.case import fold
from app.models.vocab import CHECKLIST_ITEMS, STATUSES
from app.models.workflow import check
from app.ops.desk import Desk
from app.reports.common_problems import find_common_problems
from app.reports.figures import backlog_by_month, compute_figures, month_range
from app.store import eventlog
from app.store.integrity import verify
from app.store.queries import counts
from tests.conftest import FakeNow, demo_station

TODAY = datetime(2026, 3, 2, 9, 0, 0)


def _demo(folder: Path, cases: int, seed: int) -> Desk:
    return demo_station(folder, cases, seed, now=FakeNow(TODAY))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    desk = _demo(tmp_path_factory.mktemp("demo") / "small", 300, 1)
    yield desk
    desk.close()


@pytest.fixture(scope="module")
def larger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    desk = _demo(tmp_path_factory.mktemp("demo") / "larger", 2000, 1)
    yield desk
    desk.close()


def _column(desk: Desk, sql: str) -> list:  # type: ignore[type-arg]
    return [row[0] for row in desk.conn.execute(sql)]


def test_every_step_is_one_the_workflow_allows_when_it_was_taken(small: Desk) -> None:
    midnight = TODAY.replace(hour=0)
    for case_id in _column(small, "SELECT case_id FROM cases"):
        events = eventlog.for_case(small.conn, case_id)
        assert [e.at for e in events] == sorted(e.at for e in events), case_id
        assert events[0].kind == "register"
        for i, event in enumerate(events[1:], start=1):
            day = date.fromisoformat(event.at[:10])
            assert datetime.fromisoformat(event.at) < midnight, (case_id, event.kind)
            check(fold(case_id, events[:i]), event.kind, event.payload, small.limits, day)
            if event.kind == "supervise":
                assert event.payload["deadline"] >= event.at[:10]
    report = verify(small.conn, small.limits, small.blobs)
    assert report.problem is None and report.cases == 300


def test_the_same_seed_gives_the_same_data(tmp_path: Path) -> None:
    heads = []
    for name, seed in (("a", 4), ("b", 4), ("c", 5)):
        desk = _demo(tmp_path / name, 150, seed)
        heads.append(eventlog.head(desk.conn, desk.require_station().code))
        desk.close()
    assert heads[0] == heads[1] and heads[0] != heads[2]


def test_a_small_demo_shows_every_stage_and_kind_of_case(small: Desk) -> None:
    assert set(_column(small, "SELECT DISTINCT status FROM cases")) == set(STATUSES)
    assert set(_column(small, "SELECT DISTINCT channel FROM cases")) == {"letter", "visit", "phone", "online"}
    assert _column(small, "SELECT count(*) FROM cases WHERE extension_days > 0")[0] >= 2  # 延期
    assert _column(small, "SELECT max(repeat_round) FROM cases")[0] >= 3  # 事不过二
    collective = small.conn.execute("SELECT channel, head_count FROM cases WHERE collective = 1").fetchall()
    assert collective and all(channel == "visit" and heads >= 5 for channel, heads in collective)
    reasons = _column(small, "SELECT note FROM steps WHERE kind = 'decline'")
    assert len(set(reasons)) >= 3 and all("不予受理" in r or "不再受理" in r for r in reasons)
    assert set(_column(small, "SELECT DISTINCT kind FROM evidence")) == {"photo", "audio", "video", "scan"}
    lights = counts(small.conn, small.today())
    assert lights["red"] and lights["yellow"] and lights["green"]


def test_checklist_notes_say_what_was_fixed(small: Desk) -> None:
    rows = small.conn.execute("SELECT key, note FROM checklist WHERE done = 1").fetchall()
    assert {key for key, _ in rows} == set(CHECKLIST_ITEMS)
    assert not [note for _, note in rows if note.endswith("已落实")]
    notes: dict[str, set[str]] = {}
    for key, note in rows:
        notes.setdefault(key, set()).add(note)
    done = Counter(key for key, _ in rows)
    assert all(len(notes[key]) >= 2 for key in notes if done[key] >= 3)  # written per case, not one stock phrase
    assert all("日前" in note for note in notes["fix_deadline"])
    assert all("包案" in note for note in notes["fix_leader"])
    assert all("信访人" in note for note in notes["own_counselling"])


def test_backlog_cases_are_in_hand_and_mostly_cleared(larger: Desk) -> None:
    rows = larger.conn.execute(
        "SELECT case_id, status, leader, dispatch_units, checklist_done, supervision, finished FROM cases "
        "WHERE backlog = 1").fetchall()
    open_rows = [r for r in rows if not r[6]]
    assert len(rows) >= 20 and 3 <= len(open_rows) < len(rows) / 3
    assert any(r[4] < len(CHECKLIST_ITEMS) for r in open_rows)  # partly filled checklists
    for case_id, status, leader, units, done, _supervision, _finished in open_rows:
        assert leader and status != "registered", case_id
        assert 4 <= done <= len(CHECKLIST_ITEMS)  # all eight ticked: waiting to be struck off
        if status in ("dispatched", "accepted", "contacted", "handling"):
            assert len(json.loads(units)) == 2, case_id  # 一事双交
    assert any(json.loads(r[5]) for r in open_rows)  # supervision orders
    measures = larger.conn.execute(
        "SELECT count(*) FROM evidence e JOIN cases c ON c.case_id = e.case_id WHERE c.backlog = 1").fetchone()[0]
    assert measures > len(rows)
    months = month_range(larger.today(), 12)
    remaining = [left for _month, left, _total in backlog_by_month(larger.conn, months)]
    assert remaining[0] > 2 * remaining[-1] and remaining[-1] == len(open_rows)


def test_no_case_sits_unrouted_for_long(larger: Desk) -> None:
    oldest = larger.conn.execute("SELECT min(registered_at) FROM cases WHERE status = 'registered'").fetchone()[0]
    assert (TODAY - datetime.fromisoformat(oldest)).days <= 45
    overdue = _column(larger, f"SELECT deadline FROM cases WHERE finished = 0 AND deadline < '{TODAY:%Y-%m-%d}'")
    assert overdue and all((TODAY.date() - date.fromisoformat(d)).days <= 100 for d in overdue)


def test_the_figures_look_like_a_working_township(larger: Desk) -> None:
    [row] = compute_figures(larger.conn, date_from=None, date_to=None, by=None, today=larger.today())
    assert row["answered_within_7_days_rate"] >= 0.75  # counted from receipt (接件), letters take a day or two
    assert 0.93 <= row["satisfaction_rate"] < 1 and row["dissatisfied"] > 0
    assert 0.03 <= row["repeat_rate"] <= 0.1
    assert row["one_time_resolution_rate"] >= 0.9  # first petitions closed at once and never brought back
    ratings = Counter(_column(larger, "SELECT first_rating FROM cases WHERE first_rating != ''"))
    assert ratings["satisfied"] > ratings["basically_satisfied"] > ratings["dissatisfied"]


def test_common_problems_are_found_in_a_small_demo(small: Desk) -> None:
    groups = find_common_problems(small.conn, min_size=3)
    planted = [g for g in groups if any(name in g.summary for name in CLUSTER_NAMES)]
    assert len(planted) >= 3
    for group in planted:
        [name] = {n for n in CLUSTER_NAMES if n in group.summary and not any(n in m and n != m for m in CLUSTER_NAMES)}
        assert all(name in small.case(c).request_summary for c in group.case_ids)


def test_evidence_files_are_real_files(small: Desk) -> None:
    for sha, kind, name in small.conn.execute("SELECT DISTINCT sha256, kind, name FROM evidence"):
        data = b"".join(small.blobs.read_chunks(sha))
        if kind == "photo":
            assert data.startswith(b"\x89PNG\r\n\x1a\n") and name.endswith(".png")
        elif kind == "audio":
            with wave.open(io.BytesIO(data)) as sound:
                assert sound.getnframes() > 0
        elif kind == "video":
            _check_avi(data)
        else:
            assert len(PdfReader(io.BytesIO(data)).pages) == 1 and name.endswith(".pdf")


def _check_avi(data: bytes) -> None:
    """RIFF sizes add up, and the header's frame count matches the frames and the index."""
    assert data[:4] == b"RIFF" and data[8:12] == b"AVI " and struct.unpack("<I", data[4:8])[0] == len(data) - 8
    chunks: dict[bytes, list[bytes]] = {}

    def walk(body: bytes) -> None:
        at = 0
        while at < len(body):
            tag, size = body[at:at + 4], struct.unpack("<I", body[at + 4:at + 8])[0]
            content = body[at + 8:at + 8 + size]
            assert len(content) == size
            if tag == b"LIST":
                walk(content[4:])
            else:
                chunks.setdefault(tag, []).append(content)
            at += 8 + size + size % 2

    walk(data[12:])
    frames = struct.unpack("<I", chunks[b"avih"][0][16:20])[0]
    assert frames == len(chunks[b"00db"]) == len(chunks[b"idx1"][0]) // 16 > 1
    assert chunks[b"strh"][0][:8] == b"vidsDIB "
