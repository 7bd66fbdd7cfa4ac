"""The case summary sheet, read back as a person's tools read it (poppler-utils and zbar-tools come with `make test`,
installer/debian-deps.sh, so nothing here is skipped): pdftotext for the words, pdffonts for the
embedded font, zbarimg on a rendered page for the QR code."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from app.cli.main import main
from app.models.case import Petitioner
from app.ops.desk import Desk
from app.reports.sheet import write_sheets
from app.reports.sheet_data import check_code, sheet_data
from tests.conftest import VALID_ID, FakeNow, make_draft

SECOND_ID = "33020319850715001X"


def pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1]


def squeeze(text: str) -> str:
    """Text without white space: pdftotext spaces CJK text by its own measure."""
    return "".join(text.split())


def limits_part(text: str) -> str:
    """The sheet's 办理时限 section (pdftotext lays a cell's lines out beside the row's other cells)."""
    return text[text.index("五、办理时限"):text.index("六、")]


def closed_case(desk: Desk, now: FakeNow) -> str:
    case_id = desk.register_case(make_draft(name="李秀英", id_number=SECOND_ID))
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    desk.record(case_id, "accept", {"note": "予以受理"})
    desk.record(case_id, "contact", {"note": "电话联系"})
    desk.handle(case_id, "现场查看并修复路面")
    desk.record(case_id, "feedback", {"reply": "道路已修复"})
    now.advance(days=2)
    desk.record(case_id, "follow_up", {"rating": "satisfied", "note": "电话回访，表示满意"})
    desk.record(case_id, "close", {"note": "已化解"})
    return case_id


def long_case(desk: Desk, now: FakeNow, measures: int = 45) -> str:
    case_id = desk.register_case(make_draft(backlog=True, leader="陈建平（副县长）"))
    desk.record(case_id, "dispatch", {"units": ["新河镇人民政府", "市农业农村局"]})
    desk.record(case_id, "accept", {"note": "予以受理"})
    desk.record(case_id, "contact", {"note": "上门走访"})
    desk.set_checklist(case_id, "fix_leader", True, "陈建平副县长包案")
    for i in range(measures):
        now.advance(hours=12)
        desk.handle(case_id, f"第{i + 1}次协调：召集村两委与施工方现场会商，明确修复方案、资金来源和完成时间。")
    return case_id


def test_sheet_shows_case_name_and_masked_id(desk: Desk, tmp_path: Path) -> None:
    case_id = desk.register_case(make_draft())
    out = tmp_path / "sheet.pdf"
    assert write_sheets(out, [sheet_data(desk, case_id)]) == 1
    [page] = pages_text(out)
    assert case_id in page and "王小明" in page and "新河镇信访办" in page
    assert "110105********002X" in page
    assert VALID_ID not in page
    assert "第1页共1页" in squeeze(page)
    for label in ("经办人（签字）", "包案领导（签字）", "信访人（签字）"):
        assert label in squeeze(page).replace("\u3000", "")


def test_full_id_only_when_asked(desk: Desk, tmp_path: Path) -> None:
    case_id = desk.register_case(make_draft())
    out = tmp_path / "full.pdf"
    code = main(["--data-dir", str(desk.data_dir), "print", case_id, "--out", str(out), "--full-id"])
    assert code == 0
    assert VALID_ID in pages_text(out)[0]


def test_font_is_embedded_and_not_stsong(desk: Desk, tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    write_sheets(out, [sheet_data(desk, desk.register_case(make_draft()))])
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(" yes " in line for line in rows), fonts  # every font embedded
    assert "WenQuanYiMicroHei" in fonts and "STSong" not in fonts


def test_qr_code_decodes_to_case_number_and_check_code(desk: Desk, tmp_path: Path) -> None:
    case_id = desk.register_case(make_draft())
    out = tmp_path / "sheet.pdf"
    write_sheets(out, [sheet_data(desk, case_id)])
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(out), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    scanned = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True,
                             check=True).stdout.strip()
    expected = check_code(desk.case(case_id).last_hash)
    assert scanned == f"{case_id} {expected}"
    assert f"校验码：{expected}" in pages_text(out)[0]


def test_long_timeline_breaks_cleanly_and_numbers_pages(desk: Desk, now: FakeNow, tmp_path: Path) -> None:
    case_id = long_case(desk, now)
    out = tmp_path / "long.pdf"
    write_sheets(out, [sheet_data(desk, case_id)])
    pages = pages_text(out)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页共{len(pages)}页" in squeeze(page)
        assert f"案件编号：{case_id}" in page  # the running header on every page
    later = [p for p in pages[1:] if "第45次协调" in p or "第30次协调" in p]
    assert later and all("办理步骤" in p and "情况说明" in p for p in later)  # header row repeated
    text = "".join(pages)
    assert all(f"第{i}次协调" in text for i in (1, 23, 45))  # no row lost at a break
    assert "四定四包（已落实1/8）" in squeeze(text)


