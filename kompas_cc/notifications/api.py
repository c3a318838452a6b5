"""JSON API v1 of notifications: the current user's list, unread count, read, snooze."""

from __future__ import annotations

from aiohttp import web

from kompas_cc.core.actor import ALL_ROLES
from kompas_cc.notifications import service
from kompas_cc.notifications.handlers import COUNTS
from kompas_cc.notifications.schemas import (
    NotificationPage,
    NotificationQuery,
    ReadOut,
    SettingsIn,
    SettingsOut,
    SnoozeIn,
    SnoozeOut,
    UnreadCount,
)
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp.routing import Routes, id_param

routes = Routes(tag="notifications")
BASE = "/api/v1/notifications"
NID = id_param("notification_id")


def _nid(request: web.Request) -> int:
    return int(request.match_info["notification_id"])


def _remember(request: web.Request, unread: int) -> None:
    request.app[COUNTS].set(ctx.actor(request).id, unread)


@routes.get(
    BASE,
    roles=ALL_ROLES,
    query=NotificationQuery,
    response=NotificationPage,
    summary="The current user's notifications, newest first",
)
async def list_notifications(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, NotificationQuery)
    async with ctx.uow(request) as uow:
        page = await service.list_notifications(uow, ctx.actor(request), query)
    _remember(request, page.unread)
    return ctx.json_response(page)


@routes.get(
    f"{BASE}/unread-count",
    roles=ALL_ROLES,
    response=UnreadCount,
    summary="How many notifications the current user has not read",
)
async def unread_count(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        unread = await service.unread_count(uow, ctx.actor(request).id)
    _remember(request, unread)
    return ctx.json_response(UnreadCount(unread=unread))


@routes.post(
    f"{BASE}/{NID}/read",
    roles=ALL_ROLES,
    response=ReadOut,
    summary="Mark one notification read",
)
async def mark_read(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        done = await service.mark_read(uow, ctx.actor(request), _nid(request), ctx.now(request))
    return ctx.json_response(done)


@routes.post(
    f"{BASE}/read-all",
    roles=ALL_ROLES,
    response=ReadOut,
    summary="Mark every notification of the current user read",
)
async def mark_all_read(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        done = await service.mark_all_read(uow, ctx.actor(request), ctx.now(request))
    return ctx.json_response(done)


@routes.post(
    f"{BASE}/{NID}/snooze",
    roles=ALL_ROLES,
    body=SnoozeIn,
    response=SnoozeOut,
    summary="Remind again in 15 or 60 minutes, or tomorrow at 9:00; marks this one read",
)
async def snooze(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, SnoozeIn)
    async with ctx.uow(request) as uow:
        snoozed = await service.snooze(
            uow, ctx.actor(request), _nid(request), body, ctx.now(request)
        )
    return ctx.json_response(snoozed)


@routes.get(
    f"{BASE}/settings",
    roles=ALL_ROLES,
    response=SettingsOut,
    summary="The current user's notification settings (the daily digest's time)",
)
async def get_settings(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        settings = await service.get_settings(uow, ctx.actor(request).id)
    return ctx.json_response(settings)


@routes.route(
    "PUT",
    f"{BASE}/settings",
    roles=ALL_ROLES,
    body=SettingsIn,
    response=SettingsOut,
    summary="Set the local time of the daily digest (null: no digest)",
)
async def put_settings(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, SettingsIn)
    async with ctx.uow(request) as uow:
        settings = await service.set_digest_time(
            uow, ctx.actor(request), body.digest_at, ctx.now(request)
        )
    return ctx.json_response(settings)
