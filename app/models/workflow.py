"""The handling chain as a state machine: which step may follow which, and why not.

登记 → 派发 → 受理 (or 不予受理; or 异议退回 within 5 working days, back to be dispatched again) → 联系 → 办理 →
反馈 → 回访 → 办结 (or 依法终结), with one extension and the 复查 / 复核 rounds that reopen a case. ``check`` is
called before an event is written; the fold trusts the log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.models.case import CaseState
from app.models.case_conflicts import EDITABLE_FIELDS
from app.models.chain import ALLOWED_FROM
from app.models.deadlines import TimeLimits, objection_due, running_limits
from app.models.errors import DomainError
from app.models.vocab import (
    CATEGORIES,
    CHECKLIST_ITEMS,
    DISPATCH_MODES,
    EVENT_LABELS,
    LEGAL_ROUTES,
    NOTICE_WAYS,
    NOTICES,
    PETITION_ROUTE,
    PURPOSES,
    RATINGS,
    STATUSES,
    TERMINATION_GROUNDS,
)

# Steps offered in the GUI and command line, in chain order.
CHAIN_STEPS: tuple[str, ...] = tuple(ALLOWED_FROM)
# Kinds that are not chain steps and may be recorded whatever the status.
FREE_KINDS = frozenset({"edit", "set_leader", "set_backlog", "checklist", "link_repeat", "attach", "supervise",
                        "resolve", "annul", "notify", "completion_report", "classify",
                        "document"})


def allowed_steps(state: CaseState) -> list[str]:
    """The chain steps that may be taken now, for menus and buttons (limits checked at the step itself)."""
    steps = [kind for kind, sources in ALLOWED_FROM.items() if state.status in sources]
    if state.extension_days:
        steps = [s for s in steps if s != "extend"]
    if state.review_round >= 1:
        steps = [s for s in steps if s != "request_review"]
    if state.review_round != 1:
        steps = [s for s in steps if s != "request_re_review"]
    if not is_legal_channel(state):
        steps = [s for s in steps if s != "route_legal"]
    if not state.repeat_of:
        steps = [s for s in steps if s != "no_longer_accept"]
    return steps


# The usual way forward, in order; the other allowed steps (异议, 不予受理, 延期, 依法终结, 复查 …) are detours.
FORWARD: tuple[str, ...] = ("dispatch", "accept", "contact", "handle", "feedback", "follow_up", "close",
                            "answer_review", "answer_re_review")


def offered_steps(state: CaseState) -> list[str]:
    """The allowed steps in the order a handler is offered them: the next step of the usual way first, the detours
    after it, and the step just recorded last (saving a form untouched must not record the same step twice)."""
    allowed = allowed_steps(state)
    last = next((s.kind for s in reversed(state.steps) if s.kind in ALLOWED_FROM), "")
    reached = FORWARD.index(last) if last in FORWARD else -1

    def rank(kind: str) -> tuple[int, int]:
        if kind == last:
            return (3, 0)
        if kind in FORWARD:
            position = FORWARD.index(kind)
            return (0 if position > reached else 2, position)
        return (1, CHAIN_STEPS.index(kind) if kind in CHAIN_STEPS else len(CHAIN_STEPS))

    return sorted(allowed, key=rank)


def why_not(state: CaseState, kind: str, limits: TimeLimits, today: date) -> str:
    """Why ``kind`` cannot be recorded now, in Chinese (empty when it can, fields apart)."""
    if kind in allowed_steps(state):
        return ""
    try:
        check(state, kind, {}, limits, today)
    except DomainError as err:
        return str(err)
    return f"案件当前状态为“{STATUSES[state.status]}”，不能进行“{EVENT_LABELS.get(kind, kind)}”"


def is_legal_channel(state: CaseState) -> bool:
    """A 申诉求决 matter that belongs to litigation, arbitration, administrative review or another statutory
    procedure: it is routed there (导入法定途径), not handled as a 信访."""
    return state.category == "申诉求决" and state.legal_route not in ("", PETITION_ROUTE)


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
    mode = payload.get("mode", "transfer")
    if mode not in DISPATCH_MODES:
        raise DomainError("派发方式须为：转送或交办")
    if mode == "assign":
        due = _day(payload.get("due"), "交办的办结报告期限")
        if due <= today:
            raise DomainError("交办的办结报告期限须晚于今天")
    elif payload.get("due"):
        raise DomainError("转送不设办结报告期限；要求报告办理结果的，请选择交办")
    if is_legal_channel(state):
        raise DomainError(f"本件属申诉求决类、应通过{state.legal_route}解决，应导入法定途径，不作为信访事项派发")


def _day(value: Any, what: str) -> date:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise DomainError(f"{what}须为日期，如 2026-03-31") from None


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


APPROVAL_KEY = "approval"  # where a step's payload records the leader's approval
# The steps that may need a leader's approval (the operations layer asks these rules whether one does).
APPROVAL_KINDS = frozenset({"close", "decline", "terminate", "extend"})


def approved(payload: dict[str, Any]) -> bool:
    """Whether the step carries a leader's approval: the approving account and why, put there by the operations
    layer once the leader's password has been checked (app.ops.approval). Every step that needs one — 办结 or
    依法终结 or 不予受理 with 四定四包 open, 依法终结 before a reply, an extension — reads it here."""
    approval = payload.get(APPROVAL_KEY) or {}
    return isinstance(approval, dict) and bool(str(approval.get("account", "")).strip()) \
        and bool(str(approval.get("reason", "")).strip())


def _checklist_or_approval(state: CaseState, payload: dict[str, Any], what: str) -> None:
    """On a backlog case or a case with a leader, a step that ends the case needs 四定四包 done or approval."""
    if state.needs_checklist and state.checklist_done < len(CHECKLIST_ITEMS) and not approved(payload):
        missing = "、".join(CHECKLIST_ITEMS[k] for k, e in state.checklist.items() if not e.done)
        raise DomainError(
            f"四定四包尚未全部完成（{state.checklist_done}/{len(CHECKLIST_ITEMS)}，未完成：{missing}），"
            f"不能{what}；如确需{what}，须经领导批准"
        )


def _check_close(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    _checklist_or_approval(state, payload, "办结")


def _check_decline(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    _require_text(payload, "reason", "不予受理的理由")
    _checklist_or_approval(state, payload, "不予受理")


def _check_terminate(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if payload.get("ground") not in TERMINATION_GROUNDS:
        raise DomainError("请选择依法终结的法定情形：" + "；".join(TERMINATION_GROUNDS))
    _require_text(payload, "reason", "依法终结的理由")
    if not state.replied_at and not approved(payload):
        raise DomainError("尚未书面答复信访人，不能依法终结；如确需终结，须经领导批准")
    _checklist_or_approval(state, payload, "依法终结")


def _check_no_longer_accept(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    _require_text(payload, "reason", "不再受理的理由（与已复核事项为同一事实和理由）")


def _check_route_legal(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if not is_legal_channel(state):
        raise DomainError("只有申诉求决类、应通过诉讼、仲裁、行政复议等法定途径解决的事项才能导入法定途径"
                          "（请先在诉求分类中选定途径）")
    _require_text(payload, "reason", "导入法定途径的说明（向何机关、通过何程序）")


def _check_notify(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    notice = payload.get("notice")
    if notice not in NOTICES:
        raise DomainError("告知事项须为：" + "、".join(NOTICES))
    if payload.get("way") not in NOTICE_WAYS:
        raise DomainError("告知方式须为：" + "、".join(NOTICE_WAYS))
    if not isinstance(payload.get("document", ""), str):
        raise DomainError("文书编号须为文字")
    if notice not in fitting_notices(state):
        raise DomainError(f"本件尚无可“{notice}告知”的决定（当前状态：{STATUSES[state.status]}）")


def _check_document(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    """A numbered paper (app.models.papers says which papers a case may have; app.ops.papers numbers them)."""
    _require_text(payload, "paper", "文书种类")
    _require_text(payload, "number", "文书编号")


def fitting_notices(state: CaseState) -> list[str]:
    """The notices (告知) the case has a decision for now."""
    fits = {
        "受理": bool(state.accepted_at),
        "不予受理": state.status == "declined",
        "不再受理": state.status == "not_accepted",
        "转送": bool(state.dispatched_at),
        "延期": bool(state.extension_days),
        "导入法定途径": state.status == "routed_legal",
    }
    return [n for n in NOTICES if fits[n]]


def other_steps(state: CaseState) -> list[str]:
    """Besides the chain: a notice when there is something to tell, a 交办's completion report while it is due,
    and 诉求分类 while the case is open."""
    kinds = ["notify"] if fitting_notices(state) else []
    if state.report_pending:
        kinds.append("completion_report")
    if not state.finished:
        kinds.append("classify")
    return kinds


def _check_completion_report(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if not state.report_pending:
        raise DomainError("本件不是交办件，或办结报告已报送")
    _require_text(payload, "note", "办结报告内容（办理结果）")


def _check_hearing(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    start, end = _day(payload.get("start"), "听证开始日期"), _day(payload.get("end"), "听证结束日期")
    if end < start:
        raise DomainError("听证结束日期不能早于开始日期")
    requested = state.date_of(state.review_requested_at)
    if requested and start < requested:
        raise DomainError(f"听证须在申请复核（{requested.isoformat()}）之后举行")


def _check_classify(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    check_classification(payload)


def check_classification(p: dict[str, Any]) -> None:
    """诉求分类: each field, when given, from its list; a route only for 申诉求决."""
    if p.get("category") and p["category"] not in CATEGORIES:
        raise DomainError("诉求分类须为：" + "、".join(CATEGORIES))
    if p.get("purpose") and p["purpose"] not in PURPOSES:
        raise DomainError("信访目的须为：" + "、".join(PURPOSES))
    route = p.get("legal_route")
    if route and route not in LEGAL_ROUTES:
        raise DomainError("解决途径须为：" + "、".join(LEGAL_ROUTES))
    if route and route != PETITION_ROUTE and p.get("category", "申诉求决") != "申诉求决":
        raise DomainError("只有申诉求决类事项可选诉讼、仲裁、行政复议等法定途径")


def _check_extend(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    if state.extension_days:
        raise DomainError("本件已延期一次，不能再次延期")
    days = payload.get("days")
    if not isinstance(days, int) or not 1 <= days <= limits.extension_max_days:
        raise DomainError(f"延期天数须为1至{limits.extension_max_days}天")
    _require_text(payload, "reason", "延期理由")
    handling = next((d for d in running_limits(state.clock(), limits) if d.label == "办理答复"), None)
    if handling is not None and today > handling.due:
        raise DomainError(f"办理答复期限已于{handling.due.isoformat()}届满，逾期后不能延期")
    if not approved(payload):
        raise DomainError("延期须经单位负责人批准")


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


def _check_objection_answer(state: CaseState, payload: dict[str, Any], limits: TimeLimits, today: date) -> None:
    _require_text(payload, "reason", "审核意见")


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
    "agree_objection": _check_objection_answer,
    "refuse_objection": _check_objection_answer,
    "decline": _check_decline,
    "terminate": _check_terminate,
    "no_longer_accept": _check_no_longer_accept,
    "route_legal": _check_route_legal,
    "notify": _check_notify,
    "document": _check_document,
    "completion_report": _check_completion_report,
    "hearing": _check_hearing,
    "classify": _check_classify,
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
