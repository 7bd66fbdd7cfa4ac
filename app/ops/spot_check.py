"""随机抽查: drawing unresolved cases for the monthly video meeting, fairly and so that anyone can check it.

The draw: the candidates are the open cases (optionally only backlog cases), sorted by case number;
Python's ``random.Random(seed).sample(candidates, n)`` picks n of them (Mersenne Twister, every n-subset
equally likely). Per station: the stations in code order, each one's sorted candidates sampled in turn with
the same generator. A "station" here is the station directly below the drawing one on the way to where the case
was registered (``app.store.stations``): at the city, N per county, each county's townships included; this
station's own cases are a station of their own. The candidates are recorded under that station, so a draw is
checked again from its record alone, wherever it is checked (``"stations": "below"`` in the record says the
candidates are listed so; older records list them under the registering station).

Without a seed, the seed is the clock's time as a number (YYYYMMDDhhmmss), shown and recorded.

Each draw is recorded as a station-level event (case_id "", kind ``spot_check``) holding who, when, the
seed, the candidate list, its SHA-256 and the cases drawn; it syncs upward with the station's other events,
and ``verify_spot_check`` draws again from the recorded seed and candidates and compares.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from typing import Any

from app.models.errors import DomainError
from app.models.events import Event
from app.ops.desk import Desk
from app.store import eventlog
from app.store.stations import StationTree

SPOT_CHECK_KIND = "spot_check"
ALGORITHM = "sorted-case-ids/random.Random(seed).sample"  # named in each event, so old draws stay checkable
MAX_COUNT = 500
_NUMBERED = re.compile(r"^(.*?)(\d+)$")
_EVENT_COLUMNS = "id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash"


@dataclass
class SpotCheck:
    """One recorded draw."""

    event_id: str
    at: str
    actor: str
    origin: str
    seed: int
    count: int
    per_station: bool
    backlog_only: bool
    candidate_count: int
    candidates_sha256: str
    drawn: list[str]
    candidates: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_event(cls, event: Event) -> SpotCheck:
        p = event.payload
        return cls(event.id, event.at, event.actor, event.origin, int(p["seed"]), int(p["count"]),
                   bool(p.get("per_station")), bool(p.get("backlog_only")), int(p["candidate_count"]),
                   str(p["candidates_sha256"]), list(p["drawn"]), dict(p.get("candidates", {})))

    def short_stations(self) -> dict[str, int]:
        """Station → its number of candidates, for each station that had fewer than ``count`` (all of them
        when the draw was not per station and the candidates were fewer than ``count``)."""
        sizes = {station: len(decode_ids(encoded)) for station, encoded in self.candidates.items()}
        if not self.per_station:
            return sizes if self.candidate_count < self.count else {}
        return {station: n for station, n in sorted(sizes.items()) if n < self.count}

    def candidate_list(self) -> list[tuple[str, str]]:
        """(case_id, station) of every candidate, as recorded."""
        return [(case_id, station) for station, encoded in self.candidates.items()
                for case_id in decode_ids(encoded)]


def encode_ids(ids: list[str]) -> dict[str, Any]:
    """Case numbers written compactly: {"TZ01-2026-#####": "1-4,9,12-13"}; others listed under "". Keeps a
    city's draw over thousands of candidates small enough to travel in a sync file."""
    runs: dict[str, list[int]] = {}
    others: list[str] = []
    for case_id in sorted(ids):
        m = _NUMBERED.match(case_id)
        if not m:
            others.append(case_id)
            continue
        runs.setdefault(m.group(1) + "#" * len(m.group(2)), []).append(int(m.group(2)))
    encoded: dict[str, Any] = {}
    for pattern, numbers in runs.items():
        parts: list[str] = []
        start = prev = numbers[0]
        for n in [*numbers[1:], None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            if n is not None:
                start = prev = n
        encoded[pattern] = ",".join(parts)
    if others:
        encoded[""] = others
    return encoded


def decode_ids(encoded: dict[str, Any]) -> list[str]:
    """The case numbers ``encode_ids`` wrote, sorted."""
    ids: list[str] = list(encoded.get("", []))
    for pattern, ranges in encoded.items():
        if not pattern:
            continue
        width = len(pattern) - len(pattern.rstrip("#"))
        prefix = pattern[: len(pattern) - width]
        for part in str(ranges).split(","):
            low, _, high = part.partition("-")
            ids += [f"{prefix}{n:0{width}d}" for n in range(int(low), int(high or low) + 1)]
    return sorted(ids)


def candidates_digest(candidates: list[tuple[str, str]]) -> str:
    """SHA-256 over the sorted "station case_id" lines: the fingerprint printed on the meeting list."""
    lines = "\n".join(f"{station} {case_id}" for case_id, station in sorted(candidates))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def draw(candidates: list[tuple[str, str]], count: int, seed: int, per_station: bool) -> list[str]:
    """The cases drawn: ``count`` in all, or ``count`` from each station. Pure: same input, same list."""
    rng = random.Random(seed)
    if not per_station:
        ids = sorted(case_id for case_id, _ in candidates)
        return rng.sample(ids, min(count, len(ids)))
    drawn: list[str] = []
    for station in sorted({s for _, s in candidates}):
        ids = sorted(case_id for case_id, s in candidates if s == station)
        drawn += rng.sample(ids, min(count, len(ids)))
    return drawn


def seed_from_clock(desk: Desk) -> int:
    """A seed made from the time, e.g. 20260302090000, when the supervisor gives none."""
    return int(desk.now().strftime("%Y%m%d%H%M%S"))


def open_candidates(desk: Desk, backlog_only: bool = False) -> list[tuple[str, str]]:
    """(case_id, station) of every unresolved case this station knows, in case-number order; the station is the
    one directly below this station on the way to where the case was registered (this station for its own)."""
    sql = "SELECT case_id, origin FROM cases WHERE finished = 0"
    if backlog_only:
        sql += " AND backlog = 1"
    tree = StationTree.load(desk.conn)
    groups: dict[str, str] = {}
    found = []
    for case_id, origin in desk.conn.execute(sql):
        group = groups.get(origin)
        if group is None:
            group = groups[origin] = tree.group_of(str(origin))
        found.append((str(case_id), group))
    return sorted(found)


def spot_check(desk: Desk, count: int, seed: int | None = None, *, per_station: bool = False,
               backlog_only: bool = False) -> SpotCheck:
    """Draw and record. Raises DomainError (nothing recorded) when the count is wrong or there is nothing
    to draw."""
    desk.require("spot_check")
    if not 1 <= count <= MAX_COUNT:
        raise DomainError(f"抽查件数须为1至{MAX_COUNT}之间的整数")
    if seed is not None and not 0 <= seed < 2**63:
        raise DomainError("随机种子须为非负整数")
    seed = seed_from_clock(desk) if seed is None else seed
    when = desk.now()
    with desk._write({SPOT_CHECK_KIND}, ()) as conn:
        candidates = open_candidates(desk, backlog_only)
        if not candidates:
            raise DomainError("没有未化解的案件可供抽查" if not backlog_only else "没有未化解的积案可供抽查")
        by_station: dict[str, list[str]] = {}
        for case_id, station in candidates:
            by_station.setdefault(station, []).append(case_id)
        payload = {
            "algorithm": ALGORITHM, "seed": seed, "count": count, "per_station": per_station,
            "backlog_only": backlog_only, "stations": "below", "candidate_count": len(candidates),
            "candidates_sha256": candidates_digest(candidates),
            "candidates": {s: encode_ids(ids) for s, ids in sorted(by_station.items())},
            "drawn": draw(candidates, count, seed, per_station),
        }
        event = desk._writer(conn).make("", SPOT_CHECK_KIND, payload, desk.actor, when)
        eventlog.append(conn, [event])
    return SpotCheck.from_event(event)


def spot_checks(desk: Desk) -> list[SpotCheck]:
    """Every recorded draw this station knows (its own and those synced from below), newest first."""
    rows = desk.conn.execute(f"SELECT {_EVENT_COLUMNS} FROM events WHERE case_id = '' AND kind = ? "
                             "ORDER BY hlc DESC", (SPOT_CHECK_KIND,))
    return [SpotCheck.from_event(eventlog.from_row(r)) for r in rows]


def load_spot_check(desk: Desk, event_id: str) -> tuple[Event, SpotCheck]:
    row = desk.conn.execute(f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?", (event_id,)).fetchone()
    if row is None:
        raise DomainError(f"找不到抽查记录：{event_id}")
    event = eventlog.from_row(row)
    if event.kind != SPOT_CHECK_KIND:
        raise DomainError(f"事件 {event_id} 不是随机抽查记录")
    return event, SpotCheck.from_event(event)


def verify_spot_check(desk: Desk, event_id: str) -> str:
    """Check a recorded draw: the event is intact, its candidate list matches its fingerprint, and drawing
    again from its seed gives the same cases. Returns the finding in Chinese; raises DomainError when it does
    not hold."""
    event, check = load_spot_check(desk, event_id)
    if event.compute_hash() != event.hash:
        raise DomainError(f"抽查记录 {event_id} 已被改动（内容与哈希不符）")
    if event.payload.get("algorithm", ALGORITHM) != ALGORITHM:
        raise DomainError(f"抽查记录使用的抽取方法本程序无法复核：{event.payload.get('algorithm')}")
    candidates = check.candidate_list()
    if len(candidates) != check.candidate_count or candidates_digest(candidates) != check.candidates_sha256:
        raise DomainError(f"抽查记录 {event_id} 的候选案件清单与其指纹不符")
    again = draw(candidates, check.count, check.seed, check.per_station)
    if again != check.drawn:
        raise DomainError(f"以种子 {check.seed} 重新抽取的结果与记录不一致：抽查记录 {event_id} 不可信")
    each = f"（每站点{check.count}件）" if check.per_station else ""
    return (f"抽查记录 {event_id} 复核通过：以随机种子 {check.seed} "
            f"从 {check.candidate_count} 件候选案件中重新抽取{each}，"
            f"得到与记录相同的 {len(check.drawn)} 件案件")
