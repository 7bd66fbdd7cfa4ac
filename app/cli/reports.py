"""Commands for printing and Excel: print, check-sheet, ledger, import-ledger, report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from app.cli.common import EXIT_OK, EXIT_REFUSED, fail, progress_printer
from app.models.errors import DomainError
from app.models.vocab import COLOURS, STATUSES
from app.ops import outputs
from app.ops.desk import Desk


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD 格式：{text}") from None


def _choice(kinds: dict[str, str], what: str) -> Callable[[str], str]:
    """An argparse type that takes a Chinese label (已登记, 红…) or the English code, and gives the code."""
    lookup = {**{code: code for code in kinds}, **{label: code for code, label in kinds.items()},
              **{f"{label}色": code for code, label in kinds.items()}}

    def parse(text: str) -> str:
        code = lookup.get(text.strip()) or lookup.get(text.strip().lower())
        if code is None:
            raise argparse.ArgumentTypeError(f"{what}须为：{'、'.join(kinds.values())}（收到：{text}）")
        return code
    return parse


LEDGER_COLOURS = {code: label for code, label in COLOURS.items() if code != "none"}


def _channel(text: str) -> str:
    from app.reports.ledger_import import parse_channel_choice

    try:
        return parse_channel_choice(text)
    except DomainError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("print", help="打印案件办理情况表（PDF）")
    p.add_argument("case_no", nargs="*", help="案件编号（可多个）")
    p.add_argument("--all-open", action="store_true", help="打印全部未办结案件")
    p.add_argument("--out", required=True, type=Path, help="输出的 PDF 文件")
    p.add_argument("--full-id", action="store_true", help="打印完整身份证号（默认只显示前6位和后4位）")
    p.set_defaults(run=cmd_print)

    p = sub.add_parser("check-sheet", help="核对打印件：二维码内容（案件编号 校验码）是否与当前记录一致")
    p.add_argument("qr", nargs="+", help="二维码内容，或案件编号和校验码")
    p.set_defaults(run=cmd_check_sheet)

    p = sub.add_parser("ledger", help="导出信访事项台账（Excel）")
    p.add_argument("--out", required=True, type=Path, help="输出的 xlsx 文件")
    p.add_argument("--status", type=_choice(STATUSES, "状态"), metavar="状态",
                   help=f"只导出该状态的案件：{'、'.join(STATUSES.values())}")
    p.add_argument("--colour", type=_choice(LEDGER_COLOURS, "督办颜色"), metavar="颜色",
                   help=f"只导出该督办颜色的案件：{'、'.join(LEDGER_COLOURS.values())}")
    p.add_argument("--from", dest="date_from", type=_day, help="登记日期起（含）")
    p.add_argument("--to", dest="date_to", type=_day, help="登记日期止（含）")
    p.add_argument("--full-id", action="store_true", help="导出完整身份证号（默认脱敏）")
    p.add_argument("--national", action="store_true",
                   help="按全国信访信息系统的字段导出（固定列：诉求分类、问题类别、初信初访、解决途径、告知情况等）")
    p.set_defaults(run=cmd_ledger)

    p = sub.add_parser("import-ledger", help="从已有台账（Excel）导入案件")
    p.add_argument("file", type=Path, help="台账文件（xlsx、xls 或 ods）")
    p.add_argument("--dry-run", action="store_true", help="只检查，不导入")
    p.add_argument("--rejected", type=Path, help="未通过检查的行写入此文件（默认：<台账名>-未导入.xlsx）")
    p.add_argument("--full-id", action="store_true",
                   help="未通过检查的行中的身份证号完整写出（默认脱敏；需领导账号）")
    p.add_argument("--channel", type=_channel, default="", metavar="渠道",
                   help="台账没有来源渠道列、或某行未填时，按此渠道登记：来信、来访、来电或网上")
    p.add_argument("--source", choices=["12345"], default="",
                   help="12345：导入12345热线工单导出表（每行须有工单编号，渠道记为12345热线）")
    p.set_defaults(run=cmd_import_ledger)

    p = sub.add_parser("report", help="生成每日一报或周报（Excel）")
    p.add_argument("kind", choices=["daily", "weekly"], help="daily 每日一报；weekly 周报（本周一至该日）")
    p.add_argument("--date", type=_day, help="报表日期（默认今天）")
    p.add_argument("--out", required=True, type=Path, help="输出的 xlsx 文件")
    p.set_defaults(run=cmd_report)


def cmd_print(desk: Desk, args: argparse.Namespace) -> int:
    from app.reports.sheet import write_sheets
    from app.reports.sheet_data import open_case_ids, sheets

    if args.all_open == bool(args.case_no):
        return fail("请给出案件编号，或使用 --all-open 打印全部未办结案件（二者选一）")
    case_ids = open_case_ids(desk) if args.all_open else list(args.case_no)
    if not case_ids:
        return fail("没有未办结的案件")
    for case_id in args.case_no:
        desk.case(case_id)  # a wrong number is refused before any file is written
    progress = progress_printer("生成办理情况表") if args.all_open else None
    outputs.may_output(desk, full_id=args.full_id)
    count = write_sheets(args.out, sheets(desk, case_ids, full_id=args.full_id), len(case_ids), progress)
    outputs.record_output(desk, "sheet", args.out, cases=count, people=outputs.people_in(desk, case_ids),
                          full_id=args.full_id)
    print(f"已生成 {count} 件案件的办理情况表：{args.out}")
    return EXIT_OK


def cmd_check_sheet(desk: Desk, args: argparse.Namespace) -> int:
    from app.reports.sheet_data import match_printout, parse_qr_text

    case_id, code = parse_qr_text(" ".join(args.qr))
    events = desk.events(case_id)
    if not events:
        raise DomainError(f"找不到案件：{case_id}")
    match = match_printout(events, code)
    print(f"{case_id}：{match.describe()}")
    return EXIT_OK if match.current else EXIT_REFUSED


def cmd_ledger(desk: Desk, args: argparse.Namespace) -> int:
    from app.reports.ledger import LedgerFilter, ledger_people, write_ledger

    flt = LedgerFilter(args.status or "", args.colour or "", args.date_from, args.date_to)
    station = desk.require_station()
    outputs.may_output(desk, full_id=args.full_id)
    count = write_ledger(desk.conn, args.out, flt, desk.today(), station=f"{station.code} {station.name}",
                         full_id=args.full_id, progress=progress_printer("导出台账"), national=args.national)
    outputs.record_output(desk, "ledger", args.out, cases=count, people=ledger_people(desk.conn, flt, desk.today()),
                          full_id=args.full_id)
    print(f"已导出台账：{count} 件案件（{flt.describe()}）→ {args.out}")
    return EXIT_OK


def cmd_import_ledger(desk: Desk, args: argparse.Namespace) -> int:
    from app.reports.ledger_import import (
        MASKED_ID_HELP,
        default_rejected_path,
        masked_rows,
        plan_import,
        run_import,
    )

    desk.require_station()
    outputs.may_output(desk, full_id=args.full_id)  # before the ledger is read
    plan = plan_import(desk, args.file, args.channel, args.source)
    if plan.missing == ["channel"]:
        return fail("台账没有来源渠道列：请用 --channel 指定这些案件的来源渠道（来信、来访、来电或网上）")
    plan.require_columns()
    print(f"工作表“{plan.sheet}”，表头在第 {plan.header_row} 行。列的对应：")
    for header, label in plan.mapping_lines():
        print(f"  {header} → {label}")
    if plan.ignored_headers:
        print(f"  未使用的列：{'、'.join(plan.ignored_headers)}")
    valid, rejected, skipped = plan.valid, plan.rejected, plan.skipped
    for result in valid[:20]:
        draft = result.draft
        assert draft is not None and result.at is not None
        who = draft.petitioners[0].name
        print(f"  第{result.row}行 {result.at.date()} {who} {draft.request_summary[:30]}")
    if len(valid) > 20:
        print(f"  ……另有 {len(valid) - 20} 行")
    for result in plan.noted[:20]:
        print(f"  第{result.row}行：{'；'.join(result.notes)}")
    if skipped:
        print(f"已导入过，跳过 {len(skipped)} 行（本站已有相同案件：同一信访人、同一诉求、同一登记日期）")
        for result in skipped[:5]:
            print(f"  第{result.row}行：{result.skipped}")
    if rejected:
        out = args.rejected or default_rejected_path(args.file)
        outputs.save_rejected_rows(desk, plan, out, full_id=args.full_id)
        print(f"未通过检查 {len(rejected)} 行，原因见：{out}", file=sys.stderr)
        if masked_rows(plan):
            print(MASKED_ID_HELP, file=sys.stderr)
        for result in rejected[:5]:
            print(f"  第{result.row}行：{result.reason}", file=sys.stderr)
    skipped_note = f"，已导入过 {len(skipped)} 行" if skipped else ""
    if args.dry_run:
        print(f"检查完毕（未导入）：可导入 {len(valid)} 件，未通过 {len(rejected)} 行{skipped_note}")
        return EXIT_OK
    if not valid and skipped and not rejected:
        print(f"台账中的 {len(skipped)} 行均已导入过，未新建案件")
        return EXIT_OK
    if not valid:
        return fail("没有可导入的行，未导入任何案件")
    case_ids = run_import(desk, plan, progress_printer("导入案件") if len(valid) >= 1000 else None)
    print(f"已导入 {len(case_ids)} 件案件（{case_ids[0]} 至 {case_ids[-1]}），未导入 {len(rejected)} 行"
          f"{skipped_note}")
    return EXIT_OK


def cmd_report(desk: Desk, args: argparse.Namespace) -> int:
    from app.reports.periodic import FLOWS, KINDS, OVERDUE, STOCKS

    day = args.date or desk.today()
    if day > desk.today():
        return fail(f"报表日期 {day} 晚于今天")
    report = outputs.save_report(desk, args.kind, day, args.out)
    counts = "，".join(f"{label} {report.total[key]}" for key, label in {**FLOWS, **STOCKS, **OVERDUE}.items())
    print(f"{KINDS[args.kind]}（{report.date_from} 至 {report.date_to}）：{counts} → {args.out}")
    return EXIT_OK
