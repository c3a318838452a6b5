"""Phone numbers: the forms a Russian office types, E.164 storage and display."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kompas_cc.core import phone as phone_module
from kompas_cc.core.phone import (
    MSG_BAD_LENGTH,
    MSG_COUNTRY_CODE,
    MSG_EMPTY,
    MSG_EXTENSION,
    MSG_INVALID,
    MSG_LETTERS,
    MSG_LOCAL_ONLY,
    MSG_NOT_A_NUMBER,
    MSG_TOO_LONG,
    MSG_TOO_SHORT,
    InvalidPhone,
    format_phone,
    normalize_phone,
    phone_search_key,
    try_normalize_phone,
)

# Full-width digits, as typed with an East Asian input method.
_FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + i) for i in range(10)))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 (495) 123-45-67", "+74951234567"),
        ("+7 495 1234567", "+74951234567"),
        ("84951234567", "+74951234567"),
        ("74951234567", "+74951234567"),
        ("495 123-45-67", "+74951234567"),
        ("  8 (495) 123-45-67  ", "+74951234567"),
        ("+7 (916) 123-45-67", "+79161234567"),
        ("9161234567", "+79161234567"),
        ("8-800-555-35-35", "+78005553535"),
        ("8 (8552) 12-34-56", "+78552123456"),
        ("+1 650 253 0000", "+16502530000"),
        ("8 10 1 650 253 0000", "+16502530000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+7 700 123 4567", "+77001234567"),
        ("8 (495) 123-45-67".translate(_FULLWIDTH), "+74951234567"),
    ],
)
def test_normalize_phone_returns_e164_for_office_forms(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


def test_normalize_phone_uses_region_for_numbers_without_plus() -> None:
    assert normalize_phone("(650) 253-0000", region="US") == "+16502530000"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", MSG_EMPTY),
        ("   ", MSG_EMPTY),
        ("abc", MSG_LETTERS),
        ("+7 495 CALL-NOW", MSG_LETTERS),
        ("+7 495 1234567 ext", MSG_LETTERS),
        ("8 (495) 123-45-67 (Иван)", MSG_LETTERS),
        ("8 495 123-45-67 доб. 123", MSG_EXTENSION),
        ("+7 495 123 45 67 ext 12", MSG_EXTENSION),
        ("+7 495 123 45 67 #12", MSG_EXTENSION),
        ("-", MSG_NOT_A_NUMBER),
        ("8 (495) 123-45-67; 8 (495) 765-43-21", MSG_NOT_A_NUMBER),
        ("+7 (495) 123", MSG_TOO_SHORT),
        ("+7495123456789012345678", MSG_TOO_LONG),
        ("+7 495 123 45 67 89", MSG_BAD_LENGTH),
        ("123-45-67", MSG_LOCAL_ONLY),
        ("+999 123 4567", MSG_COUNTRY_CODE),
        ("+7 000 000 00 00", MSG_INVALID),
        ("8 495 123 45 6", MSG_INVALID),
    ],
)
def test_normalize_phone_raises_with_message_for_unusable_input(raw: str, message: str) -> None:
    with pytest.raises(InvalidPhone) as excinfo:
        normalize_phone(raw)
    assert excinfo.value.message == message
    assert str(excinfo.value) == message


def test_invalid_phone_is_value_error_when_caught_generically() -> None:
    with pytest.raises(ValueError, match=MSG_EMPTY):
        normalize_phone("")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 (495) 123-45-67", "+74951234567"),
        ("garbage", None),
        ("", None),
        ("8 495 123-45-67 доб. 123", None),
    ],
)
def test_try_normalize_phone_returns_none_when_input_is_unusable(
    raw: str, expected: str | None
) -> None:
    assert try_normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("+74951234567", "+7 (495) 123-45-67"),
        ("+79161234567", "+7 (916) 123-45-67"),
        ("+78005553535", "+7 (800) 555-35-35"),
        ("+78552123456", "+7 (855) 212-34-56"),
        ("84951234567", "+7 (495) 123-45-67"),
        ("+16502530000", "+1 650-253-0000"),
        ("+442079460958", "+44 20 7946 0958"),
        ("+77001234567", "+7 700 123 4567"),
    ],
)
def test_format_phone_returns_office_display_form(stored: str, expected: str) -> None:
    assert format_phone(stored) == expected


def test_format_phone_raises_when_value_is_not_a_number() -> None:
    with pytest.raises(InvalidPhone):
        format_phone("not a phone")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("45-67", "4567"),
        ("+7 (495) 123-45-67", "74951234567"),
        ("a1b2c3", "123"),
        ("456".translate(_FULLWIDTH), "456"),
        ("123", "123"),
        ("12", None),
        ("", None),
        ("abc", None),
    ],
)
def test_phone_search_key_returns_digits_when_at_least_three(
    raw: str, expected: str | None
) -> None:
    assert phone_search_key(raw) == expected


_RU_MOBILE = st.from_regex(r"9[0-9]{9}", fullmatch=True)


@given(national=_RU_MOBILE)
def test_normalize_phone_agrees_across_office_forms_for_any_ru_mobile(national: str) -> None:
    e164 = try_normalize_phone("+7" + national)
    if e164 is None:  # an unassigned range: nothing to compare
        return
    pretty = f"8 ({national[:3]}) {national[3:6]}-{national[6:8]}-{national[8:]}"
    for form in ("8" + national, "7" + national, national, pretty):
        assert normalize_phone(form) == e164


@given(national=_RU_MOBILE)
def test_normalize_phone_roundtrips_when_input_is_its_own_display_form(national: str) -> None:
    e164 = try_normalize_phone("+7" + national)
    if e164 is None:
        return
    assert normalize_phone(e164) == e164
    assert normalize_phone(format_phone(e164)) == e164


def _parsed_e164(raw: str) -> str | None:
    try:
        number = phone_module._parse(raw, "RU")
    except InvalidPhone:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=3000)
@given(
    prefix=st.sampled_from(["", "+", "7", "8", "+7", "+8", " "]),
    digits=st.text(alphabet="0123456789", min_size=9, max_size=11),
)
def test_digit_only_numbers_read_without_the_parser_read_as_with_it(
    prefix: str, digits: str
) -> None:
    raw = prefix + digits
    plain = phone_module._plain_russian(raw)
    if plain is not None and phonenumbers.is_valid_number(plain):
        assert f"+7{plain.national_number}" == _parsed_e164(raw)
    assert try_normalize_phone(raw) == _parsed_e164(raw)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("79161234567", "+79161234567"),
        ("89161234567", "+79161234567"),
        ("+79161234567", "+79161234567"),
        ("9161234567", "+79161234567"),
        ("84951234567", "+74951234567"),
    ],
)
def test_the_forms_exchanges_send_take_the_short_path(raw: str, e164: str) -> None:
    plain = phone_module._plain_russian(raw)

    assert plain is not None
    assert phonenumbers.is_valid_number(plain)
    assert try_normalize_phone(raw) == e164
