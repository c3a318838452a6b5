"""Queries over notifications and notification settings. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kompas_cc.notifications.models import Notification, NotificationSettings


def add_notification(session: AsyncSession, notification: Notification) -> None:
    session.add(notification)


async def get_notification(session: AsyncSession, notification_id: int) -> Notification | None:
    return await session.get(Notification, notification_id)


async def count_unread(session: AsyncSession, user_id: int) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return int(result.scalar_one())


async def unread_among(session: AsyncSession, user_id: int, ids: Sequence[int]) -> set[int]:
    result = await session.execute(
        select(Notification.id).where(
            Notification.user_id == user_id,
            Notification.id.in_(ids),
            Notification.read_at.is_(None),
        )
    )
    return set(result.scalars())


async def count_notifications(session: AsyncSession, user_id: int, unread_only: bool) -> int:
    stmt = select(func.count()).select_from(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return int((await session.execute(stmt)).scalar_one())


async def list_notifications(
    session: AsyncSession, user_id: int, unread_only: bool, offset: int, limit: int
) -> list[Notification]:
    """Newest first."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    result = await session.execute(
        stmt.order_by(Notification.id.desc()).offset(offset).limit(limit)
    )
    return list(result.scalars())


async def mark_read(
    session: AsyncSession, user_id: int, ids: Sequence[int] | None, now: datetime
) -> list[int]:
    """Mark these (None: all) unread notifications of the user read; the ids marked."""
    stmt = select(Notification.id).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    marked = list((await session.execute(stmt)).scalars())
    if marked:
        await session.execute(
            update(Notification)
            .where(Notification.id.in_(marked))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
    return marked


async def unread_by_user(session: AsyncSession) -> list[tuple[int, int]]:
    """(user id, unread count) of every user with unread notifications."""
    result = await session.execute(
        select(Notification.user_id, func.count())
        .where(Notification.read_at.is_(None))
        .group_by(Notification.user_id)
    )
    return [(int(user), int(n)) for user, n in result.all()]


async def get_settings(session: AsyncSession, user_id: int) -> NotificationSettings | None:
    return await session.get(NotificationSettings, user_id)


def add_settings(session: AsyncSession, settings: NotificationSettings) -> None:
    session.add(settings)
