"""Correcting a case and changing the station's settings without the GUI: refusals in Chinese, nothing written
on refusal, nothing written when nothing changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.models.case import Petitioner
from app.models.deadlines import TimeLimits
from app.models.errors import DomainError
from app.ops.case_edit import draft_of, edit_case
from app.ops.desk import Desk
from app.ops.station_settings import save_settings
from tests.conftest import VALID_ID, make_draft


def test_a_refused_correction_writes_nothing(desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    draft = draft_of(desk.case(case_id))
    draft.village = "西岙村"
    draft.petitioners = [Petitioner("王小明", VALID_ID[:17] + "5")]
    before = len(desk.events(case_id))
    with pytest.raises(DomainError, match="第1名信访人（王小明）：身份证号校验位错误"):
        edit_case(desk, case_id, draft)
    assert len(desk.events(case_id)) == before
    assert desk.case(case_id).village == "东岙村"


def test_values_are_stored_as_registration_stores_them(desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    draft = draft_of(desk.case(case_id))
    draft.petitioners = [Petitioner(" 王小明 ", VALID_ID.lower(), "13800138000", "新河镇东岙村12号")]
    draft.village = " 东岙村 "
    assert edit_case(desk, case_id, draft) == [], "the same values, typed differently, are no change"


def test_a_domain_no_longer_in_the_list_may_stay(desk: Desk) -> None:
    case_id = desk.register_case(make_draft())
    desk.edit(case_id, "domain", "旧领域")  # e.g. from a station whose list differs
    draft = draft_of(desk.case(case_id))
    draft.village = "西岙村"
    assert [e.payload["field"] for e in edit_case(desk, case_id, draft)] == ["village"]
    draft.domain = "另一个旧领域"
    with pytest.raises(DomainError, match="不在本站的领域列表中"):
        edit_case(desk, case_id, draft)


def test_settings_are_checked_before_anything_is_written(desk: Desk) -> None:
    with pytest.raises(DomainError, match="“受理后办理答复”须在1至365天之间，现为0"):
        save_settings(desk, replace(desk.limits, handle_days=0))
    with pytest.raises(DomainError, match="调休上班日应为周六或周日：2026-10-08 周四"):
        save_settings(desk, replace(desk.limits, makeup_workdays=("2026-10-08",)))
    with pytest.raises(DomainError, match="2026-10-10 不能既是节假日又是调休上班日"):
        save_settings(desk, replace(desk.limits, holidays=("2026-10-10",), makeup_workdays=("2026-10-10",)))
    assert desk.limits == TimeLimits()


def test_settings_save_what_changed(desk: Desk) -> None:
    heard: list[frozenset[str]] = []
    desk.subscribe(lambda kinds, _ids: heard.append(kinds))
    assert save_settings(desk, desk.limits) == []
    assert heard == []
    limits = replace(desk.limits, local_feedback_days=7, holidays=("2026-10-02", "2026-10-01", "2026-10-01"))
    assert save_settings(desk, limits) == ["时限与节假日"]
    assert desk.limits.local_feedback_days == 7 and desk.limits.holidays == ("2026-10-01", "2026-10-02")


def test_the_domain_list_is_the_stations_own(desk: Desk) -> None:
    saved = save_settings(desk, desk.limits, [" 城乡建设 ", "生态环境", "", "生态环境", "其他", "交通运输"])
    assert saved == ["领域"]
    assert desk.domains == ("城乡建设", "生态环境", "交通运输", "其他")  # trimmed, once each, 其他 last
    case_id = desk.register_case(make_draft(domain="城乡建设"))
    assert desk.case(case_id).domain == "城乡建设"
    with pytest.raises(DomainError, match="领域“农业农村”不在本站的领域列表中"):
        desk.register_case(make_draft(domain="农业农村"))
    with pytest.raises(DomainError, match="领域名称不能超过20个字"):
        save_settings(desk, desk.limits, ["很" * 21])
    assert desk.domains == ("城乡建设", "生态环境", "交通运输", "其他")
