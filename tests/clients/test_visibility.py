"""With client_visibility = "own", managers and operators see only the clients they lead."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from kompas_cc.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, client_visibility="own")


async def test_own_visibility_hides_other_managers_clients(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    maria = await api_token("maria")
    body = {"kind": "legal", "name": "ООО «Ромашка»", "phones": [{"number": "+74951234567"}]}
    created = await (await client.post("/api/v1/clients", json=body, headers=maria)).json()
    anna = await api_token("anna")
    admin = await api_token("admin")
    for headers, expected in ((maria, 1), (anna, 0), (admin, 1)):
        page = await (await client.get("/api/v1/clients", headers=headers)).json()
        assert page["total"] == expected
        found = await (
            await client.get(
                "/api/v1/clients/lookup", params={"phone": "84951234567"}, headers=headers
            )
        ).json()
        assert len(found) == expected
    assert (await client.get(f"/api/v1/clients/{created['id']}", headers=anna)).status == 404
