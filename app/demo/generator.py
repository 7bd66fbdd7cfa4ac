"""Generating a demo station: cases at every stage, some overdue, backlog cases with leaders and partly filled
checklists, repeat petitioners, and small evidence files. The same seed gives the same data.

Events are made with the same chain writer as live operations and written in bulk, then projected by the
same rebuild that ``verify`` uses, so a demo store is a store like any other.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from app.demo import media
from app.demo.vocabulary import (
    CONTACT_NOTES,
    DOMAIN_CASES,
    DOMAIN_WEIGHTS,
    GIVEN,
    HANDLERS,
    LEADERS,
    MEASURES,
    REGION_CODES,
    REPLIES,
    SURNAMES,
    TOWNSHIPS,
    VILLAGES,
)
from app.models.errors import DomainError
from app.models.events import Event, HybridClock
from app.models.identity import id_check_char
from app.models.vocab import CHECKLIST_ITEMS
from app.ops.chain import ChainWriter
from app.ops.desk import Desk
from app.store import eventlog, projection

Progress = Callable[[int, int], None]
DEMO_STATION = ("DEMO", "示范镇信访办（演示）", "township")


class _Gen:
    """One demo run's random choices (seeded) and evidence pool."""

    def __init__(self, desk: Desk, seed: int) -> None:
        self.rng = random.Random(seed)
        # Anchored to the start of today: the same seed gives the same cases all day, and none lies in the future.
        self.now = desk.now().replace(hour=0, minute=0, second=0, microsecond=0)
        self.people: list[tuple[dict[str, str], str]] = []  # (petitioner, case id) for repeats
        self.evidence = self._evidence_pool(desk)
        self.domains = [d for d in DOMAIN_WEIGHTS if d in desk.domains]
        self.weights = [DOMAIN_WEIGHTS[d] for d in self.domains]

    def _evidence_pool(self, desk: Desk) -> list[dict[str, Any]]:
        rng = random.Random(7)
        pool = []
        for i in range(6):
            data = media.png(96, 64, (rng.randrange(40, 200), rng.randrange(40, 200), rng.randrange(40, 200)))
            sha, size = desk.blobs.put_stream(io.BytesIO(data))
            pool.append({"sha256": sha, "name": f"现场照片{i + 1}.png", "kind": "photo", "size": size})
        for i in range(3):
            sha, size = desk.blobs.put_stream(io.BytesIO(media.wav(0.6, 300 + 120 * i)))
            pool.append({"sha256": sha, "name": f"谈话录音{i + 1}.wav", "kind": "audio", "size": size})
        return pool

    def person(self) -> dict[str, str]:
        rng = self.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        born = datetime(1945, 1, 1) + timedelta(days=rng.randrange(0, 60 * 365))
        body = f"{rng.choice(REGION_CODES)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
        phone = rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        return {"name": name, "id_number": body + id_check_char(body), "phone": "1" + phone,
                "address": f"{rng.choice(TOWNSHIPS)}{rng.choice(VILLAGES)}{rng.randrange(1, 200)}号"}

    def register_payload(self, backlog: bool) -> dict[str, Any]:
        rng = self.rng
        domain = rng.choices(self.domains, self.weights)[0]
        unit, _city_unit, templates = DOMAIN_CASES[domain]
        township, village = rng.choice(TOWNSHIPS), rng.choice(VILLAGES)
        repeat_of: list[str] = []
        if self.people and rng.random() < 0.05:
            earlier, earlier_case = rng.choice(self.people)
            people = [earlier]
            repeat_of = [earlier_case]
        else:
            people = [self.person()]
        channel = rng.choices(("visit", "letter", "phone", "online"), (35, 20, 25, 20))[0]
        head_count = rng.randrange(5, 31) if channel == "visit" and rng.random() < 0.08 else len(people)
        summary = rng.choice(templates).format(village=village, township=township,
                                               amount=rng.randrange(3, 300) * 1000)
        return {
            "channel": channel, "collective": head_count >= 5, "head_count": head_count, "domain": domain,
            "township": township, "village": village, "request_summary": summary, "authority_unit": unit,
            "jurisdiction": township, "backlog": backlog, "leader": rng.choice(LEADERS) if backlog else "",
            "petitioners": people, "repeat_of": repeat_of,
        }

    def starts(self, cases: int) -> list[datetime]:
        """Registration times, oldest first, more of them recent."""
        rng = self.rng
        ages = [timedelta(days=int(rng.triangular(0, 720, 0)), hours=rng.randrange(0, 9),
                          minutes=rng.randrange(0, 60)) for _ in range(cases)]
        return sorted(self.now - age for age in ages)

    def case_events(self, case_id: str, start: datetime) -> Iterator[tuple[datetime, str, dict[str, Any]]]:
        """The (time, kind, payload) of one case's life, stopping where the case has got to by now."""
        rng = self.rng
        age = (self.now - start).days
        # Old cases that stall become backlog cases; most of them are cleared in the end (积案清零), the rest
        # stay open, so the backlog chart falls toward zero as it does in a working county.
        backlog = age > 120 and rng.random() < 0.08
        stalled = rng.random() < (0.35 if backlog else 0.08)
        register = self.register_payload(backlog)
        domain = register["domain"]
        self.people.append((register["petitioners"][0], case_id))
        del self.people[:-500]  # repeats come back within a few hundred cases; keeps memory flat
        when = start
        yield when, "register", register
        for kind, payload, gap in self._chain(domain, backlog, register):
            when = when + timedelta(days=gap, hours=rng.randrange(0, 6))
            if when > self.now or (stalled and rng.random() < 0.3):
                return
            yield when, kind, payload

    def _chain(self, domain: str, backlog: bool, register: dict[str, Any]) -> Iterator[tuple[str, dict, int]]:
        rng = self.rng
        unit, city_unit, _ = DOMAIN_CASES[domain]
        units = [register["jurisdiction"], city_unit] if backlog else [unit]
        if backlog:
            for key in list(CHECKLIST_ITEMS)[: rng.randrange(2, 8)]:
                yield "checklist", {"key": key, "done": True, "note": f"{register['leader']}：已落实"}, 0
        yield "dispatch", {"units": units, "note": "请依法依规办理"}, rng.randrange(0, 4)
        if rng.random() < 0.03:
            yield "decline", {"reason": "已经司法程序处理，不属信访受理范围"}, rng.randrange(1, 6)
            return
        yield "accept", {"note": "予以受理"}, rng.randrange(1, 8)
        yield "contact", {"note": rng.choice(CONTACT_NOTES)}, rng.randrange(0, 4)
        for _ in range(rng.randrange(1, 4)):
            evidence = [rng.choice(self.evidence)] if rng.random() < 0.3 else []
            yield "handle", {"note": rng.choice(MEASURES), "evidence": evidence}, rng.randrange(1, 15)
        yield "feedback", {"reply": rng.choice(REPLIES)}, rng.randrange(1, 30)
        rating = rng.choices(("satisfied", "basically_satisfied", "dissatisfied"), (85, 10, 5))[0]
        yield "follow_up", {"rating": rating, "note": "电话回访"}, rng.randrange(1, 7)
        if rating == "dissatisfied" and rng.random() < 0.5:
            yield "request_review", {"note": "对答复不服，申请复查"}, rng.randrange(3, 20)
            yield "answer_review", {"reply": "经复查，维持原处理意见"}, rng.randrange(10, 30)
            yield "follow_up", {"rating": "basically_satisfied", "note": "复查后回访"}, rng.randrange(1, 7)
        if backlog:
            for key in CHECKLIST_ITEMS:
                yield "checklist", {"key": key, "done": True, "note": "已落实"}, 0
        yield "close", {"note": "已化解，予以销号"}, rng.randrange(0, 5)


