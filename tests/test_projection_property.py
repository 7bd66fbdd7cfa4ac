"""Properties of the log: the tables are what the events make, and no stored event can change unseen."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models.errors import DomainError
from app.models.vocab import CHECKLIST_ITEMS
from app.ops.approval import Approval
from app.ops.desk import Desk
from app.store import projection
from app.store.integrity import verify

from .conftest import FakeNow, make_draft, new_station

STEP_PAYLOADS = {
    "dispatch": {"units": ["镇农办"]}, "accept": {}, "decline": {"reason": "不属受理范围"},
    "contact": {"note": "电话"}, "handle": {"note": "核查"}, "feedback": {"reply": "答复"},
    "follow_up": {"rating": "dissatisfied"}, "close": {"note": "已息诉"},
    "terminate": {"reason": "依法终结"}, "extend": {"days": 10, "reason": "检测"},
    "request_review": {"note": "不服"}, "answer_review": {"reply": "维持"},
}

actions = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.booleans(), st.sampled_from(["", "陈建平"])),
        st.tuples(st.just("step"), st.integers(0, 5), st.sampled_from(sorted(STEP_PAYLOADS))),
        st.tuples(st.just("checklist"), st.integers(0, 5), st.sampled_from(sorted(CHECKLIST_ITEMS))),
        st.tuples(st.just("edit"), st.integers(0, 5), st.text("村镇路桥", min_size=1, max_size=4)),
        st.tuples(st.just("annul"), st.integers(0, 5), st.just("")),
        st.tuples(st.just("wait"), st.integers(1, 40), st.just("")),
    ),
    min_size=1, max_size=30,
)


def play(desk: Desk, now: FakeNow, script: list[tuple[object, ...]]) -> None:
    cases: list[str] = []
    for kind, a, b in script:
        try:
            if kind == "register":
                cases.append(desk.register_case(make_draft(backlog=bool(a), leader=str(b))))
            elif kind == "wait":
                now.advance(days=int(a))  # type: ignore[call-overload]
            elif cases:
                case_id = cases[int(a) % len(cases)]  # type: ignore[call-overload]
                if kind == "step":
                    desk.record(case_id, str(b), dict(STEP_PAYLOADS[str(b)]), approval=Approval("", "", "已息诉"))
                elif kind == "checklist":
                    desk.set_checklist(case_id, str(b), True, "已落实")
                elif kind == "edit":
                    desk.edit(case_id, "village", str(b))
                elif kind == "annul":
                    desk.annul_last_step(case_id, "误操作")
        except DomainError:
            pass  # refused steps write nothing; the property is about what was written


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=actions)
def test_rebuilding_from_the_events_gives_the_live_tables(script: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        now = FakeNow(datetime(2026, 3, 2, 9, 0))
        desk = new_station(Path(folder), now=now)
        play(desk, now, script)
        live = projection.fingerprint(desk.conn)
        assert verify(desk.conn, desk.limits).ok
        desk.rebuild()
        assert projection.fingerprint(desk.conn) == live
        desk.close()


COLUMNS = ["case_id", "hlc", "at", "actor", "kind", "payload", "prev_hash", "hash"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=actions, pick=st.integers(0, 10_000), column=st.sampled_from(COLUMNS), junk=st.text(min_size=1))
def test_any_change_to_a_stored_event_is_caught(script: list[tuple[object, ...]], pick: int, column: str,
                                                junk: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        now = FakeNow(datetime(2026, 3, 2, 9, 0))
        desk = new_station(Path(folder), now=now)
        desk.register_case(make_draft())
        play(desk, now, script)
        ids = [r[0] for r in desk.conn.execute("SELECT id FROM events ORDER BY seq")]
        target = ids[pick % len(ids)]
        desk.conn.execute("DROP TRIGGER events_append_only_update")
        # For the payload: valid JSON of another content, or bytes that are not JSON at all.
        new = json.dumps({"tampered": junk}) if column == "payload" and pick % 2 else f"{junk}-changed"
        desk.conn.execute(f"UPDATE events SET {column} = ? WHERE id = ?", (new, target))
        report = verify(desk.conn, desk.limits)
        assert not report.ok
        assert target in (report.problem or "") or "不一致" in (report.problem or "")
        desk.close()
