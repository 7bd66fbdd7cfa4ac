"""Convergence: whatever order, batching, duplication or loss the files suffer, stations that have seen the same
events show the same cases (projection fingerprints), and after a full round of exchanges all of them agree."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models.errors import DomainError
from app.ops import supervision
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.store.projection import fingerprint
from app.sync.apply import apply_events, refresh
from tests.conftest import FakeNow
from tests.sync_helpers import new_case, station_tree

LINKS = (("TZ01", "TZJJ"), ("TZJJ", "TZ01"), ("TZJJ", "SZ"), ("SZ", "TZJJ"))
VILLAGES = ("东岙村", "西岙村", "南岙村")
LEADERS = ("陈副县长", "周镇长", "林局长")

action = st.one_of(
    st.tuples(st.just("register"), st.sampled_from(("王小明", "李四", "赵六"))),
    st.tuples(st.just("edit"), st.sampled_from(("TZ01", "TZJJ", "SZ")), st.integers(0, 99),
              st.sampled_from(("village", "leader", "backlog", "supervise")), st.integers(0, 2)),
    st.tuples(st.just("export"), st.sampled_from(LINKS)),
    st.tuples(st.just("deliver"), st.integers(0, 99), st.booleans()),
    st.tuples(st.just("lose"), st.integers(0, 99)),
)


def _cases(desk: Desk) -> list[str]:
    return [r[0] for r in desk.conn.execute("SELECT case_id FROM cases ORDER BY case_id")]


def _change(desk: Desk, case_id: str, what: str, pick: int) -> None:
    if what == "village":
        desk.edit(case_id, "village", VILLAGES[pick])
    elif what == "leader":
        supervision.assign_leader(desk, case_id, LEADERS[pick])
    elif what == "backlog":
        supervision.set_backlog(desk, case_id, pick != 0)
    elif desk.require_station().level != "township":
        supervision.supervise(desk, case_id, "2026-12-31", f"督办{pick}")


def _event_ids(desk: Desk) -> frozenset[str]:
    return frozenset(r[0] for r in desk.conn.execute("SELECT id FROM events"))


def _same_events_same_cases(desks: dict[str, Desk]) -> None:
    groups: dict[frozenset[str], set[str]] = {}
    for code, desk in desks.items():
        groups.setdefault(_event_ids(desk), set()).add(code)
    for codes in groups.values():
        prints = {str(fingerprint(desks[c].conn)) for c in codes}
        assert len(prints) == 1, f"{sorted(codes)} hold the same events but show different cases"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(action, min_size=4, max_size=24))
def test_bundles_in_any_order_with_duplicates_and_losses_converge(actions: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        now = FakeNow(datetime(2026, 3, 2, 9, 0, 0))
        with station_tree(folder, now, ("SZ", "TZJJ", "TZ01")) as desks:
            in_flight: list[tuple[Path, str]] = []
            delivered: list[tuple[Path, str]] = []
            for number, step in enumerate(actions):
                now.advance(minutes=1)
                if step[0] == "register":
                    new_case(desks["TZ01"], step[1])
                elif step[0] == "edit":
                    cases = _cases(desks[step[1]])
                    if cases:
                        _change(desks[step[1]], cases[step[2] % len(cases)], step[3], step[4])
                elif step[0] == "export":
                    source, target = step[1]
                    path = folder / f"{number}-{source}-{target}.zip"
                    transfer.export_bundle(desks[source], target, path)
                    in_flight.append((path, target))
                elif step[0] == "deliver" and (in_flight or delivered):
                    pool = delivered if (step[2] and delivered) or not in_flight else in_flight
                    path, target = pool[step[1] % len(pool)]
                    try:
                        transfer.import_bundle(desks[target], path)
                    except DomainError as err:
                        assert "导入过" in str(err)
                    if pool is in_flight:
                        in_flight.remove((path, target))
                        delivered.append((path, target))
                    _same_events_same_cases(desks)
                elif step[0] == "lose" and in_flight:
                    in_flight.pop(step[1] % len(in_flight))
            for _ in range(2):  # a full round both ways, twice: acknowledgements settle
                for source, target in (("TZ01", "TZJJ"), ("TZJJ", "SZ"), ("SZ", "TZJJ"), ("TZJJ", "TZ01")):
                    now.advance(minutes=1)
                    path = folder / f"final-{source}-{target}-{_}.zip"
                    transfer.export_bundle(desks[source], target, path)
                    transfer.import_bundle(desks[target], path)
            ids = {code: _event_ids(desk) for code, desk in desks.items()}
            assert ids["TZ01"] == ids["TZJJ"] == ids["SZ"]
            prints = {code: fingerprint(desk.conn) for code, desk in desks.items()}
            assert prints["TZ01"] == prints["TZJJ"] == prints["SZ"]
            # Nothing is left to send once everything is acknowledged.
            for source, target in LINKS:
                plan = transfer.export_bundle(desks[source], target, folder / f"empty-{source}-{target}.zip")
                assert plan.manifest["counts"]["events"] == 0


def _history(folder: Path) -> list[tuple[object, ...]]:
    """Events of three stations with concurrent changes on shared cases, made once for the faster property."""
    now = FakeNow(datetime(2026, 3, 2, 9, 0, 0))
    with station_tree(folder, now, ("SZ", "TZJJ", "TZ01")) as d:
        cases = [new_case(d["TZ01"], name) for name in ("王小明", "李四", "赵六")]
        for source, target in (("TZ01", "TZJJ"), ("TZJJ", "SZ")):
            transfer.export_bundle(d[source], target, folder / f"{source}.zip")
            transfer.import_bundle(d[target], folder / f"{source}.zip")
        for i, case_id in enumerate(cases):  # concurrent: nobody sees anybody's change
            now.advance(minutes=1)
            supervision.assign_leader(d["TZ01"], case_id, LEADERS[i % 3])
            supervision.assign_leader(d["TZJJ"], case_id, LEADERS[(i + 1) % 3])
            d["SZ"].edit(case_id, "village", VILLAGES[i % 3])
            d["TZ01"].edit(case_id, "village", VILLAGES[(i + 2) % 3])
            supervision.supervise(d["TZJJ"], case_id, "2026-04-01", "请限期化解")
            supervision.set_backlog(d["SZ"], case_id, True)
        rows: dict[str, tuple[object, ...]] = {}
        for desk in d.values():
            for row in desk.conn.execute("SELECT id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, "
                                         "hash FROM events"):
                rows[row[0]] = tuple(row)
    return sorted(rows.values())


HISTORY: list[tuple[object, ...]] = []


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(1, 6))
def test_the_same_events_in_any_order_and_batches_give_the_same_cases(rng: object, batches: int) -> None:
    if not HISTORY:
        with tempfile.TemporaryDirectory() as tmp:
            HISTORY.extend(_history(Path(tmp)))
    with tempfile.TemporaryDirectory() as tmp:
        prints = []
        for replica in range(2):
            desk = Desk(Path(tmp) / f"r{replica}")
            desk.init_station(f"R{replica}", "副本", "city")
            rows = list(HISTORY)
            rng.shuffle(rows)  # type: ignore[attr-defined]
            rows += rng.sample(rows, len(rows) // 3)  # type: ignore[attr-defined]  # duplicates, later
            size = max(1, len(rows) // batches)
            for start in range(0, len(rows), size):
                with desk._write({"cases"}, ()) as conn:
                    batch = list(dict.fromkeys(rows[start:start + size]))
                    report = apply_events(conn, batch, lambda origin, case_id: None)  # type: ignore[arg-type]
                    refresh(conn, report, desk.limits)
            assert desk.conn.execute("SELECT count(*) FROM events").fetchone()[0] == len(HISTORY)
            prints.append(fingerprint(desk.conn))
            assert desk.conn.execute("SELECT count(*) FROM conflicts").fetchone()[0] >= 3  # both values kept
            desk.close()
        assert prints[0] == prints[1]
