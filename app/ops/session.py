"""Opening a station with a login: the one way the command line, the window, tests and benchmarks get a desk.

``open_station`` unwraps the master key with the account's password (app.ops.keyring), opens the store with it,
and signs the account in; ``create_station`` sets a new station up with its first admin and returns the
recovery key's text, to be shown once; ``recover`` sets a new admin password with the recovery key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.models.errors import DomainError
from app.ops import station_setup
from app.ops.accounts import ACCOUNT_KIND, check_name
from app.ops.desk import Desk, Station, checked_station
from app.ops.keyring import DEFAULT_COST, KdfCost, Keyring, check_password
from app.store.db import DB_NAME

LOGIN_FAILED_KIND = "login_failed"
Clock = Callable[[], datetime]


def has_accounts(data_dir: Path) -> bool:
    """Whether the data folder has its keyring (a station set up with accounts)."""
    return Keyring.exists(Path(data_dir))


def open_station(data_dir: Path, user: str, password: str, now: Clock = datetime.now) -> Desk:
    """The station's desk with ``user`` signed in. Raises DomainError (in Chinese) for no such account, a wrong
    password (counted; the fifth in a row delays the next try), a disabled account, or no station here."""
    data_dir = Path(data_dir)
    user = user.strip()
    if not user:
        raise DomainError("请指定登录账号（命令行用 --user 账号，或设置环境变量 PETITION_DESK_USER）")
    if not Keyring.exists(data_dir):
        if not (data_dir / "station.db").exists():
            raise DomainError(f"{data_dir} 中尚未设置站点，请先初始化（init --admin 账号）")
        Desk(data_dir).close()  # a store this program cannot open says why first (a newer program's, a damaged one)
        raise DomainError("本站尚未设置账号：请先用 init --admin 账号 为本站设置第一个管理员")
    ring = Keyring.load(data_dir)
    master = ring.open_with_password(user, password, now())
    desk = Desk(data_dir, now=now, master_key=master)
    try:
        desk.sign_in(user)
        station_setup.upgrade_chain(desk)
        _record_failures(desk, ring, user)
    except BaseException:
        desk.close()
        raise
    return desk


def _record_failures(desk: Desk, ring: Keyring, user: str) -> None:
    """Write the wrong-password series the keyring holds into the event log (audited and synced)."""
    for series in ring.settle_failures(user):
        desk.record_station_event(LOGIN_FAILED_KIND, {
            "account": series.account, "count": series.count, "first": series.first, "last": series.last,
            "delayed": series.delayed}, {"audit"})


def switch_user(desk: Desk, user: str, password: str) -> None:
    """Sign another account in on an open station (切换用户) or the same one again (unlocking): its password must
    open its wrap of this station's master key. Refuses, counts and delays wrong passwords as a login does."""
    user = user.strip()
    ring = Keyring.load(desk.data_dir)
    master = ring.open_with_password(user, password, desk.now())
    if master != desk.master_key:
        raise DomainError("此账号不属于当前打开的站点")
    desk.sign_in(user)
    _record_failures(desk, ring, user)


def create_station(data_dir: Path, code: str, name: str, level: str, admin: str, password: str,
                   display: str = "", now: Clock = datetime.now, cost: KdfCost = DEFAULT_COST
                   ) -> tuple[Desk, str]:
    """Set a new station up with its first admin account; the desk (admin signed in) and the recovery key's
    text. Also gives accounts to a station set up before accounts existed: its plain store is sealed with the new
    master key as it opens, its cases stay as they are."""
    data_dir = Path(data_dir)
    station = checked_station(code, name, level)
    admin = check_name(admin)
    display = check_name(display, "显示名") if display.strip() else admin
    check_password(password)
    if Keyring.exists(data_dir):
        raise DomainError("本站已设置账号，不能重复初始化；请用已有的管理员账号登录")
    existing = None
    if (data_dir / DB_NAME).exists():  # a store from before accounts: plain, readable without a key
        bare = Desk(data_dir, now=now)
        existing = bare.station
        bare.close()
        if existing is not None and existing.code != station.code:
            raise DomainError(f"本机已设置为站点 {existing.code}（{existing.name}），不能重复初始化")
    data_dir.mkdir(parents=True, exist_ok=True)
    _ring, master, recovery = Keyring.create(data_dir, admin, password, cost, dict((existing or station).__dict__))
    desk = Desk(data_dir, now=now, master_key=master)
    try:
        if existing is None:
            desk.init_station(station.code, station.name, station.level)
        station_setup.open_chain(desk, admin, display)
        desk.sign_in(admin)
    except BaseException:
        desk.close()
        raise
    return desk, recovery


def recover(data_dir: Path, recovery_key: str, admin: str, new_password: str, now: Clock = datetime.now) -> Desk:
    """Set a new password for an admin account with the recovery key (the printed sheet), and sign it in.
    An account disabled or not an admin is refused: recovery gives back the station, not a new account."""
    data_dir = Path(data_dir)
    check_password(new_password)
    ring = Keyring.load(data_dir)
    master = ring.open_with_recovery(recovery_key)
    desk = Desk(data_dir, now=now, master_key=master)
    try:
        account = desk.accounts().get(admin.strip())
        if account is None or not account.active or account.role != "admin":
            admins = "、".join(a.name for a in desk.accounts().values() if a.active and a.role == "admin")
            raise DomainError(f"“{admin}”不是本站在用的管理员账号（管理员：{admins or '无'}）")
        ring.put_password(account.name, new_password, master)
        desk.sign_in(account.name)
        station_setup.upgrade_chain(desk)
        desk.record_station_event(ACCOUNT_KIND, {"action": "recover", "account": account.name}, {"accounts"})
    except BaseException:
        desk.close()
        raise
    return desk


def station_of(data_dir: Path) -> Station | None:
    """The station a data folder holds, as its keyring names it (read without a login: the login dialog
    names the station it opens). None before set-up."""
    if not Keyring.exists(Path(data_dir)):
        return None
    data = Keyring.load(Path(data_dir)).station
    return Station(data["code"], data["name"], data["level"]) if data.get("code") else None
