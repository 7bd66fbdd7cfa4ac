"""What each kind of event may carry: the one check every event passes before it is stored.

Every path in — the new-case form and the command line, ledger import, corrections, conflict resolution, batch
handling, and import from another station — ends in ``check_event`` (local events through the chain writer, sync
through ``app.sync.apply``), so the fold can trust what it reads.

Adding a kind of event is one entry in ``SHAPES``: its fields, each with a shape from the small set below (``NAME``,
``LONG``, ``Choice(...)``, ``Flag()``, ``Count(lo, hi)`` …), ``True`` after a field that must be present. A kind
with no entry is refused everywhere, so a new kind cannot be stored without saying what it carries.

Limits (a name or unit 50 characters, an address 200, a request, note or reply 5,000, no control characters but
the newline in long texts, dates from 1900 to tomorrow) bind new input. An event made before they existed is
checked for its structure only (``strict=False``), so an old event never blocks sync.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from app.models.errors import DomainError
from app.models.identity import id_problem, phone_problem
from app.models.settings import SETTING_KIND, SETTINGS
from app.models.vocab import (
    CATEGORIES,
    CHANNELS,
    CHECKLIST_ITEMS,
    DISPATCH_MODES,
    EVENT_LABELS,
    EVIDENCE_KINDS,
    LEGAL_ROUTES,
    NOTICE_WAYS,
    NOTICES,
    PURPOSES,
    RATINGS,
    TERMINATION_GROUNDS,
)

NAME_MAX, ADDRESS_MAX, LONG_MAX = 50, 200, 5000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EVENT_ID = re.compile(r"^[A-Za-z0-9]{2,20}:[1-9][0-9]{0,11}$")
_CASE_ID = re.compile(r"^[A-Za-z0-9]{2,20}-[0-9]{4}-[0-9]{5}$")
_STATION = re.compile(r"^[A-Za-z0-9]{2,20}$")


class Shape:
    """One field's shape. ``problem`` says, in Chinese, what is wrong with a value, or returns None."""

    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Shape):
    limit: int
    multiline: bool = False

    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        if not isinstance(value, str):
            return "应为文字"
        if strict:
            if len(value) > self.limit:
                return f"过长（{len(value)} 字，最多 {self.limit} 字）"
            if (_CONTROL_BUT_NEWLINE if self.multiline else _CONTROL).search(value):
                return "含有控制字符" + ("" if self.multiline else "或换行")
        return None


@dataclass(frozen=True)
class Pattern(Shape):
    regex: re.Pattern[str]
    what: str

    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        return None if isinstance(value, str) and self.regex.match(value) else f"应为{self.what}"


@dataclass(frozen=True)
class Choice(Shape):
    values: tuple[Any, ...]

    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        return None if value in self.values else f"不是可选的值：{str(value)[:40]}"


@dataclass(frozen=True)
class Flag(Shape):
    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        return None if isinstance(value, bool) else "应为“是”或“否”"


@dataclass(frozen=True)
class Count(Shape):
    low: int
    high: int

    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return "应为整数"
        return None if self.low <= value <= self.high else f"应在 {self.low} 至 {self.high} 之间"


@dataclass(frozen=True)
class Day(Shape):
    """A date (YYYY-MM-DD); the range binds new input. ``future`` allows any later date (a deadline)."""

    future: bool = False

    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            return "应为日期，如 2026-03-31"
        if strict and (day.year < 1900 or (not self.future and day > today + timedelta(days=1))):
            return f"日期不合理：{value}"
        return None


@dataclass(frozen=True)
class IdNumber(Shape):
    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        if not isinstance(value, str):
            return "应为文字"
        return id_problem(value) if strict and value else None


@dataclass(frozen=True)
class Phone(Shape):
    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        if not isinstance(value, str):
            return "应为文字"
        return phone_problem(value) if strict and value else None


@dataclass(frozen=True)
class ListOf(Shape):
    item: Shape
    most: int

    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        if not isinstance(value, list):
            return "应为列表"
        if len(value) > self.most:
            return f"最多 {self.most} 项"
        for number, item in enumerate(value, start=1):
            wrong = self.item.problem(item, strict, today)
            if wrong:
                return f"第{number}项{wrong}"
        return None


@dataclass(frozen=True)
class Record(Shape):
    """A nested object: its fields as in ``SHAPES`` (a name ending in "!" must be present)."""

    fields: Mapping[str, Shape]

    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        if not isinstance(value, dict):
            return "格式不正确"
        return _fields_problem(self.fields, value, strict, today)


