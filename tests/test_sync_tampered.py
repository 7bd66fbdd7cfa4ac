"""Bundles that pass the signature but not their content's checks: what a faulty or compromised station could send.
Each is built from a real bundle, changed in one way only, and signed again with the sender's real key, so that
only the check aimed at that change can refuse it; each refusal says why in Chinese and leaves every table, every
event and the evidence folder as they were."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.ops import supervision
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from tests.conftest import FakeNow, own_seq
from tests.sync_helpers import Row, bundle_events, handled_tree, import_refused, new_case, resign, sealed_row, send


@pytest.fixture
def tree(tmp_path: Path, now: FakeNow) -> Iterator[dict[str, Desk]]:
    with handled_tree(tmp_path, now) as desks:
        yield desks


def _refused(desk: Desk, path: Path, message: str) -> None:
    assert import_refused(desk, path) == message


def _up(tree: dict[str, Desk], tmp_path: Path) -> tuple[Path, list[Row]]:
    path = transfer.export_bundle(tree["331002001"], "331002", tmp_path / "good.zip").path
    rows = bundle_events(path)
    assert [r[0] for r in rows] == [f"331002001:{n}" for n in range(1, own_seq(5) + 1)]  # set-up, then 5 more
    return path, rows


def test_the_same_event_id_with_other_content_is_refused_as_tampering(tree: dict[str, Desk],
                                                                      tmp_path: Path) -> None:
    good, rows = _up(tree, tmp_path)
    county = tree["331002"]
    transfer.import_bundle(county, good)
    fourth = own_seq(4) - 1  # its place in the file
    note = json.loads(rows[fourth][8])
    changed = sealed_row(rows[fourth], payload=json.dumps({**note, "note": "未联系"}, ensure_ascii=False,
                                                           separators=(",", ":"), sort_keys=True))
    assert changed[10] != rows[fourth][10]  # a well-formed event of its own, only not the one the county holds
    resign(good, tmp_path / "bad.zip", tree["331002001"], events=[*rows[:fourth], changed, rows[fourth + 1]])
    _refused(county, tmp_path / "bad.zip",
             f"同步包中的事件 331002001:{own_seq(4)} 与本站已有的同一事件内容不同，疑似被篡改，不予导入")


def test_an_event_the_sender_may_not_carry_is_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    good, rows = _up(tree, tmp_path)
    other = new_case(tree["331002002"], "李四")
    stranger = tree["331002002"].conn.execute(
        "SELECT id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash FROM events "
        "WHERE case_id != ''").fetchone()
    assert stranger[1] == other
    resign(good, tmp_path / "bad.zip", tree["331002001"], events=[*rows, tuple(stranger)])  # type: ignore[list-item]
    _refused(tree["331002"], tmp_path / "bad.zip",
             f"事件 331002002:{own_seq(1)}：下级站点 331002001 的同步包只能携带其本站及其下级站点的事件")


def test_a_bundle_from_above_may_carry_neither_our_own_events_nor_others_cases(tree: dict[str, Desk],
                                                                              tmp_path: Path) -> None:
    town, county = tree["331002001"], tree["331002"]
    send(town, county, tmp_path / "1.zip")
    other = new_case(tree["331002002"], "李四")
    send(tree["331002002"], county, tmp_path / "2.zip")
    supervision.supervise(county, other, "2026-03-31", "请限期化解")
    own_case = town.conn.execute("SELECT case_id FROM cases").fetchone()[0]
    supervision.supervise(county, own_case, "2026-03-31", "请限期答复")
    down = transfer.export_bundle(county, "331002001", tmp_path / "down.zip").path
    rows = bundle_events(down)
    assert [r[1] for r in rows] == [own_case]
    held = {r[0]: tuple(r) for r in county.conn.execute(
        "SELECT id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, hash FROM events")}
    on_other = next(r for r in held.values() if r[1] == other and r[2] == "331002")
    resign(down, tmp_path / "bad1.zip", county, events=[on_other, *rows])  # type: ignore[list-item]
    _refused(town, tmp_path / "bad1.zip",
             f"事件 {on_other[0]}（督办）：案件 {other} 由站点 331002002 登记，站点 331002 既不是登记站点或其上级，"
             "也不是案件派发到的站点，无权在这件案件上记录，整个同步包不予导入")
    # An event in the township's own name, well-formed but new to it: not the county's to send.
    fake = sealed_row(held[f"331002001:{own_seq(1)}"], id="331002001:99", seq=99)  # type: ignore[arg-type]
    assert town.conn.execute("SELECT count(*) FROM events WHERE id = '331002001:99'").fetchone()[0] == 0
    resign(down, tmp_path / "bad2.zip", county, events=[*rows, fake])
    _refused(town, tmp_path / "bad2.zip", "事件 331002001:99：上级下发的同步包不应包含本站或本站下级产生的事件")


def test_the_same_event_twice_in_one_bundle_is_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    good, rows = _up(tree, tmp_path)
    resign(good, tmp_path / "bad.zip", tree["331002001"], events=[*rows, rows[own_seq(3) - 1]])
    _refused(tree["331002"], tmp_path / "bad.zip", f"同步包中事件 331002001:{own_seq(3)} 出现了两次（同步包被改动）")


def test_a_broken_hash_chain_is_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    good, rows = _up(tree, tmp_path)
    last = own_seq(5) - 1  # the fifth event after the set-up, its place in the file
    broken = sealed_row(rows[last], prev_hash="ab" * 32)  # its own hash fits, its link to the one before does not
    resign(good, tmp_path / "bad.zip", tree["331002001"], events=[*rows[:last], broken])
    _refused(tree["331002"], tmp_path / "bad.zip",
             f"事件 331002001:{own_seq(5)} 与其来源站点的上一事件哈希链接不上（同步包被改动或来源站点数据有误）")


def test_a_missing_evidence_file_is_refused(tree: dict[str, Desk], tmp_path: Path) -> None:
    good, rows = _up(tree, tmp_path)
    sha = json.loads(rows[own_seq(5) - 1][8])["evidence"][0]["sha256"]
    resign(good, tmp_path / "bad.zip", tree["331002001"], drop=(f"evidence/{sha}",))
    assert transfer.verify_bundle(tree["331002"], tmp_path / "bad.zip").genuine  # signed, and as its list says
    _refused(tree["331002"], tmp_path / "bad.zip", f"同步包缺少 1 个佐证材料文件（如 {sha[:12]}…），不予导入")
