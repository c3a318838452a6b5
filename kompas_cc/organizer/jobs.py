"""The organizer's scheduler jobs: reminders coming due, and repeating tasks whose time came.

Both run inside the unit of work that marks the job done, so the notifications a reminder
writes (and the next occurrence a repeating task gets) commit exactly once with it. They
re-read what they are about and do nothing when it is gone, closed or no longer planned:
a reminder of a deleted task, or of one done in the meantime, is skipped.
"""

from __future__ import annotations

import logging
from datetime import datetime

from kompas_cc.db.uow import UnitOfWork
from kompas_cc.notifications import service as notifications
from kompas_cc.organizer import meeting_jobs, reminders, repo, series
from kompas_cc.organizer.schemas import OPEN_STATUSES
from kompas_cc.scheduler import Job, Scheduler

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "reminder"


def _now(job: Job) -> datetime:
    return job.handled_at or job.due_at


async def on_reminder_due(uow: UnitOfWork, job: Job) -> None:
    """Notify each person a reminder is for: a task's executors, a contact's maker."""
    reminder = await repo.get_reminder(uow.session, int(job.payload["reminder_id"]))
    if reminder is None:
        logger.info("reminder job %s: the reminder is gone, skipped", job.id)
        return
    if reminder.task_id is not None:
        await _remind_of_task(uow, job, reminder.task_id)
    elif reminder.contact_id is not None:
        await _remind_of_contact(uow, job, reminder.contact_id)


async def _remind_of_task(uow: UnitOfWork, job: Job, task_id: int) -> None:
    task = await repo.get_task(uow.session, task_id)
    if task is None or task.status not in OPEN_STATUSES:
        logger.info("reminder job %s: task %s is gone or closed, skipped", job.id, task_id)
        return
    members = await repo.list_members(uow.session, [task.id])
    recipients = [task.executor_id] + [m.user_id for m in members if m.role == "co_executor"]
    people = await repo.user_rows(uow.session, recipients)
    clients = await repo.client_names(uow.session, [task.client_id])
    for user_id in dict.fromkeys(recipients):
        if user_id in people and people[user_id].is_active:
            await notifications.notify(
                uow,
                user_id,
                NOTIFICATION_KIND,
                task.title,
                clients.get(task.client_id, "") if task.client_id else "",
                link=f"/organizer/tasks/{task.id}",
                task_id=task.id,
                due_at=reminders.anchor_of_task(task),
                late=job.late,
            )


async def _remind_of_contact(uow: UnitOfWork, job: Job, contact_id: int) -> None:
    contact = await repo.get_contact(uow.session, contact_id)
    if contact is None or contact.state != "planned":
        logger.info("reminder job %s: contact %s is gone or done, skipped", job.id, contact_id)
        return
    user = (await repo.user_rows(uow.session, [contact.user_id])).get(contact.user_id)
    if user is None or not user.is_active:
        return
    client = (await repo.client_names(uow.session, [contact.client_id])).get(contact.client_id)
    await notifications.notify(
        uow,
        contact.user_id,
        NOTIFICATION_KIND,
        client or contact.subject,
        contact.subject if client else "",
        link=f"/organizer/contacts/{contact.id}",
        due_at=contact.planned_at,
        late=job.late,
    )


async def on_recurrence_due(uow: UnitOfWork, job: Job) -> None:
    """A repeating task's due time came: its next occurrence is created (once)."""
    await series.spawn_next(uow, int(job.payload["task_id"]), _now(job), None)


def register(scheduler: Scheduler) -> None:
    scheduler.register(reminders.REMINDER_JOB, on_reminder_due)
    scheduler.register(reminders.RECURRENCE_JOB, on_recurrence_due)
    meeting_jobs.register(scheduler)
