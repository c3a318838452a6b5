"""The call log pages as staff use them in the browser (without JavaScript), its exports,
and calls on the client card's timeline."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from call_log_support import ROMASHKA, VECTOR, days_later, record
from conftest import login, post_form
from openpyxl import load_workbook

from kompas_cc.core.i18n import translations
from kompas_cc.telephony import service
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.handlers import CALL_EXPORT_COLUMNS
from kompas_cc.webapp import keys


def _ru(message: str) -> str:
    return translations("ru").gettext(message)


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _text(html: str) -> str:
    """The page's text without tags and with single spaces, as a reader sees it."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def _record(client: TestClient[Any, Any], *calls: CallRecord) -> list[int]:
    ids = []
    for call in calls:
        async with client.app[keys.UOW]() as uow:
            call_id = await service.record_call(uow, call, client.app[keys.CLOCK].now())
        assert call_id is not None
        ids.append(call_id)
    return ids


@pytest.fixture
async def log(client: TestClient[Any, Any], api_token: Any) -> dict[str, int]:
    """Romashka and Vector, and four calls: anna answers Romashka at 09:00 UTC (12:00 in
    Moscow), Romashka abandons the queue at 09:20, anna dials Romashka at 10:10, and a
    stranger's call a week later that boris answers."""
    maria = await api_token("maria")
    ids = {}
    for key, body in (("romashka", ROMASHKA), ("vector", VECTOR)):
        response = await client.post("/api/v1/clients", json=body, headers=maria)
        ids[key] = (await response.json())["id"]
    stranger = days_later(record("queue_ringall"), 7, "next-week")
    calls = await _record(
        client,
        record("inbound_answered"),
        record("queue_abandoned"),
        record("click_to_call"),
        replace(stranger, caller="74997654321"),
    )
    ids.update(zip(("answered", "abandoned", "dialled", "stranger"), calls, strict=True))
    return ids


async def test_the_log_shows_calls_in_words_numbers_and_durations(
    client: TestClient[Any, Any], log: dict[str, int]
) -> None:
    await login(client, "maria")

    response = await client.get("/calls")

    assert response.status == 200
    html = await response.text()
    text = _text(html)
    assert "Журнал звонков" in text
    assert "4 звонка" in text
    assert "15.01.2025 12:00" in text, "times are shown in the user's zone (Moscow)"
    assert "+7 (916) 123-45-67" in text, "numbers are formatted as on the client pages"
    assert 'href="tel:+79161234567"' in html
    assert f'<a href="/clients/{log["romashka"]}">ООО «Ромашка»</a>' in html
    assert "Анна Смирнова 101" in text
    assert "1:35" in text, "inbound_answered talked 95 s"
    assert "0:35" in text, "queue_abandoned waited 35 s"
    for word in ("Входящий", "Исходящий", "Отвечен", "Брошен"):
        assert word in text
    assert f'href="/calls/{log["answered"]}"' in html


async def test_the_filter_form_narrows_the_log_and_keeps_what_was_typed(
    client: TestClient[Any, Any], log: dict[str, int]
) -> None:
    await login(client, "anna")
    params = {"since": "2025-01-15", "until": "2025-01-15", "extension": "101", "direction": ""}

    response = await client.get("/calls", params=params)

    html = await response.text()
    assert response.status == 200
    assert "2 звонка" in _text(html)
    assert f'href="/calls/{log["answered"]}"' in html
    assert f'href="/calls/{log["dialled"]}"' in html
    assert f'href="/calls/{log["abandoned"]}"' not in html
    assert 'value="2025-01-15"' in html
    assert 'value="101"' in html


async def test_the_until_day_is_included_in_the_users_zone(
    client: TestClient[Any, Any], log: dict[str, int]
) -> None:
    await login(client, "maria")

    response = await client.get("/calls", params={"until": "2025-01-22", "disposition": "answered"})

    html = await response.text()
    assert f'href="/calls/{log["stranger"]}"' in html, "09:10 UTC on the 22nd is that day"
    assert "3 звонка" in _text(html)


async def test_a_wrong_filter_is_shown_on_its_field(
    client: TestClient[Any, Any], log: dict[str, int]
) -> None:
    await login(client, "maria")

    response = await client.get("/calls", params={"since": "15 января", "extension": "10x"})

    assert response.status == 422
    html = await response.text()
    assert "Здесь нужна дата" in html
    assert 'value="15 января"' in html
    assert f'href="/calls/{log["answered"]}"' not in html
    for edge in ({"since": "0001-01-01"}, {"until": "9999-12-31"}):
        beyond = await client.get("/calls", params=edge)
        assert beyond.status == 422, edge


