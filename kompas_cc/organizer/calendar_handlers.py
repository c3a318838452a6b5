"""Pages of the calendar: My day, the week and month grids; and the calendar feed, the one
public route of the organizer."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from kompas_cc.core.actor import ALL_ROLES
from kompas_cc.core.i18n import translations
from kompas_cc.organizer import agenda, feeds, ical
from kompas_cc.organizer.handlers import labels, policy
from kompas_cc.organizer.schemas import CONTACT_KIND_LABELS, AgendaItem, ViewQuery
from kompas_cc.organizer.timing import local_day
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp.routing import Routes
from kompas_cc.webapp.templates import render

routes = Routes(tag="organizer")
FEED_PATH = "/organizer/calendar/{token:" + feeds.TOKEN_PATTERN + "}.ics"
#: How many items a month cell shows before "N more".
MONTH_CELL_ITEMS = 4


@routes.get("/organizer", roles=ALL_ROLES, name="organizer")
async def organizer_home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/organizer/day")


async def _view(request: web.Request) -> tuple[ViewQuery, date, list[int], list[Any]]:
    """The query of a calendar page, today, the people it covers and the people to choose."""
    query = ctx.parse_query(request, ViewQuery)
    who = ctx.actor(request)
    today = local_day(ctx.now(request), ZoneInfo(who.timezone))
    async with ctx.uow(request) as uow:
        people = await agenda.people_choices(uow, who)
        user_ids = await agenda.people_of(uow, who, query.person, query.team)
    return query, today, user_ids, people


def _view_context(query: ViewQuery, today: date, people: list[Any]) -> dict[str, Any]:
    return {
        "today": today,
        "people": people,
        "person": query.person,
        "team": query.team,
        **labels(),
    }


@routes.get("/organizer/day", roles=ALL_ROLES, name="organizer_day")
async def day_page(request: web.Request) -> web.Response:
    query, today, user_ids, people = await _view(request)
    day = query.day or today
    async with ctx.uow(request) as uow:
        view = await agenda.my_day(
            uow, ctx.actor(request), policy(request), user_ids, day, ctx.now(request)
        )
    context = {
        "view": view,
        "day": day,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        **_view_context(query, today, people),
    }
    return render(request, "organizer/day.html", context)


@routes.get("/organizer/week", roles=ALL_ROLES, name="organizer_week")
async def week_page(request: web.Request) -> web.Response:
    query, today, user_ids, people = await _view(request)
    day = query.day or today
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=n) for n in range(7)]
    async with ctx.uow(request) as uow:
        items = await agenda.period(
            uow, ctx.actor(request), policy(request), user_ids, days[0], days[-1], ctx.now(request)
        )
    context = {
        "days": days,
        "items": agenda.by_day(items),
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        **_view_context(query, today, people),
    }
    return render(request, "organizer/week.html", context)


def month_grid(first: date) -> list[list[date]]:
    """The weeks (Monday to Sunday) that cover the month of `first`."""
    start = first - timedelta(days=first.weekday())
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    weeks = []
    while start <= last:
        weeks.append([start + timedelta(days=n) for n in range(7)])
        start += timedelta(days=7)
    return weeks


@routes.get("/organizer/month", roles=ALL_ROLES, name="organizer_month")
async def month_page(request: web.Request) -> web.Response:
    query, today, user_ids, people = await _view(request)
    if query.month:
        first = date(int(query.month[:4]), int(query.month[5:]), 1)
    else:
        first = (query.day or today).replace(day=1)
    weeks = month_grid(first)
    async with ctx.uow(request) as uow:
        items = await agenda.period(
            uow,
            ctx.actor(request),
            policy(request),
            user_ids,
            weeks[0][0],
            weeks[-1][-1],
            ctx.now(request),
        )
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    context = {
        "first": first,
        "weeks": weeks,
        "items": agenda.by_day(items),
        "cell_items": MONTH_CELL_ITEMS,
        "previous": previous.strftime("%Y-%m"),
        "next": following.strftime("%Y-%m"),
        **_view_context(query, today, people),
    }
    return render(request, "organizer/month.html", context)


# -- the calendar feed -------------------------------------------------------------------


def feed_entries(items: list[AgendaItem], locale: str, base: str, todo: bool) -> list[ical.Entry]:
    trans = translations(locale)
    entries = []
    for item in items:
        url = base + item.link
        if item.kind == "task":
            start: datetime | date = item.at if item.at is not None else item.day
            end: datetime | date = (
                item.at + timedelta(minutes=30) if item.at is not None else ical.next_day(item.day)
            )
            summary = item.title
            description = item.client or ""
        elif item.kind == "meeting":
            start = item.at or item.day
            end = item.until or (item.at + timedelta(minutes=60) if item.at else start)
            summary = f"{trans.gettext('Staff meeting')}: {item.title}"
            description = item.client or ""
        else:
            start = item.at or item.day
            length = 60 if item.contact_kind in ("meeting", "visit") else 30
            end = item.at + timedelta(minutes=length) if item.at else ical.next_day(item.day)
            kind = trans.gettext(CONTACT_KIND_LABELS.get(item.contact_kind or "", ""))
            summary = f"{kind}: {item.client}" + (f" — {item.title}" if item.title else "")
            description = item.title
        entries.append(
            ical.Entry(
                uid=f"{item.kind}-{item.id}@kompas",
                summary=summary,
                start=start,
                end=end,
                description=description,
                url=url,
                todo=todo and item.kind == "task",
                status=_ical_status(item, todo),
            )
        )
    return entries


def _ical_status(item: AgendaItem, todo: bool) -> str:
    if item.kind == "meeting" and item.status == "cancelled":
        return "CANCELLED"
    if not (todo and item.kind == "task"):
        return "CONFIRMED"
    return "IN-PROCESS" if item.status == "in_progress" else "NEEDS-ACTION"


@routes.get(FEED_PATH, roles=None, name="organizer_feed")
async def calendar_feed(request: web.Request) -> web.Response:
    """The read-only iCalendar feed: public, the secret token in the address is the key;
    an unknown token is a plain 404."""
    now = ctx.now(request)
    async with ctx.uow(request) as uow:
        data = await feeds.feed_for(uow, request.match_info["token"], now)
    if data is None:
        raise web.HTTPNotFound()
    base = f"{request.scheme}://{request.host}"
    todo = request.query.get("todo") == "1"
    text = ical.calendar(
        f"KOMPAS: {data.owner}", feed_entries(data.items, data.locale, base, todo), now
    )
    return web.Response(
        body=text.encode("utf-8"),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
    )
