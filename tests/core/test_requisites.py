"""Russian requisites: formats and control digits, anchored on real public values.

Valid values for property tests are built with the published algorithms, written here
independently of the module under test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kompas_cc.core.requisites import (
    EntityKind,
    InvalidRequisite,
    validate_account,
    validate_bik,
    validate_correspondent_account,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)

SBERBANK_INN = "7707083893"
SBERBANK_KPP = "773601001"
SBERBANK_OGRN = "1027700132195"
SBERBANK_BIK = "044525225"
SBERBANK_CORR_ACCOUNT = "30101810400000000225"
SBERBANK_SPB_BIK = "044030653"
SBERBANK_SPB_CORR_ACCOUNT = "30101810500000000653"
SBERBANK_CLIENT_ACCOUNT = "40817810156003706312"
INDIVIDUAL_INN = "500100732259"
OGRNIP = "304500116000157"

# Full-width digits, as typed with an East Asian input method.
_FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + i) for i in range(10)))


def _mod11(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def _legal_inn(first9: str) -> str:
    return first9 + _mod11(first9, (2, 4, 10, 3, 5, 9, 4, 6, 8))


def _individual_inn(first10: str) -> str:
    eleven = first10 + _mod11(first10, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return eleven + _mod11(eleven, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def _with_account_key(prefix: str, account: str) -> str:
    """Replace the key digit (the 9th) so that the Bank of Russia key holds."""
    for key in "0123456789":
        candidate = account[:8] + key + account[9:]
        digits = prefix + candidate
        if sum(int(d) * (7, 1, 3)[i % 3] for i, d in enumerate(digits)) % 10 == 0:
            return candidate
    raise AssertionError("unreachable: weight 3 is invertible modulo 10")


def _mutations(value: str) -> list[str]:
    return [
        value[:i] + digit + value[i + 1 :]
        for i in range(len(value))
        for digit in "0123456789"
        if digit != value[i]
    ]


def _assert_invalid(call: Callable[[], object], field: str, message: str) -> None:
    with pytest.raises(InvalidRequisite) as excinfo:
        call()
    assert excinfo.value.field == field
    assert excinfo.value.message == message
    assert str(excinfo.value) == message


# --- INN -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (SBERBANK_INN, SBERBANK_INN),
        ("7707 083 893", SBERBANK_INN),
        ("\t7707083893\n", SBERBANK_INN),
        (INDIVIDUAL_INN, INDIVIDUAL_INN),
        ("5001 0073 2259", INDIVIDUAL_INN),
    ],
)
def test_validate_inn_returns_cleaned_value_when_valid(raw: str, expected: str) -> None:
    assert validate_inn(raw) == expected


def test_validate_inn_accepts_matching_kind() -> None:
    assert validate_inn(SBERBANK_INN, kind="legal") == SBERBANK_INN
    assert validate_inn(INDIVIDUAL_INN, kind="individual") == INDIVIDUAL_INN


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("", None, "INN is empty"),
        ("   ", None, "INN is empty"),
        ("77070838A3", None, "INN must contain only digits"),
        ("7707-083-893", None, "INN must contain only digits"),
        (SBERBANK_INN.translate(_FULLWIDTH), None, "INN must contain only digits"),
        ("770708389", None, "INN must have 10 digits for a legal entity or 12 for an individual"),
        ("77070838931", None, "INN must have 10 digits for a legal entity or 12 for an individual"),
        (INDIVIDUAL_INN, "legal", "INN of a legal entity must have 10 digits"),
        (SBERBANK_INN, "individual", "INN of an individual must have 12 digits"),
        ("7707083894", None, "INN control digit does not match"),
        ("500100732258", None, "INN control digit does not match"),
        ("500100732269", None, "INN control digit does not match"),
    ],
)
def test_validate_inn_raises_with_message_when_invalid(
    raw: str, kind: EntityKind | None, message: str
) -> None:
    _assert_invalid(lambda: validate_inn(raw, kind=kind), "inn", message)


@pytest.mark.parametrize("valid", [SBERBANK_INN, INDIVIDUAL_INN])
def test_validate_inn_rejects_every_single_digit_change_of_real_inn(valid: str) -> None:
    for mutated in _mutations(valid):
        with pytest.raises(InvalidRequisite):
            validate_inn(mutated)


@given(first9=st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_validate_inn_accepts_any_legal_inn_built_with_the_algorithm(first9: str) -> None:
    inn = _legal_inn(first9)
    assert validate_inn(inn, kind="legal") == inn


@given(first10=st.from_regex(r"[0-9]{10}", fullmatch=True))
def test_validate_inn_accepts_any_individual_inn_built_with_the_algorithm(first10: str) -> None:
    inn = _individual_inn(first10)
    assert validate_inn(inn, kind="individual") == inn


@given(
    first9=st.from_regex(r"[0-9]{9}", fullmatch=True),
    position=st.integers(0, 9),
    digit=st.sampled_from("0123456789"),
)
def test_validate_inn_rejects_single_digit_change_when_control_digit_is_not_zero(
    first9: str, position: int, digit: str
) -> None:
    inn = _legal_inn(first9)
    # A remainder of 10 is folded into 0, so with control digit 0 a typo can collide.
    assume(inn[-1] != "0")
    assume(inn[position] != digit)
    with pytest.raises(InvalidRequisite):
        validate_inn(inn[:position] + digit + inn[position + 1 :])


@given(
    first10=st.from_regex(r"[0-9]{10}", fullmatch=True),
    position=st.integers(0, 11),
    digit=st.sampled_from("0123456789"),
)
def test_validate_inn_rejects_single_digit_change_of_individual_when_controls_are_not_zero(
    first10: str, position: int, digit: str
) -> None:
    inn = _individual_inn(first10)
    assume("0" not in inn[-2:])
    assume(inn[position] != digit)
    with pytest.raises(InvalidRequisite):
        validate_inn(inn[:position] + digit + inn[position + 1 :])


def test_validate_inn_accepts_typo_when_control_digit_is_zero() -> None:
    """Documents the limit of the FNS algorithm: both INNs below carry control digit 0."""
    assert validate_inn("7707083290") == "7707083290"
    assert validate_inn("7707083090") == "7707083090"


# --- KPP -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (SBERBANK_KPP, SBERBANK_KPP),
        ("7736 01 001", SBERBANK_KPP),
        ("7736AB001", "7736AB001"),
        ("7736ab001", "7736AB001"),
    ],
)
def test_validate_kpp_returns_cleaned_value_when_valid(raw: str, expected: str) -> None:
    assert validate_kpp(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "KPP is empty"),
        ("77360100", "KPP must have 9 characters"),
        ("7736010011", "KPP must have 9 characters"),
        (
            "7736\u0410\u0411001",  # Cyrillic look-alikes of "AB"
            "KPP must be 4 digits, then 2 digits or Latin capital letters, then 3 digits",
        ),
        (
            "77A601001",
            "KPP must be 4 digits, then 2 digits or Latin capital letters, then 3 digits",
        ),
        (
            "77360100A",
            "KPP must be 4 digits, then 2 digits or Latin capital letters, then 3 digits",
        ),
        (
            "7736-1001",
            "KPP must be 4 digits, then 2 digits or Latin capital letters, then 3 digits",
        ),
    ],
)
def test_validate_kpp_raises_with_message_when_invalid(raw: str, message: str) -> None:
    _assert_invalid(lambda: validate_kpp(raw), "kpp", message)


# --- OGRN / OGRNIP ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        (SBERBANK_OGRN, None, SBERBANK_OGRN),
        (SBERBANK_OGRN, "legal", SBERBANK_OGRN),
        ("1 027 700 132 195", None, SBERBANK_OGRN),
        (OGRNIP, None, OGRNIP),
        (OGRNIP, "individual", OGRNIP),
    ],
)
def test_validate_ogrn_returns_cleaned_value_when_valid(
    raw: str, kind: EntityKind | None, expected: str
) -> None:
    assert validate_ogrn(raw, kind=kind) == expected


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("", None, "OGRN is empty"),
        ("10277OO132195", None, "OGRN must contain only digits"),
        (
            "102770013219",
            None,
            "OGRN must have 13 digits for a legal entity or 15 for an individual entrepreneur",
        ),
        (OGRNIP, "legal", "OGRN of a legal entity must have 13 digits"),
        (SBERBANK_OGRN, "individual", "OGRNIP of an individual entrepreneur must have 15 digits"),
        ("1027700132196", None, "OGRN control digit does not match"),
        ("304500116000158", None, "OGRNIP control digit does not match"),
    ],
)
def test_validate_ogrn_raises_with_message_when_invalid(
    raw: str, kind: EntityKind | None, message: str
) -> None:
    _assert_invalid(lambda: validate_ogrn(raw, kind=kind), "ogrn", message)


@pytest.mark.parametrize("valid", [SBERBANK_OGRN, OGRNIP])
def test_validate_ogrn_rejects_every_single_digit_change_of_real_ogrn(valid: str) -> None:
    for mutated in _mutations(valid):
        with pytest.raises(InvalidRequisite):
            validate_ogrn(mutated)


@given(
    first12=st.from_regex(r"[15][0-9]{11}", fullmatch=True),
    position=st.integers(0, 12),
    digit=st.sampled_from("0123456789"),
)
def test_validate_ogrn_rejects_single_digit_change_when_control_digit_is_not_zero(
    first12: str, position: int, digit: str
) -> None:
    ogrn = first12 + str(int(first12) % 11 % 10)
    assert validate_ogrn(ogrn, kind="legal") == ogrn
    assume(ogrn[-1] != "0")  # remainder 10 folds into 0
    assume(ogrn[position] != digit)
    with pytest.raises(InvalidRequisite):
        validate_ogrn(ogrn[:position] + digit + ogrn[position + 1 :])


@given(
    first14=st.from_regex(r"3[0-9]{13}", fullmatch=True),
    position=st.integers(0, 14),
    digit=st.sampled_from("0123456789"),
)
def test_validate_ogrn_rejects_single_digit_change_of_ogrnip_when_control_digit_above_two(
    first14: str, position: int, digit: str
) -> None:
    ogrnip = first14 + str(int(first14) % 13 % 10)
    assert validate_ogrn(ogrnip, kind="individual") == ogrnip
    assume(ogrnip[-1] not in "012")  # remainders 10, 11, 12 fold into 0, 1, 2
    assume(ogrnip[position] != digit)
    with pytest.raises(InvalidRequisite):
        validate_ogrn(ogrnip[:position] + digit + ogrnip[position + 1 :])


# --- BIK -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(SBERBANK_BIK, SBERBANK_BIK), ("04 45 25 225", SBERBANK_BIK), (SBERBANK_SPB_BIK, "044030653")],
)
def test_validate_bik_returns_cleaned_value_when_valid(raw: str, expected: str) -> None:
    assert validate_bik(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "BIK is empty"),
        ("04452522S", "BIK must contain only digits"),
        ("04452522", "BIK must have 9 digits"),
        ("0445252250", "BIK must have 9 digits"),
        ("144525225", "BIK must start with 04"),
        # A treasury (TOFK) BIK: rejected on purpose, see validate_bik.
        ("004525988", "BIK must start with 04"),
    ],
)
def test_validate_bik_raises_with_message_when_invalid(raw: str, message: str) -> None:
    _assert_invalid(lambda: validate_bik(raw), "bik", message)


# --- Settlement and correspondent accounts ---------------------------------------------------


def test_validate_account_returns_cleaned_value_when_key_matches_bik() -> None:
    assert validate_account(SBERBANK_CLIENT_ACCOUNT, SBERBANK_BIK) == SBERBANK_CLIENT_ACCOUNT
    spaced = "40817 810 1 5600 3706312"
    assert validate_account(spaced, " 044525225 ") == SBERBANK_CLIENT_ACCOUNT


@pytest.mark.parametrize(
    ("account", "bik", "field", "message"),
    [
        ("", SBERBANK_BIK, "account", "Account number is empty"),
        (
            "4081781015600370631X",
            SBERBANK_BIK,
            "account",
            "Account number must contain only digits",
        ),
        ("4081781015600370631", SBERBANK_BIK, "account", "Account number must have 20 digits"),
        ("40817810256003706312", SBERBANK_BIK, "account", "Account number does not match the BIK"),
        (SBERBANK_CLIENT_ACCOUNT, "044525226", "account", "Account number does not match the BIK"),
        # The correspondent account is keyed differently, so it fails as a settlement account.
        (SBERBANK_CORR_ACCOUNT, SBERBANK_BIK, "account", "Account number does not match the BIK"),
        (SBERBANK_CLIENT_ACCOUNT, "14452522", "bik", "BIK must have 9 digits"),
    ],
)
def test_validate_account_raises_with_message_when_invalid(
    account: str, bik: str, field: str, message: str
) -> None:
    _assert_invalid(lambda: validate_account(account, bik), field, message)


@given(
    body=st.from_regex(r"40702810[0-9]{12}", fullmatch=True),
    position=st.integers(0, 19),
    digit=st.sampled_from("0123456789"),
)
def test_validate_account_rejects_any_single_digit_change(
    body: str, position: int, digit: str
) -> None:
    account = _with_account_key(SBERBANK_BIK[-3:], body)
    assert validate_account(account, SBERBANK_BIK) == account
    assume(account[position] != digit)
    with pytest.raises(InvalidRequisite):
        validate_account(account[:position] + digit + account[position + 1 :], SBERBANK_BIK)


@pytest.mark.parametrize(
    ("account", "bik"),
    [
        (SBERBANK_CORR_ACCOUNT, SBERBANK_BIK),
        ("3010 1810 4000 0000 0225", SBERBANK_BIK),
        (SBERBANK_SPB_CORR_ACCOUNT, SBERBANK_SPB_BIK),
    ],
)
def test_validate_correspondent_account_returns_cleaned_value_when_key_matches_bik(
    account: str, bik: str
) -> None:
    assert validate_correspondent_account(account, bik) == "".join(account.split())


@pytest.mark.parametrize(
    ("account", "bik", "field", "message"),
    [
        ("", SBERBANK_BIK, "correspondent_account", "Correspondent account is empty"),
        (
            "3010181040000000022-",
            SBERBANK_BIK,
            "correspondent_account",
            "Correspondent account must contain only digits",
        ),
        (
            "3010181040000000022",
            SBERBANK_BIK,
            "correspondent_account",
            "Correspondent account must have 20 digits",
        ),
        (
            SBERBANK_CORR_ACCOUNT,
            SBERBANK_SPB_BIK,
            "correspondent_account",
            "Correspondent account does not match the BIK",
        ),
        (
            SBERBANK_CLIENT_ACCOUNT,
            SBERBANK_BIK,
            "correspondent_account",
            "Correspondent account does not match the BIK",
        ),
        (SBERBANK_CORR_ACCOUNT, "", "bik", "BIK is empty"),
    ],
)
def test_validate_correspondent_account_raises_with_message_when_invalid(
    account: str, bik: str, field: str, message: str
) -> None:
    _assert_invalid(lambda: validate_correspondent_account(account, bik), field, message)


@given(
    body=st.from_regex(r"30101810[0-9]{12}", fullmatch=True),
    position=st.integers(0, 19),
    digit=st.sampled_from("0123456789"),
)
def test_validate_correspondent_account_rejects_any_single_digit_change(
    body: str, position: int, digit: str
) -> None:
    prefix = "0" + SBERBANK_BIK[4:6]
    account = _with_account_key(prefix, body)
    assert validate_correspondent_account(account, SBERBANK_BIK) == account
    assume(account[position] != digit)
    with pytest.raises(InvalidRequisite):
        validate_correspondent_account(
            account[:position] + digit + account[position + 1 :], SBERBANK_BIK
        )
