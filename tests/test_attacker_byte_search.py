"""The laptop thief's and the stick finder's search, in one scenario: a township does every kind of work a station
does with one petitioner (register, steps with evidence, a printed sheet and paper, the ledger, a bundle exported to
its county and imported there, a backup), each long kind is also killed with SIGKILL half-way, and then every byte
of both data folders, the stick and the system's temporary folder is searched for the petitioner's name, ID number,
phone and address (UTF-8, UTF-16 both ways, GB18030; zips unzipped). Nothing may be found but in the files the
handler asked for in clear (the ledger, the PDFs), which lie outside the data folder; beside them, nothing of the
ledger killed while it was saved."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from app.demo import generate_demo
from app.models.case import Petitioner
from app.ops import sync_transfer as transfer
from app.ops.papers import make_paper
from tests.byte_search import search
from tests.cli_support import login_env, run
from tests.conftest import FakeNow, make_draft
from tests.kill_support import kill_half_way, main_py, stage, writing_in
from tests.sync_helpers import station_tree

pytestmark = pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="SIGKILL and /proc: Linux")

NAME, ID_NUMBER, PHONE, ADDRESS = "欧阳觅踪", "11010519491231002X", "13987650123", "九曲巷桃源里七十三号"
SECRETS = (NAME, ID_NUMBER, PHONE, ADDRESS)
TOWN, COUNTY = "331002001", "331002"
DEMO_CASES = 1500  # enough rows that each long job lasts long enough to be killed half-way


def test_nothing_about_the_petitioner_is_readable_anywhere_but_where_the_handler_wrote_it(
        tmp_path: Path, now: FakeNow, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    system_temp = tmp_path / "system-temp"  # the system's temporary folder, of this program alone
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    env = {**login_env(), "TMPDIR": str(system_temp), "QT_QPA_PLATFORM": "offscreen"}
    stick, chosen, user_files = tmp_path / "stick", tmp_path / "chosen", tmp_path / "documents"
    for folder in (stick, chosen, user_files):
        folder.mkdir()
    scan = user_files / "来信扫描.jpg"  # the handler's own file: the evidence's original
    scan.write_bytes(b"\xff\xd8" + f"信访人{NAME} 身份证{ID_NUMBER} 电话{PHONE} 住址{ADDRESS}".encode() * 50)

    with station_tree(tmp_path / "tree", now, ("331000", COUNTY, TOWN)) as desks:
        town, county = desks[TOWN], desks[COUNTY]
        generate_demo(town, DEMO_CASES)
        case_id = town.register_case(make_draft(petitioners=[Petitioner(NAME, ID_NUMBER, PHONE, ADDRESS)],
                                                request_summary=f"{NAME}反映道路破损，电话{PHONE}"))
        town.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
        town.record(case_id, "accept", {})
        town.record(case_id, "contact", {"note": f"电话{PHONE}联系{NAME}"})
        town.handle(case_id, f"到{ADDRESS}现场核查", [scan])
        make_paper(town, case_id, "受理告知书", chosen / "受理告知书.pdf", way="当面")
        transfer.export_bundle(town, COUNTY, stick / "first.zip")
        town.record(case_id, "contact", {"note": f"再次联系{NAME}"})
        transfer.export_bundle(town, COUNTY, stick / "second.zip")
        town.close()
        county.close()
        town_dir, county_dir = tmp_path / "tree" / TOWN, tmp_path / "tree" / COUNTY

        # Each kind of work once whole (on the command line, as a handler would) …
        for argv in (["print", case_id, "--full-id", "--out", str(chosen / "办理情况表.pdf")],
                     ["ledger", "--full-id", "--out", str(chosen / "台账.xlsx")],
                     ["backup", "--out", str(stick / "备份.zip")]):
            code, _out, err = run(capsys, town_dir, *argv)
            assert code == 0, err
        code, _out, err = run(capsys, county_dir, "import", str(stick / "first.zip"))
        assert code == 0, err
        assert (chosen / "台账.xlsx").exists() and search([chosen], [ID_NUMBER])  # the search does find what is there

        # … and each long kind killed with SIGKILL half-way.
        town_env = {**env, "PETITION_DESK_HOME": str(town_dir)}
        # An export killed once its workbook is written (packing the evidence), a ledger and a backup killed while
        # the file is being written, an import killed while it applies the events.
        at_town = ("--data-dir", str(town_dir))
        kill_half_way(main_py(*at_town, "export", "--to", COUNTY, "--out", str(stick / "killed.zip")), town_env,
                      stage("打包佐证材料"))
        kill_half_way(main_py(*at_town, "ledger", "--full-id", "--out", str(chosen / "killed.xlsx")), town_env,
                      writing_in(chosen))
        kill_half_way(main_py(*at_town, "backup", "--out", str(stick / "killed-backup.zip")), town_env,
                      writing_in(stick))
        assert not [p for p in stick.iterdir() if "killed-backup" in p.name]  # no half backup left on the stick
        kill_half_way(main_py("--data-dir", str(county_dir), "import", str(stick / "second.zip")),
                      {**env, "PETITION_DESK_HOME": str(county_dir)}, stage("导入事件"))

    # The folder the handler chose holds the files asked for in clear, and nothing of the killed ledger.
    asked = [chosen / "受理告知书.pdf", chosen / "办理情况表.pdf", chosen / "台账.xlsx"]
    assert sorted(chosen.iterdir()) == sorted(asked)
    found = search([town_dir, county_dir, stick, system_temp, chosen], SECRETS, skip=asked)
    assert found == []
