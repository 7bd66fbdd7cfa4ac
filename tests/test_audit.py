"""Outputs of personal data are recorded, full ID numbers need a leader, and the audit lists what happened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.ops.accounts import add_account, set_role
from tests.cli_support import cli_station, run
from tests.conftest import ADMIN, TEST_PASSWORD, login, make_draft


def test_outputs_and_account_changes_are_in_the_audit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = cli_station(tmp_path / "s")
    desk = login(folder)
    case_id = desk.register_case(make_draft())
    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    desk.close()
    sheet, ledger = tmp_path / "表.pdf", tmp_path / "台账.xlsx"
    code, _, err = run(capsys, folder, "print", case_id, "--out", str(sheet), "--full-id", user="lina")
    assert code == 1 and "无权打印或导出完整身份证号：需要领导或管理员账号登录操作" in err
    assert not sheet.exists()
    code, _, err = run(capsys, folder, "ledger", "--out", str(ledger), "--full-id", user="lina")
    assert code == 1 and "无权打印或导出完整身份证号" in err and not ledger.exists()
    assert run(capsys, folder, "print", case_id, "--out", str(sheet), user="lina")[0] == 0  # masked: a handler may
    assert run(capsys, folder, "ledger", "--out", str(ledger), "--full-id")[0] == 0
    run(capsys, folder, "list", user="lina", password="a-wrong-one")
    code, _, err = run(capsys, folder, "audit", user="lina")
    assert code == 1 and "无权查看审计记录" in err
    code, out, _ = run(capsys, folder, "audit", "--json")
    entries = json.loads(out)
    texts = [(e["account"], e["text"]) for e in entries]
    assert texts[0] == (ADMIN, f"设置站点并新建第一个管理员：{ADMIN}")
    assert (ADMIN, "新建账号：lina（handler）") in texts
    assert ("lina", "输出办理情况表：1 件案件、1 名信访人，身份证号脱敏，文件 表.pdf") in texts
    assert (ADMIN, "输出台账：1 件案件、1 名信访人，完整身份证号，文件 台账.xlsx") in texts
    failed = [e for e in entries if e["kind"] == "login_failed"]
    assert len(failed) == 1 and failed[0]["details"]["account"] == "lina" and failed[0]["details"]["count"] == 1
    code, out, _ = run(capsys, folder, "audit", "--from", "2000-01-01", "--to", "2000-12-31")
    assert code == 0 and out.strip() == "共 0 条"


def test_a_leader_may_print_full_id_numbers(desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    case_id = desk.register_case(make_draft())
    add_account(desk, "wangjz", "handler", TEST_PASSWORD)
    set_role(desk, "wangjz", "leader")
    code, _, _ = run(capsys, desk.data_dir, "print", case_id, "--out", str(tmp_path / "a.pdf"), "--full-id",
                     user="wangjz")
    assert code == 0
    outputs = desk.conn.execute("SELECT actor, payload FROM events WHERE kind = 'output'").fetchall()
    assert len(outputs) == 1 and outputs[0][0] == "wangjz" and json.loads(outputs[0][1])["full_id"] is True


def test_the_lock_minutes_are_an_admins_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = cli_station(tmp_path / "s")
    desk = login(folder)
    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    desk.close()
    assert run(capsys, folder, "lock-minutes")[1].strip() == "窗口闲置 10 分钟后锁定"
    code, _, err = run(capsys, folder, "lock-minutes", "5", user="lina")
    assert code == 1 and "无权修改本站设置" in err
    assert run(capsys, folder, "lock-minutes", "5")[1].strip() == "窗口闲置 5 分钟后锁定"
    code, _, err = run(capsys, folder, "lock-minutes", "999")
    assert code == 1 and "0至240分钟" in err


def test_spot_check_lists_reports_and_refused_rows_are_outputs(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The three outputs saved through one writer each (the window calls the same): each is an ``output`` event
    in the audit; the refused rows show ID numbers masked unless a leader asks for them in full."""
    from openpyxl import load_workbook

    from tests.test_ledger_import import ROWS, VALID, hand_ledger

    folder = cli_station(tmp_path / "s")
    desk = login(folder)
    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    desk.close()
    source, rows = hand_ledger(tmp_path / "台账.xlsx"), tmp_path / "未导入.xlsx"
    refused = len(ROWS) - VALID
    code, _, err = run(capsys, folder, "import-ledger", str(source), "--rejected", str(rows), "--full-id",
                       user="lina")
    assert code == 1 and "无权打印或导出完整身份证号" in err and not rows.exists()
    assert run(capsys, folder, "import-ledger", str(source), "--dry-run", "--rejected", str(rows), user="lina")[0] == 0
    cells = {str(c) for row in load_workbook(rows).active.iter_rows(values_only=True) for c in row}
    assert "110105********0021" in cells and "110105194912310021" not in cells  # the wrong check digit's row
    assert run(capsys, folder, "import-ledger", str(source), "--rejected", str(rows), "--full-id")[0] == 0
    cells = {str(c) for row in load_workbook(rows).active.iter_rows(values_only=True) for c in row}
    assert "110105194912310021" in cells
    checked, report = tmp_path / "抽查.xlsx", tmp_path / "周报.xlsx"
    assert run(capsys, folder, "spot-check", "--count", "2", "--seed", "7", "--xlsx", str(checked))[0] == 0
    assert run(capsys, folder, "report", "weekly", "--out", str(report), user="lina")[0] == 0
    code, out, _ = run(capsys, folder, "audit", "--json")
    outputs = [(e["account"], e["details"]) for e in json.loads(out) if e["kind"] == "output"]
    people = sum(1 for values, reason in ROWS if reason and values[0])
    assert outputs == [
        ("lina", {"what": "rejected_rows", "file": "未导入.xlsx", "cases": refused, "people": people,
                  "full_id": False}),
        (ADMIN, {"what": "rejected_rows", "file": "未导入.xlsx", "cases": refused, "people": people,
                 "full_id": True}),
        (ADMIN, {"what": "spot_check_list", "file": "抽查.xlsx", "cases": 2, "people": outputs[2][1]["people"],
                 "full_id": False}),
        ("lina", {"what": "report", "file": "周报.xlsx", "cases": VALID, "people": VALID + 1, "full_id": False}),
    ]
    assert outputs[2][1]["people"] >= 2
    texts = [e["text"] for e in json.loads(out) if e["kind"] == "output"]
    assert texts[0] == f"输出台账中未导入的行：{refused} 行、{people} 名信访人，身份证号脱敏，文件 未导入.xlsx"
    assert texts[3] == f"输出统计报表：{VALID} 件案件、{VALID + 1} 名信访人，身份证号脱敏，文件 周报.xlsx"