def test_several_cases_in_one_pdf_each_numbered_on_its_own(desk: Desk, now: FakeNow, tmp_path: Path) -> None:
    first = long_case(desk, now, measures=30)
    second = desk.register_case(make_draft(name="赵德明", petitioners=[Petitioner("赵德明", SECOND_ID)]))
    out = tmp_path / "two.pdf"
    assert write_sheets(out, [sheet_data(desk, first), sheet_data(desk, second)]) == 2
    pages = [squeeze(p) for p in pages_text(out)]
    last = pages[-1]
    assert second in last and "赵德明" in last and "第1页共1页" in last
    first_pages = [p for p in pages if f"案件编号：{first}" in p]
    assert len(first_pages) == len(pages) - 1 >= 2
    assert all(f"第{i}页共{len(first_pages)}页" in p for i, p in enumerate(first_pages, start=1))


def test_print_all_open_leaves_out_finished_cases(desk: Desk, now: FakeNow, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    open_id = desk.register_case(make_draft())
    closed_id = closed_case(desk, now)
    out = tmp_path / "open.pdf"
    assert main(["--data-dir", str(desk.data_dir), "print", "--all-open", "--out", str(out)]) == 0
    text = "".join(pages_text(out))
    assert open_id in text and closed_id not in text
    assert "1/1" in capsys.readouterr().err  # progress on stderr


def test_follow_up_and_closed_case(desk: Desk, now: FakeNow, tmp_path: Path) -> None:
    case_id = closed_case(desk, now)
    out = tmp_path / "closed.pdf"
    write_sheets(out, [sheet_data(desk, case_id)])
    text = squeeze("".join(pages_text(out)))
    assert "满意；电话回访，表示满意" in text
    assert "已办结" in text and "已结束，不督办" in text
    closed_on = desk.case(case_id).closed_at[:10]
    assert limits_part(text) == f"五、办理时限已办结时限情况{closed_on}延期天数未延期复查复核无不再计时"
    assert "起算日期" not in text  # no row of dashes for a finished case
    assert "330203********001X" in text and SECOND_ID not in text


def test_a_declined_case_shows_the_day_of_the_decision(desk: Desk, now: FakeNow, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """不予受理 is no conclusion (no closed_at: the figures leave it out), yet the sheet and ``show`` say when it
    was decided, not “—”."""
    case_id = desk.register_case(make_draft())
    now.advance(days=1)
    desk.record(case_id, "decline", {"reason": "已在诉讼程序中"})
    decided = now().date().isoformat()
    now.advance(days=1)
    desk.record(case_id, "notify", {"notice": "不予受理", "way": "邮寄"})  # no limit runs any more
    assert desk.case(case_id).closed_at == ""
    out = tmp_path / "declined.pdf"
    write_sheets(out, [sheet_data(desk, case_id)])
    assert f"已不予受理时限情况{decided}延期天数" in limits_part(squeeze("".join(pages_text(out))))
    assert main(["--data-dir", str(desk.data_dir), "show", case_id]) == 0
    assert f"  已不予受理，{decided}\n" in capsys.readouterr().out


def test_unknown_case_is_refused_and_no_file_written(desk: Desk, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "none.pdf"
    assert main(["--data-dir", str(desk.data_dir), "print", "TZ01-2026-99999", "--out", str(out)]) == 1
    assert "找不到案件" in capsys.readouterr().err
    assert not out.exists()


def test_check_sheet_tells_current_from_outdated_printout(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    case_id = desk.register_case(make_draft())
    printed = sheet_data(desk, case_id).qr
    assert main(["--data-dir", str(desk.data_dir), "check-sheet", printed]) == 0
    said = capsys.readouterr().out
    assert "与当前记录一致" in said
    assert re.search(r"最后一项记录：2026-03-02 09:00 登记", said), said  # a time as people write it
    desk.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
    assert main(["--data-dir", str(desk.data_dir), "check-sheet", *printed.split()]) == 1
    assert "此后又有 1 项变更（派发）" in capsys.readouterr().out
    assert main(["--data-dir", str(desk.data_dir), "check-sheet", case_id, "00000000"]) == 1
    assert "都不符" in capsys.readouterr().out


def numbered(label: str, sentence: str, count: int) -> str:
    """A long text whose every part is distinct, ending in a marker: 第1句…第N句…（完）."""
    return "".join(f"{label}第{i}句：{sentence}" for i in range(1, count + 1)) + f"{label}全文完。"


def raw_text(pdf: Path) -> str:
    """The PDF's text in drawing order, squeezed, without what every page repeats (the running header and footer,
    the handling chain's header row), so a cell that runs over a page break reads on as one text."""
    text = squeeze(subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout)
    text = re.sub(r"新河镇信访办案件编号：[-A-Z0-9]+|打印日期：[-0-9]+校验码：[0-9A-F]+|第\d+页共\d+页", "", text)
    return text.replace("序号办理步骤日期办理单位经办人情况说明", "")


def test_very_long_texts_flow_over_pages(desk: Desk, now: FakeNow, tmp_path: Path) -> None:
    """A request of ~3,000 characters, a handling note of ~1,400 and a long follow-up note each run over a page
    break inside their table cell; nothing is lost, and every page is numbered of the right total."""
    request = numbered("诉求", "东岙村道路破损多年，雨天积水，村民出行困难，要求尽快修复。", 110)
    note = numbered("措施", "召集村两委与施工方现场会商，明确修复方案。", 60)
    follow = numbered("回访", "电话回访信访人，表示基本满意，希望加快进度。", 70)
    assert len(request) > 3000 and len(note) > 1400
    case_id = desk.register_case(make_draft(request_summary=request))
    for kind, payload in (("dispatch", {"units": ["镇农业农村办"]}), ("accept", {}), ("contact", {"note": "电话"})):
        desk.record(case_id, kind, payload)
    desk.handle(case_id, note)
    desk.record(case_id, "feedback", {"reply": "已答复"})
    desk.record(case_id, "follow_up", {"rating": "satisfied", "note": follow})
    out = tmp_path / "long-texts.pdf"
    assert main(["--data-dir", str(desk.data_dir), "print", case_id, "--out", str(out)]) == 0
    pages = pages_text(out)
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页共{len(pages)}页" in squeeze(page)
    text = raw_text(out)
    for whole in (request, note, follow):
        assert whole in text  # every character, in order, across the page breaks
    for page in pages:  # a wrapped line never starts with a comma or a full stop
        starts = [line.split()[-1] for line in page.splitlines() if line.strip()]
        assert not [line for line in starts if line[0] in "，。；、"], starts
    assert text.index("经办人（签字）") > text.index("回访全文完")  # the signatures still come last


def one_page(pdf: Path) -> str:
    pages = pages_text(pdf)
    assert len(pages) == 1, f"{len(pages)} pages"
    return squeeze(pages[0])


def test_short_cases_fit_one_page_with_their_signatures(desk: Desk, now: FakeNow, tmp_path: Path) -> None:
    """A new backlog case (the 四定四包 table in full) and a closed seven-step case with it: one A4 page each."""
    fresh = desk.register_case(make_draft(name="赵德明", backlog=True, leader="陈建平（副县长）"))
    closed = closed_case(desk, now)
    desk.set_backlog(closed, True)
    for name, case_id in (("fresh", fresh), ("closed", closed)):
        write_sheets(tmp_path / f"{name}.pdf", [sheet_data(desk, case_id)])
        page = one_page(tmp_path / f"{name}.pdf").replace("\u3000", "")
        assert "四定四包（已落实0/8）" in page and "包化解" in page
        assert "第1页共1页" in page and "信访人（签字）" in page and "七、回访评价" in page


def test_signatures_go_over_with_the_follow_up(desk: Desk, now: FakeNow, tmp_path: Path) -> None:
    """When a sheet runs over, the signature block is never alone on its page: the follow-up goes with it."""
    case_id = long_case(desk, now, measures=24)
    out = tmp_path / "over.pdf"
    write_sheets(out, [sheet_data(desk, case_id)])
    pages = [squeeze(p) for p in pages_text(out)]
    assert len(pages) >= 2
    [signed] = [p for p in pages if "签字确认" in p]
    assert "七、回访评价" in signed and "评价结果" in signed


def test_steps_name_the_unit_that_acted_and_synced_stations_by_name(tmp_path: Path, now: FakeNow) -> None:
    """办理单位: the unit a step names (派发, 受理…), else the station that recorded it — by its name, also
    when the step came from another station by sync."""
    from tests.sync_helpers import send, station_tree

    with station_tree(tmp_path, now, ("331000", "331002", "331002001")) as desks:
        town, county = desks["331002001"], desks["331002"]
        case_id = town.register_case(make_draft())
        town.record(case_id, "dispatch", {"units": ["镇农业农村办"]})
        town.record(case_id, "accept", {"unit": "镇农业农村办", "note": "予以受理"})
        town.record(case_id, "contact", {"note": "电话联系"})
        send(town, county, tmp_path / "up.bundle")
        rows = {r.label: r.unit for r in sheet_data(county, case_id).steps}
    assert rows == {"登记": "新河镇信访办", "派发": "镇农业农村办", "受理": "镇农业农村办",
                    "联系信访人": "新河镇信访办"}


def test_the_latest_follow_up_is_shown_after_review_and_re_review(desk: Desk, now: FakeNow, tmp_path: Path) -> None:
    """Visited twice and dissatisfied twice, then 复核 asked for: the sheet says so, not 尚未回访."""
    case_id = closed_case(desk, now)
    desk.record(case_id, "request_review", {"note": "对处理结果不服"})
    desk.record(case_id, "answer_review", {"reply": "维持原处理意见"})
    now.advance(days=1)
    desk.record(case_id, "follow_up", {"rating": "dissatisfied", "note": "第二次回访，仍不满意"})
    desk.record(case_id, "request_re_review", {"note": "申请复核"})
    assert desk.case(case_id).rating == ""  # the case itself waits for the next visit
    out = tmp_path / "reviewed.pdf"
    write_sheets(out, [sheet_data(desk, case_id)])
    text = squeeze("".join(pages_text(out)))
    section = text[text.index("七、回访评价"):]
    assert "尚未回访" not in section
    assert "不满意" in section and "第二次回访，仍不满意" in section and now().date().isoformat() in section
