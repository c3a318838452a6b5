"""The OpenAPI document describes the API the handlers serve; schemathesis holds them to it."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient
from conftest import PASSWORD

SCHEMATHESIS_CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
#: Per-operation settings: the 5xx answers some operations document (see the file).
SCHEMATHESIS_CONFIG = Path(__file__).with_name("schemathesis.toml")


async def test_openapi_document_lists_the_client_api(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    doc = await response.json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/clients/lookup" in doc["paths"]
    assert "post" in doc["paths"]["/api/v1/clients"]
    assert "ClientIn" in doc["components"]["schemas"]


def _st_command() -> str:
    return str(Path(sys.executable).with_name("st"))


async def test_api_conforms_to_its_openapi_document(
    aiohttp_server: Any, app: web.Application, users: Any, tmp_path: Path
) -> None:
    """Random valid and invalid requests to every operation: never a 5xx, and every
    answer matches the documented status codes and schemas."""
    server = await aiohttp_server(app)
    base = f"http://127.0.0.1:{server.port}"
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{base}/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}
        ) as response,
    ):
        token = (await response.json())["token"]
    process = await asyncio.create_subprocess_exec(
        _st_command(),
        "--config-file",
        str(SCHEMATHESIS_CONFIG),
        "run",
        f"{base}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        SCHEMATHESIS_CHECKS,
        "--max-examples",
        os.environ.get("KOMPAS_SCHEMATHESIS_EXAMPLES", "15"),
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--seed",
        "20261201",
        "--exclude-path",
        "/api/v1/auth/token",
        "--no-color",
        "--report-dir",
        str(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-6000:]
