"""ID numbers (GB 11643) and phone numbers as the registration form checks them."""

from __future__ import annotations

import pytest

from app.models.errors import DomainError
from app.models.identity import (
    id_check_char,
    id_problem,
    mask_id_number,
    normalize_id_number,
    normalize_phone,
    phone_problem,
)

from .conftest import VALID_ID


def test_check_character_follows_the_standard_weights() -> None:
    # Worked example from GB 11643: 11010519491231002X
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("44052418800101001") == "4"


def test_valid_number_passes_and_lower_case_x_is_stored_upper_case() -> None:
    assert id_problem(VALID_ID) is None
    assert normalize_id_number(" 11010519491231002x ") == VALID_ID


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("110105194912310021", "校验位错误：应为X，实为1"),
        ("11010519491331002X", "出生日期19491331不存在"),
        ("1101051949123100", "应为18位，现为16位"),
        ("11010519491231002Y", "末位为数字或X"),
        ("11010518001231002X", "不合理"),
    ],
)
def test_wrong_numbers_are_refused_with_the_reason(raw: str, message: str) -> None:
    assert message in (id_problem(raw) or "")
    with pytest.raises(DomainError, match=message.split("：", maxsplit=1)[0]):
        normalize_id_number(raw)


def test_full_width_digits_from_an_input_method_are_stored_as_plain_digits() -> None:
    assert normalize_id_number("１１０１０５１９４９１２３１００２ｘ") == VALID_ID
    assert normalize_phone("１３８００１３８０００") == "13800138000"
    assert normalize_phone("０５７６－８８１２３４５６") == "0576-88123456"


def test_digits_of_other_scripts_are_not_digits_of_an_id_number() -> None:
    arabic_indic = "".join(chr(0x660 + int(c)) for c in VALID_ID[:17]) + "X"
    assert "前17位须为数字" in (id_problem(arabic_indic) or "")


@pytest.mark.parametrize("phone", ["13800138000", "0576-88123456", "057688123456", "010-12345678", "021 62345678",
                                   "0571-8812345"])
def test_mobile_and_landline_with_area_code_pass(phone: str) -> None:
    assert phone_problem(phone) is None


@pytest.mark.parametrize(("phone", "message"), [("1380013800", "手机号应为11位"), ("88123456", "带区号"),
                                                ("12800138000", "号段不正确"), ("00000000000", "带区号"),
                                                ("0101234567", "带区号"), ("010-1234567", "带区号")])
def test_bad_phones_are_refused(phone: str, message: str) -> None:
    assert message in (phone_problem(phone) or "")


def test_masking_keeps_first_six_and_last_four() -> None:
    assert mask_id_number(VALID_ID) == "110105********002X"