def generate_demo(desk: Desk, cases: int, seed: int = 1, progress: Progress | None = None) -> int:
    """Fill an empty station (set up as the demo station if it is not set up yet) with ``cases`` cases."""
    if cases < 0:
        raise DomainError("案件数不能为负数")
    if desk.station is None:
        desk.init_station(*DEMO_STATION, handler=HANDLERS[0])
    if desk.conn.execute("SELECT 1 FROM events LIMIT 1").fetchone():
        raise DomainError("演示数据只能生成在没有案件的站点上")
    station = desk.require_station()
    gen = _Gen(desk, seed)
    writer = ChainWriter(station.code, 0, eventlog.head(desk.conn, station.code)[1], HybridClock())
    counters: dict[int, int] = {}
    batch: list[Event] = []
    with desk._write({"cases"}, ()) as conn:
        for number, start in enumerate(gen.starts(cases)):
            counters[start.year] = counters.get(start.year, 0) + 1
            case_id = f"{station.code}-{start.year}-{counters[start.year]:05d}"
            for index, (when, kind, payload) in enumerate(gen.case_events(case_id, start)):
                hlc = HybridClock.format(int(when.timestamp() * 1000), index)
                batch.append(writer.make(case_id, kind, payload, gen.rng.choice(HANDLERS), when, hlc))
            if len(batch) >= 20000:
                eventlog.append(conn, batch)
                batch = []
            if progress and number % 1000 == 0:
                progress(number, cases)
        eventlog.append(conn, batch)
        projection.rebuild(conn, desk.limits)
    desk._clock.observe(eventlog.last_hlc(desk.conn) or HybridClock.format(0, 0))
    if progress:
        progress(cases, cases)
    return cases
