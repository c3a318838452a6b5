"""Russian company requisites (INN, KPP, OGRN, BIK, bank accounts) with their control digits.

Every validator removes whitespace (people paste "7707 083 893"), checks the format and the
control digits, and returns the cleaned value or raises `InvalidRequisite`. The control digit
algorithms are the Federal Tax Service ones for INN and OGRN and the Bank of Russia key for
accounts. They catch most typos, not all: INN and OGRN fold a remainder of 10 into the digit 0,
so when the control digit is 0 some single-digit typos still pass.

Messages are constant English sentences so that they can be used as translation keys.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = [
    "EntityKind",
    "InvalidRequisite",
    "RequisiteField",
    "validate_account",
    "validate_bik",
    "validate_correspondent_account",
    "validate_inn",
    "validate_kpp",
    "validate_ogrn",
]

EntityKind = Literal["legal", "individual"]
RequisiteField = Literal["inn", "kpp", "ogrn", "bik", "account", "correspondent_account"]

_INN_LEGAL_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_INDIVIDUAL_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_INDIVIDUAL_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_KEY_WEIGHTS = ((7, 1, 3) * 8)[:23]  # 3 BIK-derived digits + 20 account digits

_DIGITS = re.compile(r"[0-9]+")
_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")

# Literal sentences (not f-strings) so that message extraction for translation finds them.
_EMPTY: dict[RequisiteField, str] = {
    "inn": "INN is empty",
    "kpp": "KPP is empty",
    "ogrn": "OGRN is empty",
    "bik": "BIK is empty",
    "account": "Account number is empty",
    "correspondent_account": "Correspondent account is empty",
}
_NOT_DIGITS: dict[RequisiteField, str] = {
    "inn": "INN must contain only digits",
    "ogrn": "OGRN must contain only digits",
    "bik": "BIK must contain only digits",
    "account": "Account number must contain only digits",
    "correspondent_account": "Correspondent account must contain only digits",
}


class InvalidRequisite(ValueError):
    """A requisite that failed validation; `field` names it, `message` is a constant sentence."""

    def __init__(self, field: RequisiteField, message: str) -> None:
        super().__init__(message)
        self.field: RequisiteField = field
        self.message = message


def _clean(value: str) -> str:
    return "".join(value.split())


def _digits(field: RequisiteField, value: str) -> str:
    """Return `value` without whitespace, checked to be non-empty ASCII digits."""
    cleaned = _clean(value)
    if not cleaned:
        raise InvalidRequisite(field, _EMPTY[field])
    if not _DIGITS.fullmatch(cleaned):
        raise InvalidRequisite(field, _NOT_DIGITS[field])
    return cleaned


def _inn_control(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def validate_inn(value: str, *, kind: EntityKind | None = None) -> str:
    """Validate an INN: 10 digits for a legal entity, 12 for an individual.

    `kind` restricts the accepted length; None accepts either.
    """
    inn = _digits("inn", value)
    if kind == "legal" and len(inn) != 10:
        raise InvalidRequisite("inn", "INN of a legal entity must have 10 digits")
    if kind == "individual" and len(inn) != 12:
        raise InvalidRequisite("inn", "INN of an individual must have 12 digits")
    if len(inn) == 10:
        expected = str(_inn_control(inn[:9], _INN_LEGAL_WEIGHTS))
    elif len(inn) == 12:
        expected = str(_inn_control(inn[:10], _INN_INDIVIDUAL_WEIGHTS_11))
        expected += str(_inn_control(inn[:11], _INN_INDIVIDUAL_WEIGHTS_12))
    else:
        raise InvalidRequisite(
            "inn", "INN must have 10 digits for a legal entity or 12 for an individual"
        )
    if not inn.endswith(expected):
        raise InvalidRequisite("inn", "INN control digit does not match")
    return inn


def validate_kpp(value: str) -> str:
    """Validate a KPP: 4 digits (tax office), 2 digits or letters A-Z (reason), 3 digits.

    Lower-case letters are upper-cased; Cyrillic look-alikes are rejected.
    """
    kpp = _clean(value).upper()
    if not kpp:
        raise InvalidRequisite("kpp", _EMPTY["kpp"])
    if len(kpp) != 9:
        raise InvalidRequisite("kpp", "KPP must have 9 characters")
    if not _KPP.fullmatch(kpp):
        raise InvalidRequisite(
            "kpp", "KPP must be 4 digits, then 2 digits or Latin capital letters, then 3 digits"
        )
    return kpp


def validate_ogrn(value: str, *, kind: EntityKind | None = None) -> str:
    """Validate an OGRN (13 digits, legal entity) or OGRNIP (15 digits, entrepreneur).

    `kind` restricts the accepted length; None accepts either.
    """
    ogrn = _digits("ogrn", value)
    if kind == "legal" and len(ogrn) != 13:
        raise InvalidRequisite("ogrn", "OGRN of a legal entity must have 13 digits")
    if kind == "individual" and len(ogrn) != 15:
        raise InvalidRequisite("ogrn", "OGRNIP of an individual entrepreneur must have 15 digits")
    if len(ogrn) == 13:
        if int(ogrn[:12]) % 11 % 10 != int(ogrn[12]):
            raise InvalidRequisite("ogrn", "OGRN control digit does not match")
    elif len(ogrn) == 15:
        if int(ogrn[:14]) % 13 % 10 != int(ogrn[14]):
            raise InvalidRequisite("ogrn", "OGRNIP control digit does not match")
    else:
        raise InvalidRequisite(
            "ogrn",
            "OGRN must have 13 digits for a legal entity or 15 for an individual entrepreneur",
        )
    return ogrn


def validate_bik(value: str) -> str:
    """Validate a BIK: 9 digits starting with the Russian country code 04.

    Treasury BIKs (TOFK, e.g. 004525988, 024501901) are rejected: their treasury accounts
    (03...) do not pass the bank key below, so they would need rules of their own.
    """
    bik = _digits("bik", value)
    if len(bik) != 9:
        raise InvalidRequisite("bik", "BIK must have 9 digits")
    if not bik.startswith("04"):
        raise InvalidRequisite("bik", "BIK must start with 04")
    return bik


def _account_key_ok(prefix: str, account: str) -> bool:
    digits = prefix + account
    return sum(int(d) * w for d, w in zip(digits, _ACCOUNT_KEY_WEIGHTS, strict=True)) % 10 == 0


def validate_account(account: str, bik: str) -> str:
    """Validate a 20-digit settlement account against its bank's BIK (Bank of Russia key).

    The key covers the last 3 digits of the BIK followed by the account, so a valid account
    with the wrong BIK is rejected too. Raises with field "bik" when the BIK itself is invalid.
    """
    bik = validate_bik(bik)
    cleaned = _digits("account", account)
    if len(cleaned) != 20:
        raise InvalidRequisite("account", "Account number must have 20 digits")
    if not _account_key_ok(bik[-3:], cleaned):
        raise InvalidRequisite("account", "Account number does not match the BIK")
    return cleaned


def validate_correspondent_account(account: str, bik: str) -> str:
    """Validate a 20-digit correspondent account against the BIK.

    Correspondent accounts are opened at the Bank of Russia, so the key prefix is "0" followed
    by BIK digits 5-6 (the Bank of Russia division) instead of the bank's own last 3 digits.
    """
    bik = validate_bik(bik)
    cleaned = _digits("correspondent_account", account)
    if len(cleaned) != 20:
        raise InvalidRequisite("correspondent_account", "Correspondent account must have 20 digits")
    if not _account_key_ok("0" + bik[4:6], cleaned):
        raise InvalidRequisite(
            "correspondent_account", "Correspondent account does not match the BIK"
        )
    return cleaned
