"""When things are: due moments, overdue, reminder moments and the days of a time zone.

Pure functions of plain values. Timed tasks are due at a moment (UTC); all-day tasks on a
day of the task's own time zone. An all-day task's reminders count back from
ALL_DAY_ANCHOR on that day, the start of an office day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALL_DAY_ANCHOR = time(9, 0)


def zone_of(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of `day` in `zone`, in UTC."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the days `first`..`last` (both included) of `zone`."""
    return day_start(first, zone), day_start(last + timedelta(days=1), zone)


def task_anchor(due_at: datetime | None, due_date: date | None, zone: ZoneInfo) -> datetime | None:
    """The moment reminders count back from: the due time, or the office morning of the day."""
    if due_at is not None:
        return due_at
    if due_date is not None:
        return datetime.combine(due_date, ALL_DAY_ANCHOR, tzinfo=zone).astimezone(UTC)
    return None


def task_overdue(
    is_open: bool, due_at: datetime | None, due_date: date | None, zone: ZoneInfo, now: datetime
) -> bool:
    """An open task is overdue once its due time has passed, or the day after its due day."""
    if not is_open:
        return False
    if due_at is not None:
        return due_at < now
    if due_date is not None:
        return due_date < local_day(now, zone)
    return False


def due_passed(
    due_at: datetime | None, due_date: date | None, zone: ZoneInfo, now: datetime
) -> bool:
    """Whether a due time being set is already in the past (today is fine for a day)."""
    return task_overdue(True, due_at, due_date, zone, now)


def reminder_moment(
    before_seconds: int | None, remind_at: datetime | None, anchor: datetime | None
) -> datetime | None:
    """When a reminder goes off: its exact moment, or that long before the anchor."""
    if remind_at is not None:
        return remind_at
    if anchor is None or before_seconds is None:
        return None
    return anchor - timedelta(seconds=before_seconds)


def days_between(earlier: datetime, now: datetime, zone: ZoneInfo) -> int:
    """Whole calendar days from `earlier` to `now` in `zone` (yesterday: 1)."""
    return (local_day(now, zone) - local_day(earlier, zone)).days
