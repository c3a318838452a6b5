"""Every route states who may use it; anonymous and wrong-role requests are refused."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from conftest import login, post_form

from kompas_cc.core.actor import Role
from kompas_cc.webapp.routing import spec_of

PUBLIC_PATHS = {
    "/login",
    "/locale",
    "/healthz",
    "/api/v1/openapi.json",
    "/api/v1/auth/token",
    # The calendar feed: the secret token in the address is its credential.
    "/organizer/calendar/1.ics",
}


def _routes(app: web.Application) -> list[tuple[str, str, Any]]:
    out = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("formatter") or info.get("path")
        if not path or route.method == "HEAD" or "prefix" in info:
            continue
        concrete = re.sub(r"\{\w+(:[^}]*)?\}", "1", path)
        out.append((route.method, concrete, route.handler))
    return out


def test_every_route_declares_its_roles(app: web.Application) -> None:
    undeclared = [(m, p) for m, p, h in _routes(app) if spec_of(h) is None]
    assert undeclared == []


def test_only_known_routes_are_public(app: web.Application) -> None:
    public = {p for m, p, h in _routes(app) if spec_of(h).roles is None}  # type: ignore[union-attr]
    assert public == PUBLIC_PATHS


async def test_anonymous_requests_to_private_routes_are_refused(
    client: TestClient[Any, Any],
) -> None:
    for method, path, handler in _routes(client.app):
        if spec_of(handler).roles is None:  # type: ignore[union-attr]
            continue
        response = await client.request(method, path, allow_redirects=False)
        if path.startswith("/api/"):
            assert response.status == 401, (method, path)
            assert (await response.json())["error_id"] == "not-authenticated"
        elif method == "GET":
            assert response.status == 302, (method, path)
            assert response.headers["Location"].startswith("/login?next=")
        else:
            assert response.status in (401, 403), (method, path)


async def test_operator_cannot_reach_admin_routes(client: TestClient[Any, Any]) -> None:
    await login(client, "anna")
    admin_only = [
        (m, p)
        for m, p, h in _routes(client.app)
        if (spec := spec_of(h)) is not None and spec.roles == frozenset({Role.ADMIN})
    ]
    assert admin_only, "there are admin routes to check"
    for method, path in admin_only:
        if method == "GET":
            response = await client.get(path, allow_redirects=False)
        else:
            response = await post_form(client, path, {})
        assert response.status == 403, (method, path)


async def test_post_without_csrf_token_is_refused(client: TestClient[Any, Any]) -> None:
    await login(client, "maria")
    response = await client.post(
        "/clients/new", data={"kind": "legal", "name": "X"}, allow_redirects=False
    )
    assert response.status == 403
    response = await client.post(
        "/clients/new",
        data={"kind": "legal", "name": "X", "_csrf": "forged"},
        allow_redirects=False,
    )
    assert response.status == 403


async def test_tampered_session_cookie_is_treated_as_anonymous(
    client: TestClient[Any, Any],
) -> None:
    await login(client, "admin")
    assert (await client.get("/admin/users", allow_redirects=False)).status == 200
    jar = client.session.cookie_jar
    cookie = next(c for c in jar if c.key == "kompas_session")
    payload, signature = cookie.value.rsplit(".", 1)
    jar.clear()
    jar.update_cookies(
        {"kompas_session": payload + "x." + signature}, response_url=client.make_url("/")
    )
    response = await client.get("/admin/users", allow_redirects=False)
    assert response.status == 302
