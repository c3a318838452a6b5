"""The lookup cache forgets an answer the moment the data behind it changes."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from conftest import login, post_form

ROMASHKA = {"kind": "legal", "name": "ООО «Ромашка»", "phones": [{"number": "+74951234567"}]}


async def _lookup(client: TestClient[Any, Any], headers: dict[str, str], phone: str) -> Any:
    response = await client.get("/api/v1/clients/lookup", params={"phone": phone}, headers=headers)
    assert response.status == 200
    return await response.json()


async def test_renamed_client_is_found_under_its_new_name(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    created = await (await client.post("/api/v1/clients", json=ROMASHKA, headers=headers)).json()
    assert (await _lookup(client, headers, "84951234567"))[0]["name"] == "ООО «Ромашка»"
    await client.patch(
        f"/api/v1/clients/{created['id']}", json={"name": "ООО «Лютик»"}, headers=headers
    )
    assert (await _lookup(client, headers, "84951234567"))[0]["name"] == "ООО «Лютик»"


async def test_new_and_archived_owners_show_at_once(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    assert await _lookup(client, headers, "+7 916 000-11-22") == []
    body = {
        "kind": "individual",
        "last_name": "Петров",
        "first_name": "Иван",
        "phones": [{"number": "+79160001122"}],
    }
    created = await (await client.post("/api/v1/clients", json=body, headers=headers)).json()
    assert [m["client_id"] for m in await _lookup(client, headers, "89160001122")] == [
        created["id"]
    ]
    await client.post(f"/api/v1/clients/{created['id']}/archive", headers=headers)
    assert await _lookup(client, headers, "89160001122") == []


async def test_contact_person_rename_reaches_the_lookup(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    created = await (await client.post("/api/v1/clients", json=ROMASHKA, headers=headers)).json()
    person = {"name": "Сидорова Елена", "phones": [{"number": "+79030001122"}]}
    made = await client.post(
        f"/api/v1/clients/{created['id']}/contacts", json=person, headers=headers
    )
    person_id = (await made.json())["id"]
    assert (await _lookup(client, headers, "89030001122"))[0]["contact_person"] == "Сидорова Елена"
    await login(client, "maria")
    renamed = await post_form(
        client,
        f"/clients/{created['id']}/contacts/{person_id}",
        [
            ("name", "Сидорова-Петрова Елена"),
            ("phone_number", "+79030001122"),
            ("phone_kind", "mobile"),
            ("phone_comment", ""),
        ],
    )
    assert renamed.status == 302
    client.session.cookie_jar.clear()
    found = await _lookup(client, headers, "89030001122")
    assert found[0]["contact_person"] == "Сидорова-Петрова Елена"