@dataclass(frozen=True)
class Vector(Shape):
    """Per station code, a sequence number (what a change had seen)."""

    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        if not isinstance(value, dict) or len(value) > 10_000:
            return "格式不正确"
        for key, seq in value.items():
            if not _STATION.match(str(key)) or isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
                return "格式不正确"
        return None


@dataclass(frozen=True)
class Anything(Shape):
    """A value whose shape depends on another field (``edit`` and ``resolve``: checked by ``field_value``)."""

    def problem(self, value: Any, strict: bool, today: date) -> str | None:
        return None


NAME, ADDRESS, LONG = Text(NAME_MAX), Text(ADDRESS_MAX), Text(LONG_MAX, multiline=True)
ACTOR = Text(2 * NAME_MAX + 4)  # an account's display name with its login name: 显示名（登录名）
EVENT_ID = Pattern(_EVENT_ID, "事件编号")
CASE_ID = Pattern(_CASE_ID, "案件编号")
STATION = Pattern(_STATION, "站点代码")
PETITIONER = Record({"name!": NAME, "id_number": IdNumber(), "phone": Phone(), "address": ADDRESS})
EVIDENCE = Record({"sha256!": Pattern(_SHA256, "SHA-256"), "name": Text(255), "kind": Choice(tuple(EVIDENCE_KINDS)),
                   "size": Count(0, 1 << 50)})

# The value an edit or a resolution may give each field.
FIELD_VALUES: dict[str, Shape] = {
    "channel": Choice(tuple(CHANNELS)), "collective": Flag(), "head_count": Count(1, 100_000), "domain": NAME,
    "township": NAME, "village": NAME, "request_summary": LONG, "authority_unit": NAME, "jurisdiction": NAME,
    "petitioners": ListOf(PETITIONER, 500), "leader": NAME, "backlog": Flag(),
    "dispatch_units": ListOf(NAME, 2),
    **{f"checklist.{key}": Flag() for key in CHECKLIST_ITEMS},
}

# Fields every chain step may carry: what the station had seen, a unit, a note, a batch it was recorded in, a
# leader's approval.
APPROVAL = Record({"by!": NAME, "reason!": LONG})  # as approvals were written before accounts
ACCOUNT_APPROVAL = Record({"account!": NAME, "display": NAME, "role": Choice(("handler", "leader", "admin")),
                           "reason!": LONG})
_STEP = {"seen": Vector(), "unit": NAME, "note": LONG, "batch": ListOf(CASE_ID, 100_000), "override": APPROVAL,
         "approval": ACCOUNT_APPROVAL}
# 诉求分类 and the national fields, at registration or later (classify).
_CLASSIFICATION = {"category": Choice(CATEGORIES), "problem_type": Text(100), "purpose": Choice(PURPOSES),
                   "legal_route": Choice(LEGAL_ROUTES), "first_time": Flag()}
_CHANGE = {"base": Anything(), "seen": Vector()}  # base: the version changed (an event id, or None)

MARK_KIND = "upgrade"  # a station's chain from which its events are held to the input limits (below)

