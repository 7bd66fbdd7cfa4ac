"""How each event of a case reads to a person: the unit it concerns and its note, as the timeline, the command
line and printouts show it. A correction (修改信息) reads "诉求：old → new": the old value is the one the events
before it had set."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.models.case import OUT_OF_TURN_NOTE, CaseState, approval_text
from app.models.case_conflicts import EDITABLE_FIELDS, FIELD_LABELS
from app.models.events import Event, entered_text, event_when_text
from app.models.vocab import CHANNELS, CHECKLIST_ITEMS, EVENT_LABELS, RATINGS

EMPTY = "（空）"
PERSON_PARTS = (("id_number", "身份证号"), ("phone", "电话"), ("address", "住址"))


def value_text(field: str, value: Any) -> str:
    """A field's value as the timeline, the conflicts and the messages say it."""
    if field == "petitioners" and isinstance(value, list):
        return "、".join(str(p.get("name", "")) for p in value if isinstance(p, dict))
    if field == "channel":
        return CHANNELS.get(str(value), str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value) if value not in (None, "") else EMPTY


def _people_change(old: list[Any], new: list[Any]) -> str:
    """Who was added or removed, or which of a person's details changed."""
    old_people = [p for p in old if isinstance(p, dict)]
    new_people = [p for p in new if isinstance(p, dict)]
    names = [str(p.get("name", "")) for p in old_people], [str(p.get("name", "")) for p in new_people]
    if names[0] != names[1]:
        return f"信访人：{'、'.join(names[0]) or EMPTY} → {'、'.join(names[1]) or EMPTY}"
    parts = []
    for before, after in zip(old_people, new_people, strict=True):
        for key, label in PERSON_PARTS:
            was, now = before.get(key) or EMPTY, after.get(key) or EMPTY
            if was != now:
                parts.append(f"{after.get('name', '')}的{label}：{was} → {now}")
    return "；".join(parts) or "信访人：未改变"


def change_text(field: str, old: Any, new: Any) -> str:
    """How a correction reads: ``领域：农业农村 → 教育``; just the new value when the old one is not known."""
    label = EDITABLE_FIELDS.get(field, field)
    if old is None:
        return f"{label}改为：{value_text(field, new)}"
    if field == "petitioners" and isinstance(old, list) and isinstance(new, list):
        return _people_change(old, new)
    return f"{label}：{value_text(field, old)} → {value_text(field, new)}"


def change_notes(ordered: list[Event]) -> dict[str, str]:
    """Event id → "old → new" for each correction and conflict settlement of an editable field, replaying the
    events in the case's order (the order its fold uses)."""
    values: dict[str, Any] = {}
    notes = {}
    for event in ordered:
        p = event.payload
        if event.kind == "register":
            values = {name: p.get(name) for name in EDITABLE_FIELDS}
        elif event.kind in ("edit", "resolve") and p.get("field") in EDITABLE_FIELDS:
            name = str(p["field"])
            text = change_text(name, values.get(name), p.get("value"))
            notes[event.id] = text if event.kind == "edit" else f"处理修改冲突，{text}"
            values[name] = p.get("value")
    return notes


CLASSIFICATION_LABELS = {"category": "诉求分类", "problem_type": "问题类别", "purpose": "信访目的",
                         "legal_route": "解决途径"}


def _approval(p: dict[str, Any]) -> str:
    text = approval_text(p)
    return f"（{text}）" if text else ""


