"""Composition root: builds the aiohttp application and wires domains together.

Every long-lived resource is one cleanup_ctx generator here, started in order and
stopped in reverse.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from kompas_cc.clients import access as clients_access
from kompas_cc.clients import api as clients_api
from kompas_cc.clients import classifier_service as clients_classifier
from kompas_cc.clients import dossier as clients_dossier
from kompas_cc.clients import handlers as clients_handlers
from kompas_cc.clients import import_handlers as clients_import
from kompas_cc.clients import subscribers as clients_subscribers
from kompas_cc.clients.facet_store import FacetStore
from kompas_cc.clients.lookup_cache import LookupCache
from kompas_cc.clients.timeline import TimelineRegistry
from kompas_cc.core.actor import Actor
from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import Clock, SystemClock
from kompas_cc.core.ttlcache import TtlCache
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.fastread import open_reader
from kompas_cc.db.uow import make_uow_factory
from kompas_cc.settings import Settings
from kompas_cc.staff import handlers as staff_handlers
from kompas_cc.staff import service as staff_service
from kompas_cc.staff.events import CredentialsChanged
from kompas_cc.webapp import keys, shell
from kompas_cc.webapp.middlewares import MIDDLEWARES
from kompas_cc.webapp.templates import STATIC_DIR, setup_templates

logger = logging.getLogger(__name__)

SECRET_FILE_NAME = "secret_key"


def load_secret(settings: Settings) -> bytes:
    """The configured secret, or one generated once and kept under var/ (demo, first start)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.var_dir) / SECRET_FILE_NAME
    if path.is_file():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48).encode()
    path.write_bytes(secret)
    path.chmod(0o600)
    return secret


def build_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    app = web.Application(
        middlewares=MIDDLEWARES,
        client_max_size=settings.upload_max_bytes + 1024 * 1024,
    )
    bus = Bus()
    app[keys.SETTINGS] = settings
    app[keys.BUS] = bus
    app[keys.CLOCK] = clock or SystemClock()
    app[keys.SECRET] = load_secret(settings)
    app[clients_handlers.POLICY] = clients_policy(settings)
    app[clients_handlers.LOOKUP_CACHE] = lookup_cache = LookupCache()
    app[clients_handlers.TREES] = trees = clients_classifier.TreeCache()
    clients_subscribers.register(bus, lookup_cache)
    app[clients_handlers.TIMELINE] = timeline = TimelineRegistry()
    timeline.register({"note", "file", "change"}, clients_dossier.timeline_source)
    setup_templates(app)

    async def database(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app[keys.UOW] = make_uow_factory(create_session_factory(engine), bus)
        app[keys.ACTORS] = _actor_resolver(app, bus)
        app[keys.READER] = reader = await open_reader(settings.database_url)
        app[clients_handlers.FACETS] = facets = FacetStore(reader)
        clients_subscribers.register_lists(bus, facets, trees)
        facets.start()
        yield
        await bus.drain()
        await facets.stop()
        await reader.close()
        await engine.dispose()

    app.cleanup_ctx.append(database)
    for table in (
        shell.routes,
        staff_handlers.routes,
        clients_handlers.routes,
        clients_api.routes,
        clients_import.routes,
    ):
        app.add_routes(table.table)
    app.router.add_static("/static/", STATIC_DIR, name="static", append_version=True)
    shell.add_openapi(app)
    return app


def clients_policy(settings: Settings) -> clients_access.ClientsPolicy:
    return clients_access.ClientsPolicy(
        visibility=settings.client_visibility,
        region=settings.default_region,
        uploads_dir=settings.uploads_dir,
        upload_max_bytes=settings.upload_max_bytes,
        upload_allowed_types=settings.upload_allowed_types,
    )


#: How long an API token's owner is remembered between requests. Revoking a token, or
#: changing a user's password, role or active flag, clears the cache at once in this
#: process; other processes notice within this time.
TOKEN_CACHE_TTL_S = 10.0
TOKEN_CACHE_SIZE = 10_000


def _actor_resolver(app: web.Application, bus: Bus) -> keys.ActorResolver:
    tokens: TtlCache[str, Actor] = TtlCache(TOKEN_CACHE_TTL_S, TOKEN_CACHE_SIZE)
    bus.subscribe(CredentialsChanged, lambda _event: tokens.clear())
    pending: dict[str, asyncio.Future[Actor | None]] = {}

    async def by_session(user_id: int, version: int) -> Actor | None:
        async with app[keys.UOW](write=False) as uow:
            return await staff_service.actor_for_session(uow, user_id, version)

    async def resolve_token(token: str) -> Actor | None:
        now = app[keys.CLOCK].now()
        async with app[keys.UOW](write=False) as uow:
            owner = await staff_service.owner_of_token(uow, token, now)
        if owner is None:
            return None
        if owner.stale_use:
            async with app[keys.UOW]() as uow:
                await staff_service.mark_token_used(uow, owner.token_id, now)
        tokens.put(token, owner.actor)
        return owner.actor

    async def by_token(token: str) -> Actor | None:
        """From the cache; on a miss, one lookup shared by every request waiting for it."""
        cached = tokens.get(token)
        if cached is not None:
            return cached
        waiting = pending.get(token)
        if waiting is None:
            waiting = asyncio.ensure_future(resolve_token(token))
            pending[token] = waiting
            waiting.add_done_callback(lambda _f: pending.pop(token, None))
        return await asyncio.shield(waiting)

    return keys.ActorResolver(by_session=by_session, by_token=by_token)
