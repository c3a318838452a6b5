"""Use cases of reminders themselves: add one to a task or a contact, list one's upcoming
reminders, delete one; and each user's default reminders for new tasks."""

from __future__ import annotations

from datetime import datetime

from kompas_cc.core.actor import Actor
from kompas_cc.core.errors import NotFound, ValidationFailed
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import access, contacts, reminders, repo, service
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.organizer.schemas import (
    OPEN_STATUSES,
    DefaultReminderOut,
    ReminderIn,
    ReminderOut,
)

#: Upcoming reminders are looked for among at most this many open tasks of a user.
MAX_OPEN_TASKS = 2000


class NoSuchReminder(NotFound):
    error_id = "no-such-reminder"


def _refuse(problem: str, data: ReminderIn) -> ValidationFailed:
    field = "at" if data.at is not None else "before_seconds"
    return ValidationFailed("The reminder has invalid fields", fields={field: problem})


async def add_task_reminder(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    task_id: int,
    data: ReminderIn,
    now: datetime,
) -> ReminderOut:
    task = await service.require_task(uow, access.viewer_of(actor, policy), task_id)
    await service.require_change(uow, actor, task)
    anchor = reminders.anchor_of_task(task)
    problem = reminders.check_reminders([data], anchor, now)
    if problem:
        raise _refuse(problem, data)
    [row] = reminders.add_reminders(uow, [data], now, task_id=task.id)
    await uow.session.flush()
    await reminders.sync_task_jobs(uow, task, now)
    return reminders.reminder_out(row, anchor, task.title)


async def add_contact_reminder(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    contact_id: int,
    data: ReminderIn,
    now: datetime,
) -> ReminderOut:
    contact = await contacts.changeable(uow, actor, policy, contact_id)
    if contact.state != "planned":
        raise _refuse(contacts.MSG_DONE_NO_REMINDERS, data)
    problem = reminders.check_reminders([data], contact.planned_at, now, task=False)
    if problem:
        raise _refuse(problem, data)
    [row] = reminders.add_reminders(uow, [data], now, contact_id=contact.id)
    await uow.session.flush()
    await reminders.sync_contact_jobs(uow, contact, now)
    return reminders.reminder_out(row, contact.planned_at, contact.subject)


async def delete_reminder(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, reminder_id: int, now: datetime
) -> None:
    """Delete a reminder of a task or contact the user may change; its job is cancelled."""
    reminder = await repo.get_reminder(uow.session, reminder_id)
    if reminder is None:
        raise NoSuchReminder("No such reminder")
    viewer = access.viewer_of(actor, policy)
    try:
        if reminder.task_id is not None:
            task = await service.require_task(uow, viewer, reminder.task_id)
            await service.require_change(uow, actor, task)
            await uow.session.delete(reminder)
            await uow.session.flush()
            await reminders.sync_task_jobs(uow, task, now)
        else:
            contact = await contacts.changeable(uow, actor, policy, reminder.contact_id or 0)
            await uow.session.delete(reminder)
            await uow.session.flush()
            await reminders.sync_contact_jobs(uow, contact, now)
    except NotFound:
        raise NoSuchReminder("No such reminder") from None


async def list_upcoming(uow: UnitOfWork, actor: Actor, now: datetime) -> list[ReminderOut]:
    """The reminders still to come that will reach this user: those of the open tasks they
    execute and of the planned contacts they make, soonest first."""
    tasks, _ = await repo.find_tasks(
        uow.session,
        [repo.tasks_of_user([actor.id]), repo.task_status_in(OPEN_STATUSES)],
        limit=MAX_OPEN_TASKS,
    )
    planned, _ = await repo.find_contacts(
        uow.session,
        [repo.contacts_of_users([actor.id]), repo.contact_state_is("planned")],
        limit=MAX_OPEN_TASKS,
    )
    by_task = {t.id: t for t in tasks}
    by_contact = {c.id: c for c in planned}
    rows = await repo.list_reminders(
        uow.session, task_ids=list(by_task), contact_ids=list(by_contact)
    )
    outs = []
    for row in rows:
        if row.task_id is not None:
            task = by_task[row.task_id]
            out = reminders.reminder_out(row, reminders.anchor_of_task(task), task.title)
        else:
            contact = by_contact[row.contact_id or 0]
            out = reminders.reminder_out(row, contact.planned_at, contact.subject)
        if out.fires_at is not None and out.fires_at > now:
            outs.append(out)
    outs.sort(key=lambda o: (o.fires_at, o.id))
    return outs


async def get_defaults(uow: UnitOfWork, actor: Actor) -> list[DefaultReminderOut]:
    return [
        DefaultReminderOut(before_seconds=s)
        for s in await repo.list_defaults(uow.session, actor.id)
    ]


async def set_defaults(
    uow: UnitOfWork, actor: Actor, before_seconds: list[int]
) -> list[DefaultReminderOut]:
    """Replace the user's default reminders (seconds before the due time of new tasks)."""
    await repo.set_defaults(uow.session, actor.id, before_seconds)
    await uow.session.flush()
    return await get_defaults(uow, actor)
