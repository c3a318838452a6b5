"""Phone numbers: parse what an office types, store E.164, show the form a Russian office reads.

Validity policy: a number is accepted only when `phonenumbers` says it is both *possible*
(right length for its country) and *valid* (inside a range its numbering plan assigns).
The validity check may reject a freshly opened range until the library's metadata catches up,
but in a CRM a mistyped digit is far more common than a brand new range, and a stored wrong
number silently breaks caller identification. Upgrading `phonenumbers` fixes the former case.

Extensions ("доб. 123", "ext 12", "#12") are rejected rather than dropped: the caller of this
module is expected to keep the extension in a separate field, and silently discarding it would
lose data the operator typed.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, ValidationResult

__all__ = [
    "InvalidPhone",
    "format_phone",
    "normalize_phone",
    "phone_search_key",
    "try_normalize_phone",
]

#: Distinct typed numbers whose normal form is remembered (about 200 bytes each).
NORMALIZED_CACHE_SIZE = 65_536

MSG_EMPTY = "Phone number is empty"
MSG_LETTERS = "Phone number must not contain letters"
MSG_EXTENSION = "Phone number must not include an extension; enter the extension separately"
MSG_NOT_A_NUMBER = "Phone number is not recognised"
MSG_COUNTRY_CODE = "Phone number has an unknown country code"
MSG_TOO_SHORT = "Phone number is too short"
MSG_TOO_LONG = "Phone number is too long"
MSG_LOCAL_ONLY = "Phone number must include the area code"
MSG_BAD_LENGTH = "Phone number has a wrong number of digits"
MSG_INVALID = "Phone number does not exist in the numbering plan"

_SEARCH_KEY_MIN_DIGITS = 3

_PARSE_ERROR_MESSAGES: dict[int, str] = {
    NumberParseException.INVALID_COUNTRY_CODE: MSG_COUNTRY_CODE,
    NumberParseException.NOT_A_NUMBER: MSG_NOT_A_NUMBER,
    NumberParseException.TOO_SHORT_AFTER_IDD: MSG_TOO_SHORT,
    NumberParseException.TOO_SHORT_NSN: MSG_TOO_SHORT,
    NumberParseException.TOO_LONG: MSG_TOO_LONG,
}

_POSSIBILITY_MESSAGES: dict[int, str] = {
    ValidationResult.INVALID_COUNTRY_CODE: MSG_COUNTRY_CODE,
    ValidationResult.TOO_SHORT: MSG_TOO_SHORT,
    ValidationResult.TOO_LONG: MSG_TOO_LONG,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: MSG_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH: MSG_BAD_LENGTH,
}


class InvalidPhone(ValueError):
    """A phone number that cannot be stored; `message` is a constant, translatable sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _parse(raw: str, region: str) -> PhoneNumber:
    text = raw.strip()
    if not text:
        raise InvalidPhone(MSG_EMPTY)
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        if _has_letters(text):
            raise InvalidPhone(MSG_LETTERS) from exc
        raise InvalidPhone(_PARSE_ERROR_MESSAGES.get(exc.error_type, MSG_NOT_A_NUMBER)) from exc
    # The extension check comes before the letter check because "доб." and "ext" are letters,
    # and the extension message tells the operator what to do instead.
    if number.extension:
        raise InvalidPhone(MSG_EXTENSION)
    # phonenumbers maps letters to keypad digits ("CALL-NOW"), so "+7 495 1234567 ext" would
    # silently become a different number; no office number is typed with letters.
    if _has_letters(text):
        raise InvalidPhone(MSG_LETTERS)
    possibility = phonenumbers.is_possible_number_with_reason(number)
    if possibility != ValidationResult.IS_POSSIBLE:
        raise InvalidPhone(_POSSIBILITY_MESSAGES.get(possibility, MSG_INVALID))
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(MSG_INVALID)
    return number


def normalize_phone(raw: str, region: str = "RU") -> str:
    """Return `raw` in E.164 ("+74951234567") or raise `InvalidPhone`.

    `region` is the country assumed for numbers typed without "+", so with "RU" the trunk
    prefix 8 ("8 (495) 123-45-67"), a bare 7 ("74951234567") and a bare ten-digit number
    ("495 123-45-67") all resolve to +7.
    """
    number, problem = _normalized(raw, region)
    if number is None:
        raise InvalidPhone(problem or MSG_INVALID)
    return number


def try_normalize_phone(raw: str, region: str = "RU") -> str | None:
    """Like `normalize_phone` but return None for unusable input (search boxes, imports)."""
    return _normalized(raw, region)[0]


@lru_cache(maxsize=NORMALIZED_CACHE_SIZE)
def _normalized(raw: str, region: str) -> tuple[str | None, str | None]:
    """(E.164, None) or (None, the reason), remembered: parsing costs more than the lookup
    it precedes, and the same callers ring again and again."""
    plain = _plain_russian(raw) if region == "RU" else None
    if plain is not None and phonenumbers.is_valid_number(plain):
        return f"+7{plain.national_number}", None
    try:
        return phonenumbers.format_number(_parse(raw, region), PhoneNumberFormat.E164), None
    except InvalidPhone as exc:
        return None, exc.message


def _plain_russian(raw: str) -> PhoneNumber | None:
    """The number of the digit-only forms exchanges send (79161234567, 89161234567,
    +79161234567, 9161234567) as the parser would read it with region RU, without the
    parser: it costs most of the time of storing a call from a new number. Anything else,
    and a number that is not valid, goes through the parser (which also says what is wrong).
    """
    text = raw.strip()
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) == 11 and (digits[0] == "7" or (digits[0] == "8" and not plus)):
        national = digits[1:]
    elif len(digits) == 10 and not plus:
        national = digits
    else:
        return None
    if national[0] == "0":
        return None
    return PhoneNumber(country_code=7, national_number=int(national))


def format_phone(e164: str, region: str = "RU") -> str:
    """Display form: "+7 (495) 123-45-67" for Russian numbers, international format otherwise.

    Every Russian number has a ten-digit national part, and offices write it as a three-digit
    code in parentheses even for longer area codes ("+7 (855) 212-34-56"), which is also what
    keeps columns aligned. Numbers of other +7 countries (Kazakhstan) are foreign and get the
    `phonenumbers` international form. `region` only matters for input not in E.164.
    Raises `InvalidPhone` when `e164` is not a valid number.
    """
    number = _parse(e164, region)
    national = str(number.national_number)
    if phonenumbers.region_code_for_number(number) == "RU" and len(national) == 10:
        return f"+7 ({national[:3]}) {national[3:6]}-{national[6:8]}-{national[8:]}"
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def phone_search_key(raw: str) -> str | None:
    """Return the digits of `raw` for partial matching, or None when fewer than 3 digits.

    The key is meant to be matched as a substring (usually the tail) of stored E.164 digits,
    so "45-67" finds "+74951234567". Non-ASCII decimal digits (full-width, Arabic-Indic) are
    mapped to ASCII. Too short a key would match most of the table, hence the minimum.
    """
    digits = "".join(str(unicodedata.decimal(ch)) for ch in raw if ch.isdecimal())
    return digits if len(digits) >= _SEARCH_KEY_MIN_DIGITS else None
