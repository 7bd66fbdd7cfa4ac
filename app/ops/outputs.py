"""Outputs of personal data and the audit: what left the program readable, by whom, and what happened to accounts.

Every file a person writes with petitioners' data in it — a summary sheet, a ledger, a paper, a bundle's workbook
saved readable, a spot-check list, a daily or weekly report, the rows a ledger import refused — is recorded as an
event of the station (``output``: what, how many cases and people, whether ID numbers were in full, the file's
name), by the signed-in account, through ``record_output``. Full ID numbers are a leader's right, checked here
before the file is written. The writers below are the one way the window and the command line save the spot-check
list, the reports and the refused rows. ``audit`` lists outputs, account changes and wrong-password series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.models.errors import DomainError
from app.ops.accounts import ACCOUNT_KIND, ACTIONS, actor_name
from app.ops.session import LOGIN_FAILED_KIND

if TYPE_CHECKING:
    from app.ops.desk import Desk
    from app.ops.spot_check import SpotCheck
    from app.reports.ledger_import import ImportPlan
    from app.reports.periodic import PeriodReport

OUTPUT_KIND = "output"
AUDIT_KINDS = (OUTPUT_KIND, ACCOUNT_KIND, LOGIN_FAILED_KIND)
WHAT = {"sheet": "办理情况表", "ledger": "台账", "bundle_workbook": "同步包工作簿（可阅读）",
        "spot_check_list": "抽查清单", "report": "统计报表", "paper": "文书", "rejected_rows": "台账中未导入的行"}


def may_output(desk: Desk, *, full_id: bool) -> None:
    """Refuse, before anything is written, an output the signed-in account may not make (full ID numbers need
    a leader)."""
    if desk.account is None:
        raise DomainError("请先登录")
    if full_id:
        desk.require("full_id")


def record_output(desk: Desk, what: str, target: Path | str, *, cases: int, people: int | None,
                  full_id: bool = False) -> None:
    """Record that a readable file with personal data was written (call after writing it). ``people`` is None
    when the program cannot count them without reading the file again (a bundle's workbook)."""
    may_output(desk, full_id=full_id)
    desk.record_station_event(OUTPUT_KIND, output_payload(what, target, cases, people, full_id), {"audit"})


def output_payload(what: str, target: Path | str, cases: int, people: int | None, full_id: bool) -> dict[str, Any]:
    """The ``output`` event's payload (app.ops.papers records it in the paper's own transaction)."""
    return {"what": what, "file": Path(target).name, "cases": int(cases), "people": people, "full_id": bool(full_id)}


def people_in(desk: Desk, case_ids: list[str]) -> int:
    """How many petitioners the cases name (each person of each case once)."""
    total = 0
    for start in range(0, len(case_ids), 500):
        part = case_ids[start:start + 500]
        marks = ",".join("?" * len(part))
        total += int(desk.conn.execute(f"SELECT count(*) FROM petitioners WHERE case_id IN ({marks})",
                                       part).fetchone()[0])
    return total


def save_spot_check_list(desk: Desk, check: SpotCheck, path: Path) -> Path:
    """The drawn cases as a PDF or an xlsx workbook (by the file's suffix), recorded as an output."""
    from app.reports.figures import station_names
    from app.reports.spot_check_export import drawn_cases, write_pdf, write_xlsx

    may_output(desk, full_id=False)
    station = desk.require_station()
    lines = drawn_cases(desk.conn, check, desk.today())
    writer = write_pdf if Path(path).suffix.lower() == ".pdf" else write_xlsx
    written = writer(Path(path), check, lines, f"{station.name}（{station.code}）", station_names(desk.conn))
    held = [line.case_id for line in lines if line.station]
    record_output(desk, "spot_check_list", written, cases=len(held), people=people_in(desk, held))
    return written


def save_report(desk: Desk, kind: str, day: date, path: Path, say: Any = None) -> PeriodReport:
    """每日一报 or 周报 as a workbook, recorded as an output (its overdue list names the cases' petitioners)."""
    from app.reports.periodic import build_report, write_report

    may_output(desk, full_id=False)
    station = desk.require_station()
    if say:
        say(0, 2)
    report = build_report(desk.conn, kind, day, desk.limits)
    if say:
        say(1, 2)
    write_report(report, path, station.name)
    listed = [case.state.case_id for case in report.overdue]
    record_output(desk, "report", path, cases=len(listed), people=people_in(desk, listed))
    return report


def save_rejected_rows(desk: Desk, plan: ImportPlan, path: Path, *, full_id: bool = False) -> int:
    """The rows a ledger import refused, as they were but for the ID numbers (shown masked unless ``full_id``,
    a leader's right), recorded as an output; returns how many rows."""
    from app.reports.ledger_import import rejected_people, write_rejected

    may_output(desk, full_id=full_id)
    count = write_rejected(plan, path, full_id=full_id)
    record_output(desk, "rejected_rows", path, cases=count, people=rejected_people(plan), full_id=full_id)
    return count


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit: when, who, and what."""

    at: str
    actor: str
    account: str
    kind: str
    text: str
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "actor": self.actor, "account": self.account, "kind": self.kind, "text": self.text,
                "details": self.details}


def _text(kind: str, p: dict[str, Any]) -> str:
    if kind == OUTPUT_KIND:
        ids = "完整身份证号" if p.get("full_id") else "身份证号脱敏"
        people = "信访人数未计" if p.get("people") is None else f"{p['people']} 名信访人"
        unit = "行" if p.get("what") == "rejected_rows" else "件案件"  # each refused row would have been a case
        return (f"输出{WHAT.get(str(p.get('what')), p.get('what'))}：{p.get('cases', 0)} {unit}、{people}，{ids}，"
                f"文件 {p.get('file', '')}")
    if kind == ACCOUNT_KIND:
        if p.get("first"):  # made with the station (app.ops.station_setup)
            return f"设置站点并新建第一个管理员：{p.get('account', '')}"
        role = f"（{p['role']}）" if p.get("role") else ""
        return f"{ACTIONS.get(str(p.get('action')), p.get('action'))}：{p.get('account', '')}{role}"
    delay = "，已延迟再试" if p.get("delayed") else ""
    return (f"账号 {p.get('account', '')} 密码连续输错 {p.get('count', 0)} 次"
            f"（{str(p.get('first', ''))[:16].replace('T', ' ')} 至 {str(p.get('last', ''))[:16].replace('T', ' ')}）"
            f"{delay}")


def audit(desk: Desk, date_from: date | None = None, date_to: date | None = None) -> list[AuditEntry]:
    """This station's outputs, account changes and wrong-password series, oldest first; admins and leaders only
    (it names who looked at what)."""
    desk.require("audit")
    import orjson

    code = desk.require_station().code
    sql = (f"SELECT at, actor, kind, payload FROM events WHERE case_id = '' AND +origin = ? "  # the case index
           f"AND kind IN ({','.join('?' * len(AUDIT_KINDS))})")
    params: list[Any] = [code, *AUDIT_KINDS]
    if date_from:
        sql += " AND at >= ?"
        params.append(date_from.isoformat())
    if date_to:
        sql += " AND at < ?"
        params.append((date_to + timedelta(days=1)).isoformat())
    entries = []
    first = desk.setting("first_admin")
    if first and (not date_from or first.get("at", "") >= date_from.isoformat()) \
            and (not date_to or first.get("at", "") < (date_to + timedelta(days=1)).isoformat()):
        entries.append(AuditEntry(first.get("at", ""), first["name"], first["name"], ACCOUNT_KIND,
                                  f"设置站点并新建第一个管理员：{first['name']}", {"action": "add", "role": "admin"}))
    for at, actor, kind, payload in desk.conn.execute(sql + " ORDER BY seq", params):
        details = orjson.loads(payload)
        entries.append(AuditEntry(at, actor, actor_name(actor), kind, _text(kind, details), details))
    return entries
