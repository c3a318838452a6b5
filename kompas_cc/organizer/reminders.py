"""Reminders of tasks and contacts: their rows, and the scheduler jobs that deliver them.

Each reminder is one scheduler job of kind REMINDER_JOB keyed
"task:<task id>:reminder:<reminder id>" (or "contact:..."), written in the same unit of
work as the task, so a task and its reminders commit together or not at all. Whenever a
task or contact is saved its jobs are brought in line with it (`sync_task_jobs`,
`sync_contact_jobs`): the reminders of its key prefix are cancelled and the ones still
wanted are scheduled again, which moves them (a key names one job). A closed or deleted
task keeps no pending job.

A reminder whose moment has already passed when it is set (a task due in two hours with a
reminder a day before) is kept but not sent; an exact moment in the past is refused.

A repeating task also has one RECURRENCE_JOB at its due time ("task:<id>:recurrence"): the
next occurrence is created then, or earlier when the task is closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from kompas_cc import scheduler
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import repo
from kompas_cc.organizer.models import Contact, Reminder, Task
from kompas_cc.organizer.schemas import OPEN_STATUSES, ReminderIn, ReminderOut
from kompas_cc.organizer.timing import reminder_moment, task_anchor

REMINDER_JOB = "reminder"
RECURRENCE_JOB = "recurrence"

MSG_NEEDS_DUE = "A reminder before the due time needs a due time"
MSG_NEEDS_TIME = "A reminder before the contact needs its planned time"
MSG_PASSED = "The reminder time has passed"


def task_prefix(task_id: int) -> str:
    return f"task:{task_id}:"


def contact_prefix(contact_id: int) -> str:
    return f"contact:{contact_id}:"


def anchor_of_task(task: Task) -> datetime | None:
    return task_anchor(task.due_at, task.due_date, ZoneInfo(task.timezone))


def check_reminders(
    reminders: Sequence[ReminderIn], anchor: datetime | None, now: datetime, *, task: bool = True
) -> str | None:
    """The problem with reminders about to be set on something due at `anchor`, if any."""
    for reminder in reminders:
        if reminder.at is not None and reminder.at <= now:
            return MSG_PASSED
        if reminder.before_seconds is not None and anchor is None:
            return MSG_NEEDS_DUE if task else MSG_NEEDS_TIME
    return None


def add_reminders(
    uow: UnitOfWork,
    reminders: Sequence[ReminderIn],
    now: datetime,
    *,
    task_id: int | None = None,
    contact_id: int | None = None,
) -> list[Reminder]:
    """Add reminder rows (a reminder given twice is stored once)."""
    rows: list[Reminder] = []
    seen: set[tuple[int | None, datetime | None]] = set()
    for reminder in reminders:
        identity = (reminder.before_seconds, reminder.at)
        if identity in seen:
            continue
        seen.add(identity)
        rows.append(
            Reminder(
                task_id=task_id,
                contact_id=contact_id,
                before_seconds=reminder.before_seconds,
                remind_at=reminder.at,
                created_at=now,
            )
        )
    uow.session.add_all(rows)
    return rows


async def replace_reminders(
    uow: UnitOfWork,
    reminders: Sequence[ReminderIn],
    now: datetime,
    *,
    task_id: int | None = None,
    contact_id: int | None = None,
) -> None:
    existing = await repo.list_reminders(
        uow.session,
        task_ids=[task_id] if task_id is not None else [],
        contact_ids=[contact_id] if contact_id is not None else [],
    )
    await repo.delete_reminders(uow.session, [r.id for r in existing])
    add_reminders(uow, reminders, now, task_id=task_id, contact_id=contact_id)
    await uow.session.flush()


async def default_reminders(uow: UnitOfWork, user_id: int) -> list[ReminderIn]:
    return [ReminderIn(before_seconds=s) for s in await repo.list_defaults(uow.session, user_id)]


async def sync_task_jobs(uow: UnitOfWork, task: Task, now: datetime) -> None:
    """Bring the task's pending jobs in line with the task as it is now."""
    prefix = task_prefix(task.id)
    if task.status not in OPEN_STATUSES:
        await scheduler.cancel(uow, prefix)
        return
    anchor = anchor_of_task(task)
    await scheduler.cancel(uow, prefix + "reminder:")
    for reminder in await repo.list_reminders(uow.session, task_ids=[task.id]):
        moment = reminder_moment(reminder.before_seconds, reminder.remind_at, anchor)
        if moment is not None and moment > now:
            payload = {"task_id": task.id, "reminder_id": reminder.id}
            key = f"{prefix}reminder:{reminder.id}"
            await scheduler.schedule(uow, REMINDER_JOB, moment, payload, key=key)
    if task.rrule and anchor is not None and not task.next_created:
        payload = {"task_id": task.id}
        await scheduler.schedule(uow, RECURRENCE_JOB, anchor, payload, key=prefix + "recurrence")
    else:
        await scheduler.cancel(uow, prefix + "recurrence")


async def sync_contact_jobs(uow: UnitOfWork, contact: Contact, now: datetime) -> None:
    prefix = contact_prefix(contact.id)
    await scheduler.cancel(uow, prefix)
    if contact.state != "planned":
        return
    for reminder in await repo.list_reminders(uow.session, contact_ids=[contact.id]):
        moment = reminder_moment(reminder.before_seconds, reminder.remind_at, contact.planned_at)
        if moment is not None and moment > now:
            payload = {"contact_id": contact.id, "reminder_id": reminder.id}
            key = f"{prefix}reminder:{reminder.id}"
            await scheduler.schedule(uow, REMINDER_JOB, moment, payload, key=key)


def reminder_out(reminder: Reminder, anchor: datetime | None, title: str) -> ReminderOut:
    return ReminderOut(
        id=reminder.id,
        task_id=reminder.task_id,
        contact_id=reminder.contact_id,
        before_seconds=reminder.before_seconds,
        at=reminder.remind_at,
        fires_at=reminder_moment(reminder.before_seconds, reminder.remind_at, anchor),
        title=title,
    )