def describe(event: Event, labels: dict[str, str]) -> tuple[str, str]:
    """(unit, note) of an event as the timeline shows them. ``labels`` names other events (for annulments)."""
    p = event.payload
    kind = event.kind
    if kind == "register":
        return "", str(p.get("request_summary", ""))
    if kind == "dispatch":
        units = [str(u) for u in p.get("units", [])]
        double = "（一事双交）" if len(units) == 2 else ""
        mode = "交办" if p.get("mode") == "assign" else "转送"
        due = f"，{p['due']}前报送办结报告" if p.get("mode") == "assign" and p.get("due") else ""
        return "、".join(units), f"{mode}{due}{double}：{p.get('note', '')}".rstrip("：")
    if kind == "terminate":
        ground = f"［{p['ground']}］" if p.get("ground") else ""
        return "", f"{ground}{p.get('reason', '')}{_approval(p)}"
    if kind in ("decline", "object", "agree_objection", "refuse_objection", "no_longer_accept", "route_legal"):
        return str(p.get("unit", "")), f"{p.get('reason', '')}{_approval(p)}"
    if kind == "notify":
        document = f"，文书{p['document']}" if p.get("document") else ""
        return "", f"{p.get('notice', '')}告知（{p.get('way', '')}{document}）{p.get('note', '')}"
    if kind == "document":
        return "", f"{p.get('paper', '')} {p.get('number', '')}"
    if kind == "hearing":
        return "", f"{p.get('start', '')}至{p.get('end', '')}：{p.get('note', '')}".rstrip("：")
    if kind in ("feedback", "answer_review", "answer_re_review"):
        return str(p.get("unit", "")), str(p.get("reply", ""))
    if kind == "follow_up":
        rating = RATINGS.get(str(p.get("rating", "")), "")
        return "", "：".join(x for x in (rating, str(p.get("note", ""))) if x)
    if kind == "extend":
        return "", f"延期{p.get('days')}天：{p.get('reason', '')}{_approval(p)}"
    if kind == "classify":
        return "", "，".join(f"{label}：{p[key]}" for key, label in CLASSIFICATION_LABELS.items()
                            if p.get(key) not in (None, ""))
    if kind == "close" and approval_text(p):
        return "", f"{p.get('note', '')}（四定四包未全部完成，{approval_text(p)}）"
    if kind == "edit":
        field = str(p.get("field", ""))
        return "", f"{EDITABLE_FIELDS.get(field, field)}改为：{value_text(field, p.get('value'))}"
    if kind == "set_leader":
        return "", str(p.get("leader", ""))
    if kind == "set_backlog":
        return "", "列为积案" if p.get("backlog") else "取消积案"
    if kind == "checklist":
        label = CHECKLIST_ITEMS.get(str(p.get("key", "")), str(p.get("key", "")))
        state = "已落实" if p.get("done") else "改为未落实"
        return "", f"{label}{state}：{p.get('note', '')}".rstrip("：")
    if kind == "link_repeat":
        return "", f"关联案件 {p.get('other', '')}"
    if kind == "annul":
        return "", f"撤销“{labels.get(str(p.get('target', '')), '')}”：{p.get('reason', '')}"
    if kind == "supervise":
        step = f"完成“{EVENT_LABELS.get(str(p['step']), p['step'])}”" if p.get("step") else ""
        due = f"（限{p['deadline']}前{step}）" if p.get("deadline") else ""
        return "", f"{p.get('note', '')}{due}"
    if kind == "resolve":
        field = str(p.get("field", ""))
        return "", f"处理修改冲突：{FIELD_LABELS.get(field, field)}定为 {value_text(field, p.get('value'))}"
    return str(p.get("unit", "")), str(p.get("note", ""))


def classification_text(state: CaseState) -> str:
    """诉求分类 as ``show``, the detail and the printed sheet say it."""
    parts = [state.category or "未分类", state.problem_type.replace("/", "／") or "问题类别未填",
             f"目的：{state.purpose or '未填'}", "初信初访" if state.first_petition else "重复信访"]
    if state.legal_route:
        parts.append(f"途径：{state.legal_route}")
    if state.work_order:
        parts.append(f"12345工单：{state.work_order}")
    return "  ".join(parts)


FROM_ABOVE = "（上级）"
OWN_STATION = "（本站）"


def station_mark(origin: str, case_origin: str, own: str = "", above: frozenset[str] | None = None) -> str:
    """How a step's station is marked for the station looking at it: （上级） for a station above the viewer,
    （本站） for the viewer's own step on another station's case. Without ``above`` (no certificates known), a
    step made elsewhere than where the case was registered counts as coming from above."""
    if above is None:
        return FROM_ABOVE if case_origin and origin != case_origin else ""
    if origin in above:
        return FROM_ABOVE
    if origin == own and case_origin and origin != case_origin:
        return OWN_STATION
    return ""


def event_notes(events: list[Event], out_of_turn: Iterable[str] = ()) -> list[tuple[Event, str, str, bool]]:
    """Each event in the case's order with its (unit, note) and whether a later correction annulled it.
    ``out_of_turn`` (the fold's) names steps made elsewhere that did not move the case; their note says so."""
    ordered = sorted(events, key=Event.sort_key)
    annulled = {str(e.payload.get("target")) for e in ordered if e.kind == "annul"}
    labels = {e.id: f"{EVENT_LABELS.get(e.kind, e.kind)} {event_when_text(e)}" for e in ordered}
    changes = change_notes(ordered)
    late = set(out_of_turn)
    rows = []
    for e in ordered:
        unit, note = ("", changes[e.id]) if e.id in changes else describe(e, labels)
        note += entered_text(e)
        rows.append((e, unit, note + OUT_OF_TURN_NOTE if e.id in late else note, e.id in annulled))
    return rows
