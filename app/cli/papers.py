"""The ``document`` command: a numbered paper (文书) of a case as PDF or .docx."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.cases import ON_HELP, when_given
from app.cli.common import EXIT_OK
from app.models.papers import PAPER_KINDS
from app.models.vocab import NOTICE_WAYS
from app.ops.desk import Desk


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("document", help="制作文书（告知书、意见书等，PDF 或 Word/WPS 可编辑的 .docx）")
    p.add_argument("case_no", help="案件编号")
    p.add_argument("--kind", required=True, choices=list(PAPER_KINDS), help="文书种类")
    p.add_argument("--out", required=True, type=Path, help="输出文件（.pdf 或 .docx）")
    p.add_argument("--on", default="", help=ON_HELP.format(what="文书（告知书即告知）的"))
    p.add_argument("--way", default="", choices=["", *NOTICE_WAYS], help="告知方式（告知书必填）")
    p.add_argument("--full-id", action="store_true", help="打印完整身份证号（默认只显示前6位和后4位；须有相应权限）")
    p.set_defaults(run=cmd_document)


def cmd_document(desk: Desk, args: argparse.Namespace) -> int:
    from app.ops.papers import make_paper

    paper = make_paper(desk, args.case_no, args.kind, args.out, way=args.way, at=when_given(desk, args.on),
                       full_id=args.full_id)
    told = f"，已记录{paper.notice}告知（{args.way}）" if paper.notice else ""
    print(f"{args.case_no}：已制作{args.kind} {paper.number}{told}，保存到 {paper.path}")
    return EXIT_OK
