"""Papers (文书): numbers per station, kind and year; a notice is its 告知 step; PDF and .docx read back; templates
a county edits, and every refusal with its message (nothing written, no number used)."""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from app.models.errors import DomainError
from app.models.papers import PAPER_KINDS, allowed_papers
from app.ops.desk import Desk
from app.ops.papers import make_paper
from app.reports.paper_templates import RESOURCES, TEMPLATE_FOLDER, build_default, file_name
from tests.conftest import FakeNow, make_draft, record_step
from tests.office import SOFFICE, convert
from tests.test_cli import register as cli_register
from tests.test_cli import run, station  # noqa: F401  (the CLI station fixture)


def pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages).replace(" ", "").replace("\n", "")


def docx_lines(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def accepted_case(desk: Desk) -> str:
    case_id = desk.register_case(make_draft())
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "accept", {})
    return case_id


def documents(desk: Desk, case_id: str) -> list[str]:
    return [e.payload["number"] for e in desk.events(case_id) if e.kind == "document"]


def test_notice_as_pdf_records_number_and_notify(desk: Desk, tmp_path: Path, now: FakeNow) -> None:
    case_id = accepted_case(desk)
    now.advance(days=3)
    paper = make_paper(desk, case_id, "受理告知书", tmp_path / "受理.pdf", way="邮寄", at=datetime(2026, 3, 4, 10))
    assert paper.number == "新河镇信受〔2026〕第1号"
    text = pdf_text(tmp_path / "受理.pdf")
    for expected in ("受理告知书", "新河镇信受〔2026〕第1号王小明：你（们）", "东岙村道路破损多年，要求修复",
                     "2026年3月2日予以受理", "新河镇信访办", "2026年3月4日"):
        assert expected in text
    assert "{{" not in text
    notice = desk.case(case_id).notices[-1]
    assert notice == {"notice": "受理", "way": "邮寄", "document": "新河镇信受〔2026〕第1号",
                      "at": "2026-03-04T10:00:00"}
    assert documents(desk, case_id) == ["新河镇信受〔2026〕第1号"]
    assert desk.case(case_id).notified_decision


def test_numbers_run_per_kind_and_year_and_are_never_reused(desk: Desk, tmp_path: Path, now: FakeNow) -> None:
    first, second = accepted_case(desk), accepted_case(desk)
    made = [make_paper(desk, first, "受理告知书", tmp_path / "1.pdf", way="当面").number,
            make_paper(desk, second, "受理告知书", tmp_path / "2.docx", way="短信").number,
            make_paper(desk, first, "信访事项登记表", tmp_path / "3.pdf").number,
            make_paper(desk, first, "受理告知书", tmp_path / "4.pdf", way="电话").number]
    assert made == ["新河镇信受〔2026〕第1号", "新河镇信受〔2026〕第2号", "新河镇信登〔2026〕第1号",
                    "新河镇信受〔2026〕第3号"]
    now.current = datetime(2027, 1, 4, 9)
    assert make_paper(desk, second, "信访事项登记表", tmp_path / "5.pdf").number == "新河镇信登〔2027〕第1号"
    # A paper refused after its number was taken (the file cannot be written) gives the number back unused.
    (tmp_path / "folder.pdf").mkdir()
    with pytest.raises(DomainError, match="是一个文件夹"):
        make_paper(desk, first, "信访事项登记表", tmp_path / "folder.pdf")
    assert make_paper(desk, first, "信访事项登记表", tmp_path / "6.pdf").number == "新河镇信登〔2027〕第2号"


def test_the_next_number_reads_the_same_whatever_the_papers_before_it(desk: Desk, tmp_path: Path) -> None:
    """The next number is the last entry of the papers' number index for the station, kind and year: the work of
    finding it (SQLite's virtual machine steps) is the same after 3 papers of that kind and year as after 30."""
    from app.store import eventlog

    code = desk.require_station().code
    year = desk.now().year

    def steps_to_find_the_next() -> tuple[int, int]:
        counted = [0]

        def count() -> int:
            counted[0] += 1
            return 0

        desk.conn.set_progress_handler(count, 1)
        try:
            last = eventlog.last_document_seq(desk.conn, code, "受理告知书", year)
        finally:
            desk.conn.set_progress_handler(None, 1)
        return last, counted[0]

    case_id = accepted_case(desk)
    for n in range(30):
        make_paper(desk, case_id, "受理告知书", tmp_path / f"{n}.docx", way="当面")
        if n == 2:
            few = steps_to_find_the_next()
    many = steps_to_find_the_next()
    assert (few[0], many[0]) == (3, 30)
    assert many[1] == few[1], "finding the next number read more as the papers grew"
    plan = " ".join(str(row[-1]) for row in desk.conn.execute(
        "EXPLAIN QUERY PLAN SELECT max(CAST(json_extract(payload, '$.seq') AS INTEGER)) FROM events "
        "WHERE kind = 'document' AND origin = ? AND json_extract(payload, '$.paper') = ? "
        "AND json_extract(payload, '$.year') = ?", (code, "受理告知书", year)))
    assert "events_document_numbers" in plan


