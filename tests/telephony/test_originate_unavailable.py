"""Click-to-call without a connected exchange: a clear 503 at once, and no button to press."""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import PASSWORD, login, post_form

from kompas_cc.app import build_app
from kompas_cc.core.actor import Actor
from kompas_cc.core.clock import FakeClock
from kompas_cc.settings import Settings

ORIGINATE = "/api/v1/calls/originate"


async def test_click_to_call_with_ami_off_is_a_503(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    response = await client.post(
        ORIGINATE, json={"number": "+79161234567"}, headers=await api_token("anna")
    )

    assert response.status == 503
    assert (await response.json())["error_id"] == "ami-unavailable"


async def test_click_to_call_while_the_exchange_is_unreachable_is_a_503_at_once(
    aiohttp_client: Any, settings: Settings, clock: FakeClock, users: dict[str, Actor]
) -> None:
    """The user is not kept waiting for a link that is down: no action timeout passes."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    down = replace(
        settings, ami_enabled=True, ami_host="127.0.0.1", ami_port=closed_port, ami_secret="x"
    )
    client = await aiohttp_client(build_app(down, clock=clock))
    token = await client.post("/api/v1/auth/token", json={"username": "anna", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {(await token.json())['token']}"}

    response = await client.post(ORIGINATE, json={"number": "+79161234567"}, headers=headers)

    assert response.status == 503
    assert (await response.json())["error_id"] == "ami-unavailable"
    await client.close()


async def test_without_ami_the_card_has_no_dial_button_and_the_form_explains(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    created = await client.post(
        "/api/v1/clients",
        json={"kind": "legal", "name": "АО «Вектор»", "phones": [{"number": "+74957654321"}]},
        headers=await api_token("admin"),
    )
    client_id = (await created.json())["id"]
    await login(client, "anna")

    card = await (await client.get(f"/clients/{client_id}")).text()
    response = await post_form(
        client, "/calls/dial", {"number": "+74957654321", "back": "https://evil.example/"}
    )

    assert 'action="/calls/dial"' not in card
    assert response.status == 302
    assert response.headers["Location"] == "/calls"
    shown = await (await client.get("/calls")).text()
    assert "Нет связи с АТС" in shown
