"""随机抽查: reproducible from the seed, fair, recorded as a station-level event, checkable afterwards."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.cli.main import main
from app.models.errors import DomainError
from app.models.events import HybridClock
from app.ops.chain import ChainWriter
from app.ops.desk import Desk
from app.ops.spot_check import decode_ids, draw, encode_ids, spot_check, spot_checks, verify_spot_check
from app.store import eventlog, projection
from app.store.integrity import verify
from tests.conftest import FakeNow, make_draft


def _township_cases(desk: Desk, origin: str, count: int) -> list[str]:
    """Cases registered at another station, as sync would bring them in."""
    writer = ChainWriter(origin, 0, eventlog.head(desk.conn, origin)[1], HybridClock())
    payload = make_draft().to_payload(desk.domains)
    ids = []
    with desk._write({"cases"}, ()) as conn:
        for n in range(1, count + 1):
            case_id = f"{origin}-2026-{n:05d}"
            event = writer.make(case_id, "register", payload, "李四", datetime(2026, 2, 1, 9, 0))
            eventlog.append(conn, [event])
            projection.refresh_case(conn, case_id, desk.limits)
            ids.append(case_id)
    return ids


@pytest.fixture
def open_cases(desk: Desk) -> list[str]:
    return [desk.register_case(make_draft(name=f"王{i}")) for i in range(30)]


def test_same_seed_same_list_other_seed_other_list(desk: Desk, open_cases: list[str]) -> None:
    first = spot_check(desk, 5, seed=20260301)
    again = spot_check(desk, 5, seed=20260301)
    other = spot_check(desk, 5, seed=20260302)
    assert first.drawn == again.drawn and len(first.drawn) == 5
    assert set(first.drawn) <= set(open_cases)
    assert other.drawn != first.drawn
    assert first.event_id != again.event_id  # every draw is recorded, repeats too


def test_the_draw_is_recorded_with_seed_list_and_candidates(desk: Desk, open_cases: list[str],
                                                            now: FakeNow) -> None:
    desk.record(open_cases[0], "dispatch", {"units": ["镇农业农村办"]})
    desk.record(open_cases[0], "decline", {"reason": "不属受理范围"})  # finished: not a candidate
    check = spot_check(desk, 4)
    assert check.seed == 20260302090000  # from the clock, and shown to the user
    [recorded] = spot_checks(desk)
    assert (recorded.event_id, recorded.seed, recorded.drawn) == (check.event_id, check.seed, check.drawn)
    assert (recorded.actor, recorded.at, recorded.candidate_count) == ("张丽", "2026-03-02T09:00:00", 29)
    assert open_cases[0] not in {c for c, _ in recorded.candidate_list()}
    row = desk.conn.execute("SELECT case_id, origin, kind, payload FROM events WHERE id = ?",
                            (check.event_id,)).fetchone()
    assert row[:3] == ("", "TZ01", "spot_check")
    assert json.loads(row[3])["drawn"] == check.drawn
    # The station-level event does not become a case, and the store still checks out.
    assert desk.conn.execute("SELECT count(*) FROM cases WHERE case_id = ''").fetchone()[0] == 0
    assert verify(desk.conn, desk.limits, desk.blobs).ok
    assert "复核通过" in verify_spot_check(desk, check.event_id)


def test_per_station_draws_n_from_each_station(desk: Desk, open_cases: list[str]) -> None:
    other = _township_cases(desk, "TZ02", 4)
    check = spot_check(desk, 3, seed=11, per_station=True)
    assert len(check.drawn) == 6
    assert set(check.drawn[:3]) <= set(open_cases) and set(check.drawn[3:]) <= set(other)
    few = spot_check(desk, 10, seed=11, per_station=True)  # a station with fewer cases gives all it has
    assert sum(c in other for c in few.drawn) == 4 and len(few.drawn) == 14
    assert "每站点10件" in verify_spot_check(desk, few.event_id)


def test_backlog_only_and_refusals(desk: Desk, open_cases: list[str]) -> None:
    with pytest.raises(DomainError, match="没有未化解的积案"):
        spot_check(desk, 3, seed=1, backlog_only=True)
    backlog = desk.register_case(make_draft(name="赵六", backlog=True, leader="陈建平"))
    assert spot_check(desk, 3, seed=1, backlog_only=True).drawn == [backlog]
    with pytest.raises(DomainError, match="抽查件数须为1至500"):
        spot_check(desk, 0)
    assert len(spot_checks(desk)) == 1  # refused draws leave no record


def test_draw_is_uniform_over_many_seeds() -> None:
    """Chi-square over 4,000 fixed seeds: each of 20 candidates should be drawn 5/20 of the time."""
    candidates = [(f"TZ01-2026-{n:05d}", "TZ01") for n in range(1, 21)]
    seen: Counter[str] = Counter()
    for seed in range(4000):
        picked = draw(candidates, 5, seed, per_station=False)
        assert len(set(picked)) == 5
        seen.update(picked)
    expected = 4000 * 5 / 20
    chi_square = sum((seen[c] - expected) ** 2 / expected for c, _ in candidates)
    assert chi_square < 43.8  # 19 degrees of freedom, p = 0.001
    assert min(seen.values()) > 0.85 * expected and max(seen.values()) < 1.15 * expected


def test_a_changed_record_fails_verification(desk: Desk, open_cases: list[str]) -> None:
    check = spot_check(desk, 3, seed=5)
    desk.conn.execute("DROP TRIGGER events_append_only_update")
    payload = json.loads(desk.conn.execute("SELECT payload FROM events WHERE id = ?",
                                           (check.event_id,)).fetchone()[0])
    payload["drawn"] = [c for c in open_cases if c not in check.drawn][:3]
    desk.conn.execute("UPDATE events SET payload = ? WHERE id = ?",
                      (json.dumps(payload, ensure_ascii=False), check.event_id))
    with pytest.raises(DomainError, match="已被改动"):
        verify_spot_check(desk, check.event_id)


def test_case_numbers_are_stored_compactly_and_read_back() -> None:
    ids = ["TZ01-2026-00001", "TZ01-2026-00002", "TZ01-2026-00003", "TZ01-2026-00007", "TZ01-2025-00010",
           "旧台账-17", "XYZ"]
    encoded = encode_ids(ids)
    assert encoded["TZ01-2026-#####"] == "1-3,7"
    assert decode_ids(encoded) == sorted(ids)


def test_command_line_draws_exports_and_verifies(desk: Desk, open_cases: list[str], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = str(desk.data_dir)
    pdf, xlsx = tmp_path / "抽查.pdf", tmp_path / "抽查.xlsx"
    assert main(["--data-dir", data_dir, "spot-check", "--count", "3", "--seed", "42", "--pdf", str(pdf),
                 "--xlsx", str(xlsx), "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out[: out.rindex("}") + 1])
    assert data["seed"] == 42 and len(data["drawn"]) == 3 and data["candidate_count"] == 30
    sheet = load_workbook(xlsx).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert all(case_id in cells for case_id in data["drawn"]) and "42" in cells
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)  # as a PDF reader gets it back
    assert "随机抽查案件清单" in text and "随机种子：42" in text
    assert "第1页共1页" in text.replace(" ", "")
    assert all(case_id in text for case_id in data["drawn"])
    assert main(["--data-dir", data_dir, "spot-check", "--verify", data["event_id"]]) == 0
    assert "复核通过" in capsys.readouterr().out
    assert main(["--data-dir", data_dir, "spot-check", "--count", "0"]) == 1
    assert "抽查件数" in capsys.readouterr().err


def test_too_few_candidates_says_how_many_were_drawn(desk: Desk, open_cases: list[str], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str], now: FakeNow) -> None:
    data_dir = str(desk.data_dir)
    assert main(["--data-dir", data_dir, "spot-check", "--count", "500", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "实抽30件（候选不足500件）" in out and "500 件" not in out and "抽取：500" not in out
    assert sum(1 for line in out.splitlines() if "TZ01-2026-" in line) == 30
    other = _township_cases(desk, "TZ02", 4)
    now.current = datetime.now()  # the command line drew by the computer's clock: this desk's clock goes on from it
    check = spot_check(desk, 10, seed=3, per_station=True)
    assert check.short_stations() == {"TZ02": 4}
    assert main(["--data-dir", data_dir, "spot-check", "--show", check.event_id]) == 0
    out = capsys.readouterr().out
    assert "每个站点抽取10件，2个站点实抽14件（候选不足10件、全部抽取的站点：TZ02仅4件）" in out
    assert all(c in out for c in other)


def test_list_json_fingerprint_in_full_and_a_check_a_person_can_follow(
        desk: Desk, open_cases: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = str(desk.data_dir)
    first = spot_check(desk, 3, seed=1)
    spot_check(desk, 4, seed=2)
    assert main(["--data-dir", data_dir, "spot-check", "--list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(c["seed"], len(c["drawn"])) for c in listed] == [(2, 4), (1, 3)]
    assert listed[1]["candidates_sha256"] == first.candidates_sha256 and len(first.candidates_sha256) == 64
    pdf, xlsx = tmp_path / "抽查.pdf", tmp_path / "抽查.xlsx"
    assert main(["--data-dir", data_dir, "spot-check", "--show", first.event_id, "--pdf", str(pdf),
                 "--xlsx", str(xlsx)]) == 0
    assert first.candidates_sha256 in capsys.readouterr().out
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages).replace("\n", "").replace(" ", "")
    assert first.candidates_sha256 in text  # all 64 characters, not a shortened one
    assert "督查→随机抽查" in text and "复核所选记录" in text
    assert f"spot-check--verify{first.event_id}" in text  # the command line too, in small print
    cells = [str(c) for row in load_workbook(xlsx).active.iter_rows(values_only=True) for c in row if c]
    assert f"SHA-256 {first.candidates_sha256}" in cells
    method = next(c for c in cells if c.startswith("任何人都可以"))
    assert "督查 → 随机抽查" in method and "--verify" not in method
    assert any(c.startswith("命令行复核：petition-desk spot-check --verify") for c in cells)
    # A folder given as the file: a Chinese refusal, nothing written beside it.
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["--data-dir", data_dir, "spot-check", "--show", first.event_id, "--pdf", str(tmp_path)]) == 1
    assert "是一个文件夹" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
