"""每日一报 and 周报 on hand-made cases: every number in the workbook equals a count made here by hand.

The week is Monday 2026-03-02 to the report day, Wednesday 2026-03-04. The cases (R registered, D dispatched,
A accepted, C closed):

A  农业农村 新河镇  R 02-20  D 02-21  A 03-03                         open, handling
B  生态环境 横街镇  R 03-02  D/A 03-02 … C 03-04                      closed in the week
C  教育     新河镇  R 03-04                                           new, open, green
D  劳动保障 新河镇  R 02-01  never dispatched (route limit 02-16)     overdue 16 days
E  农业农村 横街镇  R 02-10  backlog (route limit 02-25)              overdue 7 days, red
F  其他     新河镇  R 03-05                                           after the report day: not counted
G  教育     横街镇  R 02-25  D 02-26  declined 03-03                  declined in the week
H  其他     新河镇  R 03-03                                           new, open
I  生态环境 新河镇  R 02-25  D 02-25  A 02-26 … C 03-06               open on 03-04 though closed now
J  教育     新河镇  R 02-01 … C 02-15                                 closed before the week: in nothing
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from app.cli.main import main
from app.ops.desk import Desk
from app.reports.figures import compute_figures, format_rate
from app.reports.periodic import build_report, period_of
from tests.conftest import FakeNow, make_draft
from tests.office import needs_libreoffice, read_sheet_via_libreoffice

PLACES = {"A": ("农业农村", "新河镇"), "B": ("生态环境", "横街镇"), "C": ("教育", "新河镇"),
          "D": ("劳动保障", "新河镇"), "E": ("农业农村", "横街镇"), "F": ("其他", "新河镇"),
          "G": ("教育", "横街镇"), "H": ("其他", "新河镇"), "I": ("生态环境", "新河镇"), "J": ("教育", "新河镇")}
# What each case counts as in the week to 03-04 and on the day 03-03, written out by hand from the table above.
WEEK = {"new": "BCH", "accepted": "AB", "closed": "B", "terminated": "", "declined": "G", "open": "ACDEHI",
        "overdue": "DE", "overdue_open": "DE", "overdue_finished": "", "red": "DE", "yellow": "", "green": "ACHI",
        "backlog": "E"}
DAY_0303 = {"new": "H", "accepted": "A", "closed": "", "terminated": "", "declined": "G", "open": "ABDEHI",
            "overdue": "DE", "overdue_open": "DE", "overdue_finished": "", "red": "DE", "yellow": "", "green": "ABHI",
            "backlog": "E"}
CLOSE_CHAIN = ["dispatch", "accept", "contact", "handle", "feedback", "follow_up", "close"]


def t(day: str) -> datetime:
    return datetime.fromisoformat(f"2026-{day}T10:00:00")


def steps(desk: Desk, case_id: str, kinds: list[str], days: list[str]) -> None:
    payloads: dict[str, dict[str, Any]] = {
        "dispatch": {"units": ["镇信访办"]}, "accept": {}, "contact": {"note": "电话联系"},
        "handle": {"note": "现场处理"}, "feedback": {"reply": "已答复"}, "follow_up": {"rating": "satisfied"},
        "close": {"note": "办结"}, "decline": {"reason": "不属受理范围"}}
    for kind, day in zip(kinds, days, strict=True):
        desk.record(case_id, kind, payloads[kind], at=t(day))


@pytest.fixture
def cases(desk: Desk, now: FakeNow) -> dict[str, str]:
    now.advance(days=8)  # today 2026-03-10: everything below is back-dated
    ids: dict[str, str] = {}
    registered = {"A": "02-20", "B": "03-02", "C": "03-04", "D": "02-01", "E": "02-10", "F": "03-05", "G": "02-25",
                  "H": "03-03", "I": "02-25", "J": "02-01"}
    for key in sorted(registered, key=lambda k: registered[k]):
        domain, township = PLACES[key]
        draft = make_draft(name=f"信访人{key}", domain=domain, township=township, backlog=key == "E",
                           leader="陈建平" if key == "E" else "")
        ids[key] = desk.register_case(draft, at=t(registered[key]))
    steps(desk, ids["A"], ["dispatch", "accept"], ["02-21", "03-03"])
    steps(desk, ids["B"], CLOSE_CHAIN, ["03-02", "03-02", "03-02", "03-03", "03-03", "03-03", "03-04"])
    steps(desk, ids["G"], ["dispatch", "decline"], ["02-26", "03-03"])
    steps(desk, ids["I"], CLOSE_CHAIN, ["02-25", "02-26", "02-27", "03-01", "03-05", "03-05", "03-06"])
    steps(desk, ids["J"], CLOSE_CHAIN, ["02-02", "02-03", "02-04", "02-05", "02-10", "02-12", "02-15"])
    return ids


def expected(table: dict[str, str], by: int | None = None) -> dict[str, Counter[str]]:
    """Counts per group (0: domain, 1: township), or the totals under the key ''."""
    result: dict[str, Counter[str]] = {}
    for key, members in table.items():
        for case in members:
            group = "" if by is None else PLACES[case][by]
            result.setdefault(group, Counter())[key] += 1
    return result


def test_period_of() -> None:
    assert period_of("daily", date(2026, 3, 4)) == (date(2026, 3, 4), date(2026, 3, 4))
    assert period_of("weekly", date(2026, 3, 4)) == (date(2026, 3, 2), date(2026, 3, 4))
    assert period_of("weekly", date(2026, 3, 8)) == (date(2026, 3, 2), date(2026, 3, 8))


@pytest.mark.parametrize(("kind", "day", "table"), [("weekly", date(2026, 3, 4), WEEK),
                                                    ("daily", date(2026, 3, 3), DAY_0303)])
def test_counts_equal_hand_counts(desk: Desk, cases: dict[str, str], kind: str, day: date,
                                  table: dict[str, str]) -> None:
    report = build_report(desk.conn, kind, day, desk.limits)
    assert dict(report.total) == {k: v for k, v in expected(table)[""].items() if v}
    assert {d: dict(c) for d, c in report.by_domain.items()} == {d: dict(c) for d, c in expected(table, 0).items()}
    assert {t_: dict(c) for t_, c in report.by_township.items()} == {
        t_: dict(c) for t_, c in expected(table, 1).items()}
    assert [c.state.case_id for c in report.overdue] == [cases["D"], cases["E"]]  # longest overdue first
    assert [c.overdue_days(day) for c in report.overdue] == [(day - date(2026, 2, 16)).days,
                                                             (day - date(2026, 2, 25)).days]


def test_today_stock_matches_the_case_list(desk: Desk, cases: dict[str, str]) -> None:
    """As at today the folded stocks equal what the list's projection says."""
    report = build_report(desk.conn, "daily", desk.today(), desk.limits)
    open_now = desk.conn.execute("SELECT count(*) FROM cases WHERE finished = 0").fetchone()[0]
    overdue_now = desk.conn.execute("SELECT count(*) FROM cases WHERE finished = 0 AND deadline < ?",
                                    (desk.today().isoformat(),)).fetchone()[0]
    assert report.total["open"] == open_now == 6  # A C D E F H
    assert report.total["overdue_open"] == overdue_now


