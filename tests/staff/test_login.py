"""Logging in and out, lock-out after failures, API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import PASSWORD, login, post_form

from kompas_cc.core.clock import FakeClock


async def test_login_with_right_password_opens_the_panel(client: TestClient[Any, Any]) -> None:
    await login(client, "maria")
    response = await client.get("/clients")
    assert response.status == 200
    assert "Мария Петрова" in await response.text()


async def test_login_with_wrong_password_shows_error(client: TestClient[Any, Any]) -> None:
    await client.get("/login")
    response = await post_form(client, "/login", {"login": "maria", "password": "nope"})
    assert response.status == 401
    assert "kompas_session" in {c.key for c in client.session.cookie_jar}
    assert (await client.get("/clients", allow_redirects=False)).status == 302


async def test_repeated_failures_lock_the_account_for_a_while(
    client: TestClient[Any, Any], clock: FakeClock
) -> None:
    await client.get("/login")
    for _ in range(3):
        await post_form(client, "/login", {"login": "boris", "password": "wrong"})
    locked = await post_form(client, "/login", {"login": "boris", "password": PASSWORD})
    assert locked.status == 401
    clock.advance(timedelta(minutes=6))
    await login(client, "boris")


async def test_logout_ends_the_session(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    response = await post_form(client, "/logout", {})
    assert response.status == 302
    assert (await client.get("/clients", allow_redirects=False)).status == 302


async def test_login_redirects_only_to_local_paths(client: TestClient[Any, Any]) -> None:
    await client.get("/login")
    response = await post_form(
        client,
        "/login",
        {"login": "anna", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == "/"


async def test_api_token_authorises_and_can_be_revoked(client: TestClient[Any, Any]) -> None:
    response = await client.post(
        "/api/v1/auth/token", json={"username": "maria", "password": PASSWORD}
    )
    assert response.status == 200
    token = (await response.json())["token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = await client.get("/api/v1/me", headers=headers)
    assert (await me.json())["login"] == "maria"

    await login(client, "maria")
    profile = await client.get("/profile")
    assert token[:12] in await profile.text()
    token_id = 1
    revoked = await post_form(client, f"/profile/tokens/{token_id}/revoke", {})
    assert revoked.status == 302
    client.session.cookie_jar.clear()
    assert (await client.get("/api/v1/me", headers=headers)).status == 401


async def test_api_token_with_wrong_password_is_refused(client: TestClient[Any, Any]) -> None:
    response = await client.post(
        "/api/v1/auth/token", json={"username": "maria", "password": "bad"}
    )
    assert response.status == 401
    body = await response.json()
    assert body["error_id"] == "bad-credentials"
