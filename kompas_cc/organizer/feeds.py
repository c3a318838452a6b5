"""Each user's read-only calendar feed: the secret address and what the feed holds.

The token in the address is the only credential (a phone calendar cannot log in), so it
is long and random, and regenerating it on the profile page revokes the old address at
once. The feed holds the user's open tasks with a due date, their planned contacts and the
meetings they organise or take part in, from FEED_PAST_DAYS ago to FEED_FUTURE_DAYS ahead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kompas_cc.core.actor import Actor, Role
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import agenda, meeting_calendar, repo
from kompas_cc.organizer.models import CalendarFeed
from kompas_cc.organizer.schemas import OPEN_STATUSES, AgendaItem
from kompas_cc.organizer.timing import local_day

TOKEN_BYTES = 24
#: The shape of a token in an address (anything else is a 404 without a query).
TOKEN_PATTERN = r"[A-Za-z0-9_\-]{20,64}"
FEED_PAST_DAYS = 90
FEED_FUTURE_DAYS = 366
MAX_FEED_ITEMS = 5000


@dataclass(frozen=True, slots=True)
class FeedData:
    """Who the feed is of (name, language, zone) and its items."""

    owner: str
    locale: str
    timezone: str
    items: list[AgendaItem]


async def feed_token(uow: UnitOfWork, actor: Actor, now: datetime) -> str:
    """The user's feed token, made on first use."""
    feed = await repo.get_feed(uow.session, actor.id)
    if feed is None:
        feed = CalendarFeed(
            user_id=actor.id, token=secrets.token_urlsafe(TOKEN_BYTES), created_at=now
        )
        uow.session.add(feed)
        await uow.session.flush()
    return feed.token


async def current_token(uow: UnitOfWork, actor: Actor) -> str | None:
    feed = await repo.get_feed(uow.session, actor.id)
    return feed.token if feed else None


async def regenerate_token(uow: UnitOfWork, actor: Actor, now: datetime) -> str:
    """A new token; the old address stops working."""
    feed = await repo.get_feed(uow.session, actor.id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    if feed is None:
        uow.session.add(CalendarFeed(user_id=actor.id, token=token, created_at=now))
    else:
        feed.token = token
        feed.created_at = now
    await uow.session.flush()
    return token


async def feed_for(uow: UnitOfWork, token: str, now: datetime) -> FeedData | None:
    """The feed behind a token, or None for an unknown token or an inactive user."""
    feed = await repo.find_feed(uow.session, token)
    if feed is None:
        return None
    user = (await repo.user_rows(uow.session, [feed.user_id])).get(feed.user_id)
    if user is None or not user.is_active:
        return None
    zone = ZoneInfo(user.timezone)
    start, end = now - timedelta(days=FEED_PAST_DAYS), now + timedelta(days=FEED_FUTURE_DAYS)
    tasks, _total = await repo.find_tasks(
        uow.session,
        [
            repo.tasks_of_user([user.id]),
            repo.task_status_in(OPEN_STATUSES),
            repo.due_within(start, end, local_day(start, zone), local_day(end, zone)),
        ],
        limit=MAX_FEED_ITEMS,
    )
    contacts, _total = await repo.find_contacts(
        uow.session,
        [
            repo.contacts_of_users([user.id]),
            repo.contact_state_is("planned"),
            repo.contacts_within(start, end),
        ],
        limit=MAX_FEED_ITEMS,
    )
    items = await agenda.items_of(uow, tasks, contacts, zone, now)
    owner = Actor(id=user.id, login="", name=user.name, role=Role(user.role))
    items += await meeting_calendar.agenda_items(uow, owner, [user.id], start, end, zone)
    return FeedData(owner=user.name, locale=user.locale, timezone=user.timezone, items=items)
