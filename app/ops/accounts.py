"""Accounts and roles: who may do what at this station, checked in one place.

Roles rank handler (经办人) < leader (领导) < admin (管理员); each has every right of the roles below it. An
account's state is the fold of this station's own ``account`` events (case id empty), so every change is audited,
travels upward with sync, and a disabled account keeps its history. The passwords live only in the keyring
(app.ops.keyring): a password is right exactly when its wrap of the master key opens.

Every right a role grants is named in ``RIGHTS`` and checked by ``require`` — the GUI and the command line call
the same operations, so they cannot disagree about who may do what.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.models.errors import DomainError
from app.ops.keyring import Keyring, check_password

if TYPE_CHECKING:
    from app.ops.desk import Desk

ACCOUNT_KIND = "account"
ROLES = {"handler": "经办人", "leader": "领导", "admin": "管理员"}
RANK = {role: rank for rank, role in enumerate(ROLES)}
MAX_NAME = 20
# Rights above a handler's, the role that first has each, and how a refusal names it.
RIGHTS: dict[str, tuple[str, str]] = {
    "approve": ("leader", "批准"),
    "full_id": ("leader", "打印或导出完整身份证号"),
    "spot_check": ("leader", "抽取督查案件"),
    "audit": ("leader", "查看审计记录（输出、账号变更、密码输错）"),
    "backup": ("leader", "备份本站数据"),
    # DOMAIN.md: supervision orders are issued by the county (or a superior) office or its leader, never by the
    # handler whose work they chase.
    "supervise": ("leader", "下达督办"),
    "accounts": ("admin", "管理账号"),
    "settings": ("admin", "修改本站设置"),
    "enroll": ("admin", "申请站点证书"),
    "certify": ("admin", "为下级站点签发证书"),
    "install_cert": ("admin", "安装站点证书"),
    "revoke": ("admin", "吊销站点证书"),
    "restore": ("admin", "从备份恢复站点"),
}
ACTIONS = {"add": "新建账号", "role": "更改角色", "disable": "停用账号", "password": "更改密码",
           "recover": "用恢复密钥重设密码"}
_BAD_NAME = re.compile(r"[\s（）()<>\"'\\/]")
_ACTOR = re.compile(r"^(.*)（([^（）]+)）$")


@dataclass(frozen=True)
class Account:
    """One account of this station, as its events have made it."""

    name: str
    display: str
    role: str
    active: bool = True
    created_at: str = ""

    @property
    def actor(self) -> str:
        """How events name the account: its display name, with the login name when they differ."""
        return actor_text(self.name, self.display)

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    def may(self, right: str) -> bool:
        return self.active and RANK[self.role] >= RANK[RIGHTS[right][0]]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "display": self.display, "role": self.role, "role_label": self.role_label,
                "active": self.active, "created_at": self.created_at}


def actor_text(name: str, display: str) -> str:
    return display if display == name else f"{display}（{name}）"


def actor_name(actor: str) -> str:
    """The login name inside an event's actor text (the text itself for one written before accounts)."""
    match = _ACTOR.match(actor)
    return match.group(2) if match else actor


def check_name(name: str, what: str = "账号名") -> str:
    name = name.strip()
    if not name:
        raise DomainError(f"请填写{what}")
    if len(name) > MAX_NAME:
        raise DomainError(f"{what}不能超过{MAX_NAME}个字：{name}")
    if _BAD_NAME.search(name) or not name.isprintable():
        raise DomainError(f"{what}不能含空格、括号、引号或斜杠：{name}")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise DomainError(f"角色须为：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}")
    return role


def accounts(conn: sqlite3.Connection, station_code: str, first_admin: dict[str, str] | None) -> dict[str, Account]:
    """This station's accounts: the fold of the station's own account events (another station's arrive by sync
    and are kept in the log, but are not logins here); in a station set up by an earlier version and not yet
    upgraded by a login, also the first admin its settings name (app.ops.station_setup)."""
    import orjson

    found: dict[str, Account] = {}
    if first_admin:
        name = first_admin["name"]
        found[name] = Account(name, first_admin.get("display") or name, "admin", True, first_admin.get("at", ""))
    # "+origin": found through the case index (events about no case are few), not by walking every own event
    rows = conn.execute("SELECT at, payload FROM events WHERE case_id = '' AND kind = ? AND +origin = ? ORDER BY seq",
                        (ACCOUNT_KIND, station_code))
    for at, payload_text in rows:
        p = orjson.loads(payload_text)
        name, action = p.get("account", ""), p.get("action")
        if action == "add":
            made = p.get("since") or at  # the first admin of a station set up by an earlier version: its set-up
            found[name] = Account(name, p.get("display") or name, p.get("role", "handler"), True, made)
        elif name in found:
            old = found[name]
            if action == "role":
                found[name] = Account(name, old.display, p.get("role", old.role), old.active, old.created_at)
            elif action == "disable":
                found[name] = Account(name, old.display, old.role, False, old.created_at)
    return found


