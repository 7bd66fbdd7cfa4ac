"""Commands for the station and its cases: init, demo, register, step, checklist, list, show, verify."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    LOGIN_IF_SET_UP,
    approval_of,
    choices_help,
    data_dir_of,
    fail,
    print_json,
    progress_printer,
)
from app.demo import DEMO_PASSWORD, DEMO_USER, create_demo_station, generate_demo
from app.models.case import OUT_OF_TURN_WARNING, CaseState, Petitioner
from app.models.case_conflicts import FIELD_LABELS
from app.models.deadlines import TimeLimits, days_left, days_text, objection_window
from app.models.events import event_when_text, minute_text, parse_when
from app.models.intake import CaseDraft, repeat_warning
from app.models.light import case_light
from app.models.timeline import FROM_ABOVE, classification_text, event_notes, station_mark
from app.models.vocab import (
    CATEGORIES,
    CHANNELS,
    CHECKLIST_ITEMS,
    COLOURS,
    DISPATCH_MODES,
    EVENT_LABELS,
    LEGAL_ROUTES,
    NOTICE_WAYS,
    NOTICES,
    PURPOSES,
    RATINGS,
    STATUSES,
    TERMINATION_GROUNDS,
)
from app.models.workflow import ALLOWED_FROM
from app.ops.desk import Desk
from app.store.integrity import verify
from app.store.queries import CaseFilter, case_numbers, earlier_cases, list_rows
from app.store.stations import StationTree

# What ``step`` records: the chain steps, the notice (告知) and a 交办's completion report.
STEP_KINDS: tuple[str, ...] = (*ALLOWED_FROM, "notify", "completion_report")
ON_HELP = "{what}日期（时间），如 2026-03-02 或 2026-03-02T14:30；默认为现在。期限从此日起算"


def when_given(desk: Desk, text: str) -> datetime | None:
    """The ``--on`` date, or None for now."""
    return parse_when(text, desk.now()) if text.strip() else None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="生成演示数据（空数据目录中建立演示站点，账号见输出）")
    p.add_argument("--cases", type=int, required=True, help="案件数")
    p.add_argument("--seed", type=int, default=1, help="随机种子（同一种子、同一天生成相同数据）")
    p.set_defaults(run=cmd_demo, login=LOGIN_IF_SET_UP)

    p = sub.add_parser("register", help="登记新案件")
    p.add_argument("--channel", required=True, choices=list(CHANNELS),
                   help=choices_help("来源渠道", CHANNELS))
    p.add_argument("--name", required=True, action="append", help="信访人姓名（多人可重复）")
    p.add_argument("--id-number", action="append", default=[], help="身份证号（按信访人顺序）")
    p.add_argument("--phone", action="append", default=[], help="联系电话（按信访人顺序）")
    p.add_argument("--address", action="append", default=[], help="住址（按信访人顺序）")
    p.add_argument("--summary", required=True, help="诉求")
    p.add_argument("--domain", default="其他", help="领域，如 生态环境")
    p.add_argument("--township", default="", help="乡镇（街道）")
    p.add_argument("--village", default="", help="村（社区）")
    p.add_argument("--unit", default="", help="事权单位")
    p.add_argument("--jurisdiction", default="", help="属地（默认为乡镇）")
    p.add_argument("--head-count", type=int, default=1, help="来访人数（5人及以上为集体访）")
    p.add_argument("--backlog", action="store_true", help="列为信访积案")
    p.add_argument("--leader", default="", help="包案领导")
    p.add_argument("--repeat-of", action="append", default=[], help="关联的此前同一事项案件编号（可重复）")
    p.add_argument("--on", default="", help=ON_HELP.format(what="收到来信、来访、来电的"))
    p.add_argument("--category", choices=list(CATEGORIES), help="诉求分类")
    p.add_argument("--problem-type", default="", help="问题类别（大类/小类，如 城乡建设/物业管理）")
    p.add_argument("--purpose", choices=list(PURPOSES), help="信访目的")
    p.add_argument("--repeated", action="store_true", help="重复信访（非初信初访）")
    p.add_argument("--legal-route", choices=list(LEGAL_ROUTES), help="申诉求决类的解决途径")
    p.add_argument("--work-order", default="", help="12345热线工单编号（渠道为 hotline 时必填）")
    p.set_defaults(run=cmd_register)

    p = sub.add_parser("classify", help="诉求分类（分类、问题类别、信访目的、初信初访、解决途径）")
    p.add_argument("case_no", help="案件编号")
    p.add_argument("--category", choices=list(CATEGORIES), help="诉求分类")
    p.add_argument("--problem-type", help="问题类别（大类/小类）")
    p.add_argument("--purpose", choices=list(PURPOSES), help="信访目的")
    p.add_argument("--first-time", choices=["yes", "no"], help="初信初访：yes=是，no=重复")
    p.add_argument("--legal-route", choices=list(LEGAL_ROUTES), help="申诉求决类的解决途径")
    p.set_defaults(run=cmd_classify)

    p = sub.add_parser("step", help="记录办理步骤")
    p.add_argument("case_no", help="案件编号")
    p.add_argument("kind", choices=list(STEP_KINDS),
                   help=choices_help("步骤", {k: EVENT_LABELS[k] for k in STEP_KINDS}))
    p.add_argument("--note", default="", help="说明（联系情况、办理措施等）")
    p.add_argument("--unit", action="append", default=[], help="派发单位（一事双交时给两次）")
    p.add_argument("--station", action="append", default=[],
                   help="派发到的下级站点代码（该站点由此可在本案上记录办理步骤，同步包随之把案件发给它；一事双交时可给两次）")
    p.add_argument("--reply", default="", help="答复意见（答复反馈、复查/复核答复）")
    p.add_argument("--rating", choices=list(RATINGS), help=choices_help("回访评价", RATINGS))
    p.add_argument("--reason", default="", help="理由（不予受理、延期、依法终结、批准办结）")
    p.add_argument("--days", type=int, help="延期天数")
    p.add_argument("--evidence", action="append", default=[], type=Path, help="佐证材料文件（可重复）")
    p.add_argument("--approver", default="",
                   help="批准的领导账号（延期；四定四包未完成时办结、不予受理、依法终结；未答复即终结），理由填 "
                   "--reason；密码取自 PETITION_DESK_APPROVER_PASSWORD 或在终端输入；领导本人登录时可不填")
    p.add_argument("--mode", choices=list(DISPATCH_MODES), help=choices_help("派发方式", DISPATCH_MODES))
    p.add_argument("--due", default="", help="交办的办结报告期限，如 2026-04-15")
    p.add_argument("--ground", choices=list(TERMINATION_GROUNDS), help="依法终结的法定情形")
    p.add_argument("--start", default="", help="听证开始日期")
    p.add_argument("--end", default="", help="听证结束日期")
    p.add_argument("--notice", choices=list(NOTICES), help="告知事项")
    p.add_argument("--way", choices=list(NOTICE_WAYS), help="告知方式")
    p.add_argument("--document", default="", help="告知文书编号")
    p.add_argument("--on", default="", help=ON_HELP.format(what="这一步骤发生的"))
    p.set_defaults(run=cmd_step)

    p = sub.add_parser("checklist", help="填写四定四包")
    p.add_argument("case_no", help="案件编号")
    p.add_argument("key", choices=list(CHECKLIST_ITEMS),
                   help=choices_help("项目", CHECKLIST_ITEMS))
    p.add_argument("--note", default="", help="落实情况（措施、期限、责任单位等）")
    p.add_argument("--undone", action="store_true", help="标记为未完成")
    p.set_defaults(run=cmd_checklist)

    p = sub.add_parser("list", help="列出案件")
    p.add_argument("--colour", choices=["red", "yellow", "green"], help="督办颜色：red=红、yellow=黄、green=绿")
    p.add_argument("--status", choices=list(STATUSES), help=choices_help("状态", STATUSES))
    p.add_argument("--search", default="", help="搜索：编号、姓名、身份证号、电话、地点、诉求（两个字即可）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_list)

    p = sub.add_parser("show", help="查看案件详情")
    p.add_argument("case_no", help="案件编号")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_show)

    p = sub.add_parser("verify", help="校验哈希链与数据一致性")
    p.set_defaults(run=cmd_verify)


def cmd_demo(desk: Desk | None, args: argparse.Namespace) -> int:
    made = desk is None  # an empty folder: the demo station is made here, with its own account
    if desk is None:
        desk = create_demo_station(data_dir_of(args))
        print(f"演示站点已建立：登录账号 {DEMO_USER}，密码 {DEMO_PASSWORD}（演示数据，勿录入真实信息）")
    try:
        generate_demo(desk, args.cases, args.seed, progress_printer("生成演示数据"))
    finally:
        if made:
            desk.close()
    print(f"已生成 {args.cases} 件演示案件（随机种子 {args.seed}）")
    return EXIT_OK


def cmd_register(desk: Desk, args: argparse.Namespace) -> int:
    def nth(values: list[str], i: int) -> str:
        return values[i] if i < len(values) else ""

    people = [Petitioner(n, nth(args.id_number, i), nth(args.phone, i), nth(args.address, i))
              for i, n in enumerate(args.name)]
    draft = CaseDraft(args.channel, people, args.summary, args.domain, args.township, args.village, args.unit,
                      args.jurisdiction or args.township, args.head_count, backlog=args.backlog,
                      leader=args.leader, repeat_of=args.repeat_of, category=args.category or "",
                      problem_type=args.problem_type, purpose=args.purpose or "", first_time=not args.repeated,
                      legal_route=args.legal_route or "", work_order=args.work_order)
    case_id = desk.register_case(draft, when_given(desk, args.on))
    print(case_id)
    state = desk.case(case_id)
    if state.repeat_round > 1:
        print(f"提示：{repeat_warning(state.repeat_round)}", file=sys.stderr)
    earlier = {str(c["case_id"]): c for p in state.petitioners
               for c in earlier_cases(desk.conn, p.id_number, p.name, p.phone)
               if c["case_id"] != case_id and c["case_id"] not in state.repeat_of}
    settled = [c for c in earlier.values() if int(c.get("review_round") or 0) >= 2]
    for other in settled:
        print(f"提示：此信访人的案件 {other['case_id']} 已经复核；如为同一事实和理由，应关联（--repeat-of）并记录"
              "“不再受理”（step no_longer_accept），不再派发", file=sys.stderr)
    for other in earlier.values():
        print(f"提示：此信访人此前有案件 {other['case_id']}（{str(other['registered_at'])[:10]}，"
              f"{STATUSES.get(str(other['status']), '')}）：{other['request_summary']}；"
              "如为同一事项，请在登记时用 --repeat-of 关联", file=sys.stderr)
    return EXIT_OK


def cmd_step(desk: Desk, args: argparse.Namespace) -> int:
    payload: dict[str, Any] = {"note": args.note}
    if args.kind == "dispatch":
        payload["units"] = args.unit
        if args.station:
            payload["stations"] = [code.strip() for code in args.station]
    elif args.station:
        return fail("--station 只用于派发（dispatch）")
    if args.reply:
        payload["reply"] = args.reply
    if args.rating:
        payload["rating"] = args.rating
    if args.reason:
        payload["reason"] = args.reason
    if args.days is not None:
        payload["days"] = args.days
    for key in ("mode", "due", "ground", "start", "end", "notice", "way"):
        if getattr(args, key):
            payload[key] = getattr(args, key)
    if args.kind == "notify":
        payload["document"] = args.document
    when = when_given(desk, args.on)
    if args.kind == "handle":
        event = desk.handle(args.case_no, args.note, args.evidence, when)
    else:
        event = desk.record(args.case_no, args.kind, payload, when, approval=approval_of(args, args.reason))
    state = desk.case(args.case_no)
    print(f"{args.case_no}：已记录“{EVENT_LABELS[event.kind]}”，当前状态：{STATUSES[state.status]}")
    if event.payload.get("stations"):
        print(f"已派发到站点 {'、'.join(event.payload['stations'])}：本站此后导出的同步包会把本案带给它，"
              "它可在本案上记录办理步骤")
    return EXIT_OK


def cmd_classify(desk: Desk, args: argparse.Namespace) -> int:
    payload: dict[str, Any] = {key: getattr(args, key) for key in ("category", "problem_type", "purpose",
                                                                   "legal_route") if getattr(args, key)}
    if args.first_time:
        payload["first_time"] = args.first_time == "yes"
    if not payload:
        return fail("请至少给出一项分类（--category、--problem-type、--purpose、--first-time、--legal-route）")
    desk.classify(args.case_no, payload)
    state = desk.case(args.case_no)
    print(f"{args.case_no}：{classification_text(state)}")
    return EXIT_OK


def cmd_checklist(desk: Desk, args: argparse.Namespace) -> int:
    desk.set_checklist(args.case_no, args.key, not args.undone, args.note)
    state = desk.case(args.case_no)
    print(f"{args.case_no}：四定四包 {state.checklist_done}/{len(CHECKLIST_ITEMS)}")
    return EXIT_OK


def cmd_list(desk: Desk, args: argparse.Namespace) -> int:
    today = desk.today()
    flt = CaseFilter(text=args.search, status=args.status or "", colour=args.colour or "")
    numbers = case_numbers(desk.conn, flt, today)
    rows = []
    for start in range(0, len(numbers), 500):
        window = numbers[start:start + 500]
        found = list_rows(desk.conn, window, today)
        rows += [found[n] for n in window]
    items = [{
        "case_id": r["case_id"], "colour": r["colour"], "petitioners": r["petitioner_names"],
        "channel": r["channel"], "domain": r["domain"], "place": r["township"] + r["village"],
        "status": r["status"], "leader": r["leader"], "deadline": r["deadline"],
        "days_left": _days(r["deadline"], today), "registered_at": r["registered_at"],
    } for r in rows]
    if args.json:
        print_json(items)
        return EXIT_OK
    for it in items:
        left = "" if it["days_left"] is None else f"{it['days_left']}天"
        print(f"{COLOURS[it['colour']]} {it['case_id']} {it['petitioners']} {CHANNELS[it['channel']]} "
              f"{it['domain']} {it['place']} {STATUSES[it['status']]} {left}")
    print(f"共 {len(items)} 件")
    return EXIT_OK


def _days(deadline: str | None, today: Any) -> int | None:
    from datetime import date

    return days_left(date.fromisoformat(deadline), today) if deadline else None


def case_summary(desk: Desk, state: CaseState) -> dict[str, Any]:
    """What ``show --json`` prints: the case, its timeline and its checklist."""
    row = desk.conn.execute("SELECT n FROM cases WHERE case_id = ?", (state.case_id,)).fetchone()
    listed = list_rows(desk.conn, [row[0]], desk.today())[row[0]]
    data = {k: v for k, v in asdict(state).items() if k not in ("steps", "checklist", "versions")}
    data.update(colour=listed["colour"], deadline=listed["deadline"], deadline_label=listed["deadline_label"],
                days_left=_days(listed["deadline"], desk.today()), repeat_warning=repeat_warning(state.repeat_round))
    tree = StationTree.load(desk.conn)
    own, above = tree.own, tree.above()
    data["timeline"] = [{"event_id": e.id, "at": e.at, "actor": e.actor, "origin": e.origin, "kind": e.kind,
                         "label": EVENT_LABELS.get(e.kind, e.kind), "payload": e.payload,
                         "from_above": station_mark(e.origin, state.origin, own, above) == FROM_ABOVE}
                        for e in desk.events(state.case_id)]
    data["checklist"] = {k: {"label": CHECKLIST_ITEMS[k], **asdict(v)} for k, v in state.checklist.items()}
    data["checklist_done"] = state.checklist_done
    return data


def cmd_show(desk: Desk, args: argparse.Namespace) -> int:
    state = desk.case(args.case_no)
    data = case_summary(desk, state)
    if args.json:
        print_json(data)
        return EXIT_OK
    for line in show_lines(desk, state, data):
        print(line)
    return EXIT_OK


def show_lines(desk: Desk, state: CaseState, data: dict[str, Any]) -> list[str]:
    """``show`` as text: the case, its time limit, people, 四定四包 and the whole timeline."""
    lines = [f"{state.case_id}  {STATUSES[state.status]}  督办：{COLOURS[data['colour']]}"]
    lines += [f"  {text}" for text in limit_lines(state, desk.limits, desk.today())]
    if state.finished:
        lines.append(f"  {state.ended_text()}")
    people = f"{state.head_count}人" + ("，集体访" if state.collective else "")
    lines.append(f"渠道：{CHANNELS[state.channel]}（{people}）  领域：{state.domain}  "
                 f"地点：{state.township}{state.village}  属地：{state.jurisdiction or '—'}  "
                 f"事权单位：{state.authority_unit or '—'}")
    if state.dispatch_units:
        double = "（一事双交）" if len(state.dispatch_units) == 2 else ""
        lines.append(f"派发单位：{'、'.join(state.dispatch_units)}{double}")
    for p in state.petitioners:
        lines.append(f"信访人：{p.name} {p.id_number} {p.phone} {p.address}".rstrip())
    lines.append(f"诉求：{state.request_summary}")
    lines.append(f"分类：{classification_text(state)}")
    facts = []
    if state.backlog:
        facts.append("信访积案")
    if state.extension_days:
        facts.append(f"已延期{state.extension_days}天")
    if state.rating:
        facts.append(f"回访评价：{RATINGS[state.rating]}")
    if state.review_round:
        facts.append(f"已{'复核' if state.review_round >= 2 else '复查'}")
    if facts:
        lines.append("  ".join(facts))
    if data["repeat_warning"]:
        lines.append(f"提示：{data['repeat_warning']}（关联案件：{'、'.join(state.repeat_of)}）")
    for conflict in state.conflicts:
        values = " / ".join(str(v) for v in conflict.values)
        label = FIELD_LABELS.get(conflict.field, conflict.field)
        lines.append(f"修改冲突：{label}：{values}（用 conflicts、resolve 处理）")
    if state.needs_checklist or state.checklist_done:
        lines.append(f"包案领导：{state.leader or '（未定）'}  四定四包：{state.checklist_done}/{len(CHECKLIST_ITEMS)}")
        for key, entry in state.checklist.items():
            mark = "✔" if entry.done else "□"
            done = f" {entry.by} {minute_text(entry.at)} {entry.note}" if entry.done else "（未完成）"
            lines.append(f"  {mark} {CHECKLIST_ITEMS[key]}{done}")
    lines.append("办理过程：")
    tree = StationTree.load(desk.conn)
    own, above = tree.own, tree.above()
    if state.out_of_turn:
        lines.append("提示：" + OUT_OF_TURN_WARNING.format(n=len(state.out_of_turn)))
    for event, unit, note, annulled in event_notes(desk.events(state.case_id), state.out_of_turn):
        where = event.origin + station_mark(event.origin, state.origin, own, above)
        label = EVENT_LABELS.get(event.kind, event.kind) + ("（已撤销）" if annulled else "")
        evidence = "、".join(str(i.get("name", "")) for i in event.payload.get("evidence", []))
        shown = f"［佐证：{evidence}］" if evidence else ""
        parts = [event_when_text(event), label, event.actor, where, unit, note, shown]
        lines.append("  " + " ".join(x for x in parts if x))
    return lines


def limit_lines(state: CaseState, limits: TimeLimits, today: date) -> list[str]:
    """Every time limit the case runs against, nearest first, each with its days left (the detail shows the
    same): statutory limits and a local target beside each other, a holiday shift, a supervision deadline."""
    lines = [f"{d.describe()}（{days_text(d.due.isoformat(), today)[0]}）"
             for d in case_light(state, limits).limits]
    objection = objection_window(state.clock(), limits)
    if objection:
        lines.append(f"单位异议期限 {objection.isoformat()}（派发后{limits.objection_workdays}个工作日）")
    return lines


def cmd_verify(desk: Desk, args: argparse.Namespace) -> int:
    report = verify(desk.conn, desk.limits, desk.blobs, stage=lambda name: print(f"{name}…", file=sys.stderr),
                    own_public=desk.public_key())
    if report.ok:
        print(f"校验通过：{report.events} 个事件，{report.cases} 件案件，哈希链完整，数据与事件一致")
        return EXIT_OK
    fail(report.problem or "")
    return EXIT_REFUSED
