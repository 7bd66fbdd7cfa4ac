"""Station settings from the command line: time limits (with holidays), domains and problem types."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import date

from app.cli.common import EXIT_OK, choices_help, print_json
from app.models.deadlines import BACKLOG_COLOURS, TimeLimits
from app.models.errors import DomainError
from app.models.vocab import OTHER_DOMAIN
from app.ops.desk import Desk
from app.ops.station_settings import DAY_LIMITS, check_limits, clean_domains

# Option → TimeLimits field, for the limits a station may change.
LIMIT_OPTIONS = {
    "route-days": "route_days", "accept-notice-days": "accept_notice_days",
    "objection-workdays": "objection_workdays", "handle-days": "handle_days",
    "extension-max-days": "extension_max_days", "local-feedback-days": "local_feedback_days",
    "yellow-days": "yellow_days",
}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("limits", help="查看或修改本站时限与节假日")
    for option, field in LIMIT_OPTIONS.items():
        p.add_argument(f"--{option}", type=int, help=f"{DAY_LIMITS[field]}（天数）")
    p.add_argument("--holiday", action="append", default=[], help="节假日（YYYY-MM-DD，可重复）")
    p.add_argument("--makeup-workday", action="append", default=[], help="调休上班日（YYYY-MM-DD，可重复）")
    p.add_argument("--holiday-shift", choices=["on", "off"],
                   help="期限最后一日为法定节假日的，顺延至节假日后第一个工作日（默认 on）")
    p.add_argument("--backlog-colour", choices=list(BACKLOG_COLOURS), help=choices_help("积案三色", BACKLOG_COLOURS))
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_limits)

    p = sub.add_parser("domains", help="查看或修改本站领域列表（登记时从中选择）")
    p.add_argument("--add", action="append", default=[], help="增加领域（可重复）")
    p.add_argument("--remove", action="append", default=[], help="去掉领域（可重复；已登记的案件保留原领域）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_domains)

    p = sub.add_parser("problem-types", help="查看或修改本站问题类别（大类/小类）")
    p.add_argument("--add", action="append", default=[], help="增加问题类别：大类/小类（可重复）")
    p.add_argument("--remove", action="append", default=[], help="去掉问题类别：大类/小类，或整个大类（可重复）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_problem_types)


def _dates(values: list[str]) -> tuple[str, ...]:
    for value in values:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise DomainError(f"日期格式应为 YYYY-MM-DD：{value}") from None
    return tuple(values)


def cmd_limits(desk: Desk, args: argparse.Namespace) -> int:
    limits = desk.limits
    changes = {field: getattr(args, option.replace("-", "_")) for option, field in LIMIT_OPTIONS.items()
               if getattr(args, option.replace("-", "_")) is not None}
    if args.holiday:
        changes["holidays"] = tuple(sorted(set(limits.holidays) | set(_dates(args.holiday))))
    if args.makeup_workday:
        changes["makeup_workdays"] = tuple(sorted(set(limits.makeup_workdays) | set(_dates(args.makeup_workday))))
    if args.holiday_shift:
        changes["holiday_shift"] = args.holiday_shift == "on"
    if args.backlog_colour:
        changes["backlog_colour"] = args.backlog_colour
    if changes:
        limits = replace(limits, **changes)
        check_limits(limits)  # the same checks as 本站设置
        desk.set_limits(limits)
    if args.json:
        print_json(limits.to_json())
        return EXIT_OK
    _print(limits)
    return EXIT_OK


def _print(limits: TimeLimits) -> None:
    print(f"转送交办：{limits.route_days}日；告知受理：{limits.accept_notice_days}日；"
          f"异议：{limits.objection_workdays}个工作日")
    local = f"；本地反馈时限：{limits.local_feedback_days}日" if limits.local_feedback_days else ""
    print(f"办理答复：{limits.handle_days}日（可延期至多{limits.extension_max_days}日）{local}")
    print(f"黄灯：剩余{limits.yellow_days}日或时限的{int(limits.yellow_fraction * 100)}%以内")
    holidays = "、".join(limits.holidays) or "未设置"
    print(f"节假日：{holidays}；调休上班：{'、'.join(limits.makeup_workdays) or '未设置'}")
    shift = "顺延至下一工作日" if limits.holiday_shift else "不顺延"
    print(f"期限末日为法定节假日：{shift}；积案三色：{BACKLOG_COLOURS.get(limits.backlog_colour, '')}")


def cmd_domains(desk: Desk, args: argparse.Namespace) -> int:
    if args.add or args.remove:
        unknown = [name for name in args.remove if name not in desk.domains]
        if unknown:
            raise DomainError(f"本站领域列表中没有：{'、'.join(unknown)}")
        if OTHER_DOMAIN in args.remove:
            raise DomainError(f"“{OTHER_DOMAIN}”不能去掉：无法归类的事项登记在这里")
        kept = [name for name in desk.domains if name not in args.remove]
        desk.set_domains(clean_domains([*kept, *args.add]))
    if args.json:
        print_json(list(desk.domains))
    else:
        print(f"本站领域：{'、'.join(desk.domains)}")
    return EXIT_OK


def cmd_problem_types(desk: Desk, args: argparse.Namespace) -> int:
    """问题类别: the station's tree; cases keep the category they were registered with."""
    if args.add or args.remove:
        tree = desk.problem_types
        for item in args.remove:
            top, _, kind = item.partition("/")
            if top not in tree or (kind and kind not in tree[top]):
                raise DomainError(f"本站问题类别中没有：{item}")
            if kind:
                tree[top].remove(kind)
            else:
                del tree[top]
        for item in args.add:
            top, _, kind = (x.strip() for x in item.partition("/"))
            if not top or not kind:
                raise DomainError(f"问题类别须写成 大类/小类：{item}")
            if kind not in tree.setdefault(top, []):
                tree[top].append(kind)
        desk.set_problem_types(tree)
    if args.json:
        print_json(desk.problem_types)
    else:
        for top, kinds in desk.problem_types.items():
            print(f"{top}：{'、'.join(kinds)}")
    return EXIT_OK
