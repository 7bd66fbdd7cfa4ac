"""Leader approvals: a step a handler may not take alone is taken with a leader's consent given in the same
operation — the leader's account and password (typed by the leader) and a reason.

When a step needs approval is the workflow's to say (app.models.workflow: ``approved`` read by the checks of
``APPROVAL_KINDS``). ``approve_step`` asks those rules, checks the approval given, and records in the payload
the approving account beside the acting one. A leader or admin acting alone approves their own step. A new
kind of approval is one more check in the workflow that reads ``approved``, and its kind in APPROVAL_KINDS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.models.errors import DomainError
from app.models.workflow import APPROVAL_KEY, APPROVAL_KINDS, check
from app.ops.keyring import Keyring

if TYPE_CHECKING:
    from app.models.case import CaseState
    from app.ops.desk import Desk

_STAND_IN = {"account": "?", "reason": "?"}  # an approval assumed, to ask the rules whether one is what is missing


@dataclass(frozen=True)
class Approval:
    """A leader's consent, given in the operation that needs it. An empty account means the signed-in account
    itself approves (a leader or admin)."""

    account: str
    password: str
    reason: str = ""


def needed(state: CaseState, kind: str, payload: dict[str, Any], desk: Desk, when: datetime) -> str | None:
    """Why this step needs a leader's approval, in Chinese (the workflow's refusal without one); None when it
    needs none, or when it is refused for another reason too (``record`` then says that reason)."""
    if kind not in APPROVAL_KINDS:
        return None
    bare = {k: v for k, v in payload.items() if k != APPROVAL_KEY}
    try:
        check(state, kind, bare, desk.limits, when.date())
        return None
    except DomainError as err:
        reason = str(err)
    try:
        check(state, kind, {**bare, APPROVAL_KEY: _STAND_IN}, desk.limits, when.date())
    except DomainError:
        return None
    return reason


def approve_step(desk: Desk, case_id: str, kind: str, payload: dict[str, Any], when: datetime,
                 approval: Approval | None) -> dict[str, Any]:
    """The payload to record: without any approval typed in by hand, and with the checked approval when the
    workflow asks for one."""
    payload.pop(APPROVAL_KEY, None)  # only ``grant`` writes an approval
    if kind in APPROVAL_KINDS:
        what = needed(desk.case(case_id), kind, payload, desk, when)
        if what:
            payload[APPROVAL_KEY] = grant(desk, approval, what)
    return payload


def grant(desk: Desk, approval: Approval | None, what: str) -> dict[str, Any]:
    """The approval as the event records it, after checking it: the leader's password opens their wrap of the
    master key, the account is active and may approve, and a reason is given. Refuses in Chinese otherwise."""
    actor = desk.account
    if actor is None:
        raise DomainError("请先登录")
    # A leader or admin acting alone approves their own step (they have shown their password at login).
    name = (approval.account.strip() if approval else "") or (actor.name if actor.may("approve") else "")
    if not name:
        raise DomainError(f"{what}：当前账号“{actor.actor}”是{actor.role_label}，请领导在此输入其账号和密码批准"
                          "（命令行：--approver 领导账号 --reason 理由，密码取自 PETITION_DESK_APPROVER_PASSWORD "
                          "或在终端输入）")
    if approval is None or not approval.reason.strip():
        raise DomainError(f"{what}：请填写批准理由")
    approver = desk.accounts().get(name)
    if approver is None or not approver.active:
        raise DomainError(f"批准人账号“{name}”不存在或已停用")
    if not approver.may("approve"):
        raise DomainError(f"批准人“{approver.actor}”是{approver.role_label}，不能批准：须由领导或管理员账号批准")
    if name != actor.name:  # the signed-in account has shown its password already
        try:
            Keyring.load(desk.data_dir).open_with_password(name, approval.password, desk.now())
        except DomainError as err:
            raise DomainError(f"批准未通过：{err}") from None
    return {"account": approver.name, "display": approver.display, "role": approver.role,
            "reason": approval.reason.strip()}
