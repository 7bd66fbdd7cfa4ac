"""Generating a demo station: cases at every stage, some overdue, backlog cases being cleared by their leaders,
repeat petitioners (a few at the third round), groups of cases about one matter, and small evidence files.

The data is anchored to the start of today: the same seed gives the same data all day (and different dates on
another day), and nothing lies in the future. Events are made with the same chain writer as live operations
and written in bulk, then projected by the same rebuild that ``verify`` uses, so a demo store is a store like
any other.
"""

from __future__ import annotations

import io
import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from app.demo import backlog, clusters, media, showcase
from app.demo.lives import (
    CLOSES,
    Evidence,
    Handling,
    Matter,
    People,
    Planned,
    Timeline,
    normal_life,
    pick,
    random_options,
    register_payload,
)
from app.demo.requests import REQUESTS
from app.demo.vocabulary import COMPANIES, DOMAIN_WEIGHTS, ESTATES, HANDLERS, LEADERS, TOWNSHIPS, VILLAGES
from app.models.errors import DomainError
from app.models.events import Event, HybridClock
from app.ops.chain import ChainWriter
from app.ops.desk import MAX_SEQUENCE, Desk
from app.ops.keyring import KdfCost
from app.ops.session import create_station
from app.store import eventlog, projection

Progress = Callable[[int, int], None]
DEMO_STATION = ("DEMO", "示范镇信访办（演示）", "township")
DEMO_USER, DEMO_PASSWORD = "demo", "demo1234"
DEMO_DISPLAY = HANDLERS[0]  # the demo's account is one of its handlers: 我的在办 shows that handler's open cases
DEMO_COST = KdfCost(n=2 ** 10, r=8, p=1)
VERSIONED = {"set_leader": "leader", "set_backlog": "backlog"}
REPEAT_SHARE = 0.065  # 重复信访: same person, same matter (宁波 12.83% → 6.71%)


class _Gen:
    """One demo run's random choices (seeded), its people, evidence pool and the matters petitioners return to."""

    def __init__(self, desk: Desk, seed: int) -> None:
        self.rng = random.Random(seed)
        self.now = desk.now().replace(hour=0, minute=0, second=0, microsecond=0)
        self.people = People(self.rng, self.now.date())
        self.evidence = Evidence(self.rng, _evidence_pool(desk))
        self.matters: list[Matter] = []  # recent cases, for repeat petitions
        self.domains = [d for d in DOMAIN_WEIGHTS if d in desk.domains]
        self.cumulative = list(accumulate(DOMAIN_WEIGHTS[d] for d in self.domains))

    def starts(self, cases: int) -> list[datetime]:
        """Registration times, more of them recent, mostly in office hours (calls and online petitions also in
        the evening)."""
        rng = self.rng
        return [self.now - timedelta(days=1 + int(rng.triangular(0, 720, 0)),
                                     hours=-(rng.uniform(8.5, 17.5) if rng.random() < 0.85 else rng.uniform(17.5, 21)))
                for _ in range(cases)]

    def fresh_register(self, evening: bool = False) -> tuple[dict[str, Any], Handling]:
        """A new matter: its register payload, and the measures and replies its request calls for. In the
        evening only calls and online petitions come in."""
        rng = self.rng
        random = rng.random
        domain = self.domains[bisect(self.cumulative, random() * self.cumulative[-1])]
        township, village = pick(rng, TOWNSHIPS), pick(rng, VILLAGES)
        request = pick(rng, REQUESTS[domain])
        summary = request.text.format(
            village=village, township=township, amount=(3 + int(random() * 297)) * 1000,
            company=pick(rng, COMPANIES), estate=pick(rng, ESTATES))
        r = random()
        channel = "visit" if r < 0.35 else "letter" if r < 0.55 else "phone" if r < 0.8 else "online"
        if evening and channel in ("visit", "letter"):
            channel = "phone" if r < 0.45 else "online"
        head_count = 5 + int(random() * 26) if channel == "visit" and random() < 0.08 else 1
        register = register_payload(self.people, channel=channel, domain=domain, township=township,
                                    village=village, summary=summary, head_count=head_count)
        return register, (request.measures, request.replies)

    def repeat_register(self, earlier: Matter, evening: bool) -> dict[str, Any]:
        """The same petitioner about the same matter again; from the third round a leader takes it (事不过二)."""
        rng = self.rng
        chain = sorted({earlier.case_id, *earlier.repeat_of})
        summary = earlier.summary if earlier.summary.startswith("再次反映") else f"再次反映：{earlier.summary}"
        channels = ("phone", "online") if evening else ("visit", "visit", "letter", "phone", "online")
        return register_payload(self.people, channel=pick(rng, channels),
                                domain=earlier.domain, township=earlier.township, village=earlier.village,
                                summary=summary, petitioners=earlier.petitioners,
                                leader=rng.choice(LEADERS) if len(chain) >= 2 else "", repeat_of=chain)

    def random_life(self, start: datetime) -> Timeline:
        rng = self.rng
        age = (self.now - start).days
        chance = 0.09 if age > backlog.CAMPAIGN_DAYS else 0.008 if age > 150 else 0.0
        if rng.random() < chance:
            return self.backlog_life(start)
        if self.matters and rng.random() < REPEAT_SHARE:
            earlier = pick(rng, self.matters)
            tl = Timeline(rng, start, self.repeat_register(earlier, _evening(start)),
                          earlier.handling)
        else:
            tl = Timeline(rng, start, *self.fresh_register(_evening(start)))
        register = tl.steps[0][2]
        opts = random_options(rng, register, age)
        opts.leader = register["leader"]
        normal_life(tl, self.evidence, opts)
        return tl

    def backlog_life(self, start: datetime) -> Timeline:
        rng = self.rng
        tl = Timeline(rng, start, *self.fresh_register(_evening(start)))
        leader = rng.choice(LEADERS)
        if rng.random() < 0.6:
            campaign = (self.now - timedelta(days=backlog.CAMPAIGN_DAYS - rng.randint(0, 45))).date()
            designated = max(campaign, start.date() + timedelta(days=rng.randint(75, 150)))
            backlog.stalled_then_taken_up(tl, self.evidence, leader, designated, int(rng.triangular(20, 240, 45)),
                                          extend=rng.random() < 0.6)
        else:
            backlog.reviewed_then_taken_up(tl, self.evidence, leader, int(rng.triangular(20, 200, 40)))
        return tl

    def remember(self, case_id: str, life: Timeline) -> None:
        register = life.steps[0][2]
        self.matters.append(Matter(case_id, register["petitioners"], register["domain"], register["township"],
                                   register["village"], register["request_summary"], register["repeat_of"],
                                   (life.measures, life.replies)))
        if len(self.matters) > 600:
            del self.matters[:100]  # petitioners come back within a few hundred cases; keeps memory flat


