"""The clients JSON API as an integrator would use it."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

ROMASHKA = {
    "kind": "legal",
    "name": "ООО «Ромашка»",
    "legal_form": "ООО",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "phones": [{"number": "8 (495) 123-45-67", "kind": "work"}],
    "emails": [{"address": "Info@Romashka.ru"}],
}
VECTOR = {
    "kind": "legal",
    "name": "АО «Вектор»",
    "phones": [{"number": "+7 916 555-12-34", "kind": "mobile"}],
}
IVANOV = {
    "kind": "individual",
    "last_name": "Иванов",
    "first_name": "Пётр",
    "middle_name": "Сергеевич",
    "birth_date": "1980-05-17",
    "inn": "500100732259",
    "phones": [{"number": "89161112233", "kind": "mobile"}],
}


async def _create(
    client: TestClient[Any, Any], headers: dict[str, str], body: dict[str, Any]
) -> Any:
    response = await client.post("/api/v1/clients", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_create_legal_entity_stores_e164_phone_and_lowercase_email(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    created = await _create(client, headers, ROMASHKA)
    assert created["phones"][0]["number"] == "+74951234567"
    assert created["emails"][0]["address"] == "info@romashka.ru"
    assert created["manager"] == "Мария Петрова"
    fetched = await (await client.get(f"/api/v1/clients/{created['id']}", headers=headers)).json()
    assert fetched["inn"] == "7707083893"


async def test_create_individual_builds_the_full_name(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    created = await _create(client, await api_token("maria"), IVANOV)
    assert created["name"] == "Иванов Пётр Сергеевич"
    assert created["kpp"] is None


@pytest.mark.parametrize(
    "typed", ["8 (495) 123-45-67", "+7 495 1234567", "84951234567", "74951234567", "4951234567"]
)
async def test_lookup_finds_client_by_phone_typed_in_any_form(
    client: TestClient[Any, Any], api_token: Any, typed: str
) -> None:
    headers = await api_token("anna")
    created = await _create(client, await api_token("maria"), ROMASHKA)
    response = await client.get("/api/v1/clients/lookup", params={"phone": typed}, headers=headers)
    assert response.status == 200
    matches = await response.json()
    assert [m["client_id"] for m in matches] == [created["id"]]


async def test_lookup_finds_contact_person_phone(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    created = await _create(client, headers, ROMASHKA)
    person = {
        "name": "Сидорова Елена",
        "position": "Бухгалтер",
        "phones": [{"number": "+7 903 000-11-22", "kind": "mobile"}],
    }
    response = await client.post(
        f"/api/v1/clients/{created['id']}/contacts", json=person, headers=headers
    )
    assert response.status == 201
    matches = await (
        await client.get("/api/v1/clients/lookup", params={"phone": "89030001122"}, headers=headers)
    ).json()
    assert matches[0]["contact_person"] == "Сидорова Елена"


async def test_lookup_with_garbage_finds_nothing(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    response = await client.get(
        "/api/v1/clients/lookup", params={"phone": "abc"}, headers=await api_token("anna")
    )
    assert response.status == 200
    assert await response.json() == []


async def test_invalid_requisites_are_reported_per_field(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    body = {**ROMASHKA, "inn": "7707083894", "ogrn": "123", "phones": [{"number": "12"}]}
    response = await client.post("/api/v1/clients", json=body, headers=await api_token("maria"))
    assert response.status == 422
    error = await response.json()
    assert error["error_id"] == "validation-failed"
    assert "phones.0.number" in error["fields"]
    body["phones"] = []
    response = await client.post("/api/v1/clients", json=body, headers=await api_token("maria"))
    fields = (await response.json())["fields"]
    assert set(fields) >= {"inn", "ogrn"}


async def test_malformed_json_gets_a_clear_error(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = {**(await api_token("maria")), "Content-Type": "application/json"}
    response = await client.post("/api/v1/clients", data="{not json", headers=headers)
    assert response.status == 422
    assert (await response.json())["message"] == "The request body is not valid JSON"


async def test_duplicate_inn_or_phone_is_refused_unless_insisted(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    first = await _create(client, headers, ROMASHKA)
    again = {**VECTOR, "phones": [{"number": "+74951234567"}]}
    response = await client.post("/api/v1/clients", json=again, headers=headers)
    assert response.status == 409
    error = await response.json()
    assert error["error_id"] == "duplicate-client"
    assert str(first["id"]) in error["fields"]["phones"]
    response = await client.post(
        "/api/v1/clients?allow_duplicate=true", json=again, headers=headers
    )
    assert response.status == 201


async def test_patch_changes_fields_and_records_the_audit_trail(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    created = await _create(client, headers, ROMASHKA)
    response = await client.patch(
        f"/api/v1/clients/{created['id']}",
        json={"website": "romashka.ru", "phones": []},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["website"] == "romashka.ru"
    timeline = await (
        await client.get(
            f"/api/v1/clients/{created['id']}/timeline", params={"kind": "change"}, headers=headers
        )
    ).json()
    changed = {entry["title"] for entry in timeline}
    assert {"website", "phones"} <= changed
    lookup = await (
        await client.get("/api/v1/clients/lookup", params={"phone": "84951234567"}, headers=headers)
    ).json()
    assert lookup == []


async def test_unknown_client_is_404_json(client: TestClient[Any, Any], api_token: Any) -> None:
    response = await client.get("/api/v1/clients/999999", headers=await api_token("maria"))
    assert response.status == 404
    assert (await response.json())["error_id"] == "no-such-client"


async def test_classifier_filter_is_and_across_dimensions_or_within(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")

    async def node(name: str, *parents: int) -> int:
        response = await client.post(
            "/api/v1/classifier/nodes",
            json={"name": name, "parent_ids": list(parents)},
            headers=headers,
        )
        assert response.status == 201, await response.text()
        return int((await response.json())["id"])

    temperature = await node("Температура")
    hot, cold = await node("Горячие", temperature), await node("Холодные", temperature)
    very_hot = await node("Очень горячие", hot)
    size = await node("Размер")
    large = await node("Крупные", size)
    romashka = await _create(client, headers, ROMASHKA)
    vector = await _create(client, headers, VECTOR)
    ivanov = await _create(client, headers, IVANOV)
    for cid, nodes in (
        (romashka["id"], [very_hot, large]),
        (vector["id"], [cold, large]),
        (ivanov["id"], [hot]),
    ):
        response = await client.put(
            f"/api/v1/clients/{cid}/categories", json={"node_ids": nodes}, headers=headers
        )
        assert response.status == 200

    async def ids(*nodes: int) -> set[int]:
        params = [("node", str(n)) for n in nodes]
        page = await (await client.get("/api/v1/clients", params=params, headers=headers)).json()
        return {item["id"] for item in page["items"]}

    assert await ids(hot) == {romashka["id"], ivanov["id"]}
    assert await ids(hot, large) == {romashka["id"]}
    assert await ids(hot, cold, large) == {romashka["id"], vector["id"]}
    counts = {
        n["id"]: n["client_count"]
        for n in await (await client.get("/api/v1/classifier/nodes", headers=headers)).json()
    }
    assert counts[temperature] == 3
    assert counts[hot] == 2


async def test_classifier_refuses_a_cycle(client: TestClient[Any, Any], api_token: Any) -> None:
    headers = await api_token("maria")
    top = (
        await (
            await client.post("/api/v1/classifier/nodes", json={"name": "A"}, headers=headers)
        ).json()
    )["id"]
    child = (
        await (
            await client.post(
                "/api/v1/classifier/nodes", json={"name": "B", "parent_ids": [top]}, headers=headers
            )
        ).json()
    )["id"]
    response = await client.patch(
        f"/api/v1/classifier/nodes/{top}",
        json={"name": "A", "parent_ids": [child]},
        headers=headers,
    )
    assert response.status == 422


async def test_list_sorts_and_paginates(client: TestClient[Any, Any], api_token: Any) -> None:
    headers = await api_token("maria")
    for body in (ROMASHKA, VECTOR, IVANOV):
        await _create(client, headers, body)
    page = await (
        await client.get(
            "/api/v1/clients", params={"sort": "-name", "per_page": "2"}, headers=headers
        )
    ).json()
    assert (page["has_more"], page["total"], page["total_exact"]) == (True, 3, True)
    assert [i["name"] for i in page["items"]] == ["ООО «Ромашка»", "Иванов Пётр Сергеевич"]
    counted = await client.get("/api/v1/clients/count", params={"sort": "-name"}, headers=headers)
    assert await counted.json() == {"count": 3, "exact": True}
    bad = await client.get("/api/v1/clients", params={"sort": "password"}, headers=headers)
    assert bad.status == 422


async def test_search_by_name_is_case_insensitive_in_cyrillic(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    await _create(client, headers, ROMASHKA)
    page = await (
        await client.get("/api/v1/clients", params={"q": "РОМАШ"}, headers=headers)
    ).json()
    assert page["total"] == 1


async def test_dealer_sees_no_clients_until_bound(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    created = await _create(client, await api_token("maria"), ROMASHKA)
    headers = await api_token("dima")
    page = await (await client.get("/api/v1/clients", headers=headers)).json()
    assert page["total"] == 0
    assert (await client.get(f"/api/v1/clients/{created['id']}", headers=headers)).status == 404


async def test_merge_moves_phones_notes_and_history(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")
    keep = await _create(client, headers, ROMASHKA)
    other = await _create(client, headers, {**VECTOR, "website": "vector.ru"})
    await client.post(
        f"/api/v1/clients/{other['id']}/notes", json={"text": "Звонили"}, headers=headers
    )
    from conftest import login, post_form

    await login(client, "maria")
    response = await post_form(
        client, f"/clients/{keep['id']}/merge", {"other_id": str(other["id"])}
    )
    assert response.status == 302
    merged = await (await client.get(f"/api/v1/clients/{keep['id']}", headers=headers)).json()
    assert merged["website"] == "vector.ru"
    assert {p["number"] for p in merged["phones"]} == {"+74951234567", "+79165551234"}
    notes = await (await client.get(f"/api/v1/clients/{keep['id']}/notes", headers=headers)).json()
    assert [n["text"] for n in notes] == ["Звонили"]
    gone = await (await client.get(f"/api/v1/clients/{other['id']}", headers=headers)).json()
    assert gone["archived"] is True
    assert gone["merged_into_id"] == keep["id"]
