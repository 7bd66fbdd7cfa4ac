"""Commands for setting a station up and for its accounts: init, user add/list/passwd/role/disable, recover.

A new account's first password comes from PETITION_DESK_NEW_PASSWORD or is typed twice on the terminal.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from app.cli.common import (
    EXIT_OK,
    NEW_PASSWORD_VARIABLE,
    NO_LOGIN,
    choices_help,
    data_dir_of,
    print_json,
    secret,
)
from app.models.vocab import LEVELS
from app.ops import accounts
from app.ops.desk import Desk
from app.ops.outputs import audit
from app.ops.session import create_station, recover


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("init", help="设置本站点及第一个管理员账号（显示一次恢复密钥）")
    p.add_argument("--code", required=True, help="站点代码，如 TZ0102")
    p.add_argument("--name", required=True, help="站点名称")
    p.add_argument("--level", required=True, choices=list(LEVELS), help="级别")
    p.add_argument("--admin", required=True,
                   help="第一个管理员的登录账号（密码取自 PETITION_DESK_NEW_PASSWORD 或在终端输入）")
    p.add_argument("--display", default="", help="管理员的显示名（默认同账号）")
    p.add_argument("--recovery-sheet", help="把恢复密钥单（含二维码）另存为此 PDF 文件，打印后存放于保险柜")
    p.set_defaults(run=cmd_init, login=NO_LOGIN)

    p = sub.add_parser("user", help="账号管理：add/list/passwd/role/disable")
    users = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    q = users.add_parser("add", help="新建账号（管理员）")
    q.add_argument("name", help="登录账号")
    q.add_argument("--role", required=True, choices=list(accounts.ROLES), help=choices_help("角色", accounts.ROLES))
    q.add_argument("--display", default="", help="显示名（记入每一步办理，默认同账号）")
    q.set_defaults(run=cmd_user_add)
    q = users.add_parser("list", help="列出账号")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")
    q.set_defaults(run=cmd_user_list)
    q = users.add_parser("passwd", help="更改密码（自己的；管理员可重设他人的）")
    q.add_argument("name", nargs="?", default="", help="账号（默认为当前登录账号）")
    q.set_defaults(run=cmd_user_passwd)
    q = users.add_parser("role", help="更改角色（管理员）")
    q.add_argument("name", help="账号")
    q.add_argument("role", choices=list(accounts.ROLES), help=choices_help("角色", accounts.ROLES))
    q.set_defaults(run=cmd_user_role)
    q = users.add_parser("disable", help="停用账号（管理员；历史记录保留）")
    q.add_argument("name", help="账号")
    q.set_defaults(run=cmd_user_disable)
    for parser in users.choices.values():
        parser.add_argument("--user", default=argparse.SUPPRESS, help="登录账号")

    p = sub.add_parser("audit", help="审计记录：个人信息输出、账号变更、密码连续输错（领导、管理员）")
    p.add_argument("--from", dest="date_from", type=date.fromisoformat, help="起始日期 YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=date.fromisoformat, help="截止日期 YYYY-MM-DD（含当日）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_audit)

    p = sub.add_parser("lock-minutes", help="窗口闲置多少分钟后锁定（管理员；默认10）")
    p.add_argument("minutes", type=int, nargs="?", help="分钟数（0 为不锁定）；不给则显示当前设置")
    p.set_defaults(run=cmd_lock_minutes)

    p = sub.add_parser("recover",
                       help="用恢复密钥为管理员设置新密码（新密码取自 PETITION_DESK_NEW_PASSWORD 或在终端输入）")
    p.add_argument("--recovery-key", required=True, help="恢复密钥单上的恢复密钥")
    p.add_argument("--admin", required=True, help="要设置新密码的管理员账号")
    p.set_defaults(run=cmd_recover, login=NO_LOGIN)


def _new_password(whose: str) -> str:
    return secret(NEW_PASSWORD_VARIABLE, f"“{whose}”的新密码", confirm=True)


def cmd_init(_desk: None, args: argparse.Namespace) -> int:
    password = _new_password(args.admin)
    made, recovery = create_station(data_dir_of(args), args.code, args.name, args.level, args.admin, password,
                                    args.display)
    try:
        station = made.require_station()
        print(f"站点已设置：{station.code} {station.name}（{LEVELS[station.level]}）")
        print(f"管理员账号：{made.actor}")
        print(f"恢复密钥（只显示这一次，请抄写或打印后存放于保险柜；忘记所有管理员密码时用它恢复）：\n{recovery}")
        if args.recovery_sheet:
            from app.reports.recovery_sheet import write_recovery_sheet

            write_recovery_sheet(args.recovery_sheet, station, recovery, made.now())
            print(f"恢复密钥单已保存：{args.recovery_sheet}")
    finally:
        made.close()
    return EXIT_OK


def cmd_user_add(desk: Desk, args: argparse.Namespace) -> int:
    desk.require("accounts")  # before asking for a password the command would refuse anyway
    account = accounts.add_account(desk, args.name, args.role, _new_password(args.name), args.display)
    print(f"已新建账号：{account.actor}（{account.role_label}）")
    return EXIT_OK


def cmd_user_list(desk: Desk, args: argparse.Namespace) -> int:
    found = sorted(desk.accounts().values(), key=lambda a: not a.active)  # in order of creation, active first
    if args.json:
        print_json([a.to_json() for a in found])
        return EXIT_OK
    for a in found:
        state = "" if a.active else "（已停用）"
        print(f"{a.name}  {a.display}  {a.role_label}{state}  建于 {a.created_at[:16].replace('T', ' ')}")
    print(f"共 {len(found)} 个账号")
    return EXIT_OK


def cmd_user_passwd(desk: Desk, args: argparse.Namespace) -> int:
    assert desk.account is not None
    name = args.name.strip() or desk.account.name
    if name != desk.account.name:
        desk.require("accounts")
    account = accounts.change_password(desk, name, _new_password(name))
    print(f"已更改“{account.actor}”的密码")
    return EXIT_OK


def cmd_user_role(desk: Desk, args: argparse.Namespace) -> int:
    account = accounts.set_role(desk, args.name, args.role)
    print(f"“{account.actor}”的角色现为：{account.role_label}")
    return EXIT_OK


def cmd_user_disable(desk: Desk, args: argparse.Namespace) -> int:
    account = accounts.disable_account(desk, args.name)
    print(f"已停用账号：{account.actor}（其办理记录保留）")
    return EXIT_OK


def cmd_audit(desk: Desk, args: argparse.Namespace) -> int:
    entries = audit(desk, args.date_from, args.date_to)
    if args.json:
        print_json([e.to_json() for e in entries])
        return EXIT_OK
    for e in entries:
        print(f"{e.at[:16].replace('T', ' ')}  {e.actor}  {e.text}")
    print(f"共 {len(entries)} 条")
    return EXIT_OK


def cmd_lock_minutes(desk: Desk, args: argparse.Namespace) -> int:
    if args.minutes is not None:
        accounts.set_lock_minutes(desk, args.minutes)
    print(f"窗口闲置 {desk.setting('lock_minutes', 10)} 分钟后锁定")
    return EXIT_OK


def cmd_recover(_desk: None, args: argparse.Namespace) -> int:
    password = _new_password(args.admin)
    restored = recover(data_dir_of(args), args.recovery_key, args.admin, password)
    try:
        print(f"已为管理员“{restored.actor}”设置新密码，请用新密码登录", file=sys.stdout)
    finally:
        restored.close()
    return EXIT_OK
