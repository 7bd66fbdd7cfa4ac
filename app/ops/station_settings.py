"""Station settings (本站设置): the time limits, the holiday calendar and the list of domains, checked before any of
them is written (an admin's right). Who records each step is the signed-in account, not a setting."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.models.deadlines import BACKLOG_COLOURS, TimeLimits
from app.models.errors import DomainError
from app.models.vocab import OTHER_DOMAIN
from app.ops.desk import Desk

MAX_DAYS = 365
MAX_DOMAIN_CHARS = 20
WEEKDAYS = "一二三四五六日"
# Day counts a station may set, and how the settings dialog and the refusals name them.
DAY_LIMITS: dict[str, str] = {
    "route_days": "登记后转送交办",
    "accept_notice_days": "告知信访人是否受理",
    "objection_workdays": "非本单位事项提出异议",
    "handle_days": "受理后办理答复",
    "extension_max_days": "延期上限",
    "local_feedback_days": "本地反馈时限",
    "yellow_days": "黄灯提前天数",
}


def weekday_text(iso: str) -> str:
    """``2026-10-01 周四``: how a holiday or make-up workday reads in a list."""
    day = date.fromisoformat(iso)
    return f"{iso} 周{WEEKDAYS[day.weekday()]}"


def check_limits(limits: TimeLimits) -> None:
    """Refuse, in Chinese, limits a station cannot work with."""
    for name, label in DAY_LIMITS.items():
        value = getattr(limits, name)
        if value is None and name == "local_feedback_days":
            continue
        low = 0 if name == "yellow_days" else 1
        if not isinstance(value, int) or not low <= value <= MAX_DAYS:
            raise DomainError(f"“{label}”须在{low}至{MAX_DAYS}天之间，现为{value}")
    if not 0 <= limits.yellow_fraction <= 1:
        raise DomainError("黄灯比例须在0%至100%之间")
    if limits.backlog_colour not in BACKLOG_COLOURS:
        raise DomainError("积案三色须为：" + "、".join(BACKLOG_COLOURS.values()))
    for iso in (*limits.holidays, *limits.makeup_workdays):
        try:
            date.fromisoformat(iso)
        except ValueError:
            raise DomainError(f"日期格式应为 YYYY-MM-DD：{iso}") from None
    both = sorted(set(limits.holidays) & set(limits.makeup_workdays))
    if both:
        raise DomainError(f"{both[0]} 不能既是节假日又是调休上班日")
    for iso in limits.makeup_workdays:
        if date.fromisoformat(iso).weekday() < 5:
            raise DomainError(f"调休上班日应为周六或周日：{weekday_text(iso)}")


def clean_domains(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The domain list as it is kept: trimmed, without blanks or repeats, in the order given, 其他 last."""
    kept: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name or name in kept or name == OTHER_DOMAIN:
            continue
        if len(name) > MAX_DOMAIN_CHARS:
            raise DomainError(f"领域名称不能超过{MAX_DOMAIN_CHARS}个字：{name}")
        kept.append(name)
    return (*kept, OTHER_DOMAIN)


def save_settings(desk: Desk, limits: TimeLimits, domains: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """Write what changed (the limits, the domains); returns the Chinese names of what was saved.

    Everything is checked first, so a refusal writes nothing. New limits recompute every open case's light.
    """
    desk.require("settings")
    cleaned = clean_domains(domains) if domains is not None else desk.domains
    # The same calendar in any order is the same setting: kept sorted, without repeats.
    limits = replace(limits, holidays=tuple(sorted(set(limits.holidays))),
                     makeup_workdays=tuple(sorted(set(limits.makeup_workdays))))
    check_limits(limits)
    saved = []
    if limits != desk.limits:
        desk.set_limits(limits)
        saved.append("时限与节假日")
    if cleaned != desk.domains:
        desk.set_domains(cleaned)
        saved.append("领域")
    return saved

