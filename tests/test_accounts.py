"""Accounts, roles, logins and the keyring: who may do what, wrong passwords, disabled accounts, recovery."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.models.errors import DomainError
from app.models.vocab import CHECKLIST_ITEMS
from app.ops import sync
from app.ops.accounts import add_account, change_password, disable_account, set_role
from app.ops.approval import Approval
from app.ops.desk import Desk
from app.ops.keyring import Keyring, parse_recovery
from app.ops.session import create_station, open_station, recover
from app.ops.spot_check import spot_check
from app.ops.station_settings import save_settings
from tests.cli_support import cli_station, run
from tests.conftest import ADMIN, TEST_COST, TEST_PASSWORD, FakeNow, login, make_draft, reopen

LEADER_PASSWORD = "leader-password"
HANDLER_REFUSED = "当前账号“李娜（lina）”是经办人，无权{what}：需要领导或管理员账号登录操作"
ADMIN_ONLY = "当前账号“李娜（lina）”是经办人，无权{what}：需要管理员账号登录操作"


@pytest.fixture
def staffed(desk: Desk) -> Desk:
    """The fixture station with a leader (王局长) and a handler (李娜) besides its admin."""
    add_account(desk, "wangjz", "leader", LEADER_PASSWORD, display="王局长")
    add_account(desk, "lina", "handler", TEST_PASSWORD, display="李娜")
    return desk


def as_handler(desk: Desk) -> Desk:
    return reopen(desk, "lina")


def closable(desk: Desk) -> str:
    """A backlog case taken to 回访 with its 四定四包 open: closing it needs a leader's approval."""
    case_id = desk.register_case(make_draft(backlog=True, leader="陈建平"))
    for kind, payload in (("dispatch", {"units": ["镇农办"]}), ("accept", {}), ("contact", {"note": "电话"}),
                          ("handle", {"note": "核查"}), ("feedback", {"reply": "答复"}),
                          ("follow_up", {"rating": "satisfied"})):
        desk.record(case_id, kind, payload)
    return case_id


def test_the_keyring_lives_outside_the_store_owner_only_and_holds_no_password(desk: Desk) -> None:
    path = desk.data_dir / "keyring.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text("utf-8")
    assert TEST_PASSWORD not in text and desk.master_key is not None and len(desk.master_key) == 32
    assert desk.master_key.hex() not in text
    data = json.loads(text)
    assert data["accounts"][ADMIN]["n"] == TEST_COST.n and data["station"]["code"] == "TZ01"
    with pytest.raises(DomainError, match="恢复密钥不正确"):
        Keyring.load(desk.data_dir).open_with_recovery("A" * 52)


def test_a_real_station_gets_the_slow_default_cost(tmp_path: Path) -> None:
    desk, recovery = create_station(tmp_path, "TZ09", "大溪镇", "township", "chen", "daxi-password")
    assert json.loads((tmp_path / "keyring.json").read_text("utf-8"))["accounts"]["chen"]["n"] == 2 ** 16
    assert len(parse_recovery(recovery)) == 32
    desk.close()


def test_every_event_names_the_signed_in_account(staffed: Desk) -> None:
    handler = as_handler(staffed)
    case_id = handler.register_case(make_draft())
    handler.record(case_id, "dispatch", {"units": ["镇农办"]})
    assert [e.actor for e in handler.events(case_id)] == ["李娜（lina）", "李娜（lina）"]
    handler.close()


def test_no_account_or_a_wrong_password_opens_nothing(staffed: Desk) -> None:
    with pytest.raises(DomainError, match="没有账号“nobody”"):
        login(staffed.data_dir, "nobody")
    with pytest.raises(DomainError, match="账号“lina”的密码不正确"):
        login(staffed.data_dir, "lina", "wrong-password")
    with pytest.raises(DomainError, match="账号“lina”的密码不正确"):
        login(staffed.data_dir, "lina", LEADER_PASSWORD)  # another account's password is not this one's


def test_five_wrong_passwords_in_a_row_delay_the_next_try_and_are_recorded(staffed: Desk, now: FakeNow) -> None:
    folder = staffed.data_dir
    for attempt in range(1, 6):
        with pytest.raises(DomainError) as refused:
            login(folder, "lina", f"guess-{attempt}", now=now)
    assert "已连续输错5次，下次须等待30秒" in str(refused.value)
    with pytest.raises(DomainError, match=r"密码已连续输错5次，请\d+秒后再试"):
        login(folder, "lina", TEST_PASSWORD, now=now)  # even the right password waits
    now.advance(seconds=31)
    handler = login(folder, "lina", TEST_PASSWORD, now=now)
    failed = handler.conn.execute("SELECT actor, payload FROM events WHERE kind = 'login_failed'").fetchall()
    assert len(failed) == 1 and failed[0][0] == "李娜（lina）"
    assert json.loads(failed[0][1]) | {"first": "", "last": ""} == {
        "account": "lina", "count": 5, "delayed": True, "first": "", "last": ""}
    handler.close()
    login(folder, "lina", now=now).close()  # the series ended with the good login: no new record, no wait
    assert staffed.conn.execute("SELECT count(*) FROM events WHERE kind = 'login_failed'").fetchone()[0] == 1


