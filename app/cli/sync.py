"""Commands for sync between stations: keys and certificates, bundles, conflicts, and actions from above."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, EXIT_REFUSED, choices_help, fail, print_json
from app.models.case_conflicts import FIELD_LABELS, conflict_value
from app.models.chain import ALLOWED_FROM
from app.models.events import minute_text
from app.models.timeline import value_text
from app.ops import recovery, supervision, township_moves
from app.ops import sync as trust_ops
from app.ops import sync_transfer as transfer
from app.ops.desk import Desk
from app.sync import parts
from app.sync.bundle import DIRECTIONS
from app.sync.conflicts import hard_conflicts, soft_pairs
from app.sync.trust import when_text


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("enroll-request", help="生成入网申请（交上级签发证书）")
    p.add_argument("--out", required=True, type=Path, help="申请文件（.req），拷到U盘交上级")
    p.add_argument("--new-key", action="store_true", help="先换一把新密钥（旧密钥被吊销后重新认证时用）")
    p.set_defaults(run=cmd_enroll_request)
    p = sub.add_parser("export-workbook", help="把发给本站的同步包中的工作簿另存为可阅读的 Excel 文件")
    p.add_argument("bundle", type=Path, help="同步包文件")
    p.add_argument("--out", required=True, type=Path, help="保存的工作簿（.xlsx）：含信访人个人信息，请妥善保管")
    p.set_defaults(run=cmd_export_workbook)
    p = sub.add_parser("certify", help="为下级站点签发证书")
    p.add_argument("request", type=Path, help="下级交来的入网申请文件（.req）")
    p.add_argument("--out", required=True, type=Path, help="签发的证书文件（.cert），交回下级")
    p.set_defaults(run=cmd_certify)
    p = sub.add_parser("install-cert", help="安装上级签发的证书（同时确定信任的根证书）")
    p.add_argument("cert", type=Path, help="上级签发的证书文件（.cert）")
    p.set_defaults(run=cmd_install_cert)
    p = sub.add_parser("revoke", help="吊销下级站点的证书")
    p.add_argument("code", help="被吊销的下级站点代码")
    p.add_argument("--reason", default="", help="吊销原因，如 电脑丢失")
    p.set_defaults(run=cmd_revoke)
    p = sub.add_parser("export", help="导出同步包")
    p.add_argument("--to", required=True, help="接收站点代码（上级或直属下级）")
    p.add_argument("--out", required=True, type=Path,
                   help="同步包文件（.zip），如 U盘上的路径；超过 4 GB 时分为几个部分")
    _part_size_option(p)
    p.set_defaults(run=cmd_export)
    p = sub.add_parser("import", help="导入同步包")
    p.add_argument("file", type=Path, help="同步包文件（.zip；分为几个部分的，选其中任意一个部分）")
    p.set_defaults(run=cmd_import)
    p = sub.add_parser("recovery-file", help="为下级站点制作恢复文件（重新安装或从备份恢复后导入）")
    p.add_argument("code", help="下级站点代码")
    p.add_argument("--out", required=True, type=Path, help="恢复文件（.zip），如 U盘上的路径；超过 4 GB 时分为几个部分")
    _part_size_option(p)
    p.set_defaults(run=cmd_recovery_file)
    p = sub.add_parser("hand-over", help="县（区）把其下的乡镇移交给本市另一个县（区）（行政区划调整）")
    p.add_argument("code", help="移交的乡镇站点代码")
    p.add_argument("--to", required=True, help="迁入的县（区）代码")
    p.add_argument("--successor", default="", help="乡镇在新县（区）的站点代码（可由市局确认迁移时再填）")
    p.add_argument("--note", default="", help="说明，如 区划调整文件文号")
    p.set_defaults(run=cmd_hand_over)
    p = sub.add_parser("move", help="市局确认乡镇迁入另一个县（区）（须先收到原县（区）的移交）")
    p.add_argument("code", help="迁移的乡镇的原站点代码")
    p.add_argument("--to", required=True, help="迁入的县（区）代码")
    p.add_argument("--successor", default="", help="乡镇在新县（区）的站点代码（移交时已填的可不填）")
    p.add_argument("--reason", default="", help="迁移原因，如 行政区划调整")
    p.set_defaults(run=cmd_move)
    p = sub.add_parser("resume-numbering", help="从备份恢复后、确认备份之后没有向上级导出过同步包时，直接继续登记")
    p.set_defaults(run=cmd_resume_numbering)
    p = sub.add_parser("verify-bundle", help="核验同步包（不导入）")
    p.add_argument("file", type=Path, help="同步包文件（.zip）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_verify_bundle)
    p = sub.add_parser("conflicts", help="列出修改冲突")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_conflicts)
    p = sub.add_parser("resolve", help="处理修改冲突")
    p.add_argument("case_no", help="案件编号")
    p.add_argument("field", choices=list(FIELD_LABELS), help=choices_help("字段", FIELD_LABELS))
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--pick", type=int, help="保留第几个值（从 1 起）")
    group.add_argument("--value", help="合并后的值")
    p.set_defaults(run=cmd_resolve)
    p = sub.add_parser("stations", help="本站、上级、下级站点与证书")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_stations)
    p = sub.add_parser("supervise", help="督办（上级对案件下达督办要求）")
    p.add_argument("case_no", help="案件编号")
    p.add_argument("--deadline", required=True, help="督办期限，如 2026-03-31")
    p.add_argument("--note", required=True, help="督办要求")
    p.add_argument("--step", choices=list(ALLOWED_FROM), default="",
                   help="要求完成的办理步骤（不填则记录任一后续办理步骤即视为落实）")
    p.set_defaults(run=cmd_supervise)
    p = sub.add_parser("assign-leader", help="设定或更换包案领导")
    p.add_argument("case_no", help="案件编号")
    p.add_argument("leader", help="包案领导（姓名、职务）")
    p.set_defaults(run=cmd_assign_leader)
    p = sub.add_parser("set-backlog", help="列为积案（--off 取消）")
    p.add_argument("case_no", help="案件编号")
    p.add_argument("--off", action="store_true", help="取消积案")
    p.set_defaults(run=cmd_set_backlog)


def _part_size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("每部分的字节数应为整数") from None
    if value < parts.MIN_PART or value > parts.FAT32_PART:
        raise argparse.ArgumentTypeError(f"每部分的字节数应在 {parts.MIN_PART} 至 {parts.FAT32_PART} 之间")
    return value


def _part_size_option(p: argparse.ArgumentParser) -> None:
    # Not shown in the help: parts are made by themselves past what a FAT32 stick holds; a smaller size is for
    # trying parts out without writing 4 GB.
    p.add_argument("--part-size", type=_part_size, default=None, help=argparse.SUPPRESS)


def cmd_enroll_request(desk: Desk, args: argparse.Namespace) -> int:
    request = trust_ops.enroll_request(desk, args.out, new_key=args.new_key)
    from app.sync.keys import fingerprint

    if args.new_key:
        print("已为本站换了一把新密钥（旧密钥作为已停用的密钥保留在本站数据中）；安装新证书前不能导出同步包。")
    print(f"已生成入网申请：{args.out}")
    print(f"本站 {request.code}（{request.name}）密钥指纹：{fingerprint(request.public_key)}")
    print("请将申请文件交上级站点签发证书，并电话核对上面的指纹。")
    return EXIT_OK


def cmd_certify(desk: Desk, args: argparse.Namespace) -> int:
    cert = trust_ops.certify(desk, args.request, args.out)
    print(f"已为站点 {cert.code}（{cert.name}）签发证书：{args.out}")
    print(f"该站点密钥指纹：{cert.fingerprint}（请与对方电话核对）")
    print(f"有效期：{when_text(cert.not_before)} 至 {when_text(cert.not_after)}")
    return EXIT_OK


def cmd_install_cert(desk: Desk, args: argparse.Namespace) -> int:
    cert = trust_ops.install_cert(desk, args.cert)
    me = trust_ops.identity(desk)
    root = me.chain[-1]
    print(f"已安装证书：本站 {cert.code}（{cert.name}），上级 {cert.parent}")
    print(f"信任的根证书：{root.code}（{root.name}），指纹 {root.fingerprint}")
    return EXIT_OK


def cmd_revoke(desk: Desk, args: argparse.Namespace) -> int:
    made = trust_ops.revoke(desk, args.code, args.reason)
    print(f"已吊销站点 {made[0].code} 的 {len(made)} 份证书（{when_text(made[0].revoked_at)} 起）。"
          "此后由它的旧密钥签名的同步包一律不再接受；吊销记录将随本站之后导出的同步包传到上下级。")
    return EXIT_OK


def _progress(stage: str, done: int, total: int) -> None:
    import sys

    if total > 1:  # one-step stages pass too fast to be worth a line
        print(f"\r{stage}：{done}/{total}", end="\n" if done >= total else "", file=sys.stderr, flush=True)


def cmd_export(desk: Desk, args: argparse.Namespace) -> int:
    result = transfer.export_bundle(desk, args.to, args.out, _progress, args.part_size)
    m = result.manifest
    c = m["counts"]
    print(f"已导出同步包（{DIRECTIONS[m['direction']]} {m['receiver']} {m['receiver_name']}）："
          f"{parts.describe(result.parts)}")
    print(f"事件 {c['events']} 个，涉及案件 {c['cases']} 件，佐证材料 {c['evidence']} 个")
    return EXIT_OK


def cmd_import(desk: Desk, args: argparse.Namespace) -> int:
    result = transfer.import_bundle(desk, args.file, _progress)
    r, info = result.report, result.info
    print(f"已导入 {info.sender}（{info.sender_name}）{info.created_at.replace('T', ' ')} 的同步包：")
    print(f"新案件 {len(r.new_cases)} 件，有变化的案件 {len(r.changed_cases)} 件，新的修改冲突 {len(r.conflicts)} 处，"
          f"重复事件 {r.duplicates} 个已跳过（共 {r.events} 个事件，新增 {r.new_events} 个；"
          f"新增佐证材料 {result.evidence_added} 个）")
    for case_id, name in r.conflicts:
        print(f"  修改冲突：{case_id} {FIELD_LABELS.get(name, name)}（用 conflicts 查看，resolve 处理）")
    if r.held_cases:
        print(f"暂存：{len(r.held_cases)} 件案件的登记还没有同步到本站（如 {r.held_cases[0]}），关于它们的办理事件"
              "已保存，登记到达后一并显示")
    if result.recovery_message:
        print(result.recovery_message)
    return EXIT_OK


def cmd_hand_over(desk: Desk, args: argparse.Namespace) -> int:
    given = township_moves.hand_over(desk, args.code, args.to, args.successor, args.note)
    last = (f"其最近一个同步包生成于 {given.last_bundle.replace('T', ' ')}" if given.last_bundle
            else "本站从未收到过它的同步包")
    print(f"已把乡镇 {given.code} 移交给 {given.to}（本站第 {given.seq} 号事件）：本站此后不能再在其案件上记录。")
    print(f"本站有该乡镇的 {given.events_held} 个事件（{last}）：请把本站的同步包导出给市局导入，市局确认迁移后，"
          "这些案件和全部历史经市局交给新的县（区）。该乡镇之后再交来的同步包，本站照常导入并上报。")
    return EXIT_OK


def cmd_move(desk: Desk, args: argparse.Namespace) -> int:
    move = township_moves.move_township(desk, args.code, args.to, args.successor, args.reason)
    print(f"已确认：乡镇 {move.code} 由 {move.old_county} 迁入 {move.new_county}，新站点代码 {move.successor}。")
    print(f"请把同步包导出给 {move.new_county}（其中有该乡镇的全部历史和迁移记录），再由 {move.new_county} 为 "
          f"{move.successor} 签发证书；原有案件保留原编号，此后由 {move.new_county} 和 {move.successor} 办理。")
    return EXIT_OK


def cmd_resume_numbering(desk: Desk, args: argparse.Namespace) -> int:
    if recovery.resume_numbering(desk):
        print("已确认：本站从备份恢复后可以直接继续登记和办理")
    else:
        print("本站不是从备份恢复、正在等待恢复文件的站点，无需确认")
    return EXIT_OK


def cmd_recovery_file(desk: Desk, args: argparse.Namespace) -> int:
    made = recovery.recovery_file(desk, args.code, args.out, _progress, args.part_size)
    counts = made.manifest["counts"]
    print(f"已为站点 {made.manifest['receiver']}（{made.manifest['receiver_name']}）制作恢复文件："
          f"{parts.describe(made.parts)}")
    print(f"事件 {counts['events']} 个，涉及案件 {counts['cases']} 件，佐证材料 {counts['evidence']} 个。"
          "请拷贝到 U 盘，在该站点重新安装或恢复的电脑上导入（import），导入前不要在那台电脑上登记或办理。")
    return EXIT_OK


def cmd_export_workbook(desk: Desk, args: argparse.Namespace) -> int:
    info = transfer.save_workbook(desk, args.bundle, args.out)
    print(f"已把 {info.sender}（{info.sender_name}）发来的同步包中的工作簿保存为 {args.out}："
          "该文件含有信访人个人信息，未加密，请妥善保管，用后及时删除。")
    return EXIT_OK


def cmd_verify_bundle(desk: Desk, args: argparse.Namespace) -> int:
    info = transfer.verify_bundle(desk, args.file)
    if args.json:
        print_json(asdict(info))
        return EXIT_OK if info.genuine else EXIT_REFUSED
    if info.sender:
        key = f"（密钥指纹 {info.fingerprint}）" if info.fingerprint else ""
        print(f"发送站点：{info.sender} {info.sender_name}{key}")
        print(f"接收站点：{info.receiver} {info.receiver_name}")
        print(f"生成时间：{info.created_at.replace('T', ' ')}  {DIRECTIONS.get(info.direction, '')}")
        c = info.counts
        if c:
            print(f"内容：事件 {c.get('events', 0)} 个，案件 {c.get('cases', 0)} 件，"
                  f"佐证材料 {c.get('evidence', 0)} 个")
    if info.genuine:
        print("结论：真实有效（证书链、签名与每个文件的内容均核对无误）")
        if info.unreadable:
            print(f"注意：{info.unreadable}")
        elif not info.for_us:
            print(f"注意：此包是发给 {info.receiver} 的，本站不能导入")
        return EXIT_OK
    if not info.checked:
        return fail(f"无法核验（上面是同步包自己写的内容，未经核对）：{info.problem}")
    return fail(f"不可信：{info.problem}")


def _choice_text(choice: Any) -> str:
    value = choice.value
    if isinstance(value, bool):
        value = "是" if value else "否"
    elif isinstance(value, list):
        value = "、".join(str(p.get("name", "")) if isinstance(p, dict) else str(p) for p in value)
    return f"{value}（{choice.origin} {choice.actor} {minute_text(choice.at)}）"


def cmd_conflicts(desk: Desk, args: argparse.Namespace) -> int:
    hard = hard_conflicts(desk.conn)
    soft = soft_pairs(desk.conn)
    if args.json:
        print_json({"hard": [asdict(h) for h in hard], "soft": [asdict(s) for s in soft]})
        return EXIT_OK
    if not hard and not soft:
        print("没有修改冲突")
        return EXIT_OK
    for item in hard:
        print(f"{item.case_id} {item.label}：两处同时修改，须人工确定")
        for number, choice in enumerate(item.choices, start=1):
            print(f"  [{number}] {_choice_text(choice)}")
        print(f"  处理：resolve {item.case_id} {item.field} --pick 序号 | --value 值")
    for pair in soft:
        first, second = pair.changes
        print(f"{pair.case_id} 不同字段同时修改（已自动合并，请核对）：{pair.fields[0]} {_choice_text(first)}；"
              f"{pair.fields[1]} {_choice_text(second)}")
    print(f"共 {len(hard)} 处修改冲突，{len(soft)} 处同时修改已自动合并")
    return EXIT_OK


def cmd_resolve(desk: Desk, args: argparse.Namespace) -> int:
    supervision.resolve(desk, args.case_no, args.field, args.pick, args.value)
    value = conflict_value(desk.case(args.case_no), args.field)
    print(f"{args.case_no}：“{FIELD_LABELS[args.field]}”已定为 {value_text(args.field, value)}")
    return EXIT_OK


def _cert_line(label: str, c: dict[str, Any] | None) -> str:
    if c is None:
        return f"{label}：无"
    revoked = f"，已于 {when_text(c['revoked_at'])} 吊销" if c.get("revoked_at") else ""
    return (f"{label}：{c['code']} {c['name']}（{c['level_label']}） 指纹 {c['fingerprint']}  "
            f"证书 {when_text(c['not_before'])} 至 {when_text(c['not_after'])}{revoked}")


def cmd_stations(desk: Desk, args: argparse.Namespace) -> int:
    data = trust_ops.stations(desk)
    if args.json:
        print_json(data)
        return EXIT_OK
    me = data["self"]
    print(f"本站：{me['code']} {me['name']}（{me['level_label']}） 密钥指纹 {me['fingerprint']}")
    cert = me["certificate"]
    print(f"本站证书：{when_text(cert['not_before'])} 至 {when_text(cert['not_after'])}" if cert
          else "本站证书：尚未安装")
    print(_cert_line("根证书", data["root"]))
    print(_cert_line("上级", data["parent"]))
    for child in data["children"]:
        print(_cert_line("下级", child))
    for other in data["others"]:
        print(_cert_line("其他站点", other))
    for r in data["revocations"]:
        print(f"吊销：{r['code']} 于 {when_text(r['revoked_at'])} 由 {r['by']} 吊销（{r['reason']}）")
    for m in data["moves"]:
        print(f"乡镇迁移：{m['code']} → {m['successor']}（{m['new_county']}），原属 {m['old_county']}，"
              f"{when_text(m['moved_at'])}（{m['reason']}）")
    for peer, log in sorted(data["sync"].items()):
        names = {"last_export": "最近导出", "last_import": "最近导入"}
        parts = [f"{names[k]} {v['at'].replace('T', ' ')}（{v['events']} 个事件）" for k, v in log.items()]
        print(f"同步记录 {peer}：{'，'.join(parts)}")
    return EXIT_OK


def cmd_supervise(desk: Desk, args: argparse.Namespace) -> int:
    supervision.supervise(desk, args.case_no, args.deadline, args.note, args.step)
    print(f"{args.case_no}：已督办，限 {args.deadline} 前：{args.note}")
    return EXIT_OK


def cmd_assign_leader(desk: Desk, args: argparse.Namespace) -> int:
    supervision.assign_leader(desk, args.case_no, args.leader)
    print(f"{args.case_no}：包案领导为 {args.leader}")
    return EXIT_OK


def cmd_set_backlog(desk: Desk, args: argparse.Namespace) -> int:
    supervision.set_backlog(desk, args.case_no, not args.off)
    print(f"{args.case_no}：{'已取消积案' if args.off else '已列为积案'}")
    return EXIT_OK