def test_docx_filled_from_template_and_opens_in_libreoffice(desk: Desk, tmp_path: Path) -> None:
    case_id = accepted_case(desk)
    make_paper(desk, case_id, "受理告知书", tmp_path / "受理.docx", way="当面")
    lines = docx_lines(tmp_path / "受理.docx")
    assert lines[:4] == ["新河镇信访办", "受理告知书", "新河镇信受〔2026〕第1号", "王小明："]
    assert lines[-2:] == ["新河镇信访办（盖章）", "2026年3月2日"]
    assert not any("{{" in line for line in lines)
    # The template was copied into the station's folder on first use, for the county to edit.
    assert (desk.data_dir / TEMPLATE_FOLDER / "受理告知书.docx").exists()
    if SOFFICE:
        converted = convert(tmp_path / "受理.docx", "pdf", tmp_path / "lo")
        assert "新河镇信受〔2026〕第1号" in pdf_text(converted)


def text_heights(path: Path) -> dict[str, float]:
    """Where each line of the PDF's first page stands (points from the bottom of the page)."""
    heights: dict[str, float] = {}

    def seen(text: str, cm: list[float], tm: list[float], font: object, size: object) -> None:
        if text.strip():
            heights.setdefault(text.strip(), tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

    PdfReader(str(path)).pages[0].extract_text(visitor_text=seen)
    return heights


@pytest.mark.parametrize("kind", ["不予受理告知书", "处理意见书", "转送/交办单"])
def test_notices_and_opinions_end_with_the_office_its_seal_and_the_date(desk: Desk, tmp_path: Path,
                                                                        kind: str) -> None:
    """As the real papers do: the office marked （盖章） and the date, with room above them for the round seal
    (about 28 mm) — in the PDF and in the .docx template."""
    case_id = desk.register_case(make_draft())
    if kind == "不予受理告知书":
        record_step(desk, case_id, "decline", {"reason": "已进入诉讼程序"})
    elif kind == "处理意见书":
        for step, payload in (("dispatch", {"units": ["镇农业农村办"]}), ("accept", {}), ("contact", {"note": "电话"}),
                              ("handle", {"note": "核查"}), ("feedback", {"reply": "已修复"})):
            record_step(desk, case_id, step, payload)
    else:
        record_step(desk, case_id, "dispatch", {"units": ["镇农业农村办"]})
    way = "邮寄" if kind.endswith("告知书") else ""
    make_paper(desk, case_id, kind, tmp_path / "p.pdf", way=way)
    make_paper(desk, case_id, kind, tmp_path / "p.docx", way=way)
    heights = text_heights(tmp_path / "p.pdf")
    assert "新河镇信访办（盖章）" in heights and "2026年3月2日" in heights
    body_end = min(y for text, y in heights.items() if y > heights["新河镇信访办（盖章）"])
    assert body_end - heights["新河镇信访办（盖章）"] >= 28 * 72 / 25.4  # the seal's room, in points
    paragraphs = [p for p in docx.Document(str(tmp_path / "p.docx")).paragraphs if p.text.strip()]
    office, day = paragraphs[-2:]
    assert (office.text, day.text) == ("新河镇信访办（盖章）", "2026年3月2日")
    assert office.paragraph_format.space_before.pt >= 80


def test_the_registration_form_is_signed_not_sealed(desk: Desk, tmp_path: Path) -> None:
    case_id = desk.register_case(make_draft())
    make_paper(desk, case_id, "信访事项登记表", tmp_path / "r.docx")
    assert docx_lines(tmp_path / "r.docx")[-3:] == ["登记人（签字）：", "新河镇信访办", "2026年3月2日"]


def test_edited_template_changes_the_wording(desk: Desk, tmp_path: Path) -> None:
    case_id = accepted_case(desk)
    folder = desk.data_dir / TEMPLATE_FOLDER
    folder.mkdir(parents=True)
    edited = docx.Document(str(RESOURCES / "受理告知书.docx"))
    paragraph = edited.add_paragraph()
    # Word splits a placeholder over runs after editing: the filler joins them.
    for piece in ("经办人联系电话：0576-1234，信访人：{{", "信访", "人}}"):
        paragraph.add_run(piece)
    edited.save(str(folder / "受理告知书.docx"))
    make_paper(desk, case_id, "受理告知书", tmp_path / "a.docx", way="当面")
    make_paper(desk, case_id, "受理告知书", tmp_path / "a.pdf", way="当面")
    assert docx_lines(tmp_path / "a.docx")[-1] == "经办人联系电话：0576-1234，信访人：王小明"
    assert "经办人联系电话：0576-1234，信访人：王小明" in pdf_text(tmp_path / "a.pdf")


def test_broken_or_unknown_template_is_refused_and_writes_nothing(desk: Desk, tmp_path: Path) -> None:
    case_id = accepted_case(desk)
    folder = desk.data_dir / TEMPLATE_FOLDER
    folder.mkdir(parents=True)
    (folder / "信访事项登记表.docx").write_bytes(b"PK\x03\x04 not really a docx")
    with pytest.raises(DomainError, match="文书模板 .*无法读取.*另存为 .docx.*未生成文书"):
        make_paper(desk, case_id, "信访事项登记表", tmp_path / "a.docx")
    unknown = docx.Document(str(RESOURCES / "受理告知书.docx"))
    unknown.add_paragraph("承办人：{{承办人}}")
    unknown.save(str(folder / "受理告知书.docx"))
    with pytest.raises(DomainError, match=r"未知的占位符：\{\{承办人\}\}"):
        make_paper(desk, case_id, "受理告知书", tmp_path / "b.pdf", way="当面")
    assert not (tmp_path / "a.docx").exists() and not (tmp_path / "b.pdf").exists()
    assert documents(desk, case_id) == [] and desk.case(case_id).notices == []
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part" or p.name.startswith(".")] == []


def test_refusals(desk: Desk, tmp_path: Path) -> None:
    case_id = desk.register_case(make_draft())
    refusals = [
        (("受理告知书", "a.pdf", "邮寄"), "尚未受理.*不能制作受理告知书"),
        (("不予受理告知书", "a.pdf", "邮寄"), "未作出不予受理决定"),
        (("延期告知书", "a.pdf", "邮寄"), "未延长办理期限"),
        (("复核意见书", "a.pdf", ""), "尚未作出复核答复"),
        (("信访事项登记表", "a.txt", ""), r"须以 \.pdf 或 \.docx 结尾"),
        (("信访事项登记表", "a.pdf", "飞鸽"), "告知方式须为"),
        (("信访事项登记表", "a.pdf", "当面"), "不是告知书，不需要告知方式"),
        (("通知书", "a.pdf", ""), "文书种类须为"),
    ]
    for (kind, name, way), message in refusals:
        with pytest.raises(DomainError, match=message):
            make_paper(desk, case_id, kind, tmp_path / name, way=way)
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "accept", {})
    with pytest.raises(DomainError, match="请选择告知方式"):
        make_paper(desk, case_id, "受理告知书", tmp_path / "a.pdf")
    with pytest.raises(DomainError, match="不能晚于现在"):
        make_paper(desk, case_id, "受理告知书", tmp_path / "a.pdf", way="当面", at=datetime(2030, 1, 1))
    with pytest.raises(DomainError, match="早于本件的收到"):
        make_paper(desk, case_id, "受理告知书", tmp_path / "a.pdf", way="当面", at=datetime(2026, 1, 1))
    assert list(tmp_path.glob("a.*")) == [] and documents(desk, case_id) == []


