"""Composition root: builds the aiohttp application and wires domains together.

Every long-lived resource is one cleanup_ctx generator here, started in order and
stopped in reverse.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp_jinja2
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
from kompas_cc.db.engine import create_engine, create_session_factory, is_sqlite
from kompas_cc.db.fastread import open_reader
from kompas_cc.db.uow import make_uow_factory
from kompas_cc.notifications import api as notifications_api
from kompas_cc.notifications import handlers as notifications_handlers
from kompas_cc.notifications import jobs as notifications_jobs
from kompas_cc.notifications import service as notifications_service
from kompas_cc.notifications import subscribers as notifications_subscribers
from kompas_cc.notifications.channels import ChannelRegistry
from kompas_cc.notifications.counts import UnreadCounts
from kompas_cc.notifications.web_channel import Missed, WebChannel, greeter
from kompas_cc.organizer import api as organizer_api
from kompas_cc.organizer import calendar_handlers as organizer_calendar_handlers
from kompas_cc.organizer import contact_handlers as organizer_contact_handlers
from kompas_cc.organizer import contacts as organizer_contacts
from kompas_cc.organizer import digest as organizer_digest
from kompas_cc.organizer import file_api as organizer_file_api
from kompas_cc.organizer import file_handlers as organizer_file_handlers
from kompas_cc.organizer import file_subscribers as organizer_file_subscribers
from kompas_cc.organizer import handlers as organizer_handlers
from kompas_cc.organizer import jobs as organizer_jobs
from kompas_cc.organizer import meeting_api as organizer_meeting_api
from kompas_cc.organizer import meeting_handlers as organizer_meeting_handlers
from kompas_cc.organizer import meeting_service as organizer_meetings
from kompas_cc.organizer import plan_api as organizer_plan_api
from kompas_cc.organizer import plan_handlers as organizer_plan_handlers
from kompas_cc.organizer import plan_subscribers as organizer_plan_subscribers
from kompas_cc.organizer import service as organizer_service
from kompas_cc.organizer import subscribers as organizer_subscribers
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.organizer.workdays import WorkCalendar
from kompas_cc.scheduler import Scheduler, server_name
from kompas_cc.scheduling.events import JobScheduled
from kompas_cc.scheduling.pgwake import PgWakeListener
from kompas_cc.settings import Settings
from kompas_cc.staff import handlers as staff_handlers
from kompas_cc.staff import service as staff_service
from kompas_cc.staff.events import CredentialsChanged
from kompas_cc.telephony import api as telephony_api
from kompas_cc.telephony import handlers as telephony_handlers
from kompas_cc.telephony import load_handlers as telephony_load
from kompas_cc.telephony import service as telephony_service
from kompas_cc.telephony import subscribers as telephony_subscribers
from kompas_cc.telephony.ami import AmiConnection
from kompas_cc.telephony.amilink import AmiConfig
from kompas_cc.telephony.call_task_rules import CallTaskRules
from kompas_cc.telephony.calls import CallTracker
from kompas_cc.telephony.ingest import CallIngest
from kompas_cc.webapp import keys, shell, ws
from kompas_cc.webapp.middlewares import MIDDLEWARES
from kompas_cc.webapp.panels import PanelRegistry
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
    timeline.register({"call"}, telephony_service.timeline_source)
    timeline.register({"task"}, organizer_service.timeline_source)
    timeline.register({"contact", "planned_contact"}, organizer_contacts.timeline_source)
    timeline.register({"meeting"}, organizer_meetings.timeline_source)
    app[organizer_handlers.POLICY] = OrganizerPolicy(clients=app[clients_handlers.POLICY])
    organizer_file_subscribers.register(bus, app[organizer_handlers.POLICY].uploads)
    app[organizer_plan_handlers.CALENDAR] = WorkCalendar.from_settings(
        settings.plan_holidays, settings.plan_working_weekends
    )
    app[keys.PANELS] = PanelRegistry()
    organizer_handlers.register_panels(app)
    organizer_meeting_handlers.register_panels(app)
    organizer_file_handlers.register_panels(app)
    setup_templates(app)
    # The "Dial" button beside phone numbers (telephony's click-to-call) shows when AMI is on.
    aiohttp_jinja2.get_env(app).globals["click_to_call"] = settings.ami_enabled
    app[keys.SCHEDULER] = jobs = Scheduler(app[keys.CLOCK], name=server_name(settings.http_port))
    bus.subscribe(JobScheduled, jobs.on_job_scheduled)
    organizer_jobs.register(jobs)
    app[ws.HUB] = hub = ws.Hub()
    unread, missed = _notifications(app, bus, jobs, hub)

    async def database(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app[keys.UOW] = make_uow_factory(create_session_factory(engine), bus)
        app[keys.ACTORS] = _actor_resolver(app, bus)
        app[keys.READER] = reader = await open_reader(settings.database_url)
        app[clients_handlers.FACETS] = facets = FacetStore(reader)
        clients_subscribers.register_lists(bus, facets, trees)
        telephony_subscribers.register(bus, app[keys.UOW])
        telephony_subscribers.register_call_tasks(
            bus, app[keys.UOW], CallTaskRules.from_settings(settings), app[keys.CLOCK]
        )
        organizer_subscribers.register(bus, app[keys.UOW])
        organizer_plan_subscribers.register(bus, app[keys.UOW])
        facets.start()
        yield
        await bus.drain()
        await facets.stop()
        await reader.close()
        await engine.dispose()

    app.cleanup_ctx.append(database)

    async def scheduling(app: web.Application) -> AsyncIterator[None]:
        """After the database: unread counts for the bell, then the scheduler's loop."""
        async with app[keys.UOW](write=False) as uow:
            unread.load(await notifications_service.unread_by_user(uow))
        hub.greeter = greeter(app[keys.UOW], unread, missed)
        await jobs.start(app[keys.UOW])
        listener = (
            None
            if is_sqlite(settings.database_url)
            else PgWakeListener(settings.database_url, jobs)
        )
        if listener is not None:
            listener.start()
        yield
        if listener is not None:
            await listener.stop()
        await jobs.stop()

    app.cleanup_ctx.append(scheduling)
    if settings.ami_enabled:
        app.cleanup_ctx.append(_ami_link(settings, bus))
    for table in (
        shell.routes,
        staff_handlers.routes,
        clients_handlers.routes,
        clients_api.routes,
        clients_import.routes,
        telephony_handlers.routes,
        telephony_load.routes,
        telephony_api.routes,
        notifications_handlers.routes,
        notifications_api.routes,
        organizer_handlers.routes,
        organizer_calendar_handlers.routes,
        organizer_contact_handlers.routes,
        organizer_api.routes,
        organizer_meeting_handlers.routes,
        organizer_meeting_api.routes,
        organizer_plan_handlers.routes,
        organizer_plan_api.routes,
        organizer_file_handlers.routes,
        organizer_file_api.routes,
        ws.routes,
    ):
        app.add_routes(table.table)
    app.router.add_static("/static/", STATIC_DIR, name="static", append_version=True)
    shell.add_openapi(app)
    return app


