"""Actions from above: what a county or city office does to cases that came up from the stations below —
assign or change the case-responsible leader, dispatch (一事双交), set the backlog flag, issue a supervision order
(督办), settle a conflict. Each is an event of this station on the other station's case; it travels down in the
next bundle and shows on the township's timeline as coming from above.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from app.models.case_conflicts import CHECKLIST_PREFIX, DISPATCH_UNITS, FIELD_LABELS
from app.models.chain import ALLOWED_FROM
from app.models.concurrency import seen_vector
from app.models.errors import DomainError
from app.models.events import Event
from app.models.vocab import CHANNELS, STATUSES
from app.ops.desk import Desk
from app.sync.conflicts import hard_conflicts


def assign_leader(desk: Desk, case_id: str, leader: str) -> Event:
    """Assign or change the case-responsible leader (包案领导)."""
    return desk.set_leader(case_id, leader)


def set_backlog(desk: Desk, case_id: str, backlog: bool = True) -> Event:
    return desk.set_backlog(case_id, backlog)


def dispatch(desk: Desk, case_id: str, units: list[str], note: str = "") -> Event:
    """Hand the case to the unit with authority, or for a backlog case (一事双交) to both the local jurisdiction
    and the city-level competent department."""
    return desk.record(case_id, "dispatch", {"units": [u.strip() for u in units if u.strip()], "note": note.strip()})


def supervise(desk: Desk, case_id: str, deadline: str, note: str, step: str = "") -> Event:
    """Issue a supervision order (督办): what is to be done, by when. The deadline is a time limit of the case
    (yellow from the order, red after the deadline) until the ordered step (``step``; any next step when empty)
    is recorded. A leader's right (app.ops.accounts.RIGHTS): checked before anything is read or written."""
    desk.require("supervise")
    if step and step not in ALLOWED_FROM:
        raise DomainError(f"督办要求的办理步骤不存在：{step}")
    state = desk.case(case_id)
    if state.finished:
        raise DomainError(f"案件 {case_id} 已{STATUSES[state.status].removeprefix('已')}，不能再督办")
    try:
        due = date.fromisoformat(deadline.strip())
    except ValueError:
        raise DomainError("督办期限须为日期，如 2026-03-31") from None
    if due < desk.today():
        raise DomainError("督办期限不能早于今天")
    if not note.strip():
        raise DomainError("请填写督办要求")
    payload = {"deadline": due.isoformat(), "note": note.strip()}
    if step:
        payload["step"] = step
    return desk.record(case_id, "supervise", payload)


def parse_value(desk: Desk, field_name: str, text: str) -> Any:
    """A value typed for a field, in the field's own type."""
    text = text.strip()
    if field_name == DISPATCH_UNITS:
        units = [u.strip() for u in text.replace("，", "、").replace(",", "、").split("、") if u.strip()]
        if not 1 <= len(units) <= 2 or len(set(units)) != len(units):
            raise DomainError("派发单位须为一个事权单位，或“一事双交”的两个不同单位（用“、”隔开）")
        return units
    if field_name in ("backlog", "collective") or field_name.startswith(CHECKLIST_PREFIX):
        if text in ("是", "true", "1", "yes"):
            return True
        if text in ("否", "false", "0", "no"):
            return False
        raise DomainError(f"“{FIELD_LABELS[field_name]}”须为“是”或“否”")
    if field_name == "head_count":
        if not text.isdigit() or int(text) < 1:
            raise DomainError("人数须为正整数")
        return int(text)
    if field_name == "channel":
        codes = {v: k for k, v in CHANNELS.items()}
        if text in CHANNELS or text in codes:
            return codes.get(text, text)
        raise DomainError(f"来源渠道须为：{'、'.join(CHANNELS.values())}")
    if field_name == "petitioners":
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise DomainError("信访人须为 JSON 列表，如 [{\"name\": \"王小明\"}]") from None
        if not isinstance(value, list) or not all(isinstance(p, dict) and p.get("name") for p in value):
            raise DomainError("信访人须为 JSON 列表，每人至少有姓名")
        return value
    if field_name == "domain" and text not in desk.domains:
        raise DomainError(f"领域“{text}”不在本站的领域列表中")
    if not text and field_name in ("request_summary",):
        raise DomainError("诉求不能为空")
    return text


def resolve(desk: Desk, case_id: str, field_name: str, pick: int | None = None, value: str | None = None) -> Event:
    """Settle a hard conflict: keep one of the values (``pick``, counted from 1) or enter a merged ``value``.
    The decision is an event of its own, so it travels to the other stations like any change."""
    if field_name not in FIELD_LABELS:
        raise DomainError(f"没有这个字段：{field_name}")
    found = [c for c in hard_conflicts(desk.conn, case_id) if c.field == field_name]
    if not found:
        raise DomainError(f"案件 {case_id} 的“{FIELD_LABELS[field_name]}”没有待处理的修改冲突")
    choices = found[0].choices
    if (pick is None) == (value is None):
        raise DomainError("请选择保留哪一个值（--pick 序号），或填写合并后的值（--value）")
    if pick is not None:
        if not 1 <= pick <= len(choices):
            raise DomainError(f"序号须为 1 至 {len(choices)}")
        chosen = choices[pick - 1].value
    else:
        chosen = parse_value(desk, field_name, value or "")
    events = desk.events(case_id)
    base = desk.case(case_id).versions.get(field_name)
    payload = {"field": field_name, "value": chosen, "base": base, "seen": seen_vector(events),
               "settled": [c.event_id for c in choices]}
    if field_name.startswith(CHECKLIST_PREFIX) and chosen:
        # The item is done as the tick kept says it was done: its note (measures, time limit or unit) goes with it.
        ticks = [e for e in events if e.id in payload["settled"] and e.kind == "checklist" and e.payload.get("done")]
        payload["note"] = str(ticks[-1].payload.get("note", "")) if ticks else ""
    return desk.record(case_id, "resolve", payload)
