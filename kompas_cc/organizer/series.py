"""Repeating tasks: checking a task's rule, and creating the next occurrence of a series.

A rule is checked when it is set or its task's due moves (`check_rule`, run in a worker
thread by the caller: a rule that never matches takes a few hundred milliseconds to give
up). The next occurrence is created once, when an occurrence is closed or when its due
time comes (the scheduler's "recurrence" job), whichever is first.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import recurrence, reminders, repo
from kompas_cc.organizer.events import TaskCreated
from kompas_cc.organizer.models import ChecklistItem, Task, TaskMember
from kompas_cc.organizer.schemas import ReminderIn

logger = logging.getLogger(__name__)

MSG_RULE_NEEDS_DUE = "A repeating task needs a due date"


def check_rule(rule_text: str, due_at: datetime | None, due_date: date | None, zone: str) -> str:
    """The rule in its normal form, if it gives a date after the first one; else raise."""
    tz = ZoneInfo(zone)
    rule = recurrence.parse_rule(rule_text)
    try:
        if due_at is not None:
            local = due_at.astimezone(tz).replace(tzinfo=None)
            found = recurrence.next_occurrence(rule, local, 1, tz) is not None
        elif due_date is not None:
            found = recurrence.next_day(rule, due_date, 1, tz) is not None
        else:
            raise recurrence.InvalidRule(MSG_RULE_NEEDS_DUE)
    except recurrence.InvalidRule:
        raise
    except (ValueError, TypeError, IndexError, KeyError, OverflowError):
        # dateutil refuses some combinations only when it starts stepping.
        raise recurrence.InvalidRule(recurrence.MSG_INVALID) from None
    if not found:
        raise recurrence.InvalidRule(recurrence.MSG_NEVER)
    return rule.text


async def spawn_next(
    uow: UnitOfWork, task_id: int, now: datetime, by_user_id: int | None
) -> int | None:
    """Create the next occurrence of a repeating task, once: the task row is locked and
    marked, so closing it and its due time coming never create two. The id, or None."""
    await uow.session.flush()
    task = await repo.lock_task(uow.session, task_id)
    if task is None or not task.rrule or task.next_created:
        return None
    task.next_created = True
    zone = ZoneInfo(task.timezone)
    try:
        rule = recurrence.parse_rule(task.rrule)
    except recurrence.InvalidRule:
        logger.warning("task %s has an unusable repeat rule %r", task.id, task.rrule)
        return None
    due_at: datetime | None = None
    due_date: date | None = None
    try:
        if task.due_at is not None:
            local = task.due_at.astimezone(zone).replace(tzinfo=None)
            found = recurrence.next_occurrence(rule, local, task.occurrence, zone)
            due_at = found.replace(tzinfo=zone).astimezone(UTC) if found else None
        elif task.due_date is not None:
            due_date = recurrence.next_day(rule, task.due_date, task.occurrence, zone)
    except (ValueError, TypeError, IndexError, KeyError, OverflowError):
        logger.warning("task %s: no next date for the rule %r", task.id, task.rrule)
    if due_at is None and due_date is None:
        await reminders.sync_task_jobs(uow, task, now)
        return None
    follower = Task(
        title=task.title,
        description=task.description,
        author_id=task.author_id,
        executor_id=task.executor_id,
        client_id=task.client_id,
        due_at=due_at,
        due_date=due_date,
        timezone=task.timezone,
        priority=task.priority,
        status="new",
        rrule=task.rrule,
        occurrence=task.occurrence + 1,
        series_id=task.series_id or task.id,
        previous_id=task.id,
        next_created=False,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(follower)
    await uow.session.flush()
    members = await repo.list_members(uow.session, [task.id])
    uow.session.add_all(
        TaskMember(task_id=follower.id, user_id=m.user_id, role=m.role) for m in members
    )
    uow.session.add_all(
        ChecklistItem(task_id=follower.id, position=i.position, text=i.text, done=False)
        for i in await repo.list_checklist(uow.session, task.id)
    )
    relative = [
        ReminderIn(before_seconds=r.before_seconds)
        for r in await repo.list_reminders(uow.session, task_ids=[task.id])
        if r.before_seconds is not None
    ]
    reminders.add_reminders(uow, relative, now, task_id=follower.id)
    await uow.session.flush()
    uow.emit(TaskCreated(follower.id, follower.title, follower.executor_id, by_user_id))
    await reminders.sync_task_jobs(uow, follower, now)
    await reminders.sync_task_jobs(uow, task, now)
    return follower.id
