"""The window's long jobs, each a module-level ``job(desk, say, ...)`` that a child process can run
(app.ops.job_process): the ledger, the periodic reports, the summary sheets of many cases, the ledger import, the
demo, sync export and import. Each calls the same functions as the command line; ``say(stage, done, total)``
reports progress (and raises ``Cancelled`` once 取消 was pressed). No Qt here: a child loads only what it runs.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.ops.job_process import ProcessJob, Say

if TYPE_CHECKING:
    from app.ops.desk import Desk
    from app.reports.ledger import LedgerFilter
    from app.reports.ledger_import import ImportPlan


def _counter(say: Say, stage: str) -> Any:
    return lambda done, total: say(stage, done, total)


def writing(desk: Desk, say: Say, job: ProcessJob, path: Path) -> Any:
    """``job``, which writes ``path``, with an error of the system on the way told in Chinese naming the file (the
    writers translate their own; this is for anything else)."""
    from app.models.errors import DomainError
    from app.store.files import os_error_message

    try:
        return job(desk, say)
    except OSError as err:
        raise DomainError(os_error_message(err, getattr(err, "filename", None) or path)) from None


def ledger(desk: Desk, say: Say, path: Path, flt: LedgerFilter, full_id: bool, stage: str) -> int:
    """The ledger workbook, recorded as an output; returns the number of cases in it."""
    from app.ops import outputs
    from app.reports.ledger import ledger_people, write_ledger

    station = desk.require_station()
    count = write_ledger(desk.conn, path, flt, desk.today(), station=f"{station.code} {station.name}",
                         full_id=full_id, progress=_counter(say, stage))
    outputs.record_output(desk, "ledger", path, cases=count, people=ledger_people(desk.conn, flt, desk.today()),
                          full_id=full_id)
    return count


def report(desk: Desk, say: Say, kind: str, day: date, path: Path, stages: tuple[str, str]) -> None:
    """每日一报 or 周报 as a workbook (app.ops.outputs.save_report)."""
    from app.ops import outputs

    outputs.save_report(desk, kind, day, path, lambda done, total: say(stages[done], done, total))


def sheets(desk: Desk, say: Say, case_ids: list[str], full_id: bool, stage: str) -> bytes:
    """The summary sheets of these cases as one PDF, in memory."""
    from app.reports.sheet import write_sheets
    from app.reports.sheet_data import sheets as sheet_data

    out = io.BytesIO()
    write_sheets(out, sheet_data(desk, case_ids, full_id=full_id), len(case_ids), _counter(say, stage))
    return out.getvalue()


def plan_ledger_import(desk: Desk, say: Say, path: Path, channel: str, source: str, stage: str) -> ImportPlan:
    """Read a ledger and decide what importing it would create (writes nothing)."""
    from app.reports.ledger_import import plan_import

    return plan_import(desk, path, channel, source, progress=_counter(say, stage))


def ledger_import(desk: Desk, say: Say, plan: ImportPlan, stage: str) -> list[str]:
    """Create the plan's cases in one transaction; returns the new case numbers."""
    from app.reports.ledger_import import run_import

    return run_import(desk, plan, _counter(say, stage))


def new_demo(_desk: None, say: Say, folder: Path, cases: int, stage: str) -> int:
    """Make the demo station in ``folder`` (its keys, its store, its public account) with ``cases`` cases; a job
    with no station open (run with none)."""
    from app.demo.generator import create_demo_station, generate_demo

    desk = create_demo_station(folder)
    try:
        return generate_demo(desk, cases, progress=_counter(say, stage))
    finally:
        desk.close()


def sync_export(desk: Desk, say: Say, to_code: str, out: Path) -> Any:
    from app.ops import sync_transfer

    return sync_transfer.export_bundle(desk, to_code, out, say)


def sync_import(desk: Desk, say: Say, path: Path) -> Any:
    from app.ops import sync_transfer

    return sync_transfer.import_bundle(desk, path, say)


__all__ = ["ProcessJob", "new_demo", "writing", "ledger", "ledger_import", "plan_ledger_import", "report", "sheets",
           "sync_export", "sync_import"]
