"""Uploads larger than the limit or of a refused type get a clear message and store nothing."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from conftest import csrf_of, login, post_form

from kompas_cc.settings import Settings

LIMIT = 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, upload_max_bytes=LIMIT)


async def _upload(client: TestClient[Any, Any], cid: int, name: str, body: bytes) -> Any:
    data = FormData()
    data.add_field("_csrf", csrf_of(client))
    data.add_field("file", io.BytesIO(body), filename=name, content_type="application/octet-stream")
    return await client.post(f"/clients/{cid}/files", data=data, allow_redirects=False)


async def test_oversize_upload_is_refused_with_the_limit_named(
    client: TestClient[Any, Any],
) -> None:
    await login(client, "maria")
    created = await post_form(client, "/clients/new", {"kind": "legal", "name": "ООО «Ромашка»"})
    cid = int(created.headers["Location"].rsplit("/", 1)[1])
    refused = await _upload(client, cid, "scan.pdf", b"%PDF" + b"0" * (LIMIT * 2))
    assert refused.status == 302
    card = await (await client.get(f"/clients/{cid}")).text()
    assert "scan.pdf" not in card
    assert "MB" in card or "МБ" in card
    huge = await _upload(client, cid, "huge.pdf", b"0" * (2 * 1024 * 1024))
    assert huge.status == 413
    assert huge.headers["Content-Type"].startswith("text/html")


async def test_api_files_are_listed_only_when_accepted(client: TestClient[Any, Any]) -> None:
    await login(client, "maria")
    created = await post_form(client, "/clients/new", {"kind": "legal", "name": "АО «Вектор»"})
    cid = int(created.headers["Location"].rsplit("/", 1)[1])
    assert (await _upload(client, cid, "ok.txt", b"hello")).status == 302
    assert (await _upload(client, cid, "bad.exe", b"MZ")).status == 302
    card = await (await client.get(f"/clients/{cid}")).text()
    assert "ok.txt" in card
    assert "bad.exe" not in card.split('id="files"')[1]


async def test_a_broken_multipart_body_is_a_clear_400_not_a_crash(
    client: TestClient[Any, Any],
) -> None:
    await login(client, "maria")
    created = await post_form(client, "/clients/new", {"kind": "legal", "name": "ООО «Лютик»"})
    cid = int(created.headers["Location"].rsplit("/", 1)[1])
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n'
        + csrf_of(client).encode()
        + b"\r\n--XyZ\r\nContent-Disposition form-data broken header\r\n\r\nabc\r\n--XyZ--\r\n"
    )
    response = await client.post(
        f"/clients/{cid}/files",
        data=body,
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
        allow_redirects=False,
    )
    assert response.status == 400
    assert "Не удалось прочитать" in await response.text()
