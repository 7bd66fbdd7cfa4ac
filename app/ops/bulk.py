"""Registering many cases at once (importing a ledger): all of them in one transaction, or none.

Each case goes through the same path as a case typed in by hand (``Desk._register_in``: the register event
made by the station's chain writer, then the same projection), so an imported case is like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from app.models.errors import DomainError
from app.models.intake import CaseDraft
from app.ops.desk import Desk

Progress = Callable[[int, int], None]


def register_many(desk: Desk, items: Sequence[tuple[CaseDraft, datetime | None]],
                  progress: Progress | None = None) -> list[str]:
    """Register every draft (with its registration time, or now) in one transaction; returns the case numbers
    in the order given. Every draft is checked before anything is written: one bad draft and nothing is."""
    prepared = []
    for number, (draft, at) in enumerate(items, start=1):
        try:
            prepared.append((draft.to_payload(desk.domains, desk.problem_types), desk._when(at)))
        except DomainError as err:
            raise DomainError(f"第{number}件：{err}") from None
    if not prepared:
        return []
    case_ids: list[str] = []
    with desk._write({"cases"}, ()) as conn:
        writer = desk._writer(conn)
        for payload, when in prepared:
            case_ids.append(desk._register_in(conn, writer, payload, when))
            if progress and len(case_ids) % 200 == 0:
                progress(len(case_ids), len(prepared))
    if progress:
        progress(len(case_ids), len(prepared))
    return case_ids
