"""The ledger in the columns the national 信访信息系统 asks for (``ledger --national``): a fixed list, so a
county can paste it into the national system's import template column for column.

The columns, in order (README lists them with their meaning):
信访事项编号 · 收到日期 · 信访形式 · 12345工单编号 · 信访人 · 证件号码 · 联系电话 · 住址 · 人数 · 集体访 ·
初信初访/重复 · 诉求分类 · 问题类别 · 信访目的 · 解决途径 · 诉求内容 · 问题属地 · 领域 · 责任单位 · 转送/交办 ·
转送交办日期 · 受理情况 · 受理日期 · 告知情况 · 延期天数 · 答复日期 · 复查复核 · 满意度 · 办理结果 · 结案日期 ·
积案 · 包案领导
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from typing import Any

from app.models.vocab import CHANNELS, RATINGS, STATUSES

NATIONAL_COLUMNS: tuple[tuple[str, float], ...] = (
    ("信访事项编号", 17), ("收到日期", 11.5), ("信访形式", 9), ("12345工单编号", 16), ("信访人", 12),
    ("证件号码", 21), ("联系电话", 14), ("住址", 24), ("人数", 6), ("集体访", 7), ("初信初访/重复", 10),
    ("诉求分类", 10), ("问题类别", 16), ("信访目的", 9), ("解决途径", 10), ("诉求内容", 48), ("问题属地", 18),
    ("领域", 10), ("责任单位", 20), ("转送/交办", 9), ("转送交办日期", 11.5), ("受理情况", 12), ("受理日期", 11.5),
    ("告知情况", 30), ("延期天数", 8), ("答复日期", 11.5), ("复查复核", 9), ("满意度", 9), ("办理结果", 12),
    ("结案日期", 11.5), ("积案", 6), ("包案领导", 20),
)
NATIONAL_HEADERS = tuple(h for h, _ in NATIONAL_COLUMNS)

_PEOPLE = ("(SELECT group_concat({col}, '、') FROM (SELECT {col} FROM petitioners p "
           "WHERE p.case_id = c.case_id ORDER BY p.idx))")
# The first dispatch's way (转送 or 交办) and the notices given, from the steps and their events.
_MODE = ("(SELECT json_extract(e.payload, '$.mode') FROM steps s JOIN events e ON e.id = s.event_id "
         "WHERE s.case_id = c.case_id AND s.kind = 'dispatch' ORDER BY s.idx LIMIT 1)")
_ROUTED = "(SELECT min(s.at) FROM steps s WHERE s.case_id = c.case_id AND s.kind = 'dispatch')"
_NOTICES = ("(SELECT group_concat(substr(s.at, 1, 10) || ' ' || s.note, '；') FROM steps s "
            "WHERE s.case_id = c.case_id AND s.kind = 'notify')")
SELECT = (
    "SELECT c.case_id, c.registered_at, c.channel, c.work_order, c.petitioner_names, "
    f"{_PEOPLE.format(col='id_number')}, {_PEOPLE.format(col='phone')}, {_PEOPLE.format(col='address')}, "
    "c.head_count, c.collective, c.first_time, c.category, c.problem_type, c.purpose, c.legal_route, "
    "c.request_summary, c.township || c.village, c.domain, c.authority_unit, "
    f"{_MODE}, {_ROUTED}, c.status, c.accepted_at, {_NOTICES}, c.extension_days, c.first_replied_at, "
    "c.review_round, c.first_rating, c.closed_at, c.backlog, c.leader FROM cases c"
)
_DECISIONS = {"declined": "不予受理", "not_accepted": "不再受理", "routed_legal": "导入法定途径"}
_MODES = {"transfer": "转送", "assign": "交办"}


def _day(stamp: str | None) -> date | None:
    return date.fromisoformat(stamp[:10]) if stamp else None


def national_rows(conn: sqlite3.Connection, where: str, params: dict[str, Any],
                  ids: Any) -> Iterator[list[Any]]:
    """One row per case in ``NATIONAL_COLUMNS`` order; ``ids`` masks (or not) the joined ID numbers."""
    cursor = conn.execute(f"{SELECT} WHERE {where} ORDER BY c.registered_at, c.case_id", params)
    for r in cursor:
        status = str(r[21])
        accepted = "受理" if r[22] else _DECISIONS.get(status, "")
        rounds = "复核" if r[26] >= 2 else "复查" if r[26] == 1 else ""
        result = STATUSES.get(status, status) if status in ("closed", "terminated", *_DECISIONS) else "办理中"
        yield [
            r[0], _day(r[1]), CHANNELS.get(r[2], r[2]), r[3], r[4], ids(r[5]), r[6] or "", r[7] or "", r[8],
            "是" if r[9] else "否", "初信初访" if r[10] else "重复", r[11], str(r[12]).replace("/", "／"), r[13],
            r[14], r[15], r[16], r[17], r[18], _MODES.get(str(r[19] or "transfer"), "") if r[20] else "",
            _day(r[20]), accepted, _day(r[22]), r[23] or "", r[24] or None, _day(r[25]), rounds,
            RATINGS.get(r[27], ""), result, _day(r[28]), "是" if r[29] else "否", r[30],
        ]
