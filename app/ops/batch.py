"""成批办理: one measure or one reply recorded on every case of a common problem, all in one
transaction.

Each case is checked by the workflow as if the step were recorded on it alone; if any case cannot take the
step the whole batch is refused, naming that case, and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.models.events import Event
from app.models.vocab import EVENT_LABELS
from app.ops.desk import Desk

# Step kind -> the payload key its text goes in, and what the handler is asked to fill in.
BATCH_KINDS: dict[str, tuple[str, str]] = {"handle": ("note", "办理措施"), "feedback": ("reply", "答复意见")}


def batch_record(desk: Desk, case_ids: list[str], kind: str, text: str, *, evidence: list[Path] | None = None,
                 at: datetime | None = None) -> list[Event]:
    """Record the same handling measure (``handle``) or reply (``feedback``) on every case; returns the
    events."""
    if kind not in BATCH_KINDS:
        raise DomainError("成批办理只能记录“办理措施”或“答复反馈”")
    key, what = BATCH_KINDS[kind]
    ids = list(dict.fromkeys(c.strip() for c in case_ids if c.strip()))
    if not ids:
        raise DomainError("请选择要成批办理的案件")
    if not text.strip():
        raise DomainError(f"请填写{what}")
    payload: dict[str, Any] = {key: text.strip(), "batch": ids}
    if kind == "handle":
        # Stored before the transaction: blobs are named by content, so a refused batch leaves nothing that
        # any record points to, and a retry reuses them.
        payload["evidence"] = desk.store_evidence(list(evidence or []))
    elif evidence:
        raise DomainError("答复反馈不附佐证材料，请在办理措施中附上")
    when = desk._when(at)
    label = EVENT_LABELS[kind]
    made: list[Event] = []
    with desk._write({"cases"}, tuple(ids)) as conn:
        writer = desk._writer(conn)
        for case_id in ids:
            try:
                made.append(desk._record_in(conn, writer, case_id, kind, payload, when))
            except DomainError as err:
                reason = str(err) if str(err).startswith("找不到案件") else f"案件 {case_id} 不能记录“{label}”：{err}"
                raise DomainError(f"{reason}。整批{len(ids)}件均未记录") from None
    return made
