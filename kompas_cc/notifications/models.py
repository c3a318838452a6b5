"""Tables of delivered notifications and of each user's notification settings."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from kompas_cc.db.base import Base, UtcDateTime


class Notification(Base):
    """One notification as the user's notification centre lists it.

    `job_id` is the scheduled job that produced it (a reminder): snoozing schedules that
    job's kind and payload again. It is a plain number, not a foreign key: finished jobs
    may be cleared away while notifications stay.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    task_id: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    job_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )


class NotificationSettings(Base):
    """How a user wants to be notified, beyond the web panel (always on).

    `digest_at` is the local time of the daily digest (None: no digest); `extra_channels`
    names durable channels (comma-separated, e.g. "email,telegram") that also get every
    notification.
    """

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    digest_at: Mapped[time | None] = mapped_column(Time())
    extra_channels: Mapped[str] = mapped_column(String(200), default="")
