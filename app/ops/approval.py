"""Leader approvals: a step a handler may not take alone is taken with a leader's consent given in the same
operation — the leader's account and password (typed by the leader), and a reason.

``NEEDS_APPROVAL`` says, per event kind, when a step needs one and how to name it; ``grant`` checks the approval
and returns what the event records (the approving account beside the acting one). A leader or admin acting
alone approves their own step. Add a kind here to make another step need approval: the command line
(``--approver``) and the window's approval box follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.models.errors import DomainError
from app.models.vocab import CHECKLIST_ITEMS
from app.ops.keyring import Keyring

if TYPE_CHECKING:
    from app.models.case import CaseState
    from app.ops.desk import Desk

APPROVAL_KEY = "approval"  # where an event's payload records its approval


@dataclass(frozen=True)
class Approval:
    """A leader's consent, given in the operation that needs it."""

    account: str
    password: str
    reason: str = ""


def _close_needs(state: CaseState, payload: dict[str, Any]) -> str | None:
    if state.needs_checklist and state.checklist_done < len(CHECKLIST_ITEMS):
        missing = "、".join(CHECKLIST_ITEMS[k] for k, e in state.checklist.items() if not e.done)
        return f"四定四包未全部完成（{state.checklist_done}/{len(CHECKLIST_ITEMS)}，未完成：{missing}）时办结"
    return None


# Event kind → what needs approval in this step (None when it needs none).
NEEDS_APPROVAL: dict[str, Callable[[CaseState, dict[str, Any]], str | None]] = {
    "close": _close_needs,
}


def needed(state: CaseState, kind: str, payload: dict[str, Any]) -> str | None:
    """What in this step needs a leader's approval, in Chinese; None when nothing does."""
    rule = NEEDS_APPROVAL.get(kind)
    return rule(state, payload) if rule else None


def grant(desk: Desk, approval: Approval | None, what: str) -> dict[str, Any]:
    """The approval as the event records it, after checking it: the leader's password opens their wrap of the
    master key, the account is active and may approve, and a reason is given. Refuses in Chinese otherwise."""
    actor = desk.account
    if actor is None:
        raise DomainError("请先登录")
    # A leader or admin acting alone approves their own step (they have shown their password at login).
    name = (approval.account.strip() if approval else "") or (actor.name if actor.may("approve") else "")
    if not name:
        raise DomainError(f"{what}须经领导批准：当前账号“{actor.actor}”是{actor.role_label}，请领导在此输入其账号和"
                          "密码批准（命令行：--approver 领导账号 --reason 理由，密码取自 "
                          "PETITION_DESK_APPROVER_PASSWORD 或在终端输入）")
    if approval is None or not approval.reason.strip():
        raise DomainError(f"{what}须经领导批准并填写批准理由")
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
