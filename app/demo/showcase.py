"""Showcase cases: one of each stage and kind a user should meet even in a small demo — waiting for dispatch,
overdue, extended, in 复查 and in 复核, terminated by law, declined for a real reason, a petitioner at the
third round (事不过二), backlog cases in the hands of their leaders.

A showcase's life is drawn first from a probe start, then drawn again (same random draws) from a start moved
by whole days, so that today falls inside the stage it shows.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from app.demo import backlog, texts
from app.demo.lives import (
    DISSATISFIED,
    Evidence,
    Handling,
    Options,
    People,
    Planned,
    Timeline,
    normal_life,
    register_payload,
)
from app.demo.vocabulary import LEADERS

Build = Callable[[datetime], Timeline]
Matter = tuple[dict[str, Any], Handling]


class Source(Protocol):
    rng: random.Random
    now: datetime
    people: People
    evidence: Evidence

    def fresh_register(self) -> Matter: ...


def place(rng: random.Random, now: datetime, build: Build, target: str, until: str = "",
          ago: tuple[int, int] = (3, 60), back: tuple[int, int] | None = None) -> Planned | None:
    """The case ``build`` makes, started so that today lies after its last ``target`` step and before the
    step that follows it (the first ``until`` step, when given), ``back`` days after the target step when given;
    a final step happened ``ago`` days ago."""
    probe = now - timedelta(days=400, hours=-10)
    state = rng.getstate()
    steps = build(probe).steps
    kinds = [kind for _, kind, _ in steps]
    if target not in kinds:
        return None
    index = len(kinds) - 1 - kinds[::-1].index(target)
    # a notice given on the spot after a step is part of that step, not the next stage
    after = [i for i in range(index + 1, len(steps)) if kinds[i] != "notify" and (not until or kinds[i] == until)]
    entered = steps[index][0].date()
    if back is not None:
        days_back = rng.randint(*back)
    elif after:
        days_back = rng.randint(0, max(0, (steps[after[0]][0].date() - entered).days - 1))
    else:
        days_back = rng.randint(*ago)
    shift = timedelta(days=(now.date() - entered).days - 1 - days_back)
    rng.setstate(state)
    life = build(probe + shift)
    steps = life.steps
    if not (steps[index][0] < now and (not after or steps[after[0]][0] > now)):
        return None
    return Planned(probe + shift, life)


def _normal(source: Source, matter: Callable[[], Matter] | None = None, **fields: Any) -> Build:
    def build(start: datetime) -> Timeline:
        tl = Timeline(source.rng, start, *(source.fresh_register() if matter is None else matter()))
        opts = Options(**{"reply_days": 3, **fields})
        opts.leader = tl.steps[0][2]["leader"]
        normal_life(tl, source.evidence, opts)
        return tl
    return build


def _stage_cases(source: Source) -> list[Planned | None]:
    rng, now = source.rng, source.now
    three_rounds = (DISSATISFIED, DISSATISFIED, DISSATISFIED)
    return [  # the first ones are those a demo of a few dozen cases gets too
        place(rng, now, _normal(source, reply_days=25, measures=2), "handle", "feedback"),  # 办理中
        place(rng, now, _normal(source, dispatch_days=3), "register"),  # 已登记, to be dispatched
        place(rng, now, _normal(source, stall="dispatch"), "dispatch", ago=(17, 24)),  # 已派发, overdue
        place(rng, now, _normal(source, min_gap=2), "feedback"),  # 已答复, follow-up to come
        # 办理中 and near its 60-day limit (yellow)
        place(rng, now, _normal(source, reply_days=59, measures=2), "accept", "feedback", back=(48, 51)),
        place(rng, now, _normal(source, min_gap=2, reply_days=10), "accept"),
        place(rng, now, _normal(source, min_gap=2, reply_days=12), "contact"),
        place(rng, now, _normal(source, reply_days=59, measures=3), "accept", "feedback", back=(52, 56)),
        place(rng, now, _normal(source, stall="handle", reply_days=20, measures=2), "handle", ago=(64, 80)),
        place(rng, now, _normal(source, extend=25, reply_days=78, measures=3), "extend", "feedback"),  # 延期
        place(rng, now, _normal(source, min_gap=2), "follow_up"),  # 已回访, to be closed
        place(rng, now, _normal(source, ratings=(DISSATISFIED,), review=True), "request_review", "answer_review"),
        place(rng, now, _normal(source, ratings=(DISSATISFIED, DISSATISFIED), review=True, re_review=True),
              "request_re_review", "answer_re_review"),
        place(rng, now, _normal(source, decline=rng.choice(texts.DECLINE_REASONS)[0]), "decline", ago=(5, 90)),
        # last: the 不再受理 case of _not_again follows it
        place(rng, now, _normal(source, ratings=three_rounds, review=True, re_review=True, end="terminate"),
              "terminate", ago=(40, 120)),
    ]


def _repeat_of(source: Source, first: Timeline, leader: str = "") -> Callable[[], Matter]:
    def matter() -> Matter:
        was = first.steps[0][2]
        register = register_payload(source.people, channel="visit", domain=was["domain"], township=was["township"],
                                    village=was["village"], summary=f"再次反映：{was['request_summary']}",
                                    petitioners=was["petitioners"], leader=leader)
        return register, (first.measures, first.replies)
    return matter


def _three_rounds(source: Source) -> list[Planned | None]:
    """One petitioner's matter at its third round: a leader takes it, and it shows the 事不过二 warning."""
    rng, now = source.rng, source.now
    start = now - timedelta(days=rng.randint(240, 300), hours=-10)
    first = Timeline(rng, start, *source.fresh_register())
    normal_life(first, source.evidence, Options(reply_days=4, ratings=("basically_satisfied",)))
    round_one = Planned(start, first, family="three-rounds")
    second = _normal(source, _repeat_of(source, first), reply_days=6, ratings=(DISSATISFIED,), review=False)
    start = now - timedelta(days=rng.randint(120, 160), hours=-11)
    round_two = Planned(start, second(start), family="three-rounds")
    third = place(rng, now, _normal(source, _repeat_of(source, first, rng.choice(LEADERS)), reply_days=30,
                                    measures=2), "handle", "feedback")
    if third is None:
        return [round_one, round_two]
    third.family = "three-rounds"
    return [round_one, round_two, third]


