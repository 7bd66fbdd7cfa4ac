"""A paper does what it must and no more (bench/bench_papers.py measures the time): one transaction with its case
read once, the case's row updated only where it changed, its earlier steps left in place, the station's signing key
read and not generated anew. What the operation must do stays: rights, number, events, the file whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.ops.desk import Desk
from app.ops.papers import make_paper
from tests.conftest import make_draft


def accepted(desk: Desk) -> str:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "accept", {})
    return case_id


def traced(desk: Desk, do: object) -> list[str]:
    statements: list[str] = []
    desk.conn.set_trace_callback(statements.append)
    try:
        do()  # type: ignore[operator]
    finally:
        desk.conn.set_trace_callback(None)
    return statements


def test_a_notice_is_one_transaction_that_writes_only_what_changed(desk: Desk, tmp_path: Path) -> None:
    case_id = accepted(desk)
    make_paper(desk, case_id, "受理告知书", tmp_path / "1.pdf", way="邮寄")  # ends the notice limit: the light changes
    steps_before = desk.conn.execute("SELECT rowid, idx FROM steps WHERE case_id = ? ORDER BY idx",
                                     (case_id,)).fetchall()
    sql = traced(desk, lambda: make_paper(desk, case_id, "受理告知书", tmp_path / "2.pdf", way="邮寄"))
    assert [s for s in sql if s.startswith(("BEGIN", "COMMIT"))] == ["BEGIN IMMEDIATE", "COMMIT"]
    assert sum(s.startswith("SELECT id, case_id, origin, seq") for s in sql) == 1  # the case's events read once
    updates = [s for s in sql if s.startswith("UPDATE cases")]
    assert len(updates) == 1 and updates[0].startswith("UPDATE cases SET last_event_id = ")
    assert "deadline" not in updates[0] and "status" not in updates[0]  # the index entries stay as they were
    assert not any(s.startswith(("DELETE FROM steps", "DELETE FROM checklist", "DELETE FROM petitioners"))
                   for s in sql)
    steps_after = desk.conn.execute("SELECT rowid, idx FROM steps WHERE case_id = ? ORDER BY idx",
                                    (case_id,)).fetchall()
    assert steps_after[:len(steps_before)] == steps_before and len(steps_after) == len(steps_before) + 2
    kinds = [e.kind for e in desk.events(case_id)][-2:]
    assert kinds == ["document", "notify"]
    assert [e.payload["file"] for e in desk.events("") if e.kind == "output"] == ["1.pdf", "2.pdf"]


def test_a_changed_case_is_written_as_folded(desk: Desk) -> None:
    """A step that changes the light and the status rewrites what changed: the stored rows stay those a rebuild
    makes (verify compares them)."""
    from app.store.integrity import verify

    case_id = accepted(desk)
    desk.record(case_id, "contact", {"note": "电话联系"})
    desk.set_checklist(case_id, "fix_leader", True, "已定")
    desk.annul_last_step(case_id, "误录")
    assert desk.conn.execute("SELECT status FROM cases WHERE case_id = ?", (case_id,)).fetchone()[0] == "accepted"
    assert verify(desk.conn, desk.limits, desk.blobs).ok


def test_the_signing_key_is_read_not_generated_at_each_change(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    desk.register_case(make_draft())  # the station has its key

    def refuse() -> None:
        raise AssertionError("a new signing key was generated for a change")

    monkeypatch.setattr(ed25519.Ed25519PrivateKey, "generate", staticmethod(refuse))
    desk.register_case(make_draft())
