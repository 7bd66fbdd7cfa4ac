"""The command line as a handler or a script uses it: output, JSON and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.demo import DEMO_PASSWORD, DEMO_USER

from .cli_support import cli_station, login_env, run
from .conftest import VALID_ID, login, own_seq, raw_connection


@pytest.fixture
def station(tmp_path: Path) -> Path:
    return cli_station(tmp_path)


def register(capsys: pytest.CaptureFixture[str], folder: Path, *extra: str) -> tuple[int, str, str]:
    return run(capsys, folder, "register", "--channel", "visit", "--name", "王小明", "--id-number", VALID_ID.lower(),
               "--phone", "13800138000", "--summary", "东岙村道路破损，要求修复", "--domain", "农业农村",
               "--township", "新河镇", "--village", "东岙村", *extra)


def test_a_case_is_registered_moved_and_shown(station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = register(capsys, station)
    case_id = out.strip()
    assert code == 0 and case_id.startswith("TZ01-") and case_id.endswith("-00001")
    assert run(capsys, station, "step", case_id, "dispatch", "--unit", "镇农业农村办")[0] == 0
    code, out, _ = run(capsys, station, "step", case_id, "accept")
    assert code == 0 and "当前状态：已受理" in out
    code, out, _ = run(capsys, station, "show", case_id, "--json")
    shown = json.loads(out)
    assert shown["status"] == "accepted" and shown["petitioners"][0]["id_number"] == VALID_ID
    assert [e["label"] for e in shown["timeline"]] == ["登记", "派发", "受理"]
    assert shown["colour"] == "green" and shown["deadline_label"] == "告知受理"  # the petitioner not yet told
    code, out, _ = run(capsys, station, "show", case_id)
    assert "王小明" in out and "诉求：东岙村道路破损" in out
    assert "派发单位：镇农业农村办" in out and "办理答复期限" in out and "剩60天" in out
    assert out.splitlines()[-1].endswith(" 受理 张丽 TZ01")


def test_registering_a_person_with_earlier_cases_says_so(station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = register(capsys, station)[1].strip()
    code, out, err = register(capsys, station, "--leader", "陈副县长", "--backlog")
    assert code == 0 and f"此信访人此前有案件 {first}" in err and "--repeat-of" in err
    code, out, err = register(capsys, station, "--repeat-of", first)
    assert "重复信访（第2次）" in err


def test_refusals_exit_1_with_a_chinese_reason(station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, station, "register", "--channel", "visit", "--name", "李四", "--id-number",
                       "110105194912310021", "--summary", "x")
    assert code == 1 and "错误：第1名信访人（李四）：身份证号校验位错误：应为X，实为1" in err
    case_id = register(capsys, station)[1].strip()
    code, _, err = run(capsys, station, "step", case_id, "close")
    assert code == 1 and "不能进行“办结销号”" in err
    code, _, err = run(capsys, station, "show", "TZ01-2026-09999")
    assert code == 1 and "找不到案件" in err


def test_usage_errors_exit_2(station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, station, "no-such-command")
    assert code == 2 and "用法错误" in err
    code, _, err = run(capsys, station, "list", "--colour", "purple")
    assert code == 2


def test_commands_before_set_up_say_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = register(capsys, tmp_path)
    assert code == 1 and "尚未设置站点" in err


def test_list_filters_and_checklist(station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = register(capsys, station)[1].strip()
    run(capsys, station, "register", "--channel", "letter", "--name", "李秀英", "--summary", "化工厂排放异味",
        "--domain", "生态环境")
    code, out, _ = run(capsys, station, "list", "--json")
    assert code == 0 and len(json.loads(out)) == 2
    code, out, _ = run(capsys, station, "list", "--search", "秀英", "--json")
    assert [c["petitioners"] for c in json.loads(out)] == ["李秀英"]
    code, out, _ = run(capsys, station, "list", "--status", "registered")
    assert out.strip().endswith("共 2 件")
    code, out, _ = run(capsys, station, "checklist", first, "fix_leader", "--note", "陈建平副县长包案")
    assert code == 0 and "四定四包 1/8" in out


def test_verify_exit_codes(station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    register(capsys, station)
    code, out, _ = run(capsys, station, "verify")
    assert code == 0 and f"校验通过：{own_seq(1)} 个事件，1 件案件" in out
    conn = raw_connection(station)
    conn.execute("DROP TRIGGER events_append_only_update")
    conn.execute("UPDATE events SET actor = '冒名' WHERE seq = 1")
    conn.commit()
    conn.close()
    code, _, err = run(capsys, station, "verify")
    assert code == 1 and "事件 TZ01:1" in err


def test_demo_is_the_same_for_the_same_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listings = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        code, out, _ = run(capsys, tmp_path / name, "demo", "--cases", "120", "--seed", seed)
        assert code == 0 and f"登录账号 {DEMO_USER}，密码 {DEMO_PASSWORD}" in out
        listings.append(json.loads(run(capsys, tmp_path / name, "list", "--json", user=DEMO_USER,
                                       password=DEMO_PASSWORD)[1]))
    assert listings[0] == listings[1]
    assert listings[0] != listings[2]
    statuses = {c["status"] for c in listings[0]}
    assert {"closed", "registered"} <= statuses and len(statuses) >= 6
    assert {c["colour"] for c in listings[0]} >= {"red", "green", "none"}
    assert run(capsys, tmp_path / "a", "verify", user=DEMO_USER, password=DEMO_PASSWORD)[0] == 0


def test_main_script_and_the_data_folder_variable(tmp_path: Path) -> None:
    env = {"PETITION_DESK_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PETITION_DESK_NEW_PASSWORD": "daxi-password"}
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "main.py", "init", "--code", "TZ09", "--name", "大溪镇", "--level",
                           "township", "--admin", "chen"], cwd=root, env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "station.db").exists()


def test_limits_and_holidays_can_be_changed(station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, station, "limits", "--local-feedback-days", "7", "--holiday", "2026-10-01", "--json")
    limits = json.loads(out)
    assert code == 0 and limits["local_feedback_days"] == 7 and limits["holidays"] == ["2026-10-01"]
    code, out, _ = run(capsys, station, "limits")
    assert "本地反馈时限：7日" in out and "节假日：2026-10-01" in out
    code, _, err = run(capsys, station, "limits", "--holiday", "10月1日")
    assert code == 1 and "YYYY-MM-DD" in err
    code, _, err = run(capsys, station, "set-handler", "王海峰")
    assert code == 2, "who records a step is the signed-in account, not a name anyone can type"


@pytest.mark.parametrize(("error", "message"), [
    (PermissionError(13, "Permission denied", "台账.xlsx"),
     "没有读写权限，或文件正被其他程序（如 Excel/WPS）占用：台账.xlsx"),
    (OSError(28, "No space left on device", "同步包.zip"), "磁盘空间已满：同步包.zip"),
    (FileNotFoundError(2, "No such file or directory", "/media/u/x.zip"),
     "文件或文件夹不存在（U 盘可能已拔出，或路径写错了）：/media/u/x.zip"),
])
def test_a_file_system_failure_is_told_in_chinese_not_as_a_traceback(station: Path, capsys: pytest.CaptureFixture[str],
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      error: OSError, message: str) -> None:
    from app.cli import cases

    def broken(desk: object, args: object) -> int:
        raise error

    monkeypatch.setattr(cases, "cmd_list", broken)
    code, _, err = run(capsys, station, "list")
    assert code == 1 and err.startswith(f"错误：{message}") and "Traceback" not in err


def test_usage_errors_and_help_are_in_chinese(station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, station, "demo", "--cases", "many")
    assert code == 2 and "用法错误：参数 --cases：无效的值：'many'" in err
    code, _, err = run(capsys, station, "show")
    assert code == 2 and "缺少必需的参数：case_no" in err
    code, out, _ = run(capsys, station, "show", "--help")
    assert out.startswith("用法：") and "显示此帮助并退出" in out


def test_a_listing_cut_short_by_its_reader_ends_quietly(station: Path) -> None:
    import subprocess
    import sys

    from app.ops.bulk import register_many

    from .conftest import make_draft

    root = Path(__file__).resolve().parents[1]
    desk = login(station)
    register_many(desk, [(make_draft(), None)] * 3000)  # more lines than a pipe holds, so writing must fail
    desk.close()
    done = subprocess.run(f"'{sys.executable}' main.py --data-dir '{station}' list | head -1", shell=True, cwd=root,
                          capture_output=True, text=True, check=False, env=login_env())
    assert done.stdout.count("\n") == 1 and "东岙村" in done.stdout
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_domains_and_limits_are_changed_with_the_settings_checks(station: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, station, "domains", "--add", "城乡建设", "--remove", "集资融资")
    assert code == 0 and "城乡建设、其他" in out and "集资融资" not in out
    code, _, err = run(capsys, station, "domains", "--remove", "其他")
    assert code == 1 and "“其他”不能去掉" in err
    code, _, err = run(capsys, station, "limits", "--handle-days", "0")
    assert code == 1 and "“受理后办理答复”须在1至365天之间，现为0" in err
    code, _, err = run(capsys, station, "limits", "--makeup-workday", "2026-10-08")
    assert code == 1 and "调休上班日应为周六或周日" in err


def test_opening_the_window_loads_no_command_module(tmp_path: Path) -> None:
    import subprocess
    import sys

    from app.cli.main import opens_window

    assert opens_window([]) and opens_window(["--data-dir", "D", "--case", "X-1"]) and opens_window(["--case=X"])
    assert not opens_window(["list"]) and not opens_window(["--data-dir", "D", "show", "X"])
    assert not opens_window(["--help"])
    probe = ("import sys\nimport app.views.app as gui\nfrom app.cli.main import main\n"
             "gui.run_gui = lambda args: print(args.data_dir, sorted(m for m in sys.modules if m.startswith("
             "('app.cli.sync', 'app.cli.reports', 'app.demo', 'openpyxl', 'cryptography')))) or 0\n"
             "main(['--data-dir', 'D'])")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.stdout.strip() == "D []"
