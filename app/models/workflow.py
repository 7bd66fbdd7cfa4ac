"""The handling chain as a state machine: which step may follow which, and why not.

登记 → 派发 → 受理 (or 不予受理; or 异议退回 within 5 working days, back to be dispatched again) → 联系 → 办理 →
反馈 → 回访 → 办结 (or 依法终结), with one extension and the 复查 / 复核 rounds that reopen a case. ``check`` is
called before an event is written; the fold trusts the log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.models.case import EDITABLE_FIELDS, CaseState
from app.models.chain import ALLOWED_FROM
from app.models.deadlines import TimeLimits, objection_due
from app.models.errors import DomainError
from app.models.vocab import CHECKLIST_ITEMS, EVENT_LABELS, RATINGS, STATUSES

# Steps offered in the GUI and command line, in chain order.
CHAIN_STEPS: tuple[str, ...] = tuple(ALLOWED_FROM)
# Kinds that are not chain steps and may be recorded whatever the status.
FREE_KINDS = frozenset({"edit", "set_leader", "set_backlog", "checklist", "link_repeat", "attach", "supervise",
                        "resolve", "annul"})


def allowed_steps(state: CaseState) -> list[str]:
    """The chain steps that may be taken now, for menus and buttons (limits checked at the step itself)."""
    steps = [kind for kind, sources in ALLOWED_FROM.items() if state.status in sources]
    if state.extension_days:
        steps = [s for s in steps if s != "extend"]
    if state.review_round >= 1:
        steps = [s for s in steps if s != "request_review"]
    if state.review_round != 1:
        steps = [s for s in steps if s != "request_re_review"]
    return steps


def _require_text(payload: dict[str, Any], key: str, what: str) -> None:
    if not str(payload.get(key, "")).strip():
        raise DomainError(f"请填写{what}")


def check(state: CaseState, kind: str, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    """Raise DomainError, with the reason in Chinese, when ``kind`` may not be recorded on the case now."""
    label = EVENT_LABELS.get(kind, kind)
    if kind in ALLOWED_FROM and state.status not in ALLOWED_FROM[kind]:
        raise DomainError(f"案件当前状态为“{STATUSES[state.status]}”，不能进行“{label}”")
    if kind not in ALLOWED_FROM and kind not in FREE_KINDS:
        raise DomainError(f"未知的操作：{kind}")
    checker = _CHECKS.get(kind)
    if checker:
        checker(state, payload, limits, today)


def check_date(state: CaseState, kind: str, when: datetime) -> None:
    """A step may not be dated before the case was received, nor a chain step before the chain step before it
    (dates compare by day: the order within a day is the order of entry)."""
    day = when.date()
    received = state.date_of(state.registered_at)
    if received and day < received:
        raise DomainError(f"日期{day.isoformat()}早于本件的收到（登记）日期{received.isoformat()}")
    if kind in ALLOWED_FROM:
        chain = [s for s in state.steps if s.kind in ALLOWED_FROM]
        if chain:
            last = chain[-1]
            last_day = date.fromisoformat(last.at[:10])
            if day < last_day:
                raise DomainError(f"日期{day.isoformat()}早于本件上一步骤“{EVENT_LABELS.get(last.kind, last.kind)}”"
                                  f"的日期{last_day.isoformat()}")


def _check_dispatch(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    units = [u for u in payload.get("units", []) if str(u).strip()]
    if not 1 <= len(units) <= 2:
        raise DomainError("派发须指定一个事权单位，积案“一事双交”时指定属地和市级主管部门两个单位")
    if len(units) == 2 and units[0] == units[1]:
        raise DomainError("一事双交的两个单位不能相同")


def _check_reason(key: str, what: str):  # type: ignore[no-untyped-def]
    def check_it(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
        _require_text(payload, key, what)
    return check_it


def _check_feedback(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if state.measures == 0:
        raise DomainError("尚未记录任何办理措施，不能答复反馈")
    _require_text(payload, "reply", "答复意见")


def _check_follow_up(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if payload.get("rating") not in RATINGS:
        raise DomainError("回访评价须为：满意、基本满意或不满意")


def _check_close(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if state.needs_checklist and state.checklist_done < len(CHECKLIST_ITEMS):
        override = payload.get("override") or {}
        if not (str(override.get("by", "")).strip() and str(override.get("reason", "")).strip()):
            missing = "、".join(CHECKLIST_ITEMS[k] for k, e in state.checklist.items() if not e.done)
            raise DomainError(
                f"四定四包尚未全部完成（{state.checklist_done}/{len(CHECKLIST_ITEMS)}，未完成：{missing}），"
                "不能办结；如确需办结，须由督办领导填写理由批准"
            )


def _check_extend(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if state.extension_days:
        raise DomainError("本件已延期一次，不能再次延期")
    days = payload.get("days")
    if not isinstance(days, int) or not 1 <= days <= limits.extension_max_days:
        raise DomainError(f"延期天数须为1至{limits.extension_max_days}天")
    _require_text(payload, "reason", "延期理由")


def _within(start: str, days: int, today: date, what: str) -> None:
    if start and (today - date.fromisoformat(start[:10])).days > days:
        raise DomainError(f"已超过{what}期限（收到答复意见之日起{days}日内）")


def _check_request_review(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if state.review_round >= 1:
        raise DomainError("本件已复查过，如不服复查意见应申请复核")
    _within(state.replied_at, limits.review_request_days, today, "申请复查")


def _check_request_re_review(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if state.review_round >= 2:
        raise DomainError("复核意见为最终意见，同一事实和理由不再受理")
    if state.review_round < 1:
        raise DomainError("须先申请复查，方可申请复核")
    _within(state.replied_at, limits.re_review_request_days, today, "申请复核")


def _check_edit(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if payload.get("field") not in EDITABLE_FIELDS:
        raise DomainError(f"该字段不能修改：{payload.get('field')}")


def _check_checklist(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if payload.get("key") not in CHECKLIST_ITEMS:
        raise DomainError(f"四定四包没有这一项：{payload.get('key')}")
    if payload.get("done"):
        _require_text(payload, "note", f"“{CHECKLIST_ITEMS[payload['key']]}”的说明（措施、期限或单位）")


def _check_annul(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    _require_text(payload, "reason", "撤销理由")
    chain = [s for s in state.steps if s.kind in ALLOWED_FROM]
    if not chain:
        raise DomainError("没有可撤销的办理步骤")
    if payload.get("target") != chain[-1].event_id:
        raise DomainError("只能撤销最近的一个办理步骤")


def _check_object(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    _require_text(payload, "reason", "异议理由（为何不属本单位职责）")
    if state.dispatched_at:
        due = objection_due(date.fromisoformat(state.dispatched_at[:10]), limits)
        if today > due:
            raise DomainError(f"已超过异议期限：须在派发后{limits.objection_workdays}个工作日内"
                              f"（最迟{due.isoformat()}）提出，现应予受理或不予受理")


_CHECKS = {
    "dispatch": _check_dispatch,
    "object": _check_object,
    "decline": _check_reason("reason", "不予受理的理由"),
    "terminate": _check_reason("reason", "依法终结的理由"),
    "contact": _check_reason("note", "联系情况"),
    "handle": _check_reason("note", "办理措施"),
    "answer_review": _check_reason("reply", "复查意见"),
    "answer_re_review": _check_reason("reply", "复核意见"),
    "feedback": _check_feedback,
    "follow_up": _check_follow_up,
    "close": _check_close,
    "extend": _check_extend,
    "request_review": _check_request_review,
    "request_re_review": _check_request_re_review,
    "edit": _check_edit,
    "checklist": _check_checklist,
    "annul": _check_annul,
}
