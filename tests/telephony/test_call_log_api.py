"""The call log's JSON API as an integrator uses it: filters, pages, fields, who sees what."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from call_log_support import ROMASHKA, VECTOR, VECTOR_CONTACT, days_later, record, records
from conftest import login, post_form

from kompas_cc.core.actor import Actor
from kompas_cc.settings import Settings
from kompas_cc.telephony import service
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.webapp import keys

CALL_FIELDS = {
    "id", "linkedid", "direction", "caller", "callee", "queue", "answered_by", "operator_id",
    "started_at", "answered_at", "ended_at", "ring_seconds", "wait_seconds", "talk_seconds",
    "hold_seconds", "disposition", "voicemail", "hangup_by", "transfers", "legs", "client_id",
    "incomplete",
}  # fmt: skip


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Who sees a call depends on its client: here callers nobody knows stay without one,
    instead of becoming leads (calls_unknown_caller, docs/telephony.md)."""
    return replace(settings, calls_unknown_caller="nothing")


async def _client(client: TestClient[Any, Any], headers: dict[str, str], body: Any) -> int:
    response = await client.post("/api/v1/clients", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return int((await response.json())["id"])


async def _record(client: TestClient[Any, Any], *calls: CallRecord) -> list[int]:
    ids = []
    for call in calls:
        async with client.app[keys.UOW]() as uow:
            call_id = await service.record_call(uow, call, client.app[keys.CLOCK].now())
        assert call_id is not None
        ids.append(call_id)
    return ids


async def _get(client: TestClient[Any, Any], headers: dict[str, str], **params: Any) -> Any:
    response = await client.get("/api/v1/calls", params=params, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def _linkedids(client: TestClient[Any, Any], headers: dict[str, str], **params: Any) -> Any:
    return [item["linkedid"] for item in (await _get(client, headers, **params))["items"]]


@pytest.fixture
async def clients(client: TestClient[Any, Any], api_token: Any) -> dict[str, int]:
    """Romashka (CALLER's number) and Vector (CALLER2 is its contact person), led by maria."""
    maria = await api_token("maria")
    romashka = await _client(client, maria, ROMASHKA)
    vector = await _client(client, maria, VECTOR)
    added = await client.post(
        f"/api/v1/clients/{vector}/contacts", json=VECTOR_CONTACT, headers=maria
    )
    assert added.status == 201
    return {"romashka": romashka, "vector": vector}


# -- fields --------------------------------------------------------------------------------


async def test_a_call_has_exactly_the_documented_fields(
    client: TestClient[Any, Any], api_token: Any, clients: dict[str, int]
) -> None:
    (call_id,) = await _record(client, record("attended_transfer"))
    headers = await api_token("maria")

    (item,) = (await _get(client, headers))["items"]
    one = await (await client.get(f"/api/v1/calls/{call_id}", headers=headers)).json()

    assert set(item) == CALL_FIELDS
    assert one == item
    assert item["client_id"] == clients["romashka"]
    assert item["started_at"] == "2025-01-15T10:00:00Z"
    assert all(item[k].endswith("Z") for k in ("started_at", "answered_at", "ended_at"))
    assert item["transfers"] == [
        {"kind": "attended", "from": "101", "to": "102", "at": "2025-01-15T10:00:50.030000Z"}
    ]
    assert [set(leg) for leg in item["legs"]] == [
        {"party_a", "party_b", "started_at", "ended_at"}
    ] * 3
    assert (item["talk_seconds"], item["hold_seconds"], item["wait_seconds"]) == (105, 20, None)


# -- filters and pages ---------------------------------------------------------------------


@pytest.fixture
async def day(client: TestClient[Any, Any], clients: dict[str, int]) -> None:
    """A morning of calls on 2025-01-15 (UTC), plus one answered call a day later."""
    await _record(
        client,
        record("inbound_answered"),  # 09:00 anna, Romashka
        record("queue_ringall"),  # 09:10 boris, Romashka
        record("queue_abandoned"),  # 09:20 missed, Romashka
        record("click_to_call"),  # 10:10 outbound, dialled by anna
        record("internal_call"),  # 10:50 anna dials boris
        days_later(records("overlapping_calls")[1], 1, "next-day"),  # Vector, boris
    )


@pytest.mark.usefixtures("day")
async def test_the_log_is_newest_first_and_filters_combine(
    client: TestClient[Any, Any], api_token: Any, clients: dict[str, int]
) -> None:
    headers = await api_token("maria")

    everything = await _linkedids(client, headers)
    inbound = await _linkedids(client, headers, direction="inbound")
    answered_inbound = await _linkedids(
        client, headers, direction="inbound", disposition="answered"
    )
    abandoned = await _linkedids(client, headers, disposition="abandoned")
    vector = await _linkedids(client, headers, client_id=clients["vector"])

    assert everything == [
        "next-day",
        "1736938200.1201",
        "1736935800.801",
        "1736932800.301",
        "1736932200.201",
        "1736931600.101",
    ]
    assert inbound == ["next-day", "1736932800.301", "1736932200.201", "1736931600.101"]
    assert answered_inbound == ["next-day", "1736932200.201", "1736931600.101"]
    assert abandoned == ["1736932800.301"]
    assert vector == ["next-day"]


@pytest.mark.usefixtures("day")
async def test_an_extension_finds_the_calls_it_answered_or_dialled(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("admin")

    anna = await _linkedids(client, headers, extension="101")
    boris = await _linkedids(client, headers, extension="102")

    assert anna == ["1736938200.1201", "1736935800.801", "1736931600.101"]
    assert boris == ["next-day", "1736938200.1201", "1736932200.201"]


@pytest.mark.usefixtures("day")
async def test_since_and_until_bound_the_start_in_any_zone(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("admin")

    moscow_morning = await _linkedids(
        client, headers, since="2025-01-15T12:05:00+03:00", until="2025-01-15T13:15:00+03:00"
    )
    utc_without_zone = await _linkedids(client, headers, since="2025-01-16T00:00:00")
    until_is_excluded = await _linkedids(client, headers, until="2025-01-15T09:10:00Z")

    assert moscow_morning == ["1736935800.801", "1736932800.301", "1736932200.201"]
    assert utc_without_zone == ["next-day"]
    assert until_is_excluded == ["1736931600.101"]


@pytest.mark.usefixtures("day")
async def test_pages_split_the_log_and_count_it_all(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")

    pages = [await _get(client, headers, per_page=4, page=n) for n in (1, 2, 3)]

    assert [len(p["items"]) for p in pages] == [4, 2, 0]
    assert [(p["total"], p["has_more"], p["page"], p["per_page"]) for p in pages] == [
        (6, True, 1, 4),
        (6, False, 2, 4),
        (6, False, 3, 4),
    ]
    assert [i["linkedid"] for p in pages for i in p["items"]] == await _linkedids(client, headers)


@pytest.mark.parametrize(
    "params",
    [
        {"direction": "sideways"},
        {"disposition": "voicemail"},
        {"since": "yesterday"},
        {"since": "0001-01-01T00:00:00+05:00"},
        {"since": "2025-01-16T00:00:00Z", "until": "2025-01-15T00:00:00Z"},
        {"extension": "10 1"},
        {"extension": "1" * 33},
        {"client_id": "0"},
        {"per_page": "501"},
        {"page": "0"},
        {"colour": "red"},
    ],
)
async def test_bad_filters_are_refused_with_the_field_named(
    client: TestClient[Any, Any], api_token: Any, params: dict[str, str]
) -> None:
    response = await client.get("/api/v1/calls", params=params, headers=await api_token("admin"))

    assert response.status == 422
    error = await response.json()
    assert error["error_id"] == "validation-failed"
    assert set(error["fields"]) & (set(params) | {"body"})


async def test_an_unknown_call_is_a_json_404(client: TestClient[Any, Any], api_token: Any) -> None:
    response = await client.get("/api/v1/calls/999", headers=await api_token("admin"))

    assert response.status == 404
    assert (await response.json())["error_id"] == "no-such-call"


# -- who sees what -------------------------------------------------------------------------


@pytest.fixture
async def seen(client: TestClient[Any, Any], clients: dict[str, int]) -> dict[str, int]:
    """Four calls: anna's with Romashka, boris's with Vector, boris's internal call from
    anna (no client), and boris's call from a number nobody knows."""
    ids = await _record(
        client,
        record("inbound_answered"),
        records("overlapping_calls")[1],
        record("internal_call"),
        replace(record("queue_ringall"), caller="74997654321"),
    )
    return dict(zip(("anna_romashka", "boris_vector", "internal", "stranger"), ids, strict=True))


async def _visible(client: TestClient[Any, Any], api_token: Any, who: str) -> set[int]:
    page = await _get(client, await api_token(who))
    return {item["id"] for item in page["items"]}


async def test_admins_and_managers_see_every_call_operators_theirs_and_their_clients(
    client: TestClient[Any, Any], api_token: Any, seen: dict[str, int]
) -> None:
    everything = set(seen.values())

    assert await _visible(client, api_token, "admin") == everything
    assert await _visible(client, api_token, "maria") == everything
    assert await _visible(client, api_token, "anna") == {
        seen["anna_romashka"],
        seen["boris_vector"],
    }
    assert await _visible(client, api_token, "boris") == everything
    anna = await api_token("anna")
    hidden = await client.get(f"/api/v1/calls/{seen['stranger']}", headers=anna)
    assert hidden.status == 404


async def test_dealers_get_no_call_log(
    client: TestClient[Any, Any], api_token: Any, seen: dict[str, int]
) -> None:
    dima = await api_token("dima")

    listed = await client.get("/api/v1/calls", headers=dima)
    one = await client.get(f"/api/v1/calls/{seen['anna_romashka']}", headers=dima)

    assert (listed.status, one.status) == (403, 403)
    assert (await listed.json())["error_id"] == "forbidden"


class TestOwnClientsOnly:
    """With client_visibility = "own" an operator sees the calls of the clients they lead."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return replace(settings, client_visibility="own")

    async def test_operators_see_their_own_calls_and_their_own_clients_calls(
        self,
        client: TestClient[Any, Any],
        api_token: Any,
        users: dict[str, Actor],
        seen: dict[str, int],
    ) -> None:
        maria = await api_token("maria")
        anna_leads = {"kind": "legal", "name": "ИП Орлов", "phones": [{"number": "74997654321"}]}
        created = await client.post("/api/v1/clients", json=anna_leads, headers=maria)
        orlov = (await created.json())["id"]
        patched = await client.patch(
            f"/api/v1/clients/{orlov}", json={"manager_id": users["anna"].id}, headers=maria
        )
        assert patched.status == 200, await patched.text()
        (orlov_call,) = await _record(
            client, replace(record("queue_ringall"), linkedid="orlov", caller="84997654321")
        )

        assert await _visible(client, api_token, "anna") == {seen["anna_romashka"], orlov_call}
        assert await _visible(client, api_token, "maria") == {*seen.values(), orlov_call}


# -- merged clients ------------------------------------------------------------------------


async def test_calls_follow_a_client_merged_into_another(
    client: TestClient[Any, Any], clients: dict[str, int]
) -> None:
    (call_id,) = await _record(client, record("inbound_answered"))
    await login(client, "maria")

    merged = await post_form(
        client, f"/clients/{clients['vector']}/merge", {"other_id": str(clients["romashka"])}
    )

    assert merged.status == 302
    one = await client.get(f"/api/v1/calls/{call_id}")
    assert (await one.json())["client_id"] == clients["vector"]
