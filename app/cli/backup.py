"""Commands ``backup`` and ``restore``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from app.cli.common import EXIT_OK, PASSWORD_VARIABLE, USER_VARIABLE, fail, progress_printer, secret
from app.models.errors import DomainError
from app.ops import backup as backup_ops
from app.ops.desk import Desk
from app.store import backup
from app.store.db import default_data_dir


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backup", help="备份本站全部数据（加密，凭管理员密码或恢复密钥恢复）")
    p.add_argument("--out", required=True, type=Path, help="备份文件（.zip），宜存到U盘或另一块硬盘")
    p.set_defaults(run=cmd_backup)
    p = sub.add_parser("restore", help="把备份恢复到一个新的（空的）数据文件夹（须用备份中的管理员账号和密码）")
    p.add_argument("file", type=Path, help="备份文件")
    p.add_argument("--recovery-key", default="", help="用本站的恢复密钥代替管理员密码（恢复密钥单上的52个字母和数字）")
    p.set_defaults(run_without_desk=cmd_restore)


def _say() -> backup.Progress:
    printers: dict[str, object] = {}

    def say(stage: str, done: int, total: int) -> None:
        printer = printers.setdefault(stage, progress_printer(stage))
        printer(done, total)  # type: ignore[operator]
    return say


def cmd_backup(desk: Desk, args: argparse.Namespace) -> int:
    result = backup_ops.make(desk, args.out, _say())
    print(f"已备份到 {result.path}（{result.members} 个文件，{result.size / 1e6:.1f} MB，已逐一核对）。"
          "备份已加密：恢复时需要本站管理员的密码或恢复密钥。")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    target = Path(args.data_dir) if args.data_dir else default_data_dir()
    user = getattr(args, "user", None) or os.environ.get(USER_VARIABLE, "")
    try:
        if args.recovery_key:
            manifest = backup_ops.restore_as_admin(args.file, target, "", "", _say(), recovery_key=args.recovery_key)
        else:
            if not user:
                raise DomainError("恢复须由备份中的管理员进行：请用 --user 指定管理员账号（或设置环境变量 "
                                  f"{USER_VARIABLE}），或用 --recovery-key 恢复密钥")
            password = secret(PASSWORD_VARIABLE, f"备份中账号“{user}”的密码")
            manifest = backup_ops.restore_as_admin(args.file, target, user, password, _say())
    except DomainError as err:
        return fail(str(err))
    station = manifest.get("station", {})
    print(f"已把 {station.get('code', '')} {station.get('name', '')} 于 {str(manifest.get('created_at', ''))[:16]} "
          f"的备份恢复到 {target}。请用备份时的管理员账号和密码登录（忘记密码可用恢复密钥）。")
    return EXIT_OK