def test_a_handler_is_refused_each_leader_and_admin_right_with_what_is_needed(staffed: Desk, tmp_path: Path) -> None:
    handler = as_handler(staffed)
    refusals = [
        (lambda: spot_check(handler, 1), HANDLER_REFUSED.format(what="抽取督查案件")),
        (lambda: save_settings(handler, handler.limits, ["城乡建设"]), ADMIN_ONLY.format(what="修改本站设置")),
        (lambda: handler.set_limits(handler.limits), ADMIN_ONLY.format(what="修改本站设置")),
        (lambda: add_account(handler, "x1", "handler", TEST_PASSWORD), ADMIN_ONLY.format(what="管理账号")),
        (lambda: set_role(handler, "lina", "admin"), ADMIN_ONLY.format(what="管理账号")),
        (lambda: disable_account(handler, "wangjz"), ADMIN_ONLY.format(what="管理账号")),
        (lambda: change_password(handler, ADMIN, "taken-over"), ADMIN_ONLY.format(what="管理账号")),
        (lambda: sync.enroll_request(handler, tmp_path / "x.req"), ADMIN_ONLY.format(what="申请站点证书")),
        (lambda: sync.certify(handler, tmp_path / "x.req", tmp_path / "x.cert"),
         ADMIN_ONLY.format(what="为下级站点签发证书")),
        (lambda: sync.install_cert(handler, tmp_path / "x.cert"), ADMIN_ONLY.format(what="安装站点证书")),
        (lambda: sync.revoke(handler, "TZ02"), ADMIN_ONLY.format(what="吊销站点证书")),
    ]
    for action, message in refusals:
        with pytest.raises(DomainError) as refused:
            action()
        assert str(refused.value) == message
    assert handler.accounts()["lina"].role == "handler" and handler.domains == staffed.domains
    case_id = closable(handler)
    with pytest.raises(DomainError, match="须经领导批准：当前账号“李娜（lina）”是经办人，请领导在此输入其账号和密码"):
        handler.record(case_id, "close", {})
    handler.close()


def test_a_leader_may_approve_and_draw_but_not_manage(staffed: Desk) -> None:
    leader = login(staffed.data_dir, "wangjz", LEADER_PASSWORD)
    case_id = closable(leader)
    leader.record(case_id, "close", {}, approval=Approval("", "", "已息诉"))
    assert leader.case(case_id).status == "closed"
    with pytest.raises(DomainError, match="“王局长（wangjz）”是领导，无权管理账号：需要管理员账号"):
        add_account(leader, "x1", "handler", TEST_PASSWORD)
    leader.close()


def test_a_leader_approves_a_handlers_step_with_their_own_password(staffed: Desk) -> None:
    handler = as_handler(staffed)
    case_id = closable(handler)
    with pytest.raises(DomainError, match="批准未通过：账号“wangjz”的密码不正确"):
        handler.record(case_id, "close", {}, approval=Approval("wangjz", TEST_PASSWORD, "已息诉"))
    with pytest.raises(DomainError, match="批准人“李娜（lina）”是经办人，不能批准"):
        handler.record(case_id, "close", {}, approval=Approval("lina", TEST_PASSWORD, "已息诉"))
    with pytest.raises(DomainError, match="须经领导批准：请填写批准理由"):
        handler.record(case_id, "close", {}, approval=Approval("wangjz", LEADER_PASSWORD, ""))
    assert handler.case(case_id).status == "followed_up"
    event = handler.record(case_id, "close", {}, approval=Approval("wangjz", LEADER_PASSWORD, "已息诉"))
    assert event.actor == "李娜（lina）"
    assert event.payload["approval"] == {"account": "wangjz", "display": "王局长", "role": "leader",
                                         "reason": "已息诉"}
    assert f"0/{len(CHECKLIST_ITEMS)}" not in handler.case(case_id).steps[-1].note
    assert "王局长（wangjz）批准：已息诉" in handler.case(case_id).steps[-1].note
    handler.close()


def test_a_disabled_account_cannot_log_in_and_keeps_its_history(staffed: Desk) -> None:
    handler = as_handler(staffed)
    case_id = handler.register_case(make_draft())
    handler.close()
    disable_account(staffed, "lina")
    with pytest.raises(DomainError, match="没有账号“lina”，或该账号已停用"):
        login(staffed.data_dir, "lina")
    assert "lina" not in Keyring.load(staffed.data_dir).names()
    assert staffed.accounts()["lina"].active is False
    assert staffed.events(case_id)[0].actor == "李娜（lina）"
    with pytest.raises(DomainError, match="已存在"):
        add_account(staffed, "lina", "handler", TEST_PASSWORD)
    with pytest.raises(DomainError, match="唯一的管理员"):
        set_role(staffed, ADMIN, "handler")
    with pytest.raises(DomainError, match="不能停用当前登录的账号"):
        disable_account(staffed, ADMIN)