def require(account: Account | None, right: str) -> None:
    """Refuse, in Chinese, an account without ``right``: says who is logged in and which role is needed."""
    refused = refusal(account, right)
    if refused:
        raise DomainError(refused)


def refusal(account: Account | None, right: str) -> str:
    """Why ``account`` may not use ``right`` ("" when it may), in the words of the refusal: what the window shows
    beside an action it disables for this account."""
    need, what = RIGHTS[right]
    if account is None:
        return f"请先登录：{what}需要{ROLES[need]}账号"
    if not account.may(right):
        higher = "或".join(ROLES[r] for r in ROLES if RANK[r] >= RANK[need])
        return f"当前账号“{account.actor}”是{account.role_label}，无权{what}：需要{higher}账号登录操作"
    return ""


# ----- changing accounts (admin) ------------------------------------------------------------------------------
def _account_event(desk: Desk, payload: dict[str, Any]) -> None:
    desk.record_station_event(ACCOUNT_KIND, payload, {"accounts"})


def add_account(desk: Desk, name: str, role: str, password: str, display: str = "") -> Account:
    """A new account with its first password; admin only."""
    require(desk.account, "accounts")
    name, role = check_name(name), check_role(role)
    display = check_name(display, "显示名") if display.strip() else name
    check_password(password)
    if name in desk.accounts():
        raise DomainError(f"账号“{name}”已存在（停用的账号名也不能再用）")
    ring = Keyring.load(desk.data_dir)
    ring.put_password(name, password, desk.require_master_key())
    _account_event(desk, {"action": "add", "account": name, "display": display, "role": role})
    return desk.accounts()[name]


def _existing(desk: Desk, name: str) -> Account:
    found = desk.accounts().get(name.strip())
    if found is None:
        raise DomainError(f"没有账号“{name}”")
    return found


def set_role(desk: Desk, name: str, role: str) -> Account:
    require(desk.account, "accounts")
    account, role = _existing(desk, name), check_role(role)
    if not account.active:
        raise DomainError(f"账号“{account.name}”已停用")
    if account.role == role:
        return account
    _refuse_last_admin(desk, account, f"改为{ROLES[role]}")
    _account_event(desk, {"action": "role", "account": account.name, "role": role})
    return desk.accounts()[account.name]


def disable_account(desk: Desk, name: str) -> Account:
    """Stop an account: its password no longer opens the keyring; its events stay as they were."""
    require(desk.account, "accounts")
    account = _existing(desk, name)
    if not account.active:
        return account
    if desk.account is not None and account.name == desk.account.name:
        raise DomainError("不能停用当前登录的账号")
    _refuse_last_admin(desk, account, "停用")
    Keyring.load(desk.data_dir).remove(account.name)
    _account_event(desk, {"action": "disable", "account": account.name})
    return desk.accounts()[account.name]


def _refuse_last_admin(desk: Desk, account: Account, change: str) -> None:
    admins = [a for a in desk.accounts().values() if a.active and a.role == "admin"]
    if account.role == "admin" and len(admins) == 1:
        raise DomainError(f"“{account.actor}”是本站唯一的管理员，不能{change}；请先把另一个账号设为管理员")


MAX_LOCK_MINUTES = 240


def set_lock_minutes(desk: Desk, minutes: int) -> None:
    """After how many idle minutes the window locks (admin; 0 turns the lock off — not advised)."""
    if not 0 <= minutes <= MAX_LOCK_MINUTES:
        raise DomainError(f"闲置锁定时间须为0至{MAX_LOCK_MINUTES}分钟")
    desk.change_setting("lock_minutes", int(minutes))


def change_password(desk: Desk, name: str, new_password: str) -> Account:
    """A new password: any account for its own, an admin for anyone's (a reset)."""
    account = _existing(desk, name)
    if desk.account is None or account.name != desk.account.name:
        require(desk.account, "accounts")
    if not account.active:
        raise DomainError(f"账号“{account.name}”已停用")
    Keyring.load(desk.data_dir).put_password(account.name, new_password, desk.require_master_key())
    _account_event(desk, {"action": "password", "account": account.name})
    return account