def test_allowed_papers_follow_the_case(desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    assert allowed_papers(desk.case(case_id)) == ["信访事项登记表"]
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "decline", {"reason": "属于民事纠纷，应通过诉讼解决"})
    assert allowed_papers(desk.case(case_id)) == ["信访事项登记表", "不予受理告知书", "转送/交办单"]


def test_every_kind_as_pdf_and_docx(desk: Desk, tmp_path: Path, now: FakeNow) -> None:
    """A case taken through reply, 复查 and 复核 with an extension has every paper; each reads back whole."""
    case_id = accepted_case(desk)
    record_step(desk, case_id, "extend", {"days": 30, "reason": "涉及多个部门，需要会商",
                                          "approved_because": "情况复杂"})
    desk.record(case_id, "contact", {"note": "电话联系信访人"})
    desk.handle(case_id, "现场查看，已列入年度修路计划")
    desk.record(case_id, "feedback", {"reply": "道路已列入2026年修复计划"})
    desk.record(case_id, "follow_up", {"rating": "dissatisfied"})
    desk.record(case_id, "request_review", {})
    desk.record(case_id, "answer_review", {"reply": "维持原处理意见"})
    desk.record(case_id, "request_re_review", {})
    desk.record(case_id, "answer_re_review", {"reply": "复核维持"})
    state = desk.case(case_id)
    expected = {"延期告知书": "因涉及多个部门，需要会商，经批准，办理期限延长30日",
                "处理意见书": "道路已列入2026年修复计划", "复查意见书": "维持原处理意见",
                "复核意见书": "复核维持", "转送/交办单": "镇农业农村办：", "信访事项登记表": "110105********002X"}
    kinds = [k for k in PAPER_KINDS if k in allowed_papers(state)]
    assert set(expected) <= set(kinds) and "听证通知书" in kinds
    for kind in kinds:
        way = "当面" if PAPER_KINDS[kind].notice else ""
        pdf, word = tmp_path / f"{file_name(kind)}.pdf", tmp_path / file_name(kind)
        number = make_paper(desk, case_id, kind, pdf, way=way).number
        text = pdf_text(pdf)
        assert kind.replace("/", "") in text.replace("/", "") and number in text and "{{" not in text
        assert expected.get(kind, "") in text
        make_paper(desk, case_id, kind, word, way=way)
        assert expected.get(kind, "") in "".join(docx_lines(word))


