"""Commands ``backup`` and ``restore``."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import EXIT_OK, fail, progress_printer
from app.models.errors import DomainError
from app.ops import backup as backup_ops
from app.ops.desk import Desk
from app.store import backup
from app.store.db import default_data_dir


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backup", help="备份本站全部数据（加密，凭管理员密码或恢复密钥恢复）")
    p.add_argument("--out", required=True, type=Path, help="备份文件（.zip），宜存到U盘或另一块硬盘")
    p.set_defaults(run=cmd_backup)
    p = sub.add_parser("restore", help="把备份恢复到一个新的（空的）数据文件夹")
    p.add_argument("file", type=Path, help="备份文件")
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
    try:
        manifest = backup.restore(args.file, target, _say())
    except DomainError as err:
        return fail(str(err))
    station = manifest.get("station", {})
    print(f"已把 {station.get('code', '')} {station.get('name', '')} 于 {str(manifest.get('created_at', ''))[:16]} "
          f"的备份恢复到 {target}。请用备份时的管理员账号和密码登录（忘记密码可用恢复密钥）。")
    return EXIT_OK
