"""Township → county → city and back down: certificates, bundles, acknowledgements, actions from above."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.cli.main import main
from app.models.errors import DomainError
from app.models.timeline import station_mark
from app.ops import supervision, sync
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.store.projection import fingerprint
from app.store.stations import StationTree
from app.sync import keys
from tests.conftest import FakeNow, new_station, own_seq
from tests.sync_helpers import new_case, send, station_tree


def _handled_case(desk: Desk, tmp_path: Path) -> str:
    case_id = new_case(desk)
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "accept", {})
    desk.record(case_id, "contact", {"note": "电话联系信访人"})
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(b"\x89PNG fake photo " * 100)
    desk.handle(case_id, "现场核查道路破损情况", [photo])
    return case_id


def test_township_to_county_to_city_and_a_supervision_order_back_down(tmp_path: Path, now: FakeNow,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with station_tree(tmp_path, now) as d:
        case_id = _handled_case(d["331002001"], tmp_path)
        other = new_case(d["331002002"], "李四")
        first = send(d["331002001"], d["331002"], tmp_path / "up-tz01.zip")
        assert first.report.new_cases == [case_id] and first.evidence_added == 1
        send(d["331002002"], d["331002"], tmp_path / "up-tz02.zip")
        county = d["331002"]
        assert {r[0] for r in county.conn.execute("SELECT case_id FROM cases")} == {case_id, other}

        now.advance(hours=1)
        supervision.assign_leader(county, case_id, "陈副县长")
        supervision.supervise(county, case_id, "2026-03-20", "请于月底前修复道路并答复信访人")
        supervision.set_backlog(county, case_id, True)
        city_view = send(county, d["331000"], tmp_path / "up-county.zip")
        assert sorted(city_view.report.new_cases) == sorted([case_id, other])
        assert fingerprint(d["331000"].conn) == fingerprint(county.conn)
        assert d["331000"].blobs.has(county.case(case_id).steps[4].evidence[0]["sha256"])

        down = send(county, d["331002001"], tmp_path / "down-tz01.zip")
        assert down.report.changed_cases == [case_id] and down.report.new_events == 3
        state = d["331002001"].case(case_id)
        assert state.leader == "陈副县长" and state.backlog
        order = state.steps[-1]
        assert order.kind == "supervise" and order.origin == "331002" and "月底前修复" in order.note
        above = StationTree.load(d["331002001"].conn).above()
        assert station_mark(order.origin, state.origin, "331002001", above) == "（上级）"
        assert not any(station_mark(s.origin, state.origin, "331002001", above) for s in state.steps[:-1])
        # The township's timeline on the command line marks the order as coming from above.
        town_dir = str(d["331002001"].data_dir)
        assert main(["--data-dir", town_dir, "show", case_id]) == 0
        shown = capsys.readouterr().out
        assert " 督办 张丽 331002（上级） 请于月底前修复道路并答复信访人" in shown
        assert "包案领导：陈副县长  四定四包：0/8" in shown and "□ 包化解（未完成）" in shown
        assert main(["--data-dir", town_dir, "show", case_id, "--json"]) == 0
        timeline = json.loads(capsys.readouterr().out)["timeline"]
        assert [e["kind"] for e in timeline if e["from_above"]] == ["set_leader", "supervise", "set_backlog"]
        # 331002002 gets nothing about 331002001's case.
        empty = transfer.export_bundle(county, "331002002", tmp_path / "down-tz02.zip")
        assert empty.manifest["counts"]["events"] == 0
        # The city and the township hold the same case now.
        assert d["331002001"].case(case_id).supervision == d["331000"].case(case_id).supervision


def test_acknowledgements_ride_back_and_a_lost_file_costs_only_a_re_export(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        new_case(town)
        lost = transfer.export_bundle(town, "331002", tmp_path / "lost.zip")
        assert lost.manifest["counts"]["events"] == own_seq(1)
        new_case(town, "李四")
        again = transfer.export_bundle(town, "331002", tmp_path / "again.zip")
        assert again.manifest["counts"]["events"] == own_seq(2)  # the lost file's events travel again
        transfer.import_bundle(county, tmp_path / "again.zip")
        # Until the county's acknowledgement comes back, the township keeps sending everything.
        assert transfer.export_bundle(town, "331002", tmp_path / "x.zip").manifest["counts"]["events"] == own_seq(2)
        send(county, town, tmp_path / "ack.zip")
        assert transfer.export_bundle(town, "331002", tmp_path / "y.zip").manifest["counts"]["events"] == 0
        new_case(town, "赵六")
        assert transfer.export_bundle(town, "331002", tmp_path / "z.zip").manifest["counts"]["events"] == 1


def test_concurrent_leader_changes_both_survive_and_the_decision_syncs(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        case_id = new_case(town)
        send(town, county, tmp_path / "1.zip")
        supervision.assign_leader(county, case_id, "陈副县长")
        county.edit(case_id, "domain", "教育")
        now.advance(minutes=5)
        supervision.assign_leader(town, case_id, "周镇长")
        town.edit(case_id, "village", "西岙村")
        send(town, county, tmp_path / "2.zip")
        result = send(county, town, tmp_path / "3.zip")
        assert result.report.conflicts == [(case_id, "leader")]
        for desk in (town, county):
            state = desk.case(case_id)
            assert [c.field for c in state.conflicts] == ["leader"]
            assert sorted(state.conflicts[0].values) == ["周镇长", "陈副县长"]
            assert (state.domain, state.village) == ("教育", "西岙村")  # different fields merged on their own
        assert fingerprint(town.conn) == fingerprint(county.conn)
        from app.sync.conflicts import soft_pairs

        soft = soft_pairs(town.conn)
        assert soft and {tuple(p.fields) for p in soft} >= {("领域", "村（社区）")}
        with pytest.raises(DomainError, match="序号须为 1 至 2"):
            supervision.resolve(county, case_id, "leader", pick=3)
        supervision.resolve(county, case_id, "leader", pick=1)
        assert county.case(case_id).conflicts == [] and county.case(case_id).leader == "陈副县长"
        send(county, town, tmp_path / "4.zip")
        assert town.case(case_id).conflicts == [] and town.case(case_id).leader == "陈副县长"
        assert fingerprint(town.conn) == fingerprint(county.conn)


def test_certificates_are_refused_when_they_do_not_fit(tmp_path: Path, now: FakeNow) -> None:
    with station_tree(tmp_path, now, ("331000", "331002")) as d:
        stray = new_station(tmp_path / "331002009", "331002009", "某镇", "township", now=now)
        sync.enroll_request(stray, tmp_path / "tz09.req")
        with pytest.raises(DomainError, match="应由县（区）站点签发"):
            sync.certify(d["331000"], tmp_path / "tz09.req", tmp_path / "tz09.cert")
        sync.certify(d["331002"], tmp_path / "tz09.req", tmp_path / "tz09.cert")
        other = new_station(tmp_path / "331002010", "331002009", "某镇", "township", now=now)
        keys.load_or_create_key(other.data_dir)
        with pytest.raises(DomainError, match="不是签发给本机的"):
            sync.install_cert(other, tmp_path / "tz09.cert")
        sync.install_cert(stray, tmp_path / "tz09.cert")
        request = json.loads((tmp_path / "tz09.req").read_text("utf-8"))
        request["body"]["name"] = "冒名镇"
        (tmp_path / "forged.req").write_text(json.dumps(request, ensure_ascii=False), "utf-8")
        with pytest.raises(DomainError, match="签名不正确"):
            sync.certify(d["331002"], tmp_path / "forged.req", tmp_path / "forged.cert")
        assert not keys.key_path(stray.data_dir).parent.exists()  # the key is inside the store, not a file
        assert keys.load_key(stray.data_dir) is not None
        stray.close()
        other.close()


def test_command_line_flow_and_verify_bundle_exit_codes(tmp_path: Path, now: FakeNow,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        case_id = new_case(d["331002001"])
        folders = {code: str(desk.data_dir) for code, desk in d.items()}
        for desk in d.values():
            desk.close()
        out = tmp_path / "up.zip"
        assert main(["--data-dir", folders["331002001"], "export", "--to", "331002", "--out", str(out)]) == 0
        assert main(["--data-dir", folders["331002"], "verify-bundle", str(out)]) == 0
        assert "真实有效" in capsys.readouterr().out
        assert main(["--data-dir", folders["331002"], "import", str(out)]) == 0
        assert "新案件 1 件" in capsys.readouterr().out
        assert main(["--data-dir", folders["331002"], "supervise", case_id, "--deadline", "2099-12-31",
                     "--note", "限期化解"]) == 0
        assert main(["--data-dir", folders["331002"], "stations", "--json"]) == 0
        data = json.loads(capsys.readouterr().out.split("\n", 1)[1])
        assert data["self"]["code"] == "331002" and data["parent"]["code"] == "331000"
        assert [c["code"] for c in data["children"]] == ["331002001"]
        assert len(data["self"]["fingerprint"].split()) == 8
        data_file = out.read_bytes()
        out.write_bytes(data_file[:100] + bytes([data_file[100] ^ 1]) + data_file[101:])
        assert main(["--data-dir", folders["331002"], "verify-bundle", str(out)]) == 1
        assert "不可信" in capsys.readouterr().err
        assert main(["--data-dir", folders["331002"], "conflicts", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == {"hard": [], "soft": []}


def test_conflicts_and_resolve_on_the_command_line(tmp_path: Path, now: FakeNow,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        case_id = new_case(town)
        send(town, county, tmp_path / "1.zip")
        county.edit(case_id, "head_count", 6)
        now.advance(minutes=2)
        town.edit(case_id, "head_count", 8)
        send(town, county, tmp_path / "2.zip")
        folder = str(county.data_dir)
        assert main(["--data-dir", folder, "conflicts"]) == 0
        out = capsys.readouterr().out
        assert f"{case_id} 人数：两处同时修改" in out and "[1] 6（331002" in out and "[2] 8（331002001" in out
        assert main(["--data-dir", folder, "resolve", case_id, "head_count", "--value", "七"]) == 1
        assert "人数须为正整数" in capsys.readouterr().err
        assert main(["--data-dir", folder, "resolve", case_id, "head_count", "--value", "7"]) == 0
        assert "“人数”已定为 7" in capsys.readouterr().out
        assert county.case(case_id).head_count == 7 and county.case(case_id).conflicts == []
        assert main(["--data-dir", folder, "resolve", case_id, "head_count", "--pick", "1"]) == 1
        assert "没有待处理的修改冲突" in capsys.readouterr().err
        assert main(["--data-dir", folder, "revoke", "331002001", "--reason", "电脑丢失"]) == 0
        assert main(["--data-dir", folder, "stations"]) == 0
        assert "吊销：331002001" in capsys.readouterr().out


def test_verify_bundle_at_a_station_without_a_certificate_says_what_is_missing(
        tmp_path: Path, now: FakeNow, capsys: pytest.CaptureFixture[str]) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        new_case(d["331002001"])
        out = transfer.export_bundle(d["331002001"], "331002", tmp_path / "up.zip").path
        fresh = new_station(tmp_path / "331002002", "331002002", "下陈街道信访办", "township", now=now)
        fresh.close()
        assert main(["--data-dir", str(tmp_path / "331002002"), "verify-bundle", str(out)]) == 1
        captured = capsys.readouterr()
        assert "发送站点：331002001 新河镇信访办" in captured.out  # what the file says about itself, marked unchecked
        assert "不可信" not in captured.err
        assert "无法核验（上面是同步包自己写的内容，未经核对）：本站尚未安装上级签发的证书" in captured.err
        assert "install-cert" in captured.err


def test_certificate_and_revocation_times_are_printed_with_the_time_of_day(
        tmp_path: Path, now: FakeNow, capsys: pytest.CaptureFixture[str]) -> None:
    now.advance(hours=5, minutes=7, seconds=3)
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        folder = str(d["331002"].data_dir)
        sync.enroll_request(d["331002001"], tmp_path / "again.req")
        assert main(["--data-dir", folder, "revoke", "331002001"]) == 0  # the command line runs on the real clock
        stamp = re.search(r"（(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) 起）", capsys.readouterr().out)
        assert stamp is not None
        assert main(["--data-dir", folder, "stations"]) == 0
        out = capsys.readouterr().out
        assert "本站证书：2026-03-02 14:07:03 至 2036-03-02 14:07:03" in out
        assert f"吊销：331002001 于 {stamp.group(1)}" in out
        with pytest.raises(DomainError, match=f"已于 {stamp.group(1)} 被吊销"):
            sync.certify(d["331002"], tmp_path / "again.req", tmp_path / "again.cert")


def test_steps_taken_at_two_stations_without_seeing_each_other_keep_the_case_moving_forward(
        tmp_path: Path, now: FakeNow, capsys: pytest.CaptureFixture[str]) -> None:
    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as d:
        town, county = d["331002001"], d["331002"]
        case_id = new_case(town)
        send(town, county, tmp_path / "1.zip")
        for kind, payload in (("dispatch", {"units": ["镇农业农村办"]}), ("accept", {}),
                              ("contact", {"note": "电话联系信访人"})):
            town.record(case_id, kind, payload)
            now.advance(minutes=1)
            if kind == "dispatch":  # the county, not having seen the township's steps, takes them too
                county.record(case_id, "dispatch", {"units": ["县交通局"]})
            if kind == "contact":
                late = county.record(case_id, "accept", {})
        send(town, county, tmp_path / "2.zip")
        send(county, town, tmp_path / "3.zip")
        states = [desk.case(case_id) for desk in (town, county)]
        for state in states:
            assert state.status == "contacted", "the case did not go back to 已受理"
            assert late.id in state.out_of_turn
        assert states[0].out_of_turn == states[1].out_of_turn
        assert fingerprint(town.conn) == fingerprint(county.conn)
        from app.sync.conflicts import soft_pairs

        late_steps = {p.changes[1].event_id: p for p in soft_pairs(county.conn)
                      if p.fields == ["办理步骤", "未改变状态的办理步骤"]}
        assert set(late_steps) == set(states[0].out_of_turn)
        assert late_steps[late.id].changes[1].value == "受理"
        assert main(["--data-dir", str(town.data_dir), "show", case_id]) == 0
        shown = capsys.readouterr().out
        assert "提示：有" in shown and "个办理步骤与其他站点同时办理、未改变案件状态" in shown
        assert "（与其他站点同时办理，未改变案件状态）" in shown