def test_shipped_templates_are_the_defaults(tmp_path: Path) -> None:
    """resources/papers holds what build_default makes (same paragraphs), so the two never drift apart."""
    for kind in PAPER_KINDS:
        build_default(kind, tmp_path / file_name(kind))
        assert docx_lines(tmp_path / file_name(kind)) == docx_lines(RESOURCES / file_name(kind))
        assert zipfile.is_zipfile(RESOURCES / file_name(kind))



def test_document_command(station: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert cli_register(capsys, station)[0] == 0
    case_id = "TZ01-" + run(capsys, station, "list")[1].split("TZ01-")[1][:10]
    code, _, err = run(capsys, station, "document", case_id, "--kind", "受理告知书", "--out", str(station / "a.pdf"),
                       "--way", "邮寄")
    assert code != 0 and "尚未受理" in err and not (station / "a.pdf").exists()
    run(capsys, station, "step", case_id, "dispatch", "--unit", "镇农业农村办")
    run(capsys, station, "step", case_id, "accept")
    code, out, err = run(capsys, station, "document", case_id, "--kind", "受理告知书", "--out",
                         str(station / "a.docx"), "--way", "邮寄")
    assert code == 0, err
    assert "已制作受理告知书 新河镇信受〔2026〕第1号，已记录受理告知（邮寄）" in out
    assert "新河镇信受〔2026〕第1号" in docx_lines(station / "a.docx")
    code, out, _ = run(capsys, station, "show", case_id)
    assert "受理告知（邮寄，文书新河镇信受〔2026〕第1号）" in out


def test_full_id_number_only_when_asked(desk: Desk, tmp_path: Path) -> None:
    case_id = desk.register_case(make_draft())
    make_paper(desk, case_id, "信访事项登记表", tmp_path / "masked.pdf")
    make_paper(desk, case_id, "信访事项登记表", tmp_path / "full.docx", full_id=True)
    assert "身份证号：110105********002X" in pdf_text(tmp_path / "masked.pdf")
    assert "身份证号：11010519491231002X" in docx_lines(tmp_path / "full.docx")
    assert [e.payload["full_id"] for e in desk.events(case_id) if e.kind == "document"] == [False, True]
    outputs = [e.payload for e in desk.events("") if e.kind == "output"]
    assert [(o["what"], o["file"], o["cases"], o["people"], o["full_id"]) for o in outputs] == [
        ("paper", "masked.pdf", 1, 1, False), ("paper", "full.docx", 1, 1, True)]


@pytest.mark.parametrize("suffix", [".pdf", ".docx"])
def test_report_due_sentence_only_on_an_assignment(desk: Desk, tmp_path: Path, now: FakeNow, suffix: str) -> None:
    """A 转送 has no 办结报告 due: its 转送/交办单 does not ask for one (no sentence with an empty date); a 交办
    asks for the report by its due date."""
    def paper_text(case_id: str) -> str:
        out = tmp_path / f"{case_id}{suffix}"
        make_paper(desk, case_id, "转送/交办单", out)
        return pdf_text(out) if suffix == ".pdf" else "".join(docx_lines(out))

    transfer = desk.register_case(make_draft())
    desk.record(transfer, "dispatch", {"units": ["镇农业农村办"], "mode": "transfer"})
    text = paper_text(transfer)
    assert "转送你单位" in text and "办结报告" not in text and "请于前" not in text
    assigned = desk.register_case(make_draft())
    due = (now().date() + timedelta(days=10))
    desk.record(assigned, "dispatch", {"units": ["镇农业农村办"], "mode": "assign", "due": due.isoformat()})
    text = paper_text(assigned)
    assert "交办你单位" in text
    assert f"交办事项请于{due.year}年{due.month}月{due.day}日前报送办结报告。" in text
