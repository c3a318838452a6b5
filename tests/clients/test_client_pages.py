"""The client pages as a manager uses them in the browser (without JavaScript)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from conftest import csrf_of, login, post_form

ROMASHKA_FORM = [
    ("kind", "legal"),
    ("name", "ООО «Ромашка»"),
    ("legal_form", "ООО"),
    ("inn", "7707083893"),
    ("phone_number", "8 (495) 123-45-67"),
    ("phone_kind", "work"),
    ("phone_comment", "приёмная"),
    ("phone_number", ""),
    ("phone_kind", "mobile"),
    ("phone_comment", ""),
    ("email_address", "info@romashka.ru"),
    ("email_kind", "work"),
]


def _client_id(location: str) -> int:
    match = re.fullmatch(r"/clients/(\d+)", location)
    assert match, location
    return int(match.group(1))


async def test_manager_creates_a_legal_entity_and_sees_its_card(
    client: TestClient[Any, Any],
) -> None:
    await login(client, "maria")
    form = await client.get("/clients/new?kind=legal")
    assert form.status == 200
    response = await post_form(client, "/clients/new", ROMASHKA_FORM)
    assert response.status == 302, await response.text()
    card = await client.get(response.headers["Location"])
    html = await card.text()
    assert "ООО «Ромашка»" in html
    assert "+7 (495) 123-45-67" in html
    assert "7707083893" in html


async def test_form_shows_field_errors_and_keeps_the_input(client: TestClient[Any, Any]) -> None:
    await login(client, "maria")
    bad = [(k, "7707083894" if k == "inn" else v) for k, v in ROMASHKA_FORM]
    response = await post_form(client, "/clients/new", bad)
    assert response.status == 422
    html = await response.text()
    assert 'value="7707083894"' in html
    assert "field-error" in html


async def test_duplicate_phone_asks_before_creating(client: TestClient[Any, Any]) -> None:
    await login(client, "maria")
    first = await post_form(client, "/clients/new", ROMASHKA_FORM)
    first_id = _client_id(first.headers["Location"])
    again = [(k, v) for k, v in ROMASHKA_FORM if k != "inn"]
    response = await post_form(client, "/clients/new", again)
    assert response.status == 409
    assert f"/clients/{first_id}" in await response.text()
    insisted = await post_form(client, "/clients/new", [*again, ("allow_duplicate", "on")])
    assert insisted.status == 302


async def test_html_in_a_name_is_escaped(client: TestClient[Any, Any]) -> None:
    await login(client, "maria")
    evil = [(k, "<script>alert(1)</script>" if k == "name" else v) for k, v in ROMASHKA_FORM]
    response = await post_form(client, "/clients/new", evil)
    card = await (await client.get(response.headers["Location"])).text()
    assert "<script>alert(1)</script>" not in card
    assert "&lt;script&gt;" in card


async def test_edit_records_changes_on_the_card(client: TestClient[Any, Any]) -> None:
    await login(client, "maria")
    created = await post_form(client, "/clients/new", ROMASHKA_FORM)
    cid = _client_id(created.headers["Location"])
    edited = [(k, "ООО «Ромашка-2»" if k == "name" else v) for k, v in ROMASHKA_FORM]
    response = await post_form(client, f"/clients/{cid}/edit", edited)
    assert response.status == 302
    card = await (await client.get(f"/clients/{cid}")).text()
    assert "ООО «Ромашка-2»" in card
    assert "Мария Петрова" in card


async def test_notes_and_files_appear_on_the_timeline(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    created = await post_form(client, "/clients/new", ROMASHKA_FORM)
    cid = _client_id(created.headers["Location"])
    note = await post_form(client, f"/clients/{cid}/notes", {"text": "Перезвонить в пятницу"})
    assert note.status == 302
    data = FormData()
    data.add_field("_csrf", csrf_of(client))
    data.add_field("file", b"%PDF-1.4 test", filename="Договор.pdf", content_type="application/pdf")
    upload = await client.post(f"/clients/{cid}/files", data=data, allow_redirects=False)
    assert upload.status == 302
    card = await (await client.get(f"/clients/{cid}")).text()
    assert "Перезвонить в пятницу" in card
    assert "Договор.pdf" in card
    download = await client.get(f"/clients/{cid}/files/1")
    assert download.status == 200
    assert await download.read() == b"%PDF-1.4 test"
    export = await client.get(f"/clients/{cid}/timeline.csv")
    text = (await export.read()).decode("utf-8-sig")
    assert "Перезвонить в пятницу" in text


async def test_wrong_file_type_is_refused_with_a_message(client: TestClient[Any, Any]) -> None:
    await login(client, "maria")
    created = await post_form(client, "/clients/new", ROMASHKA_FORM)
    cid = _client_id(created.headers["Location"])
    data = FormData()
    data.add_field("_csrf", csrf_of(client))
    data.add_field(
        "file", b"MZ\x90\x00", filename="virus.exe", content_type="application/octet-stream"
    )
    upload = await client.post(f"/clients/{cid}/files", data=data, allow_redirects=False)
    assert upload.status == 302
    card = await (await client.get(f"/clients/{cid}")).text()
    assert "virus.exe" not in card.split("flash")[-1]
    assert "not accepted" in card or "не принимаются" in card


async def test_classifier_editor_creates_dimension_and_places_client(
    client: TestClient[Any, Any],
) -> None:
    await login(client, "maria")
    assert (await post_form(client, "/classifier/nodes", {"name": "Температура"})).status == 302
    assert (
        await post_form(client, "/classifier/nodes", {"name": "Горячие", "parent": "1"})
    ).status == 302
    page = await (await client.get("/classifier")).text()
    assert "Температура" in page
    assert "Горячие" in page
    created = await post_form(client, "/clients/new", [*ROMASHKA_FORM, ("node", "2")])
    cid = _client_id(created.headers["Location"])
    listing = await (await client.get("/clients?node=2")).text()
    assert f"/clients/{cid}" in listing
    empty = await (await client.get("/clients?node=1&kind=individual")).text()
    assert f"/clients/{cid}" not in empty


async def test_list_filter_form_with_blank_selects_works(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    response = await client.get("/clients?q=&phone=&kind=&status_id=&manager_id=")
    assert response.status == 200


async def test_unknown_client_page_is_a_404_page(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    response = await client.get("/clients/424242")
    assert response.status == 404
    assert "text/html" in response.headers["Content-Type"]


async def test_admin_edits_statuses_and_users(client: TestClient[Any, Any]) -> None:
    await login(client, "admin")
    response = await post_form(
        client, "/admin/statuses", {"name": "VIP", "position": "1", "is_default": "on"}
    )
    assert response.status == 302
    assert "VIP" in await (await client.get("/admin/statuses")).text()
    new_user = {
        "login": "vera",
        "name": "Вера Орлова",
        "role": "operator",
        "extension": "103",
        "timezone": "Europe/Samara",
        "locale": "ru",
        "is_active": "on",
        "password": "long enough pass",
    }
    assert (await post_form(client, "/admin/users/new", new_user)).status == 302
    bad = {**new_user, "login": "vera", "timezone": "Mars/Olympus"}
    assert (await post_form(client, "/admin/users/new", bad)).status in (409, 422)
    assert "Вера Орлова" in await (await client.get("/admin/users")).text()


async def test_english_interface_can_be_chosen(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    await post_form(client, "/locale", {"locale": "en"})
    html = await (await client.get("/clients")).text()
    assert 'lang="en"' in html
    await post_form(client, "/locale", {"locale": "ru"})
    html = await (await client.get("/clients")).text()
    assert 'lang="ru"' in html