def test_workbook_written_by_the_command(desk: Desk, cases: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "周报.xlsx"
    assert main(["--data-dir", str(desk.data_dir), "report", "weekly", "--date", "2026-03-04", "--out", str(out)]) == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["概况", "按领域", "按乡镇", "各项指标", "超期案件"]
    summary = {r[0]: r[1] for r in wb["概况"].iter_rows(min_row=3, values_only=True)}
    labels = {"new": "新登记", "accepted": "受理", "closed": "办结", "declined": "不予受理", "open": "期末在办",
              "overdue": "超期", "overdue_open": "其中期末在办超期", "overdue_finished": "其中期内超期办结",
              "red": "红色督办", "green": "绿色", "backlog": "在办积案"}
    for key, label in labels.items():
        assert summary[label] == len(WEEK[key]), label
    assert summary["统计期间"] == "2026-03-02 至 2026-03-04"

    domain_rows = list(wb["按领域"].iter_rows(min_row=2, values_only=True))
    header, body = domain_rows[0], {r[0]: dict(zip(domain_rows[0], r, strict=True)) for r in domain_rows[1:]}
    assert header[:3] == ("领域", "新登记", "受理")
    by_domain = expected(WEEK, 0)
    for domain, counts in by_domain.items():
        assert body[domain]["新登记"] == counts["new"] and body[domain]["期末在办"] == counts["open"]
    assert body["合计"]["期末在办"] == 6

    late = list(wb["超期案件"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[8]) for r in late] == [(cases["D"], 16), (cases["E"], 7)]

    figures = list(wb["各项指标"].iter_rows(min_row=2, values_only=True))
    assert figures[0][:2] == ("范围", "登记件数")
    total = compute_figures(desk.conn, date_from=date(2026, 3, 2), date_to=date(2026, 3, 4), by=None,
                            today=date(2026, 3, 4))[0]
    assert figures[1][0] == "合计" and figures[1][1] == total["cases"] == 3
    townships = {r[0] for r in figures[2:] if r and r[0] in ("新河镇", "横街镇")}
    assert townships == {"新河镇", "横街镇"}


def test_future_report_day_is_refused(desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.xlsx"
    assert main(["--data-dir", str(desk.data_dir), "report", "daily", "--date", "2099-01-01", "--out", str(out)]) == 1
    assert "晚于今天" in capsys.readouterr().err and not out.exists()


def figure_cells(path: Path) -> dict[str, dict[str, Any]]:
    """各项指标 as {scope: {header: cell}}."""
    ws = load_workbook(path)["各项指标"]
    header = [c.value for c in ws[2]]
    rows: dict[str, dict[str, Any]] = {}
    for row in ws.iter_rows(min_row=3):
        if row[0].value in (None, "说明") or row[1].value is None:
            break
        rows[str(row[0].value)] = dict(zip(header, row, strict=False))
    return rows


def test_figures_are_numbers_with_formats(desk: Desk, cases: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "周报.xlsx"
    assert main(["--data-dir", str(desk.data_dir), "report", "weekly", "--date", "2026-03-04", "--out", str(out)]) == 0
    total = compute_figures(desk.conn, date_from=date(2026, 3, 2), date_to=date(2026, 3, 4), by=None,
                            today=date(2026, 3, 4))[0]
    cells = figure_cells(out)["合计"]
    rate = cells["一次性化解率"]
    assert total["one_time_resolution_rate"] is not None
    assert rate.data_type == "n" and rate.number_format == "0.00%"
    assert rate.value == pytest.approx(total["one_time_resolution_rate"])
    days = cells["平均办理时长（天）"]
    assert days.data_type == "n" and days.number_format == "0.0"
    assert days.value == pytest.approx(total["avg_handling_days"])
    empty = [c for c in figure_cells(out)["新河镇"].values() if c.value == "—"]
    assert empty and all(c.data_type == "s" for c in empty)  # nothing to divide: a dash, not a false 0
    notes = [r[1] for r in load_workbook(out)["各项指标"].iter_rows(values_only=True) if r[0] == "说明"]
    assert notes and "分母为0" in notes[0]
    assert load_workbook(out)["各项指标"].row_dimensions[2].height >= 30  # wrapped headers shown whole


@needs_libreoffice
@pytest.mark.parametrize("kind", ["daily", "weekly"])
def test_reports_open_in_libreoffice_with_the_numbers(desk: Desk, cases: dict[str, str], tmp_path: Path,
                                                      kind: str) -> None:
    """The workbook as Excel/WPS would show it: LibreOffice reads the counts and shows the rates as percentages."""
    day = date(2026, 3, 4)
    out = tmp_path / f"{kind}.xlsx"
    assert main(["--data-dir", str(desk.data_dir), "report", kind, "--date", day.isoformat(), "--out", str(out)]) == 0
    table = WEEK if kind == "weekly" else None
    summary = {r[0]: r[1] for r in read_sheet_via_libreoffice(out, 1, tmp_path / "lo1") if len(r) > 1}
    report = build_report(desk.conn, kind, day, desk.limits)
    assert summary["新登记"] == str(report.total["new"]) and summary["期末在办"] == str(report.total["open"])
    if table is not None:
        assert summary["新登记"] == str(len(table["new"])) and summary["超期"] == str(len(table["overdue"]))
    shown = {r[0]: r for r in read_sheet_via_libreoffice(out, 4, tmp_path / "lo4") if r}
    header = shown["范围"]
    first, last = period_of(kind, day)
    total = compute_figures(desk.conn, date_from=first, date_to=last, by=None, today=day)[0]
    for key, label in (("one_time_resolution_rate", "一次性化解率"), ("satisfaction_rate", "满意率")):
        assert shown["合计"][header.index(label)] == format_rate(total[key]), label


def test_overdue_counts_the_periods_cases_that_went_past_their_limit(desk: Desk, now: FakeNow,
                                                                      tmp_path: Path) -> None:
    """超期 = the cases concluded in the period that were not finished within their limit (按期办结率's rule) + the
    cases open at the period's end past their nearest limit. The week is 03-02 to 03-04; today is 03-10.

    K  R 2025-12-01  A 2025-12-05 (reply due 60 days on: 2026-02-03)  first reply 03-03, closed 03-04
       → concluded in the week, replied 28 days late: 超期办结
    L  R 02-20  A 02-22  reply 03-02, closed 03-03            → concluded in the week in time: not overdue
    M  R 2025-12-01  A 2025-12-05  reply 02-01 (in time), closed 03-03
       → in time: the written reply is what the limit asks for, though it was closed later
    N  R 02-01, never dispatched (routing due 02-16)          → open at the end, 16 days past: 在办超期
    O  R 2025-12-01  A 2025-12-05, told so 12-06, no reply by 03-04 (replied 03-06)
       → open at the end of the week, 29 days past 02-03: 在办超期
    Q  R 2025-11-01  A 2025-11-03 (due 2026-01-02)  reply 02-20, closed 02-25
       → late, but concluded before the week: not this week's
    超期 = K + N + O = 3 (of which 1 finished late, 2 open); counted as before, open cases only, it said 2."""
    now.advance(days=8)
    chain = ["dispatch", "accept", "contact", "handle", "feedback", "follow_up", "close"]
    plans = {
        "K": ("2025-12-01", chain, ["2025-12-02", "2025-12-05", "2025-12-06", "2025-12-08", "03-03", "03-03",
                                    "03-04"]),
        "L": ("02-20", chain, ["02-21", "02-22", "02-23", "02-24", "03-02", "03-02", "03-03"]),
        "M": ("2025-12-01", chain, ["2025-12-02", "2025-12-05", "2025-12-06", "2025-12-08", "02-01", "03-02",
                                    "03-03"]),
        "N": ("02-01", [], []),
        "O": ("2025-12-01", [*chain[:2], "notify", *chain[2:5]],
              ["2025-12-02", "2025-12-05", "2025-12-06", "2025-12-06", "2025-12-08", "03-06"]),
        "Q": ("2025-11-01", chain, ["2025-11-02", "2025-11-03", "2025-11-04", "2025-11-05", "02-20", "02-21",
                                    "02-25"]),
    }

    def when(day: str) -> datetime:
        return datetime.fromisoformat(f"{day if day.startswith('20') else '2026-' + day}T10:00:00")

    ids = {}
    for key, (registered, _kinds, _days) in sorted(plans.items(), key=lambda p: when(p[1][0])):
        ids[key] = desk.register_case(make_draft(name=f"信访人{key}", domain="农业农村", township="新河镇"),
                                      at=when(registered))
    for key, (_registered, kinds, days) in plans.items():
        payloads: dict[str, dict[str, Any]] = {
            "dispatch": {"units": ["镇信访办"]}, "accept": {}, "contact": {"note": "电话联系"},
            "handle": {"note": "现场处理"}, "feedback": {"reply": "已答复"}, "follow_up": {"rating": "satisfied"},
            "close": {"note": "办结"}, "notify": {"notice": "受理", "way": "邮寄", "document": "", "note": ""}}
        for kind, day in zip(kinds, days, strict=True):
            desk.record(ids[key], kind, payloads[kind], at=when(day))

    report = build_report(desk.conn, "weekly", date(2026, 3, 4), desk.limits)
    assert (report.total["overdue"], report.total["overdue_finished"], report.total["overdue_open"]) == (3, 1, 2)
    assert report.by_township["新河镇"]["overdue"] == 3
    listed = [(c.state.case_id, c.limit, c.due, c.overdue_days(date(2026, 3, 4)), c.situation())
              for c in report.overdue]
    assert listed == [(ids["O"], "办理答复", date(2026, 2, 3), 29, "期末仍在办"),
                      (ids["K"], "办理答复", date(2026, 2, 3), 28, "超期办结（2026-03-03 答复）"),
                      (ids["N"], "转送交办", date(2026, 2, 16), 16, "期末仍在办")]
    # The same rule as 按期办结率 of the week: concluded K, L, M; in time L, M.
    total = compute_figures(desk.conn, date_from=date(2026, 3, 2), date_to=date(2026, 3, 4), by=None,
                            today=date(2026, 3, 4))[0]
    assert (total["concluded"], total["finished_in_time"]) == (3, 2)
    assert report.total["overdue_finished"] == total["concluded"] - total["finished_in_time"]

    out = tmp_path / "周报.xlsx"
    assert main(["--data-dir", str(desk.data_dir), "report", "weekly", "--date", "2026-03-04", "--out", str(out)]) == 0
    summary = {r[0]: r[1:] for r in load_workbook(out)["概况"].iter_rows(min_row=3, values_only=True)}
    assert summary["超期"] == (3, "下两项之和")
    assert summary["其中期内超期办结"][0] == 1 and "按期办结率" in summary["其中期内超期办结"][1]
    assert summary["其中期末在办超期"][0] == 2
    late = list(load_workbook(out)["超期案件"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[8], r[9]) for r in late] == [(ids["O"], 29, "期末仍在办"),
                                                   (ids["K"], 28, "超期办结（2026-03-03 答复）"),
                                                   (ids["N"], 16, "期末仍在办")]
