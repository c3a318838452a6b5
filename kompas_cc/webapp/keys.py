"""Typed application keys: every shared object of the web app is reached through one of these."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from kompas_cc.core.actor import Actor
from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import Clock
from kompas_cc.db.fastread import FastReader
from kompas_cc.db.uow import UowFactory
from kompas_cc.scheduler import Scheduler
from kompas_cc.settings import Settings
from kompas_cc.telephony.ami import AmiConnection
from kompas_cc.webapp.panels import PanelRegistry
from kompas_cc.webapp.sessions import Session


@dataclass(frozen=True, slots=True)
class ActorResolver:
    """How the web layer learns who is asking, wired by the composition root to staff."""

    by_session: Callable[[int, int], Awaitable[Actor | None]]
    by_token: Callable[[str], Awaitable[Actor | None]]


SETTINGS = web.AppKey("settings", Settings)
BUS = web.AppKey("bus", Bus)
CLOCK = web.AppKey("clock", Clock)
UOW: web.AppKey[UowFactory] = web.AppKey("uow")
READER: web.AppKey[FastReader] = web.AppKey("fast_reader")
ACTORS = web.AppKey("actors", ActorResolver)
SECRET = web.AppKey("secret", bytes)
OPENAPI: web.AppKey[dict[str, Any]] = web.AppKey("openapi")
SCHEDULER = web.AppKey("scheduler", Scheduler)
#: Present only when settings.ami_enabled.
AMI = web.AppKey("ami", AmiConnection)
PANELS = web.AppKey("panels", PanelRegistry)

# Per-request storage, set by the middlewares.
REQUEST_ID = web.RequestKey("request_id", str)
SESSION = web.RequestKey("session", Session)
ACTOR: web.RequestKey[Actor | None] = web.RequestKey("actor")
BEARER = web.RequestKey("bearer", bool)
LOCALE = web.RequestKey("locale", str)
