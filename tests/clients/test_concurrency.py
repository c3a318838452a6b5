"""Concurrent readers and writers on one database: nobody gets "database is locked"."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient


async def test_parallel_lookups_and_writes_all_succeed(
    client: TestClient[Any, Any], api_token: Any
) -> None:
    headers = await api_token("maria")

    async def create(n: int) -> int:
        body = {
            "kind": "legal",
            "name": f"ООО «Параллель {n}»",
            "phones": [{"number": f"+7495100{n:04d}"}],
        }
        response = await client.post("/api/v1/clients", json=body, headers=headers)
        return response.status

    async def lookup(n: int) -> int:
        response = await client.get(
            "/api/v1/clients/lookup", params={"phone": f"8495100{n:04d}"}, headers=headers
        )
        return response.status

    async def note(cid: int, n: int) -> int:
        response = await client.post(
            f"/api/v1/clients/{cid}/notes", json={"text": f"Звонок {n}"}, headers=headers
        )
        return response.status

    first = await create(9999)
    assert first == 201
    statuses = await asyncio.gather(
        *(create(n) for n in range(15)),
        *(lookup(n) for n in range(30)),
        *(note(1, n) for n in range(15)),
    )
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(201) == 30
    notes = await (await client.get("/api/v1/clients/1/notes", headers=headers)).json()
    assert len(notes) == 15
