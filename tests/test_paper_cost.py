"""A paper does what it must and no more (bench/bench_papers.py measures the time): one transaction with its case
read once, the case's row updated only where it changed, its earlier steps left in place, the station's signing key
read and not generated anew. What the operation must do stays: rights, number, events, the file whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.ops.desk import Desk
from app.ops.papers import make_paper
from tests.conftest import make_draft, raw_connection, reopen


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
    # The history it continues is the one this desk signed last (same head, same key): no keyring read again.
    assert not any("sync_certificates" in s or "FROM checkpoints" in s for s in sql)
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


def keyring_read(sql: list[str]) -> bool:
    return any("FROM sync_certificates" in s for s in sql)


def test_a_head_written_elsewhere_is_checked_before_signing_over_it(desk: Desk, tmp_path: Path) -> None:
    """The check before signing is left out only when the transaction starts from the head this very desk
    signed: after another desk on the same file wrote (a job's desk) it reads the keyring again, and over a
    history rewritten and hashed again behind its back it refuses, though it signed the head before."""
    case_id = accepted(desk)
    other = reopen(desk)
    other.record(case_id, "contact", {"note": "电话联系"})
    other.close()
    assert keyring_read(traced(desk, lambda: desk.record(case_id, "contact", {"note": "再次电话联系"})))
    assert not keyring_read(traced(desk, lambda: desk.record(case_id, "contact", {"note": "第三次"})))

    conn = raw_connection(desk.data_dir)  # the attacker: the last event's note changed, its hash made again
    conn.execute("DROP TRIGGER IF EXISTS events_append_only_update")
    last = conn.execute("SELECT id, payload FROM events ORDER BY origin, seq DESC LIMIT 1").fetchone()
    from app.store import eventlog

    event = eventlog.from_row(conn.execute("SELECT id, case_id, origin, seq, hlc, at, actor, kind, payload, "
                                           "prev_hash, hash FROM events WHERE id = ?", (last[0],)).fetchone())
    event.payload["note"] = "从未联系"
    event.hash = event.compute_hash()
    conn.execute("UPDATE events SET payload = ?, hash = ? WHERE id = ?",
                 (eventlog.to_row(event)[8], event.hash, event.id))
    conn.commit()
    conn.close()
    count = desk.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(DomainError, match="与签名不符"):
        make_paper(desk, case_id, "受理告知书", tmp_path / "n.pdf", way="邮寄")
    assert desk.conn.execute("SELECT count(*) FROM events").fetchone()[0] == count
    assert not (tmp_path / "n.pdf").exists()


def test_a_paper_embeds_its_font_and_the_plain_font_stays_reportlabs(desk: Desk, tmp_path: Path) -> None:
    """The papers' font object (tables read once, subset compressed by ISA-L) is the same font, embedded as a
    subset; every font the PDF names is embedded; other PDFs keep reportlab's own font object."""
    import subprocess

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFontFace

    from app.reports.fonts import FONT_NAME, PAPER_FONT_NAME, cjk_font

    make_paper(desk, accepted(desk), "受理告知书", tmp_path / "n.pdf", way="邮寄")
    fonts = subprocess.run(["pdffonts", str(tmp_path / "n.pdf")], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(" yes yes yes " in line for line in fonts), fonts
    assert all("+WenQuanYiMicroHei" in line for line in fonts)
    cjk_font()
    assert pdfmetrics.getFont(FONT_NAME) is not pdfmetrics.getFont(PAPER_FONT_NAME)
    assert type(pdfmetrics.getFont(FONT_NAME).face) is TTFontFace