def test_passwords_are_long_enough_and_changing_one_keeps_the_station_open(staffed: Desk) -> None:
    with pytest.raises(DomainError, match="密码至少8个字符"):
        add_account(staffed, "short", "handler", "1234567")
    handler = as_handler(staffed)
    change_password(handler, "lina", "new-password")
    handler.close()
    with pytest.raises(DomainError, match="密码不正确"):
        login(staffed.data_dir, "lina")
    again = login(staffed.data_dir, "lina", "new-password")
    assert again.master_key == staffed.master_key
    again.close()


def test_the_recovery_key_sets_a_new_admin_password(desk: Desk) -> None:
    recovery = desk.recovery_key  # type: ignore[attr-defined]
    folder = desk.data_dir
    with pytest.raises(DomainError, match="恢复密钥不正确"):
        recover(folder, "AAAA-" * 12 + "AAAA", ADMIN, "after-recovery")
    with pytest.raises(DomainError, match="恢复密钥格式不对"):
        recover(folder, "not a key", ADMIN, "after-recovery")
    restored = recover(folder, recovery.lower().replace("-", " "), ADMIN, "after-recovery")
    assert restored.master_key == desk.master_key
    restored.close()
    open_station(folder, ADMIN, "after-recovery").close()
    with pytest.raises(DomainError, match="密码不正确"):
        login(folder)


def test_accounts_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = cli_station(tmp_path)
    code, out, _ = run(capsys, folder, "user", "add", "lina", "--role", "handler", "--display", "李娜",
                       PETITION_DESK_NEW_PASSWORD="lina-password")
    assert code == 0 and "已新建账号：李娜（lina）（经办人）" in out
    code, out, _ = run(capsys, folder, "user", "list", "--json")
    assert [(a["name"], a["role"], a["active"]) for a in json.loads(out)] == [
        (ADMIN, "admin", True), ("lina", "handler", True)]
    code, _, err = run(capsys, folder, "user", "add", "x1", "--role", "leader", user="lina", password="lina-password",
                       PETITION_DESK_NEW_PASSWORD="x1-password")
    assert code == 1 and "无权管理账号：需要管理员账号登录操作" in err
    code, _, err = run(capsys, folder, "list", user="lina", password="wrong-password")
    assert code == 1 and err.strip() == "错误：账号“lina”的密码不正确"
    code, _, err = run(capsys, folder, "list", user="")
    assert code == 1 and "请用 --user 指定登录账号" in err
    code, out, _ = run(capsys, folder, "user", "passwd", user="lina", password="lina-password",
                       PETITION_DESK_NEW_PASSWORD="lina-password-2")
    assert code == 0 and "已更改“李娜（lina）”的密码" in out
    code, out, _ = run(capsys, folder, "user", "role", "lina", "leader")
    assert code == 0 and "角色现为：领导" in out
    code, out, _ = run(capsys, folder, "user", "disable", "lina")
    assert code == 0 and "已停用账号：李娜（lina）" in out
    code, _, err = run(capsys, folder, "list", user="lina", password="lina-password-2")
    assert code == 1 and "已停用" in err


def test_init_and_recover_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "恢复密钥单.pdf"
    code, out, _ = run(capsys, tmp_path / "s", "init", "--code", "TZ05", "--name", "前所街道", "--level", "township",
                       "--admin", "zhou", "--display", "周敏", "--recovery-sheet", str(sheet),
                       PETITION_DESK_NEW_PASSWORD="zhou-password")
    assert code == 0 and "管理员账号：周敏（zhou）" in out and sheet.read_bytes().startswith(b"%PDF")
    recovery = out.split("）：\n", 1)[1].splitlines()[0]
    assert len(parse_recovery(recovery)) == 32
    from pypdf import PdfReader

    page = PdfReader(sheet).pages[0]
    assert recovery in page.extract_text() and "前所街道" in page.extract_text()
    code, _, err = run(capsys, tmp_path / "s", "init", "--code", "TZ05", "--name", "前所街道", "--level", "township",
                       "--admin", "zhou", PETITION_DESK_NEW_PASSWORD="zhou-password")
    assert code == 1 and "不能重复初始化" in err
    code, out, _ = run(capsys, tmp_path / "s", "recover", "--recovery-key", recovery, "--admin", "zhou",
                       PETITION_DESK_NEW_PASSWORD="zhou-new-password")
    assert code == 0 and "已为管理员“周敏（zhou）”设置新密码" in out
    assert run(capsys, tmp_path / "s", "list", user="zhou", password="zhou-new-password")[0] == 0


def test_a_station_from_before_accounts_gets_its_first_admin(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    old = Desk(tmp_path)
    old.init_station("TZ01", "新河镇信访办", "township")
    old.close()
    code, _, err = run(capsys, tmp_path, "list")
    assert code == 1 and "本站尚未设置账号：请先用 init --admin 账号" in err
    code, out, _ = run(capsys, tmp_path, "init", "--code", "TZ01", "--name", "新河镇信访办", "--level", "township",
                       "--admin", ADMIN, PETITION_DESK_NEW_PASSWORD=TEST_PASSWORD)
    assert code == 0 and "站点已设置：TZ01" in out
    assert run(capsys, tmp_path, "list")[0] == 0
