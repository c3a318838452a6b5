"""Routes of the panel itself: home, OpenAPI document, health check."""

from __future__ import annotations

from aiohttp import web

from kompas_cc import __version__
from kompas_cc.core.actor import ALL_ROLES
from kompas_cc.webapp import keys
from kompas_cc.webapp.context import actor, json_response
from kompas_cc.webapp.openapi import build_openapi
from kompas_cc.webapp.routing import Routes

routes = Routes(tag="panel")


@routes.get("/", roles=ALL_ROLES, name="home")
async def home(request: web.Request) -> web.Response:
    actor(request)
    raise web.HTTPFound("/clients")


@routes.get("/healthz", roles=None)
async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok", "version": __version__})


@routes.get("/api/v1/openapi.json", roles=None, name="openapi")
async def openapi(request: web.Request) -> web.Response:
    return json_response(request.app[keys.OPENAPI])


def add_openapi(app: web.Application) -> None:
    """Build the document once, after every route is registered."""
    app[keys.OPENAPI] = build_openapi(app, "KOMPAS API", __version__)