async def test_one_call_shows_its_times_parties_and_transfers(
    client: TestClient[Any, Any], log: dict[str, int]
) -> None:
    (transferred,) = await _record(client, record("attended_transfer"))
    await login(client, "maria")

    response = await client.get(f"/calls/{transferred}")

    assert response.status == 200
    text = _text(await response.text())
    assert f"Звонок №{transferred}" in text
    assert "Перевод с консультацией" in text
    assert "1736935200.701" in text
    assert "Разговор 1:45" in text
    assert "Удержание 0:20" in text
    assert "Кто перевёл Кому переведён" in text
    missing = await client.get("/calls/999999")
    assert missing.status == 404


async def test_the_csv_export_holds_every_filtered_call_on_every_page(
    client: TestClient[Any, Any], log: dict[str, int]
) -> None:
    await login(client, "maria")

    response = await client.get(
        "/calls/export.csv", params={"direction": "inbound", "per_page": "1", "page": "2"}
    )

    assert response.status == 200
    assert response.content_type == "text/csv"
    rows = _csv(await response.read())
    assert rows[0] == [_ru(c) for c in CALL_EXPORT_COLUMNS]
    by_id = {int(r[0]): r for r in rows[1:]}
    assert set(by_id) == {log["answered"], log["abandoned"], log["stranger"]}
    answered = by_id[log["answered"]]
    assert answered[1:10] == [
        "15.01.2025 12:00",
        "Входящий",
        "Отвечен",
        "+79161234567",
        "+74951234567",
        "",
        "101",
        "Анна Смирнова",
        "ООО «Ромашка»",
    ]
    assert answered[10:] == ["0:06", "", "1:35", "0:00", "Нет", "Нет"]
    assert by_id[log["abandoned"]][6] == "support"


async def test_the_xlsx_export_has_real_dates_and_cyrillic(
    client: TestClient[Any, Any], log: dict[str, int]
) -> None:
    await login(client, "maria")

    response = await client.get("/calls/export.xlsx", params={"client_id": str(log["romashka"])})

    assert response.status == 200
    book = load_workbook(io.BytesIO(await response.read()), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert [r[0] for r in rows[1:]] == [log["dialled"], log["abandoned"], log["answered"]]
    assert isinstance(rows[1][1], datetime)
    assert rows[1][1].isoformat() == "2025-01-15T13:10:00", "10:10 UTC in Moscow, as a date cell"
    assert rows[1][2:4] == ["Исходящий", "Отвечен"]
    assert {r[9] for r in rows[1:]} == {"ООО «Ромашка»"}


async def test_the_menu_leads_staff_to_the_log_and_dealers_are_kept_out(
    client: TestClient[Any, Any], log: dict[str, int]
) -> None:
    await login(client, "anna")
    operator_page = await (await client.get("/clients")).text()
    await login(client, "dima")
    dealer_page = await (await client.get("/clients")).text()
    refused = await client.get("/calls", allow_redirects=False)
    export = await client.get("/calls/export.csv", allow_redirects=False)

    assert 'href="/calls"' in operator_page
    assert 'href="/calls"' not in dealer_page
    assert (refused.status, export.status) == (403, 403)


async def test_the_log_speaks_english_to_those_who_chose_it(
    client: TestClient[Any, Any], log: dict[str, int]
) -> None:
    await login(client, "maria")
    switched = await post_form(client, "/locale", {"locale": "en"})
    assert switched.status == 302

    text = _text(await (await client.get("/calls")).text())

    assert "Call log" in text
    assert "4 calls" in text
    assert "2025-01-15 12:00" in text
    for word in ("Inbound", "Outbound", "Answered", "Abandoned"):
        assert word in text
    assert "Журнал звонков" not in text


async def test_the_client_card_shows_its_calls_on_the_timeline(
    client: TestClient[Any, Any], log: dict[str, int]
) -> None:
    await login(client, "maria")

    card = await client.get(f"/clients/{log['romashka']}")
    only_calls = await client.get(f"/clients/{log['romashka']}", params={"kind": "call"})
    vector = await client.get(f"/clients/{log['vector']}")

    html = await card.text()
    text = _text(html)
    assert f'<a class="timeline-title" href="/calls/{log["answered"]}">' in html
    assert "Входящий звонок, отвечен" in text
    assert "Входящий звонок, брошен в очереди" in text
    assert "Исходящий звонок, отвечен" in text
    assert "· Анна Смирнова" in text
    assert "+7 (916) 123-45-67 → +7 (495) 123-45-67 · 1:35" in text
    calls_html = await only_calls.text()
    assert calls_html.count('class="timeline-title"') == 3
    assert 'href="/calls/' not in await vector.text()
