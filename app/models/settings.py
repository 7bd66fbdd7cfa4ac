"""Settings that change what the tables show (time limits, holidays, colour thresholds, domains, the station's
name) are recorded as events, so a rebuild from the log gives the same tables and every change is audited.

Adding such a setting is one entry in ``SETTINGS``: its key, how a person calls it, its value when never set,
and whether open cases are projected again when it changes (their time limits and colours follow).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.models.events import Event
from app.models.vocab import DEFAULT_DOMAINS, DEFAULT_PROBLEM_TYPES

SETTING_KIND = "setting"


@dataclass(frozen=True)
class SettingSpec:
    """One setting kept as events."""

    label: str  # how the timeline, the audit and the refusals name it
    default: Any  # its value while no event has set it
    reproject: bool  # open cases are projected again when it changes


SETTINGS: dict[str, SettingSpec] = {
    "limits": SettingSpec("时限、节假日与三色阈值", {}, reproject=True),
    "domains": SettingSpec("领域列表", list(DEFAULT_DOMAINS), reproject=False),
    "station_name": SettingSpec("站点名称", None, reproject=False),
    "problem_types": SettingSpec("问题类别", {k: list(v) for k, v in DEFAULT_PROBLEM_TYPES.items()},
                                 reproject=False),
    "lock_minutes": SettingSpec("闲置锁定（分钟）", 10, reproject=False),
}


def setting_payload(key: str, value: Any) -> dict[str, Any]:
    """What a setting event carries."""
    if key not in SETTINGS:
        raise KeyError(key)
    return {"key": key, "value": value}


def fold_settings(events: Iterable[Event], origin: str) -> dict[str, Any]:
    """The value of every setting that ``origin``'s own setting events have set, the latest (by sequence number)
    winning. Other stations' setting events (they travel up with everything else) never set this station's."""
    values: dict[str, tuple[int, Any]] = {}
    for event in events:
        if event.kind != SETTING_KIND or event.origin != origin:
            continue
        key = event.payload.get("key")
        if key in SETTINGS and (key not in values or values[key][0] < event.seq):
            values[str(key)] = (event.seq, event.payload.get("value"))
    return {key: value for key, (_, value) in values.items()}