def _evening(start: datetime) -> bool:
    return start.hour * 60 + start.minute >= CLOSES


def _evidence_pool(desk: Desk) -> list[dict[str, Any]]:
    """Small real files in the blob store: site photos, voice notes, site videos and scanned documents."""
    rng = random.Random(7)
    items = []

    def put(data: bytes, name: str, kind: str) -> None:
        sha, size = desk.blobs.put_stream(io.BytesIO(data))
        items.append({"sha256": sha, "name": name, "kind": kind, "size": size})

    for i in range(8):
        colour = (rng.randrange(40, 200), rng.randrange(40, 200), rng.randrange(40, 200))
        put(media.png(96, 64, colour), f"现场照片{i + 1}.png", "photo")
    for i in range(3):
        put(media.wav(0.6, 300 + 120 * i), f"谈话录音{i + 1}.wav", "audio")
    for i in range(2):
        colour = (rng.randrange(40, 200), rng.randrange(40, 200), rng.randrange(40, 200))
        put(media.avi(48, 32, 8, colour), f"现场视频{i + 1}.avi", "video")
    for i, name in enumerate(("来信原件扫描件.pdf", "调解协议书.pdf", "息诉罢访协议书.pdf")):
        put(media.pdf_scan(240, 340, 10 + 2 * i, i), name, "scan")
    return items


