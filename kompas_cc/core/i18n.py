"""Russian (default) and English through gettext catalogs, plus the formats a Russian office uses.

Catalogs live in web/locale/<lang>/LC_MESSAGES/messages.po and are compiled in memory at
start, so a fresh checkout needs no build step.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from kompas_cc.core.phone import format_phone

LOCALES = ("ru", "en")
DEFAULT_LOCALE = "ru"
LOCALE_DIR = Path(__file__).resolve().parents[2] / "web" / "locale"


@cache
def translations(locale: str) -> NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.is_file():
        return NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def pick_locale(preferred: str | None, accept_language: str | None) -> str:
    if preferred in LOCALES:
        return preferred
    for part in (accept_language or "").split(","):
        lang = part.split(";")[0].strip().lower()[:2]
        if lang in LOCALES:
            return lang
    return DEFAULT_LOCALE


class Formatter:
    """Dates, money and phones shown as the user expects, in the user's time zone."""

    def __init__(self, locale: str, timezone: str, region: str = "RU") -> None:
        self.locale = locale
        self.zone = ZoneInfo(timezone)
        self.region = region

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.zone)
        if self.locale == "ru":
            return local.strftime("%d.%m.%Y %H:%M")
        return local.strftime("%Y-%m-%d %H:%M")

    def date(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.zone).date()
        if self.locale == "ru":
            return value.strftime("%d.%m.%Y")
        return value.isoformat()

    def money(self, value: Decimal | int | float | None, currency: str = "RUB") -> str:
        if value is None:
            return ""
        return format_currency(value, currency, locale=self.locale)

    def number(self, value: Decimal | int | float | None) -> str:
        if value is None:
            return ""
        return format_decimal(value, locale=self.locale)

    def phone(self, value: str | None) -> str:
        if not value:
            return ""
        return format_phone(value, self.region)
