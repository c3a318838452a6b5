"""The notification centre page: the list, mark read, snooze; and the bell in the header.

Everything works with plain forms (CSRF-protected POSTs that redirect back); the panel's
JavaScript adds live toasts on top.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web

from kompas_cc.core.actor import ALL_ROLES
from kompas_cc.core.errors import ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.notifications import service
from kompas_cc.notifications.counts import UnreadCounts
from kompas_cc.notifications.schemas import NotificationQuery, SettingsIn, SnoozeIn
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp.routing import Routes, id_param
from kompas_cc.webapp.templates import formatter, gettext, render

COUNTS = web.AppKey("notification_counts", UnreadCounts)

routes = Routes(tag="notifications")
NOTIFICATION_ID = id_param("notification_id")
PAGE = "/notifications"

#: How the kinds of notifications read in the list (English source, translated there).
NOTIFICATION_KIND_LABELS: dict[str, str] = {
    "reminder": "Reminder",
    "digest": "Daily digest",
}
#: The snooze buttons: form value -> the API's choice.
SNOOZE_CHOICES: dict[str, dict[str, Any]] = {
    "15": {"minutes": 15},
    "60": {"minutes": 60},
    "tomorrow-9": {"until": "tomorrow-9"},
}


def install_bell(app: web.Application, counts: UnreadCounts) -> None:
    """Give every template `unread_notifications(user_id)`: the bell's number, when known."""
    app[COUNTS] = counts
    aiohttp_jinja2.get_env(app).globals["unread_notifications"] = counts.get


def _back(form: Any) -> str:
    """Where a form returns: a local path it names, or the notification centre."""
    target = str(form.get("next", "") or PAGE)
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return PAGE
    return target


def _notification_id(request: web.Request) -> int:
    return int(request.match_info["notification_id"])


@routes.get(PAGE, roles=ALL_ROLES, name="notifications")
async def notifications_page(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, NotificationQuery)
    async with ctx.uow(request) as uow:
        page = await service.list_notifications(uow, ctx.actor(request), query)
        settings = await service.get_settings(uow, ctx.actor(request).id)
    request.app[COUNTS].set(ctx.actor(request).id, page.unread)
    context = {
        "page": page,
        "query": query,
        "settings": settings,
        "kind_labels": NOTIFICATION_KIND_LABELS,
    }
    return render(request, "notifications/list.html", context)


@routes.post(f"{PAGE}/{NOTIFICATION_ID}/read", roles=ALL_ROLES, name="notification_read")
async def notification_read(request: web.Request) -> web.Response:
    form = await request.post()
    async with ctx.uow(request) as uow:
        await service.mark_read(
            uow, ctx.actor(request), _notification_id(request), ctx.now(request)
        )
    raise web.HTTPFound(_back(form))


@routes.post(f"{PAGE}/read-all", roles=ALL_ROLES, name="notifications_read_all")
async def notifications_read_all(request: web.Request) -> web.Response:
    form = await request.post()
    async with ctx.uow(request) as uow:
        done = await service.mark_all_read(uow, ctx.actor(request), ctx.now(request))
    if done.marked:
        ctx.flash(request, gettext(request, "All notifications are marked read"), "success")
    raise web.HTTPFound(_back(form))


@routes.post(f"{PAGE}/{NOTIFICATION_ID}/snooze", roles=ALL_ROLES, name="notification_snooze")
async def notification_snooze(request: web.Request) -> web.Response:
    form = await request.post()
    choice = SNOOZE_CHOICES.get(str(form.get("snooze", "")))
    if choice is None:
        raise ValidationFailed("Choose when to remind again", fields={"snooze": "missing"})
    data = validate_model(SnoozeIn, choice, "The snooze")
    async with ctx.uow(request) as uow:
        snoozed = await service.snooze(
            uow, ctx.actor(request), _notification_id(request), data, ctx.now(request)
        )
    when = formatter(request).datetime(snoozed.due_at)
    ctx.flash(request, gettext(request, "We will remind you again at %(when)s", when=when))
    raise web.HTTPFound(_back(form))


@routes.post(f"{PAGE}/settings", roles=ALL_ROLES, name="notification_settings")
async def notification_settings(request: web.Request) -> web.Response:
    form = await request.post()
    chosen = None if form.get("off") else str(form.get("digest_at", "")).strip() or None
    try:
        data = validate_model(SettingsIn, {"digest_at": chosen}, "The digest's time")
    except ValidationFailed:
        ctx.flash(request, gettext(request, "Give the digest's time as hours and minutes"), "error")
        raise web.HTTPFound(PAGE) from None
    async with ctx.uow(request) as uow:
        await service.set_digest_time(uow, ctx.actor(request), data.digest_at, ctx.now(request))
    if data.digest_at is None:
        ctx.flash(request, gettext(request, "The daily digest is off"), "success")
    else:
        when = data.digest_at.strftime("%H:%M")
        message = gettext(request, "The daily digest comes every day at %(time)s", time=when)
        ctx.flash(request, message, "success")
    raise web.HTTPFound(PAGE)
