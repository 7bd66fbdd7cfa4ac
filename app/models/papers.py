"""Papers (文书): the numbered documents a case produces, and what each one says.

Each paper has a number per station, kind and year (白塔镇信受〔2026〕第12号), recorded as a ``document`` event
and never reused. A notice (告知书) to the petitioner is also its 告知 step: the paper's date and way are the
notify step's. The wording lives in templates (app.reports.paper_templates); this module says which papers a case
may have now and the values of the named placeholders ({{信访人}}, {{文号}} …), and nothing else of the case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.models.case import CaseState
from app.models.errors import DomainError
from app.models.identity import mask_id_number
from app.models.vocab import STATUSES
from app.models.workflow import fitting_notices

DOCUMENT_KIND = "document"


@dataclass(frozen=True)
class PaperKind:
    """One kind of paper: its name, the word in its number, the notice (告知) it carries, and when it may be made."""

    name: str
    word: str  # 白塔镇<word>〔2026〕第12号
    notice: str  # the 告知 it is (app.models.vocab.NOTICES), "" for a paper that is not a notice to the petitioner
    fits: Callable[[CaseState], bool]
    wanting: str  # why not, when it does not fit


def _last_note(state: CaseState, *kinds: str) -> str:
    return next((s.note for s in reversed(state.steps) if s.kind in kinds), "")


def _notice_fits(notice: str) -> Callable[[CaseState], bool]:
    return lambda state: notice in fitting_notices(state)


PAPER_KINDS: dict[str, PaperKind] = {k.name: k for k in (
    PaperKind("信访事项登记表", "信登", "", lambda s: True, ""),
    PaperKind("受理告知书", "信受", "受理", _notice_fits("受理"), "尚未受理"),
    PaperKind("不予受理告知书", "信不受", "不予受理", _notice_fits("不予受理"), "未作出不予受理决定"),
    PaperKind("不再受理告知书", "信不再", "不再受理", _notice_fits("不再受理"), "未作出不再受理决定"),
    PaperKind("转送/交办单", "信转", "", lambda s: bool(s.dispatched_at), "尚未转送或交办"),
    PaperKind("延期告知书", "信延", "延期", _notice_fits("延期"), "未延长办理期限"),
    PaperKind("处理意见书", "信处", "", lambda s: bool(_last_note(s, "feedback")), "尚未答复反馈（处理意见）"),
    PaperKind("复查意见书", "信复查", "", lambda s: bool(_last_note(s, "answer_review")), "尚未作出复查答复"),
    PaperKind("复核意见书", "信复核", "", lambda s: bool(_last_note(s, "answer_re_review")), "尚未作出复核答复"),
    PaperKind("听证通知书", "信听", "", lambda s: bool(s.review_requested_at) and s.review_round >= 1,
              "尚未申请复核"),
)}


def paper_kind(name: str) -> PaperKind:
    kind = PAPER_KINDS.get(name.strip())
    if kind is None:
        raise DomainError(f"文书种类须为：{'、'.join(PAPER_KINDS)}")
    return kind


def allowed_papers(state: CaseState) -> list[str]:
    """The papers the case may have now, in the order the menu offers them."""
    return [name for name, kind in PAPER_KINDS.items() if kind.fits(state)]


def check_paper(state: CaseState, name: str, way: str) -> PaperKind:
    """The paper kind, when the case may have it now; a notice needs its way (当面, 邮寄 …)."""
    kind = paper_kind(name)
    if not kind.fits(state):
        raise DomainError(f"案件 {state.case_id} {kind.wanting}（当前状态：{STATUSES[state.status]}），"
                          f"不能制作{kind.name}")
    if kind.notice and not way:
        raise DomainError(f"{kind.name}是对信访人的告知，请选择告知方式（当面、邮寄、短信、电话）")
    if not kind.notice and way:
        raise DomainError(f"{kind.name}不是告知书，不需要告知方式")
    return kind


def document_number(station_name: str, kind: PaperKind, year: int, seq: int) -> str:
    """白塔镇信受〔2026〕第12号: the office's short name (without 信访办 and the like), the kind's word, the year."""
    short = re.sub(r"(信访办公室|信访办|信访局|信访科)$", "", station_name) or station_name
    return f"{short}{kind.word}〔{year}〕第{seq}号"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _day_text(stamp: str) -> str:
    return chinese_date(date.fromisoformat(stamp[:10])) if stamp else ""


def paper_values(state: CaseState, kind: PaperKind, number: str, office: str, day: date,
                 way: str, full_id: bool = False) -> dict[str, str]:
    """Every placeholder a template may use, and its value for this case and paper; the ID number masked (first 6
    and last 4) unless ``full_id``."""
    first = state.petitioners[0] if state.petitioners else None
    return {
        "文号": number,
        "文书名称": kind.name,
        "案件编号": state.case_id,
        "信访人": state.petitioner_names(),
        "身份证号": (first.id_number if full_id else mask_id_number(first.id_number)) if first else "",
        "联系电话": first.phone if first else "",
        "住址": first.address if first else "",
        "人数": str(state.head_count),
        "诉求": state.request_summary,
        "登记日期": _day_text(state.registered_at),
        "受理日期": _day_text(state.accepted_at),
        "事权单位": "、".join(state.dispatch_units) or state.authority_unit,
        "转送方式": "交办" if state.dispatch_mode == "assign" else "转送",
        "报告期限": _day_text(state.report_due),
        # The timeline's note of an extension leads with "延期30天：", which the paper says in its own words.
        "理由": re.sub(r"^延期\d+天：", "", _last_note(state, "decline", "no_longer_accept", "extend", "route_legal")),
        "延期天数": str(state.extension_days or ""),
        "处理意见": _last_note(state, "feedback"),
        "复查意见": _last_note(state, "answer_review"),
        "复核意见": _last_note(state, "answer_re_review"),
        "告知方式": way,
        "发文机关": office,
        "日期": chinese_date(day),
    }


PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
KNOWN_PLACEHOLDERS: frozenset[str] = frozenset(
    paper_values(CaseState(""), PAPER_KINDS["信访事项登记表"], "", "", date(2000, 1, 1), ""))


def unknown_placeholders(texts: list[str]) -> list[str]:
    """Placeholders in ``texts`` that no paper fills, in the order they appear."""
    found = [m.group(1) for text in texts for m in PLACEHOLDER.finditer(text)]
    return list(dict.fromkeys(name for name in found if name not in KNOWN_PLACEHOLDERS))


# A paragraph naming one of these is printed only when the paper has a value for it: a 转送 sets no 办结报告 due
# date, so the 转送/交办单's sentence asking for the report by {{报告期限}} belongs to a 交办 alone. The rule is
# kept by the placeholder, not by the wording, so a county may word that sentence as it likes.
PARAGRAPH_NEEDS: frozenset[str] = frozenset({"报告期限"})


def printed(text: str, values: dict[str, str]) -> bool:
    """Whether a template paragraph belongs on this paper (see PARAGRAPH_NEEDS)."""
    return all(values.get(m.group(1)) for m in PLACEHOLDER.finditer(text) if m.group(1) in PARAGRAPH_NEEDS)


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
