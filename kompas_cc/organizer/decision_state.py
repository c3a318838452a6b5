"""Where a decision stands, from the task that carries it out (pure functions).

A decision is open while its task is open (or gone: nothing says it was carried out), done
when its task is done, cancelled when its task was cancelled. It is late when it is not
done once its deadline day is over, or was done after that day. The deadline is a day of
the meeting's zone; `deadline_end` is the first moment after it. The same rules are
written in SQL for the report (meeting_repo.decision_open, decision_late ...).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kompas_cc.organizer.schemas import OPEN_STATUSES


def deadline_end(deadline: date, zone: ZoneInfo) -> datetime:
    """The first moment (UTC) after the deadline day of `zone`."""
    return datetime.combine(deadline + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)


def state_of(task_status: str | None) -> str:
    if task_status is None or task_status in OPEN_STATUSES:
        return "open"
    return "done" if task_status == "done" else "cancelled"


def is_late(state: str, closed_at: datetime | None, end: datetime, now: datetime) -> bool:
    if state == "open":
        return now >= end
    if state == "done":
        return closed_at is not None and closed_at >= end
    return False


def days_late(
    deadline: date, state: str, closed_at: datetime | None, zone: ZoneInfo, now: datetime
) -> int:
    """Whole days past the deadline: until today when open, until the day it was done."""
    until = closed_at if state == "done" and closed_at is not None else now
    if state == "cancelled":
        return 0
    return max(0, (until.astimezone(zone).date() - deadline).days)