# kind → field → shape; "!" after a name: the field must be present.
SHAPES: dict[str, dict[str, Shape]] = {
    "register": {"channel!": Choice(tuple(CHANNELS)), "collective": Flag(), "head_count": Count(1, 100_000),
                 "domain": NAME, "township": NAME, "village": NAME, "request_summary!": LONG,
                 "authority_unit": NAME, "jurisdiction": NAME, "backlog": Flag(), "leader": NAME,
                 "petitioners!": ListOf(PETITIONER, 500), "repeat_of": ListOf(CASE_ID, 1000),
                 **_CLASSIFICATION, "work_order": NAME},
    "dispatch": {**_STEP, "units!": ListOf(NAME, 2), "stations": ListOf(STATION, 2),
                 "mode": Choice(tuple(DISPATCH_MODES)), "due": Day(future=True)},
    "accept": _STEP,
    "object": {**_STEP, "reason": LONG},
    "decline": {**_STEP, "reason": LONG, "ground": Choice(TERMINATION_GROUNDS)},
    "contact": _STEP,
    "handle": {**_STEP, "evidence": ListOf(EVIDENCE, 1000)},
    "feedback": {**_STEP, "reply": LONG},
    "follow_up": {**_STEP, "rating!": Choice(tuple(RATINGS))},
    "close": _STEP,
    "terminate": {**_STEP, "reason": LONG, "ground": Choice(TERMINATION_GROUNDS)},
    "extend": {**_STEP, "days!": Count(1, 366), "reason": LONG},
    "request_review": _STEP,
    "answer_review": {**_STEP, "reply": LONG},
    "request_re_review": _STEP,
    "answer_re_review": {**_STEP, "reply": LONG},
    "edit": {**_CHANGE, "field!": Choice(tuple(k for k in FIELD_VALUES if k not in ("leader", "backlog")
                                               and not k.startswith(("checklist.", "dispatch_")))),
             "value!": Anything()},
    "set_leader": {**_CHANGE, "leader!": NAME},
    "set_backlog": {**_CHANGE, "backlog!": Flag()},
    "checklist": {**_CHANGE, "key!": Choice(tuple(CHECKLIST_ITEMS)), "done!": Flag(), "note": LONG},
    "link_repeat": {"other!": CASE_ID},
    "attach": {"note": LONG, "evidence": ListOf(EVIDENCE, 1000)},
    "annul": {"target!": EVENT_ID, "reason": LONG},
    "supervise": {"deadline!": Day(future=True), "note": LONG, "step": Choice(("", *EVENT_LABELS))},
    "resolve": {**_CHANGE, "field!": Choice(tuple(FIELD_VALUES)), "value!": Anything(),
                "settled": ListOf(EVENT_ID, 100), "note": LONG},
    "spot_check": {"algorithm!": Text(50), "seed!": Count(0, 2**63 - 1), "count!": Count(0, 1_000_000),
                   "per_station": Flag(), "backlog_only": Flag(), "stations": Text(50),
                   "candidate_count": Count(0, 10_000_000), "candidates_sha256": Pattern(_SHA256, "SHA-256"),
                   "candidates": Anything(), "drawn": ListOf(CASE_ID, 1_000_000)},
    SETTING_KIND: {"key!": Choice(tuple(SETTINGS)), "value!": Anything()},
    "agree_objection": {**_STEP, "reason": LONG},
    "refuse_objection": {**_STEP, "reason": LONG},
    "no_longer_accept": {**_STEP, "reason": LONG},
    "route_legal": {**_STEP, "reason": LONG},
    "hearing": {**_STEP, "start!": Day(future=True), "end!": Day(future=True)},
    "notify": {**_STEP, "notice!": Choice(NOTICES), "way!": Choice(NOTICE_WAYS), "document": NAME},
    "completion_report": _STEP,
    # A numbered paper (app.ops.papers): its kind, year and sequence, the number they make, the file's format.
    "document": {"paper!": Text(20), "year!": Count(1900, 9999), "seq!": Count(1, 10_000_000), "number!": NAME,
                 "format!": Choice(("pdf", "docx")), "full_id": Flag()},
    "classify": {**_CLASSIFICATION, "note": LONG},
    # Station-level records of the accounts (app.ops.accounts, app.ops.session).
    "account": {"action!": Choice(("add", "role", "disable", "password", "recover")), "account!": NAME,
                "display": NAME, "role": Choice(("handler", "leader", "admin")),
                # The first admin, made with the station; ``since``: when a station set up by an earlier version
                # was set up (its first admin became an event at the upgrade, app.ops.station_setup).
                "first": Flag(), "since": Text(25)},
    # The mark a station's chain gets when set up or upgraded by a program that holds the input limits
    # (app.ops.station_setup): every later event of that chain is new input, whatever date it bears
    # (app.sync.authority).
    MARK_KIND: {"version!": Count(1, 1000)},
    "login_failed": {"account!": NAME, "count!": Count(1, 1_000_000), "first": Text(40), "last": Text(40),
                     "delayed": Anything()},
    # An output of personal data (app.ops.outputs): what, the file's name, how many cases and people (people None:
    # not counted), whether ID numbers were in full.
    "output": {"what!": Text(50), "file": Text(255), "cases": Count(0, 100_000_000), "people": Anything(),
               "full_id": Flag()},
    # A county hands a township over to another county (app.sync.moves): it records nothing more on its cases.
    "hand_over": {"code!": STATION, "to!": STATION, "successor": STATION, "note": LONG},
}
for _fields in SHAPES.values():
    _fields["entered_at"] = Text(25)  # when a step dated earlier was typed in (app.ops.desk)
    _fields["date_only"] = Flag()  # only the day it happened was given, not the time (app.models.events.DayOnly)
# A setting's value, by key (the time limits are checked by app.models.deadlines.TimeLimits when they are set).
SETTING_VALUES: dict[str, Shape] = {"domains": ListOf(NAME, 500), "station_name": NAME, "limits": Anything()}
assert set(EVENT_LABELS) <= set(SHAPES), "every kind of event declares its shape (SHAPES)"


