"""Use cases of notifications: notify, list, mark read, snooze; the only writer of its tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kompas_cc.core.actor import Actor
from kompas_cc.core.clock import utcnow
from kompas_cc.core.errors import NotFound
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.notifications import repo
from kompas_cc.notifications.channels import Delivery
from kompas_cc.notifications.events import NotificationCreated, NotificationsRead
from kompas_cc.notifications.models import Notification, NotificationSettings
from kompas_cc.notifications.schemas import (
    NotificationOut,
    NotificationPage,
    NotificationQuery,
    ReadOut,
    SettingsOut,
    SnoozeIn,
    SnoozeOut,
)
from kompas_cc.scheduler import cancel, current_job, get_job, schedule
from kompas_cc.staff import service as staff_service

#: Job kinds of this module: a notification for a durable channel; a snoozed notification
#: that came from no job, shown again as it was.
SEND_JOB = "notifications.send"
REPEAT_JOB = "notifications.repeat"
#: The daily digest of one user; its handler is the organizer's (it knows what to say).
DIGEST_JOB = "notifications.digest"
DIGEST_KIND = "digest"
SNOOZE_TOMORROW_HOUR = 9
MAX_KIND_LENGTH = 64
MAX_TITLE_LENGTH = 300
MAX_LINK_LENGTH = 500


class NoSuchNotification(NotFound):
    error_id = "no-such-notification"


def _out(row: Notification) -> NotificationOut:
    return NotificationOut(
        id=row.id,
        kind=row.kind,
        title=row.title,
        body=row.body,
        link=row.link,
        task_id=row.task_id,
        due_at=row.due_at,
        delivered_at=row.delivered_at,
        late=row.late,
        read=row.read_at is not None,
        read_at=row.read_at,
    )


def _delivery(row: Notification, unread: int) -> Delivery:
    return Delivery(
        notification_id=row.id,
        user_id=row.user_id,
        kind=row.kind,
        title=row.title,
        body=row.body,
        link=row.link,
        task_id=row.task_id,
        due_at=row.due_at,
        delivered_at=row.delivered_at,
        late=row.late,
        unread=unread,
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _safe_link(link: str) -> bool:
    """A link shown as a page's href: a path of this panel or an http(s) address, never
    "javascript:"."""
    if len(link) > MAX_LINK_LENGTH:
        return False
    if link.startswith("/"):
        return not link.startswith("//")
    return link.startswith(("https://", "http://"))


def _channels_of(extra_channels: str) -> list[str]:
    return [name.strip() for name in extra_channels.split(",") if name.strip()]


async def notify(
    uow: UnitOfWork,
    user_id: int,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    task_id: int | None = None,
    due_at: datetime | None = None,
    late: bool = False,
    *,
    now: datetime | None = None,
) -> int:
    """Write a notification for a user in the caller's unit of work; its id.

    After the commit, live channels push it to the user's open tabs. The durable channels
    the user chose get it through a job written in this same transaction. Inside a job
    handler the notification remembers its job (so it can be snoozed) and the job's time;
    elsewhere pass `now` from the clock.
    """
    if not kind or len(kind) > MAX_KIND_LENGTH:
        raise ValueError(f"a notification kind has 1 to {MAX_KIND_LENGTH} characters")
    if link is not None and not _safe_link(link):
        raise ValueError(
            f"a notification link is a local path or http(s), at most {MAX_LINK_LENGTH}"
        )
    job = current_job()
    moment = now or (job.handled_at if job is not None else None) or utcnow()
    row = Notification(
        user_id=user_id,
        kind=kind,
        title=_shorten(title, MAX_TITLE_LENGTH),
        body=body,
        link=link,
        task_id=task_id,
        due_at=due_at,
        delivered_at=moment,
        late=late,
        job_id=job.id if job is not None else None,
    )
    repo.add_notification(uow.session, row)
    await uow.session.flush()
    unread = await repo.count_unread(uow.session, user_id)
    settings = await repo.get_settings(uow.session, user_id)
    for channel in _channels_of(settings.extra_channels if settings else ""):
        payload = {"notification_id": row.id, "channel": channel}
        await schedule(uow, SEND_JOB, moment, payload, key=f"notification:{row.id}:{channel}")
    delivery = _delivery(row, unread)
    uow.emit(
        NotificationCreated(
            notification_id=row.id,
            user_id=user_id,
            kind=delivery.kind,
            title=delivery.title,
            body=delivery.body,
            link=delivery.link,
            task_id=delivery.task_id,
            due_at=delivery.due_at,
            delivered_at=delivery.delivered_at,
            late=delivery.late,
            unread=unread,
        )
    )
    return row.id


def delivery_of_event(event: NotificationCreated) -> Delivery:
    return Delivery(
        notification_id=event.notification_id,
        user_id=event.user_id,
        kind=event.kind,
        title=event.title,
        body=event.body,
        link=event.link,
        task_id=event.task_id,
        due_at=event.due_at,
        delivered_at=event.delivered_at,
        late=event.late,
        unread=event.unread,
    )


async def delivery_of(uow: UnitOfWork, notification_id: int) -> Delivery | None:
    """A stored notification as a channel sends it (None when it no longer exists)."""
    row = await repo.get_notification(uow.session, notification_id)
    if row is None:
        return None
    return _delivery(row, await repo.count_unread(uow.session, row.user_id))


async def _require(uow: UnitOfWork, actor: Actor, notification_id: int) -> Notification:
    """The actor's own notification: somebody else's does not exist for them."""
    row = await repo.get_notification(uow.session, notification_id)
    if row is None or row.user_id != actor.id:
        raise NoSuchNotification("No such notification")
    return row


async def list_notifications(
    uow: UnitOfWork, actor: Actor, query: NotificationQuery
) -> NotificationPage:
    offset = (query.page - 1) * query.per_page
    rows = await repo.list_notifications(
        uow.session, actor.id, query.unread, offset, query.per_page + 1
    )
    return NotificationPage(
        items=[_out(row) for row in rows[: query.per_page]],
        total=await repo.count_notifications(uow.session, actor.id, query.unread),
        unread=await repo.count_unread(uow.session, actor.id),
        page=query.page,
        per_page=query.per_page,
        has_more=len(rows) > query.per_page,
    )


async def unread_count(uow: UnitOfWork, user_id: int) -> int:
    return await repo.count_unread(uow.session, user_id)


async def unread_among(uow: UnitOfWork, user_id: int, ids: Sequence[int]) -> set[int]:
    """Which of these notifications of the user are still unread."""
    return await repo.unread_among(uow.session, user_id, ids) if ids else set()


async def unread_by_user(uow: UnitOfWork) -> list[tuple[int, int]]:
    return await repo.unread_by_user(uow.session)


async def _mark(uow: UnitOfWork, actor: Actor, ids: list[int] | None, now: datetime) -> ReadOut:
    marked = await repo.mark_read(uow.session, actor.id, ids, now)
    unread = await repo.count_unread(uow.session, actor.id)
    if marked:
        uow.emit(NotificationsRead(user_id=actor.id, notification_ids=tuple(marked), unread=unread))
    return ReadOut(marked=len(marked), unread=unread)


async def mark_read(uow: UnitOfWork, actor: Actor, notification_id: int, now: datetime) -> ReadOut:
    await _require(uow, actor, notification_id)
    return await _mark(uow, actor, [notification_id], now)


async def mark_all_read(uow: UnitOfWork, actor: Actor, now: datetime) -> ReadOut:
    return await _mark(uow, actor, None, now)


def snooze_until(choice: SnoozeIn, now: datetime, timezone: str) -> datetime:
    """When a snoozed reminder comes back: in N minutes, or tomorrow 9:00 local time."""
    if choice.minutes is not None:
        return now + timedelta(minutes=choice.minutes)
    zone = ZoneInfo(timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(SNOOZE_TOMORROW_HOUR), tzinfo=zone).astimezone(UTC)


async def snooze(
    uow: UnitOfWork, actor: Actor, notification_id: int, choice: SnoozeIn, now: datetime
) -> SnoozeOut:
    """Remind again later and mark this one read.

    A notification from a reminder job schedules that job's kind and payload again, so
    the reminder's own handler decides then (a task done meanwhile may stay silent);
    any other notification is shown again as it is. Snoozing the same notification twice
    moves its one repeat instead of adding a second.
    """
    row = await _require(uow, actor, notification_id)
    due_at = snooze_until(choice, now, actor.timezone)
    key = f"snooze:{row.id}"
    job = await get_job(uow, row.job_id) if row.job_id is not None else None
    if job is not None:
        job_id = await schedule(uow, job.kind, due_at, job.payload, key=key)
    else:
        job_id = await schedule(uow, REPEAT_JOB, due_at, {"notification_id": row.id}, key=key)
    read = await _mark(uow, actor, [row.id], now)
    return SnoozeOut(job_id=job_id, due_at=due_at, unread=read.unread)


async def repeat(uow: UnitOfWork, notification_id: int, late: bool) -> int | None:
    """Show a snoozed notification again, as a new one (None when it was deleted)."""
    row = await repo.get_notification(uow.session, notification_id)
    if row is None:
        return None
    return await notify(
        uow,
        row.user_id,
        row.kind,
        row.title,
        row.body,
        row.link,
        row.task_id,
        row.due_at,
        late,
    )


async def set_extra_channels(uow: UnitOfWork, user_id: int, channels: list[str]) -> None:
    """Which durable channels (by name) also get this user's notifications."""
    settings = await _settings_row(uow, user_id)
    settings.extra_channels = ",".join(sorted(set(channels)))