def _notifications(
    app: web.Application, bus: Bus, jobs: Scheduler, hub: ws.Hub
) -> tuple[UnreadCounts, Missed]:
    """Notifications reach users through channels: the web panel's sockets now; e-mail and
    Telegram are added here as durable channels (`channels.add_durable`)."""
    channels = ChannelRegistry()
    web_channel = WebChannel(hub)
    channels.add_live(web_channel)
    unread = UnreadCounts()
    notifications_subscribers.register(bus, channels, unread)
    notifications_jobs.register(jobs, channels)
    organizer_digest.register(jobs)
    notifications_handlers.install_bell(app, unread)
    bus.subscribe(CredentialsChanged, lambda event: hub.disconnect(event.user_id))

    async def close_sockets(_app: web.Application) -> None:
        await hub.close_all()

    app.on_shutdown.append(close_sockets)
    return unread, web_channel.missed


def _ami_link(settings: Settings, bus: Bus) -> Callable[[web.Application], AsyncIterator[None]]:
    """The AMI connection and the call log it feeds: every event goes to the call tracker,
    every finished call into the database (telephony.ingest)."""

    async def ami_link(app: web.Application) -> AsyncIterator[None]:
        tracker = CallTracker(trunk_patterns=[trunk.pattern for trunk in settings.trunks])
        calls = CallIngest(app[keys.UOW], app[keys.CLOCK], tracker, region=settings.default_region)
        link = AmiConnection(
            AmiConfig.from_settings(settings), clock=app[keys.CLOCK], sink=calls.accept
        )
        app[keys.AMI] = link
        calls.start()
        link.start()
        yield
        await link.close()
        await calls.stop()

    return ami_link


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
