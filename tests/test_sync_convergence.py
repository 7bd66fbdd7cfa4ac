"""Convergence: three stations that share cases change the same fields concurrently and exchange real bundle files
in any order, twice, or lose them and export again; wherever two stations hold the same events of a case they
show that case alike (conflicts included), and after a full round of exchanges all of them agree."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings, target
from hypothesis import strategies as st

from app.models.errors import DomainError
from app.ops import supervision
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.store.integrity import verify
from app.store.projection import case_digests, fingerprint
from app.sync.apply import apply_events, refresh
from app.sync.conflicts import hard_conflicts
from tests.conftest import FakeNow, login, new_station
from tests.sync_helpers import new_case, send, station_tree

LINKS = (("331002001", "331002"), ("331002", "331002001"), ("331002", "331000"), ("331000", "331002"))
# up to the city, back down
ROUND = (("331002001", "331002"), ("331002", "331000"), ("331000", "331002"), ("331002", "331002001"))
CODES = ("331002001", "331002", "331000")
VILLAGES = ("东岙村", "西岙村", "南岙村")
LEADERS = ("陈副县长", "周镇长", "林局长")
UNITS = ("镇农业农村办", "县交通运输局", "市住建局")
CASES = 2

# A round: one field of one case changed at one, two or all three stations before any file moves (concurrent
# changes: a hard conflict when the values differ; a 四定四包 item ticked or unticked and a dispatch to a unit are
# such changes too), a few other changes or conflict decisions, then files exchanged.
FIELDS = ("leader", "village", "backlog", "checklist", "dispatch")
hot_spot = st.tuples(st.integers(0, CASES - 1), st.sampled_from(FIELDS),
                     st.lists(st.sampled_from(CODES), unique=True, min_size=1, max_size=3), st.integers(0, 2))
change = st.one_of(
    st.tuples(st.just("edit"), st.sampled_from(CODES), st.integers(0, CASES - 1),
              st.sampled_from((*FIELDS, "supervise")), st.integers(0, 2)),
    st.tuples(st.just("resolve"), st.sampled_from(CODES), st.integers(0, CASES - 1), st.integers(1, 3)),
)
exchange = st.one_of(
    st.tuples(st.just("export"), st.sampled_from(LINKS)),
    st.tuples(st.just("deliver"), st.integers(0, 99)),  # any file still in flight: files arrive in any order
    st.tuples(st.just("again"), st.integers(0, 99)),  # a file already imported, brought again
    st.tuples(st.just("lose"), st.integers(0, 99)),  # a lost stick: the next export on that link carries it again
)
Plan = list[tuple[tuple, list[tuple], list[tuple]]]


def rounds(longest: int) -> st.SearchStrategy[Plan]:
    return st.lists(st.tuples(hot_spot, st.lists(change, max_size=3), st.lists(exchange, max_size=8)),
                    min_size=1, max_size=longest)


def _change(desk: Desk, case_id: str, what: str, pick: int) -> None:
    if what == "village":
        desk.edit(case_id, "village", VILLAGES[pick])
    elif what == "leader":
        supervision.assign_leader(desk, case_id, LEADERS[pick])
    elif what == "backlog":
        supervision.set_backlog(desk, case_id, pick != 0)
    elif what == "checklist":
        desk.set_checklist(case_id, "fix_measures", pick != 0, f"措施{pick}" if pick else "")
    elif what == "dispatch":
        desk.record(case_id, "dispatch", {"units": [UNITS[pick]]})
    elif desk.require_station().level != "township":
        supervision.supervise(desk, case_id, "2026-12-31", f"督办{pick}")


def _resolve(desk: Desk, case_id: str, pick: int) -> None:
    found = hard_conflicts(desk.conn, case_id)
    if found:
        supervision.resolve(desk, case_id, found[0].field, pick=min(pick, len(found[0].choices)))


def _event_ids(desk: Desk, case_id: str | None = None) -> frozenset[str]:
    """The events held about ``case_id``, or about any case (a station's events about itself — its set-up, its
    accounts — travel up only, so the stations do not all hold them)."""
    if case_id is None:
        return frozenset(r[0] for r in desk.conn.execute("SELECT id FROM events WHERE case_id != ''"))
    return frozenset(r[0] for r in desk.conn.execute("SELECT id FROM events WHERE case_id = ?", (case_id,)))


def _case_views(desk: Desk) -> dict[str, dict[str, str | None]]:
    """Per case, a digest of its rows in every projection table."""
    tables = {table: case_digests(desk.conn, table) for table in fingerprint(desk.conn)}
    return {case_id: {t: d.get(case_id) for t, d in tables.items()}
            for case_id in {r[0] for r in desk.conn.execute("SELECT case_id FROM cases")}}


def _same_events_same_cases(desks: dict[str, Desk], cases: list[str]) -> int:
    """Every two stations holding the same events of a case show that case alike. How many (station, case)
    pairs compared."""
    views = {code: _case_views(desk) for code, desk in desks.items()}
    compared = 0
    for case_id in cases:
        held = {code: _event_ids(desk, case_id) for code, desk in desks.items()}
        for a, b in itertools.combinations(CODES, 2):
            if held[a] == held[b]:
                assert views[a][case_id] == views[b][case_id], f"{a} and {b} hold the same events of {case_id}"
                compared += 1
    return compared


def _hard(desks: dict[str, Desk]) -> int:
    return max(desk.conn.execute("SELECT count(*) FROM conflicts").fetchone()[0] for desk in desks.values())


@pytest.fixture(scope="module")
def shared_cases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Three stations that hold the same cases (registered at the township, sent up to the city and the
    acknowledgements back down), made once and copied for every example."""
    folder = tmp_path_factory.mktemp("shared")
    now = FakeNow(datetime(2026, 3, 2, 9, 0, 0))
    with station_tree(folder, now, CODES) as d:
        cases = [new_case(d["331002001"], name) for name in ("王小明", "李四", "赵六")[:CASES]]
        for number, (source, target) in enumerate(ROUND * 2):
            now.advance(minutes=1)
            send(d[source], d[target], folder / f"setup-{number}.zip")
        assert {_event_ids(desk) for desk in d.values()} == {_event_ids(d["331002001"])}
    return folder, cases