async def _settings_row(uow: UnitOfWork, user_id: int) -> NotificationSettings:
    settings = await repo.get_settings(uow.session, user_id)
    if settings is None:
        settings = NotificationSettings(user_id=user_id, extra_channels="")
        repo.add_settings(uow.session, settings)
    return settings


# -- the daily digest ----------------------------------------------------------------------


def _digest_key(user_id: int) -> str:
    return f"digest:{user_id}:daily"


def next_digest_at(at: time, timezone: str, after: datetime) -> datetime:
    """The first moment after `after` when the user's clock shows `at` (their zone, DST
    included); a digest missed while the server was down is not made up day by day."""
    zone = ZoneInfo(timezone)
    day = after.astimezone(zone).date()
    while True:
        moment = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if moment > after:
            return moment
        day += timedelta(days=1)


async def get_settings(uow: UnitOfWork, user_id: int) -> SettingsOut:
    settings = await repo.get_settings(uow.session, user_id)
    return SettingsOut(digest_at=settings.digest_at if settings else None)


async def plan_digest(uow: UnitOfWork, user_id: int, now: datetime) -> datetime | None:
    """Schedule the user's next digest (moving a pending one); None when they want none or
    are no longer active."""
    settings = await repo.get_settings(uow.session, user_id)
    if settings is None or settings.digest_at is None:
        await cancel(uow, _digest_key(user_id))
        return None
    user = await staff_service.get_user(uow, user_id)
    if not user.is_active:
        await cancel(uow, _digest_key(user_id))
        return None
    due_at = next_digest_at(settings.digest_at, user.timezone, now)
    await schedule(uow, DIGEST_JOB, due_at, {"user_id": user_id}, key=_digest_key(user_id))
    return due_at


async def set_digest_time(
    uow: UnitOfWork, actor: Actor, digest_at: time | None, now: datetime
) -> SettingsOut:
    """The local time of the actor's daily digest; None turns it off."""
    settings = await _settings_row(uow, actor.id)
    settings.digest_at = digest_at
    await uow.session.flush()
    await plan_digest(uow, actor.id, now)
    return SettingsOut(digest_at=digest_at)
