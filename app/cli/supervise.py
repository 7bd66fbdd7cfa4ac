"""Commands for supervision: stats, spot-check, common-problems, batch-handle."""

from __future__ import annotations

import argparse
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, EXIT_REFUSED, fail, print_json
from app.models.errors import DomainError
from app.models.vocab import EVENT_LABELS
from app.ops import outputs
from app.ops.batch import batch_record
from app.ops.desk import Desk
from app.ops.spot_check import SpotCheck, load_spot_check, spot_check, spot_checks, verify_spot_check
from app.reports.common_problems import CROSS_TOWNSHIP_THRESHOLD, DEFAULT_THRESHOLD, find_common_problems
from app.reports.figures import (
    COUNT_LABELS,
    DEFINITIONS,
    GROUPINGS,
    compute_figures,
    format_days,
    format_rate,
    group_label,
    station_names,
)
from app.reports.spot_check_export import drawn_cases, drawn_text


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def _definitions_help() -> str:
    return "\n".join(f"  {label}：{text}" for label, _n, _d, text in DEFINITIONS.values())


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("stats", help="统计指标（一次性化解率、满意率等）",
                       epilog="指标定义：\n" + _definitions_help(),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--by", choices=[k for k in GROUPINGS if k], help="分组：站点、领域、包案领导或乡镇")
    p.add_argument("--from", dest="date_from", type=_day, help="起始日期（含）")
    p.add_argument("--to", dest="date_to", type=_day, help="截止日期（含）")
    p.add_argument("--today", type=_day, help="统计基准日（默认今天；用于判断7日是否已满）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_stats)

    p = sub.add_parser("spot-check", help="随机抽查未化解案件（抽取、查看、复核）")
    p.add_argument("--count", type=int, help="抽取件数（按站点抽取时为每站点件数）")
    p.add_argument("--seed", type=int, help="随机种子（不填则由当前时间生成并显示）")
    p.add_argument("--per-station", action="store_true", help="每个站点各抽 N 件")
    p.add_argument("--backlog-only", action="store_true", help="只从积案中抽取")
    p.add_argument("--verify", metavar="EVENT_ID", help="按记录的种子和候选清单重新抽取，核对是否公平")
    p.add_argument("--list", action="store_true", help="列出历次抽查记录")
    p.add_argument("--show", metavar="EVENT_ID", help="查看（并可导出）一次抽查记录")
    p.add_argument("--pdf", type=Path, help="抽查清单导出为 PDF")
    p.add_argument("--xlsx", type=Path, help="抽查清单导出为 Excel")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_spot_check)

    p = sub.add_parser("common-problems", help="查找共性问题（同地同类、或跨乡镇诉求高度相似的未办结案件）")
    p.add_argument("--min-size", type=int, default=3, help="每组至少几件（默认3）")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="同一乡镇内的诉求相似度阈值（0-1）")
    p.add_argument("--cross-threshold", type=float, default=CROSS_TOWNSHIP_THRESHOLD,
                   help="跨乡镇成组所需的诉求相似度（0-1，高于乡镇内阈值）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_common_problems)

    p = sub.add_parser("batch-handle", help="成批办理：同一办理措施或答复记录到多件案件")
    p.add_argument("--cases", required=True, help="案件编号，用逗号分隔")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--note", help="办理措施")
    what.add_argument("--reply", help="答复意见（记录为答复反馈）")
    p.add_argument("--evidence", action="append", default=[], type=Path, help="佐证材料文件（可重复）")
    p.set_defaults(run=cmd_batch_handle)


# ----- stats ---------------------------------------------------------------------------------------------
_COLUMNS: tuple[tuple[str, str], ...] = (
    ("cases", "登记"), ("one_time_resolution_rate", "一次性化解率"),
    ("satisfaction_rate", "满意率"), ("dissatisfaction_rate", "不满意率"), ("repeat_rate", "重复信访率"),
    ("avg_handling_days", "平均办理天数"), ("answered_within_7_days_rate", "7日内答复率"),
    ("backlog_total", "积案"), ("backlog_cleared", "期内销号"), ("backlog_open", "剩余积案"),
)


def _cell(key: str, value: Any) -> str:
    if key == "avg_handling_days":
        return format_days(value)
    if key.endswith("_rate"):
        return format_rate(value)
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def cmd_stats(desk: Desk, args: argparse.Namespace) -> int:
    if args.date_from and args.date_to and args.date_from > args.date_to:
        return fail("起始日期晚于截止日期")
    today = args.today or desk.today()
    rows = compute_figures(desk.conn, date_from=args.date_from, date_to=args.date_to, by=args.by, today=today,
                           route_days=desk.limits.route_days)
    names = station_names(desk.conn)
    if args.json:
        print_json([{**r, "label": group_label(args.by, r["group"], names)} for r in rows])
        return EXIT_OK
    period = f"{args.date_from or '最早'} 至 {args.date_to or '今'}"
    print(f"统计期间：{period}（基准日 {today}）  分组：{GROUPINGS[args.by]}")
    if args.by is None:
        row = rows[0]
        for key, (label, numerator, denominator, _text) in DEFINITIONS.items():
            print(f"{_pad(label, 20)}{_pad(_cell(key, row[key]), 10)}"
                  f"（{COUNT_LABELS[numerator]} {_cell(numerator, row[numerator])} ÷ "
                  f"{COUNT_LABELS[denominator]} {row[denominator]}）")
        print(f"{_pad('登记件数', 20)}{row['cases']}")
        print(f"{_pad('积案', 20)}总数 {row['backlog_total']}，期内销号 {row['backlog_cleared']}，"
              f"剩余 {row['backlog_open']}")
        return EXIT_OK
    table = [[GROUPINGS[args.by], *(label for _k, label in _COLUMNS)]]
    table += [[group_label(args.by, r["group"], names), *(_cell(k, r[k]) for k, _l in _COLUMNS)] for r in rows]
    widths = [max(_width(line[i]) for line in table) + 2 for i in range(len(table[0]))]
    for line in table:
        print("".join(_pad(text, w) for text, w in zip(line, widths, strict=True)).rstrip())
    if args.by == "station":
        print("按站点：每个直属下级一行（含其下辖站点登记的案件），本站自身登记的案件单列一行")
    print(f"共 {len(rows)} 组；各指标定义见 stats --help")
    return EXIT_OK


# ----- spot-check ----------------------------------------------------------------------------------------
def _export(desk: Desk, check: SpotCheck, args: argparse.Namespace) -> None:
    if not (args.pdf or args.xlsx):
        return
    if args.pdf:
        print(f"已导出 PDF：{outputs.save_spot_check_list(desk, check, args.pdf)}")
    if args.xlsx:
        print(f"已导出 Excel：{outputs.save_spot_check_list(desk, check, args.xlsx)}")


def _check_json(check: SpotCheck) -> dict[str, Any]:
    return {"event_id": check.event_id, "at": check.at, "actor": check.actor, "origin": check.origin,
            "seed": check.seed, "count": check.count, "per_station": check.per_station,
            "backlog_only": check.backlog_only, "candidate_count": check.candidate_count,
            "candidates_sha256": check.candidates_sha256, "drawn": check.drawn}


def _print_check(desk: Desk, check: SpotCheck, as_json: bool) -> None:
    if as_json:
        print_json(_check_json(check))
        return
    lines = drawn_cases(desk.conn, check, desk.today())
    print(f"{EVENT_LABELS['spot_check']} {check.event_id}  {check.at.replace('T', ' ')}  "
          f"抽取人：{check.actor}")
    print(f"随机种子：{check.seed}  候选案件：{check.candidate_count} 件"
          f"{'（仅积案）' if check.backlog_only else ''}  {drawn_text(check, station_names(desk.conn))}")
    print(f"候选清单指纹：SHA-256 {check.candidates_sha256}")
    for line in lines:
        print(f"{line.number:>3}. {line.case_id} {line.station} {line.place} {line.domain} "
              f"{line.leader or '—'} {line.request_summary}")


def cmd_spot_check(desk: Desk, args: argparse.Namespace) -> int:
    if args.verify:
        print(verify_spot_check(desk, args.verify))
        return EXIT_OK
    if args.list:
        checks = spot_checks(desk)
        if args.json:
            print_json([_check_json(c) for c in checks])
            return EXIT_OK
        for c in checks:
            print(f"{c.event_id}  {c.at.replace('T', ' ')}  {c.actor}  种子 {c.seed}  "
                  f"候选 {c.candidate_count} 件  抽中 {len(c.drawn)} 件")
        print(f"共 {len(checks)} 次抽查")
        return EXIT_OK
    if args.show:
        _event, check = load_spot_check(desk, args.show)
    elif args.count is None:
        return fail("请用 --count 指定抽取件数，或用 --verify / --list / --show 查看已有记录")
    else:
        check = spot_check(desk, args.count, args.seed, per_station=args.per_station,
                           backlog_only=args.backlog_only)
        if args.seed is None and not args.json:
            print(f"未指定随机种子，已由当前时间生成：{check.seed}（已记录，可凭此复核）")
    _print_check(desk, check, args.json)
    if not args.json:
        print(f"复核：在程序中打开“督查 → 随机抽查”，选中本记录点“复核所选记录”；"
              f"或运行 spot-check --verify {check.event_id}")
    _export(desk, check, args)
    return EXIT_OK


# ----- common problems and batches -----------------------------------------------------------------------
def cmd_common_problems(desk: Desk, args: argparse.Namespace) -> int:
    if args.min_size < 2:
        return fail("每组至少2件")
    if not 0 < args.threshold <= 1 or not 0 < args.cross_threshold <= 1:
        return fail("相似度阈值须大于0且不超过1")
    groups = find_common_problems(desk.conn, min_size=args.min_size, threshold=args.threshold,
                                  cross_threshold=args.cross_threshold)
    if args.json:
        print_json([g.to_json() for g in groups])
        return EXIT_OK
    for number, g in enumerate(groups, start=1):
        places = "、".join(g.villages) or "—"
        townships = "、".join(g.townships or [g.township])
        span = f"（跨{len(g.townships)}个乡镇）" if len(g.townships) > 1 else ""
        print(f"{number}. {townships}{span} {g.domain} {g.size}件（涉及 {places}）：{g.summary}")
        print(f"   {','.join(g.case_ids)}")
    print(f"共 {len(groups)} 组共性问题，涉及 {sum(g.size for g in groups)} 件未办结案件")
    return EXIT_OK


def cmd_batch_handle(desk: Desk, args: argparse.Namespace) -> int:
    ids = [c for c in args.cases.replace("，", ",").split(",") if c.strip()]
    kind, text = ("handle", args.note) if args.note is not None else ("feedback", args.reply)
    try:
        events = batch_record(desk, ids, kind, text, evidence=args.evidence)
    except DomainError as err:
        return fail(str(err))
    print(f"已成批记录“{EVENT_LABELS[kind]}”：{len(events)} 件（{','.join(e.case_id for e in events)}）")
    return EXIT_OK if events else EXIT_REFUSED