def _planned(gen: _Gen, cases: int) -> list[Planned]:
    """The showcase cases (every stage and case kind present, placed so today finds them in it) and the
    common-problem groups, within a share of the cases."""
    planned: list[Planned] = []
    if cases >= 60:
        planned += showcase.showcases(gen)
    elif cases >= 12:  # a few dozen cases still show some in hand
        planned += showcase.showcases(gen)[: cases // 6]
    if cases >= 150:
        budget = (cases - len(planned)) // 8
        size = (3, 5) if cases < 1000 else (3, 8)
        open_groups = max(4, min(cases // 250, budget // 5, 40))
        groups = clusters.plan_clusters(gen.rng, gen.now, open_groups, cases // 600, size, tuple(gen.domains))
        for group, starts in groups:
            for start in starts:
                tl = Timeline(gen.rng, start, clusters.cluster_register(gen.people, group),
                              clusters.cluster_handling(group))
                clusters.cluster_life(tl, gen.evidence, group)
                planned.append(Planned(start, tl))
    return planned[: cases]


def create_demo_station(folder: Path, now: Callable[[], datetime] = datetime.now) -> Desk:
    """A new demo station in ``folder`` with its admin signed in (``DEMO_USER``/``DEMO_PASSWORD``, told to the user:
    the demo holds made-up people only, so its password guards nothing and its key costs little to derive)."""
    desk, _recovery = create_station(folder, *DEMO_STATION, admin=DEMO_USER, password=DEMO_PASSWORD,
                                     display=DEMO_DISPLAY, now=now, cost=DEMO_COST)
    return desk


def generate_demo(desk: Desk, cases: int, seed: int = 1, progress: Progress | None = None) -> int:
    """Fill a station without cases (the demo station: ``create_demo_station``) with ``cases`` cases."""
    if cases < 0:
        raise DomainError("案件数不能为负数")
    desk.require_station()
    if desk.conn.execute("SELECT 1 FROM events WHERE case_id != '' LIMIT 1").fetchone():
        raise DomainError("演示数据只能生成在没有案件的站点上")
    station = desk.require_station()
    gen = _Gen(desk, seed)
    planned = _planned(gen, cases)
    entries: list[tuple[datetime, Planned | None]] = [(p.start, p) for p in planned]
    entries += [(start, None) for start in gen.starts(cases - len(planned))]
    entries.sort(key=lambda e: e[0])
    per_year = Counter(start.year for start, _plan in entries)
    crowded = [year for year, count in sorted(per_year.items()) if count > MAX_SEQUENCE]
    if crowded:
        raise DomainError(f"演示站点{crowded[0]}年的案件超过{MAX_SEQUENCE}件（案件编号为五位），请减少件数")
    writer = ChainWriter(station.code, *eventlog.head(desk.conn, station.code), HybridClock())
    counters: dict[int, int] = {}
    families: dict[str, list[str]] = {}
    batch: list[Event] = []
    now, code, make, clock_time = gen.now, station.code, writer.make, HybridClock.format
    # The first handler's share of the cases is the signed-in account's (the demo's own account, 张丽（demo）): what
    # it registered and handled is in its 我的在办. The draws are the same whoever is signed in.
    handlers = (desk.actor, *HANDLERS[1:]) if desk.account is not None else HANDLERS
    with desk._write({"cases"}, ()) as conn:
        for number, (start, plan) in enumerate(entries):
            counters[start.year] = counters.get(start.year, 0) + 1
            case_id = f"{code}-{start.year}-{counters[start.year]:05d}"
            life = gen.random_life(start) if plan is None else plan.life
            steps = life.steps
            register = steps[0][2]
            if plan is not None and plan.family:
                earlier = families.setdefault(plan.family, [])
                register["repeat_of"] = sorted(earlier)
                earlier.append(case_id)
            gen.remember(case_id, life)
            actor = pick(gen.rng, handlers)
            first_id = f"{code}:{writer.seq + 1}"
            versions: dict[str, str] = {}
            for index, (when, kind, drawn) in enumerate(steps):
                if when > now:
                    break
                payload = drawn
                if kind in VERSIONED:  # as Desk._versioned writes them: the version changed, and what was seen
                    name = VERSIONED[kind]
                    payload = {**drawn, "base": versions.get(name, first_id), "seen": {code: writer.seq}}
                    versions[name] = f"{code}:{writer.seq + 1}"
                hlc = clock_time(int(when.timestamp() * 1000), index)  # back-dated: the step's time, its place
                batch.append(make(case_id, kind, payload, actor, when, hlc))
            if len(batch) >= 20000:
                eventlog.append(conn, batch)
                batch = []
            if progress and number % 100 == 0:
                progress(number, cases)
        eventlog.append(conn, batch)
        projection.rebuild(conn, desk.limits, progress=(lambda done: progress(done, cases)) if progress else None)
    desk._clock.observe(eventlog.last_hlc(desk.conn) or HybridClock.format(0, 0))
    if progress:
        progress(cases, cases)
    return cases
