"""Printing benchmarks: one case summary sheet beside a bare reportlab page with the same font and the same
text (goal ≤ 1.5×), and 100 sheets into one PDF.

    .venv/bin/python bench/bench_print.py [--data DIR]

The data dir defaults to bench/data/demo100k (made once if missing). Nothing is written to it; PDFs go to memory.
"""

from __future__ import annotations

import argparse
import io
import re
import time
from pathlib import Path

from common import demo_dir, open_bench, show, timed, timed_pair
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, SimpleDocTemplate, Table, TableStyle

from app.models.vocab import CHANNELS, CHECKLIST_ITEMS, STATUSES
from app.ops.desk import Desk
from app.reports.fonts import cjk_font
from app.reports.sheet import COLOUR_FILL, write_sheets
from app.reports.sheet_data import SheetData, open_case_ids, sheet_data, sheets


def sheet_texts(data: SheetData) -> list[list[str]]:
    """The texts a sheet prints (labels, values as printed, every step's full note), six to a row."""
    s = data.state
    texts = ["信访事项办理情况表", f"案件编号：{data.case_id}", data.station_name, f"校验码：{data.code}",
             "一、基本情况", "登记日期", s.registered_at[:10], "来源渠道", CHANNELS.get(s.channel, s.channel), "领域",
             s.domain, "当前状态", STATUSES.get(s.status, s.status), "乡镇（街道）", s.township, "村（社区）",
             s.village, "事权单位", s.authority_unit, "属地", s.jurisdiction, "积案", "是" if s.backlog else "否",
             "重复信访", "首次" if s.repeat_round == 1 else f"第{s.repeat_round}次", "督办颜色",
             COLOUR_FILL[data.colour][2], "包案领导", s.leader or "—",
             "二、信访人", "序号", "姓名", "身份证号", "联系电话", "住址", "三、信访诉求", s.request_summary,
             "四、办理过程", "办理步骤", "日期", "办理单位", "经办人", "情况说明", "五、办理时限", "当前时限",
             "起算日期", "办理期限", "时限情况", "延期天数", "复查复核", "六、四定四包", "七、回访评价", "评价结果",
             "回访日期", "回访情况", "八、签字确认", "经办人（签字）：", "包案领导（签字）：", "信访人（签字）：",
             "日期：＿＿＿＿年＿＿月＿＿日", "打印日期", "第 1 页 共 1 页"]
    for person in data.petitioners:
        texts += list(person)
    for r in data.steps:
        texts += [str(r.number), r.label, r.day, r.unit, r.person, r.note]
    for key, label in CHECKLIST_ITEMS.items():
        texts += [label, s.checklist[key].note]
    texts += ["本件未列为积案、未设包案领导，四定四包不作要求。"]
    return [texts[i:i + 6] + [""] * (6 - len(texts[i:i + 6])) for i in range(0, len(texts), 6)]


def bare_page(rows: list[list[str]], font: str, pages: int = 1) -> bytes:
    """The raw baseline: the same texts in plain reportlab tables (no wrapping, no styles of ours), the same
    embedded font, on as many A4 pages as the sheet takes (a page break between equal parts of the rows)."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, initialFontName=font)
    size = -(-len(rows) // pages)
    story: list[Flowable] = []
    for start in range(0, len(rows), size):
        table = Table(rows[start:start + size])
        table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 8),
                                   ("GRID", (0, 0), (-1, -1), 0.5, "black")]))
        story += [PageBreak(), table] if story else [table]
    doc.build(story)
    return out.getvalue()


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def one_sheet(desk: Desk, case_id: str) -> bytes:
    out = io.BytesIO()
    write_sheets(out, [sheet_data(desk, case_id)])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, help="data dir (default bench/data/demo100k)")
    args = parser.parse_args()
    folder = args.data or demo_dir("demo100k", 100_000)
    desk = open_bench(folder)
    start = time.perf_counter()
    font = cjk_font()
    show("font registration (once per process)", time.perf_counter() - start)

    open_ids = open_case_ids(desk)
    # A typical open case: the first with 6 to 10 steps (one A4 page since the layout was tightened; it took two).
    case_id = next(c for c in open_ids if 6 <= len(desk.case(c).steps) <= 10)
    data = sheet_data(desk, case_id)
    pages = page_count(one_sheet(desk, case_id))
    print(f"store: {folder}, {len(open_ids)} open cases; sample {case_id} with {len(data.steps)} steps, "
          f"{pages} page(s); the bare baseline gets as many")
    texts = sheet_texts(data)
    one_sheet(desk, case_id)  # warm: glyph subsets, imports
    bare_page(texts, font, pages)
    ours, raw = timed_pair(lambda: one_sheet(desk, case_id), lambda: bare_page(texts, font, pages), 31)
    show("(a) one summary sheet (read + fold + layout + PDF), median of 31", ours, raw, 1.5)
    ours, raw = timed_pair(lambda: one_sheet(desk, case_id), lambda: bare_page(texts, font, pages), 31,
                           clock=time.process_time)
    show("    the same, CPU time in this process, median of 31", ours, raw, 1.5)
    ours, raw = timed_pair(lambda: one_sheet(desk, case_id), lambda: bare_page(texts, font, pages), 25, reduce=min)
    show("    the same, best of 25 each (least disturbed by other work on the machine)", ours, raw, 1.5)
    layout_only, _ = timed_pair(lambda: write_sheets(io.BytesIO(), [data]), lambda: None, 25, reduce=min)
    show("    of which layout + PDF only (best of 25)", layout_only, raw)
    size = len(one_sheet(desk, case_id))
    print(f"    sheet PDF {size / 1024:.0f} KB (font subset embedded)")
    short_id = next(c for c in open_ids if len(desk.case(c).steps) <= 5 and page_count(one_sheet(desk, c)) == 1)
    short = sheet_data(desk, short_id)
    short_texts = sheet_texts(short)
    ours, raw = timed_pair(lambda: one_sheet(desk, short_id), lambda: bare_page(short_texts, font), 31)
    show(f"    a one-page sheet ({short_id}, {len(short.steps)} steps), median of 31", ours, raw, 1.5)

    hundred = open_ids[:100]
    out = io.BytesIO()
    start = time.perf_counter()
    count = write_sheets(out, sheets(desk, hundred), len(hundred))
    elapsed = time.perf_counter() - start
    pages = page_count(out.getvalue())
    show(f"(b) {count} sheets into one PDF", elapsed, unit="s")
    print(f"    {elapsed / count * 1000:.0f} ms per sheet, {out.tell() / 1024 / 1024:.1f} MB, ~{pages} pages")
    per_sheet = timed(lambda: one_sheet(desk, case_id), 5)
    print(f"    (one sheet alone {per_sheet * 1000:.0f} ms)")
    desk.close()


if __name__ == "__main__":
    main()