# How a field is named to a person in a refusal.
FIELD_NAMES: dict[str, str] = {
    "channel": "来源渠道", "collective": "集体访", "head_count": "人数", "domain": "领域", "township": "乡镇（街道）",
    "village": "村（社区）", "request_summary": "诉求", "authority_unit": "事权单位", "jurisdiction": "属地",
    "backlog": "积案", "leader": "包案领导", "petitioners": "信访人", "repeat_of": "关联的重复信访",
    "name": "姓名", "id_number": "身份证号", "phone": "电话", "address": "地址", "units": "派发单位",
    "stations": "派发站点", "unit": "单位", "mode": "派发方式", "due": "办结报告期限", "ground": "法定情形",
    "start": "听证开始日期", "end": "听证结束日期", "notice": "告知事项", "way": "告知方式", "document": "文书编号",
    "category": "诉求分类", "problem_type": "问题类别", "purpose": "信访目的", "legal_route": "解决途径",
    "first_time": "初信初访", "work_order": "工单编号", "entered_at": "录入时间", "step": "督办的步骤",
    "date_only": "仅有日期",
    "note": "说明", "reason": "理由", "reply": "答复意见", "rating": "回访评价",
    "override": "批准", "approval": "领导批准", "account": "账号", "display": "显示名", "role": "角色",
    "action": "操作", "count": "次数", "by": "批准人",
    "days": "延期天数", "evidence": "佐证材料", "field": "字段", "value": "新值",
    "key": "四定四包事项", "done": "是否落实", "other": "关联案件", "target": "撤销的步骤", "deadline": "督办期限",
    "seen": "已见事件", "paper": "文书种类", "year": "年度", "seq": "文书序号", "number": "文书编号",
    "format": "文件格式", "full_id": "完整身份证号", "what": "输出内容", "file": "文件名", "cases": "案件数",
    "people": "信访人数", "base": "修改基准", "batch": "成批办理的案件", "settled": "处理的冲突",
    "code": "移交的乡镇", "to": "迁入的县（区）", "successor": "乡镇的新站点代码",
}


def _fields_problem(fields: Mapping[str, Shape], payload: dict[str, Any], strict: bool, today: date) -> str | None:
    known = {name.rstrip("!") for name in fields}
    for name, shape in fields.items():
        key = name.rstrip("!")
        if key not in payload:
            if name.endswith("!"):
                return f"缺少“{FIELD_NAMES.get(key, key)}”"
            continue
        wrong = shape.problem(payload[key], strict, today)
        if wrong:
            return f"“{FIELD_NAMES.get(key, key)}”{wrong}"
    if strict:
        extra = sorted(set(payload) - known)
        if extra:
            return f"有未声明的内容“{extra[0][:40]}”"
    return None


def field_value_problem(name: str, value: Any, strict: bool = True, today: date | None = None) -> str | None:
    """What is wrong with ``value`` as the new value of field ``name`` (an edit or a resolution), or None."""
    shape = FIELD_VALUES.get(name)
    if shape is None:
        return f"没有这个字段：{name[:40]}"
    return shape.problem(value, strict, today or date.today())


def payload_problem(kind: str, payload: Any, strict: bool = True, today: date | None = None) -> str | None:
    """Why ``payload`` is not a ``kind`` event's payload, in Chinese, or None."""
    fields = SHAPES.get(kind)
    if fields is None:
        return f"未知的事件类别：{kind[:40]}"
    if not isinstance(payload, dict):
        return "内容格式不正确"
    day = today or date.today()
    wrong = _fields_problem(fields, payload, strict, day)
    if wrong is None and kind == SETTING_KIND:
        value = SETTING_VALUES.get(str(payload["key"]), Anything()).problem(payload["value"], strict, day)
        if value:
            wrong = f"“{SETTINGS[str(payload['key'])].label}”{value}"
    if wrong is None and kind in ("edit", "resolve"):
        value = field_value_problem(str(payload["field"]), payload["value"], strict, day)
        if value:
            field = str(payload["field"])
            wrong = f"“{FIELD_NAMES.get(field, field)}”{value}"
    return wrong


def check_event(kind: str, payload: Any, actor: str, at: str, strict: bool = True,
                today: date | None = None) -> None:
    """Raise DomainError, naming the kind and the first thing wrong, when an event may not be stored."""
    day = today or date.today()
    label = EVENT_LABELS.get(kind, kind[:40])
    wrong = payload_problem(kind, payload, strict, day)
    if wrong is None:
        who = ACTOR.problem(actor, strict, day)
        wrong = f"经办人{who}" if who else None
    if wrong is None and strict:
        when = Day().problem(at[:10], strict, day) if isinstance(at, str) else "应为时间"
        wrong = f"发生时间{when}" if when else None
    if wrong:
        raise DomainError(f"“{label}”的内容不符合要求：{wrong}")