def _run(template: Path, cases: list[str], plan: Plan) -> tuple[int, int]:
    """Play the plan, checking as it goes; then exchange everything and check that all three agree. Returns the
    most hard conflicts seen at a station, and how many cases were compared while files were on the way."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for code in CODES:
            shutil.copytree(template / code, folder / code)
        now = FakeNow(datetime(2026, 3, 2, 10, 0, 0))
        desks = {code: login(folder / code, now=now) for code in CODES}
        try:
            in_flight: list[tuple[Path, str]] = []
            delivered: list[tuple[Path, str]] = []
            hard = compared = 0
            for number, ((case, field, stations, offset), changes, exchanges) in enumerate(plan):
                for turn, code in enumerate(stations):
                    now.advance(minutes=1)
                    _change(desks[code], cases[case], field, (offset + turn) % len(LEADERS))
                for step in changes:
                    now.advance(minutes=1)
                    if step[0] == "edit":
                        _change(desks[step[1]], cases[step[2]], step[3], step[4])
                    else:
                        _resolve(desks[step[1]], cases[step[2]], step[3])
                for index, step in enumerate(exchanges):
                    now.advance(minutes=1)
                    if step[0] == "export":
                        source, target = step[1]
                        path = folder / f"{number}-{index}-{source}-{target}.zip"
                        transfer.export_bundle(desks[source], target, path)
                        in_flight.append((path, target))
                    elif step[0] == "deliver" and in_flight:
                        path, target = in_flight.pop(step[1] % len(in_flight))
                        transfer.import_bundle(desks[target], path)
                        delivered.append((path, target))
                        hard = max(hard, _hard(desks))
                        compared += _same_events_same_cases(desks, cases)
                        # What it shows now is what its events give, folded from scratch in their own order.
                        report = verify(desks[target].conn, desks[target].limits, desks[target].blobs)
                        assert report.ok, report.problem
                    elif step[0] == "again" and delivered:
                        path, target = delivered[step[1] % len(delivered)]
                        with pytest.raises(DomainError, match="导入过"):
                            transfer.import_bundle(desks[target], path)
                    elif step[0] == "lose" and in_flight:
                        in_flight.pop(step[1] % len(in_flight))
            for turn in range(2):  # a full round both ways, twice: everything arrives, acknowledgements settle
                for source, target in ROUND:
                    now.advance(minutes=1)
                    send(desks[source], desks[target], folder / f"final-{turn}-{source}-{target}.zip")
                    hard = max(hard, _hard(desks))
            ids = {code: _event_ids(desk) for code, desk in desks.items()}
            assert ids["331002001"] == ids["331002"] == ids["331000"]
            prints = {code: fingerprint(desk.conn) for code, desk in desks.items()}
            assert prints["331002001"] == prints["331002"] == prints["331000"]
            for source, target in LINKS:  # nothing is left to send once everything is acknowledged
                empty = transfer.export_bundle(desks[source], target, folder / f"empty-{source}-{target}.zip")
                assert empty.manifest["counts"]["events"] == 0
            return hard, compared
        finally:
            for desk in desks.values():
                desk.close()


# Every station changes the same case's leader before any file moves: a three-way hard conflict.
ALL_AT_ONCE: Plan = [((0, "leader", ["331002001", "331002", "331000"], 0), [],
                      [("export", ("331002001", "331002")), ("export", ("331000", "331002")), ("deliver", 1),
                       ("deliver", 0)])]


def _property(shared_cases: tuple[Path, list[str]], examples: int, longest: int) -> None:
    template, cases = shared_cases
    seen = {"examples": 0, "hard": 0, "compared": 0}

    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow],
              database=None)
    @given(rounds(longest))
    @example(ALL_AT_ONCE)
    def check(plan: Plan) -> None:
        hard, compared = _run(template, cases, plan)
        target(float(hard), label="hard conflicts at one station")
        event("a hard conflict" if hard else "no hard conflict")
        seen["examples"] += 1
        seen["hard"] += hard > 0
        seen["compared"] += compared

    check()
    # The property is only worth its name if concurrent changes to one field (hard conflicts) really happen, and
    # stations with the same events of a case are compared while files are still on their way.
    assert seen["hard"] >= max(2, seen["examples"] // 3), seen
    assert seen["compared"] > 0, seen


def test_bundles_in_any_order_with_duplicates_and_losses_converge(shared_cases: tuple[Path, list[str]]) -> None:
    _property(shared_cases, examples=10, longest=3)


@pytest.mark.slow
def test_bundles_converge_over_longer_histories(shared_cases: tuple[Path, list[str]]) -> None:
    _property(shared_cases, examples=30, longest=4)


def _history(folder: Path) -> list[tuple[object, ...]]:
    """Events of three stations with concurrent changes on shared cases, made once for the faster property."""
    now = FakeNow(datetime(2026, 3, 2, 9, 0, 0))
    with station_tree(folder, now, ("331000", "331002", "331002001")) as d:
        cases = [new_case(d["331002001"], name) for name in ("王小明", "李四", "赵六")]
        for source, target in (("331002001", "331002"), ("331002", "331000")):
            transfer.export_bundle(d[source], target, folder / f"{source}.zip")
            transfer.import_bundle(d[target], folder / f"{source}.zip")
        for i, case_id in enumerate(cases):  # concurrent: nobody sees anybody's change
            now.advance(minutes=1)
            supervision.assign_leader(d["331002001"], case_id, LEADERS[i % 3])
            supervision.assign_leader(d["331002"], case_id, LEADERS[(i + 1) % 3])
            d["331000"].edit(case_id, "village", VILLAGES[i % 3])
            d["331002001"].edit(case_id, "village", VILLAGES[(i + 2) % 3])
            supervision.supervise(d["331002"], case_id, "2026-04-01", "请限期化解")
            supervision.set_backlog(d["331000"], case_id, True)
            d["331002001"].record(case_id, "dispatch", {"units": [UNITS[i % 3]]})
            d["331002"].record(case_id, "dispatch", {"units": [UNITS[(i + 1) % 3]]})
            d["331002001"].set_checklist(case_id, "fix_leader", True, "已定包案领导")
            d["331000"].set_checklist(case_id, "fix_leader", False)
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
            desk = new_station(Path(tmp) / f"r{replica}", f"R{replica}", "副本", "city")
            try:
                rows = list(HISTORY)
                rng.shuffle(rows)  # type: ignore[attr-defined]
                rows += rng.sample(rows, len(rows) // 3)  # type: ignore[attr-defined]  # duplicates, later
                size = max(1, len(rows) // batches)
                for start in range(0, len(rows), size):
                    with desk._write({"cases"}, ()) as conn:
                        batch = list(dict.fromkeys(rows[start:start + size]))
                        report = apply_events(conn, batch, lambda origin, case_id: None)  # type: ignore[arg-type]
                        refresh(conn, report, desk.limits)
                assert desk.conn.execute("SELECT count(*) FROM events WHERE origin != ?",
                                         (f"R{replica}",)).fetchone()[0] == len(HISTORY)
                prints.append(fingerprint(desk.conn))
                fields = {r[0] for r in desk.conn.execute("SELECT DISTINCT field FROM conflicts")}  # both kept
                assert {"leader", "village", "dispatch_units", "checklist.fix_leader"} <= fields, fields
            finally:
                desk.close()
        assert prints[0] == prints[1]
