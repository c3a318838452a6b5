"""Translations: every message has its Russian text, the catalogs match the code, pages speak
the user's language.

A failure here usually means a string was added or changed: run
`.venv/bin/python scripts/update-catalogs.py`, translate the new entries of
web/locale/ru/LC_MESSAGES/messages.po (docs/i18n.md) and commit the three catalog files.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from conftest import login, post_form

from kompas_cc.core.i18n import translations

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "web" / "locale"
POT_FILE = LOCALE_DIR / "messages.pot"
SCRIPT = ROOT / "scripts" / "update-catalogs.py"
FIX = "run .venv/bin/python scripts/update-catalogs.py and translate (docs/i18n.md)"

#: Words of the Russian interface that must not be left on an English page.
RUSSIAN_UI_WORDS = (
    "Клиенты",
    "Классификатор",
    "Выйти",
    "Профиль",
    "Поиск",
    "Найти",
    "Сбросить",
    "Статус",
    "Менеджер",
    "Юрлица",
    "Физлица",
    "Новое юрлицо",
    "Архив",
    "Телефон",
    "Наименование",
)

_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _key(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple | list) else str(message.id)


def _strings(message: Message) -> list[str]:
    if isinstance(message.string, tuple | list):
        return [str(s) for s in message.string]
    return [str(message.string or "")]


def _placeholders(text: str) -> Counter[str]:
    """Named placeholders with their conversion ("%(num)d" -> "num:d"), "%%" left out."""
    return Counter(
        f"{name}:{conv}" if name else f":{conv}"
        for name, conv in _PLACEHOLDER.findall(text)
        if conv != "%"
    )


def _show(message: Message) -> str:
    return " | ".join(message.id) if isinstance(message.id, tuple | list) else str(message.id)


@pytest.fixture(scope="module")
def pot() -> Catalog:
    return _read(POT_FILE)


@pytest.fixture(scope="module")
def ru() -> Catalog:
    return _read(LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po", "ru")


@pytest.fixture(scope="module")
def en() -> Catalog:
    return _read(LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po", "en")


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_catalogs", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


# -- the catalogs ----------------------------------------------------------------------


def test_every_message_has_a_russian_translation(pot: Catalog, ru: Catalog) -> None:
    missing = []
    for template in pot:
        if not template.id:
            continue
        message = ru.get(_key(template))
        if message is None or message.fuzzy or not all(s.strip() for s in _strings(message)):
            missing.append(_show(template))
    assert missing == [], f"untranslated or fuzzy in ru ({FIX}): {missing}"


def test_russian_plurals_have_three_forms(ru: Catalog) -> None:
    assert ru.num_plurals == 3
    short = [_show(m) for m in ru if m.id and m.pluralizable and len(_strings(m)) != 3]
    assert short == []


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_translations_keep_the_placeholders(locale: str, ru: Catalog, en: Catalog) -> None:
    catalog = ru if locale == "ru" else en
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        # Of a plural entry, every form has the placeholders of the English plural.
        source = message.id[1] if isinstance(message.id, tuple | list) else message.id
        expected = _placeholders(source)
        for text in _strings(message):
            if text and _placeholders(text) != expected:
                wrong.append(f"{_show(message)!r} -> {text!r}")
    assert wrong == []


def test_placeholders_format_without_errors(ru: Catalog) -> None:
    """A translation is %-formatted with the msgid's parameters exactly when they exist."""
    for message in ru:
        if not message.id:
            continue
        source = message.id[-1] if isinstance(message.id, tuple | list) else message.id
        names = {name for name, _ in _PLACEHOLDER.findall(source) if name}
        if not names:
            continue
        params = dict.fromkeys(names, 1)
        for text in _strings(message):
            assert text % params, _show(message)


def test_the_catalogs_are_up_to_date_with_the_code(tmp_path: Path, pot: Catalog) -> None:
    """Somebody who adds or changes a message must run scripts/update-catalogs.py."""
    fresh_path = tmp_path / "messages.pot"
    assert _load_script().main(["--pot", str(fresh_path)]) == 0
    fresh = {_key(m) for m in _read(fresh_path) if m.id}
    committed = {_key(m) for m in pot if m.id}
    assert sorted(fresh - committed) == [], f"new messages not in messages.pot: {FIX}"
    assert sorted(committed - fresh) == [], f"messages.pot lists messages gone from code: {FIX}"


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_the_locale_catalogs_hold_the_template_messages(
    locale: str, pot: Catalog, ru: Catalog, en: Catalog
) -> None:
    catalog = ru if locale == "ru" else en
    expected = {_key(m) for m in pot if m.id}
    present = {_key(m) for m in catalog if m.id}
    assert expected == present, FIX


def test_russian_is_compiled_and_used() -> None:
    ru = translations("ru")
    assert ru.gettext("Clients") == "Клиенты"
    assert ru.gettext("INN control digit does not match") == "Неверное контрольное число ИНН"
    forms = {n: ru.ngettext("%(num)d client", "%(num)d clients", n) % {"num": n} for n in (1, 3, 5)}
    assert forms == {1: "1 клиент", 3: "3 клиента", 5: "5 клиентов"}
    assert ru.ngettext("%(num)d client", "%(num)d clients", 11) % {"num": 11} == "11 клиентов"
    assert ru.ngettext("%(num)d client", "%(num)d clients", 22) % {"num": 22} == "22 клиента"
    assert translations("en").gettext("Clients") == "Clients"


# -- pages -----------------------------------------------------------------------------


async def test_pages_speak_russian_then_english(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    html = await (await client.get("/clients")).text()
    assert 'lang="ru"' in html
    for word in ("Клиенты", "Выйти", "Профиль", "Новое юрлицо", "Найти"):
        assert word in html

    await post_form(client, "/locale", {"locale": "en"})
    html = await (await client.get("/clients")).text()
    assert 'lang="en"' in html
    for word in ("Clients", "Log out", "Profile", "New legal entity", "Find"):
        assert word in html
    left = [word for word in RUSSIAN_UI_WORDS if word in html]
    assert left == [], f"Russian words on an English page: {left}"


async def test_field_errors_are_translated(client: TestClient[Any, Any]) -> None:
    await login(client, "maria")
    form = {"kind": "legal", "name": "ООО «Ромашка»", "inn": "7707083894"}
    html = await (await post_form(client, "/clients/new", form)).text()
    assert "Неверное контрольное число ИНН" in html
    assert "INN control digit does not match" not in html
