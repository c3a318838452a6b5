"""Tables of meetings: the meeting, its participants, agenda, preparation checklist (with
reminders on its items) and the decisions taken at it, each followed by a task."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kompas_cc.db.base import Base, UtcDateTime


class Meeting(Base):
    """A meeting: planned, held or cancelled. `timezone` is the zone of its author when it
    was created; the deadlines of its decisions are days of that zone."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    place: Mapped[str | None] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(500))
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)
    minutes: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)


class MeetingParticipant(Base):
    """Somebody invited to a meeting besides its organiser."""

    __tablename__ = "meeting_participants"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class MeetingAgendaItem(Base):
    __tablename__ = "meeting_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MeetingPrepItem(Base):
    """Who prepares what for a meeting, and by when (`due_at`; none: by the meeting)."""

    __tablename__ = "meeting_prep_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MeetingPrepReminder(Base):
    """A reminder of a preparation item: `before_seconds` ahead of the item's time (its due
    time, or the start of the meeting), or at an exact moment (`remind_at`). Delivered by a
    scheduler job keyed by the reminder, like the reminders of tasks."""

    __tablename__ = "meeting_prep_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_prep_items.id", ondelete="CASCADE"), index=True
    )
    before_seconds: Mapped[int | None] = mapped_column(Integer)
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint("(before_seconds IS NULL) <> (remind_at IS NULL)", name="one_moment"),
    )


class MeetingDecision(Base):
    """A decision taken at a meeting: what, who answers for it, by which day.

    `deadline_end_at` is the first moment after the deadline day in the meeting's zone, so
    that "late" is one comparison in SQL. `task_id` is the task that carries the decision
    out (None once somebody deleted that task; saving the decision sets a new one).
    """

    __tablename__ = "meeting_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    responsible_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    deadline_end_at: Mapped[datetime] = mapped_column(UtcDateTime())
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), unique=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