def _not_again(source: Source, terminated: Planned | None) -> Planned | None:
    """After 复核 and 依法终结 the same petitioner comes back with the same facts: 不再受理."""
    if terminated is None:
        return None
    rng, now = source.rng, source.now
    ended = terminated.life.steps[-1][0]
    start = datetime(ended.year, ended.month, ended.day) + timedelta(days=rng.randint(10, 30), hours=10)
    if start > now - timedelta(days=2):
        return None
    terminated.family = "not-again"
    build = _normal(source, _repeat_of(source, terminated.life), not_again=texts.RE_PETITION_DECLINE)
    return Planned(start, build(start), family="not-again")


def _backlog_cases(source: Source) -> list[Planned | None]:
    """Backlog cases their leaders are working on now: one on time, one past its limit, one in 复核."""
    rng, now = source.rng, source.now
    out: list[Planned | None] = []
    for designated_ago, clear_days in ((rng.randint(25, 50), 160), (rng.randint(100, 120), 210)):
        start = now - timedelta(days=rng.randint(200, 320), hours=-9)
        tl = Timeline(rng, start, *source.fresh_register())
        backlog.stalled_then_taken_up(tl, source.evidence, rng.choice(LEADERS),
                                      (now - timedelta(days=designated_ago)).date(), clear_days, extend=False)
        out.append(Planned(start, tl))

    def reviewed(start: datetime) -> Timeline:
        tl = Timeline(rng, start, *source.fresh_register())
        backlog.reviewed_then_taken_up(tl, source.evidence, rng.choice(LEADERS), 90, re_review=True)
        return tl
    out.append(place(rng, now, reviewed, "request_re_review", "answer_re_review"))
    return out


def _procedure_cases(source: Source) -> list[Planned | None]:
    """An objection waiting for the routing office (异议待审) and a matter sent to arbitration (导入法定途径). Drawn
    with the random stream put back afterwards, so every other case of a seed stays as it was."""
    rng, now = source.rng, source.now
    state = rng.getstate()
    found = [place(rng, now, _normal(source, objection=texts.OBJECTION), "object", ago=(1, 3)),
             place(rng, now, _normal(source, legal_route="仲裁"), "route_legal", ago=(5, 40))]
    rng.setstate(state)
    return found


def showcases(source: Source) -> list[Planned]:
    stages = _stage_cases(source)
    found = [*stages, _not_again(source, stages[-1]), *_three_rounds(source), *_backlog_cases(source),
             *_procedure_cases(source)]
    return [p for p in found if p is not None]
