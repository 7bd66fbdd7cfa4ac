"""Papers benchmark: producing one notice (受理告知书) as PDF and as .docx, the whole operation (check, template,
number, document and 告知 events, file written whole-or-nothing), beside a bare reportlab page and a bare
python-docx document with the same text, written to the same folder (goal ≤ 1.5× each).

    .venv/bin/python bench/bench_papers.py

A station is made in a temporary folder; nothing else is touched. Each figure is printed three ways: the median and
the best wall time of 15 runs taken alternately with the baseline, and the best CPU time of the process.
"""

from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path

import docx
from common import new_bench_station, show, timed_pair
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate

from app.models.case import Petitioner
from app.models.intake import CaseDraft
from app.ops.desk import Desk
from app.ops.papers import make_paper
from app.reports.fonts import cjk_font


def notice_cases(folder: Path, count: int) -> tuple[Desk, list[str]]:
    """``count`` accepted cases, each as a notice finds it: a real case gets its 受理告知书 once, so each timed paper
    is made on a case of its own (one case given ninety papers would time the replay of its ever longer history)."""
    desk = new_bench_station(folder / "station", "TZ01", "白塔镇信访办", "township",
                             now=lambda: datetime(2026, 3, 4, 9))
    return desk, [accepted_case(desk) for _ in range(count)]


def accepted_case(desk: Desk) -> str:
    draft = CaseDraft(channel="visit", petitioners=[Petitioner("王小明", "11010519491231002X", "13800138000",
                                                               "白塔镇东岙村12号")],
                      request_summary="东岙村道路破损多年，要求修复", domain="农业农村", township="白塔镇",
                      village="东岙村", authority_unit="镇农业农村办")
    case_id = desk.register_case(draft, at=datetime(2026, 3, 2, 9))
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]}, at=datetime(2026, 3, 2, 10))
    desk.record(case_id, "accept", {}, at=datetime(2026, 3, 3, 9))
    return case_id


def bare_pdf(texts: list[str], path: Path) -> None:
    style = ParagraphStyle("p", fontName=cjk_font(), fontSize=15, leading=28, wordWrap="CJK")
    SimpleDocTemplate(str(path), pagesize=A4).build([Paragraph(t, style) for t in texts])


def bare_docx(texts: list[str], path: Path) -> None:
    document = docx.Document()
    for text in texts:
        document.add_paragraph(text)
    document.save(str(path))


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        desk, cases = notice_cases(folder, 2 + 6 * 15)
        fresh = iter(cases)
        make_paper(desk, next(fresh), "受理告知书", folder / "warm.pdf", way="邮寄")  # font, template copied: once
        texts = [p.text for p in docx.Document(str(make_paper(desk, next(fresh), "受理告知书", folder / "t.docx",
                                                              way="邮寄").path)).paragraphs]
        for suffix, bare in ((".pdf", bare_pdf), (".docx", bare_docx)):
            def ours(s: str = suffix) -> None:
                make_paper(desk, next(fresh), "受理告知书", folder / f"n{s}", way="邮寄")

            def raw(s: str = suffix, b=bare) -> None:  # type: ignore[no-untyped-def]
                b(texts, folder / f"bare{s}")

            mine, base = timed_pair(ours, raw, 15)
            show(f"one 受理告知书 as {suffix} (check + number + events + file), median of 15", mine, base, 1.5)
            mine, base = timed_pair(ours, raw, 15, reduce=min)
            show("    the same, best of 15 each (least disturbed by other work on the machine)", mine, base, 1.5)
            mine, base = timed_pair(ours, raw, 15, reduce=min, clock=time.process_time)
            show("    the same, CPU time of the process, best of 15 (leaves out waiting for a core shared with "
                 "other work, and for the disk)", mine, base, 1.5)
        desk.close()


if __name__ == "__main__":
    main()
