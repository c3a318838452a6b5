"""Queries over tasks, contacts and reminders. Never commits.

Users and clients are read through lightweight table constructs of the columns the
organizer shows or filters by, never through another domain's models.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    column,
    delete,
    exists,
    false,
    func,
    or_,
    select,
    table,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from kompas_cc.organizer.models import (
    CalendarFeed,
    ChecklistItem,
    Contact,
    Reminder,
    ReminderDefault,
    Task,
    TaskComment,
    TaskFile,
    TaskMember,
)

users = table(
    "users",
    column("id"),
    column("name"),
    column("role"),
    column("is_active"),
    column("timezone"),
    column("locale"),
)
clients = table("clients", column("id"), column("name"), column("manager_id"))


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    name: str
    role: str
    is_active: bool
    timezone: str
    locale: str


# -- people and clients ------------------------------------------------------------------


async def user_rows(session: AsyncSession, ids: Iterable[int]) -> dict[int, UserRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    result = await session.execute(
        select(
            users.c.id,
            users.c.name,
            users.c.role,
            users.c.is_active,
            users.c.timezone,
            users.c.locale,
        ).where(users.c.id.in_(wanted))
    )
    return {row[0]: UserRow(*row) for row in result.all()}


async def list_users(session: AsyncSession, roles: Collection[str] | None) -> list[UserRow]:
    """Active users, by name; only those of `roles` when given."""
    stmt = select(
        users.c.id, users.c.name, users.c.role, users.c.is_active, users.c.timezone, users.c.locale
    ).where(users.c.is_active.is_(True))
    if roles is not None:
        stmt = stmt.where(users.c.role.in_(sorted(roles)))
    result = await session.execute(stmt.order_by(users.c.name, users.c.id))
    return [UserRow(*row) for row in result.all()]


async def client_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    result = await session.execute(
        select(clients.c.id, clients.c.name).where(clients.c.id.in_(wanted))
    )
    return {cid: name for cid, name in result.all()}


# -- visibility pieces (composed by organizer.access) -----------------------------------


def task_participant(user_id: int) -> ColumnElement[bool]:
    return or_(
        Task.author_id == user_id,
        Task.executor_id == user_id,
        exists().where(TaskMember.task_id == Task.id, TaskMember.user_id == user_id),
    )


def task_executor_in_roles(roles: Collection[str]) -> ColumnElement[bool]:
    return exists().where(users.c.id == Task.executor_id, users.c.role.in_(sorted(roles)))


def contact_participant(user_id: int) -> ColumnElement[bool]:
    return or_(Contact.user_id == user_id, Contact.author_id == user_id)


def contact_user_in_roles(roles: Collection[str]) -> ColumnElement[bool]:
    return exists().where(users.c.id == Contact.user_id, users.c.role.in_(sorted(roles)))


def client_visible(
    client_id: InstrumentedAttribute[int | None] | InstrumentedAttribute[int],
    kind: str,
    user_id: int,
) -> ColumnElement[bool]:
    """Rows of a client the user sees, after the clients module's rule ("all", "own", "none")."""
    if kind == "all":
        return client_id.is_not(None)
    if kind == "own":
        return exists().where(clients.c.id == client_id, clients.c.manager_id == user_id)
    return false()


def everybody() -> ColumnElement[bool]:
    return true()


# -- tasks -------------------------------------------------------------------------------


async def get_task(session: AsyncSession, task_id: int) -> Task | None:
    return await session.get(Task, task_id)


async def lock_task(session: AsyncSession, task_id: int) -> Task | None:
    """The task read again under a row lock (PostgreSQL), so that two transactions never
    both decide to create its next occurrence. SQLite's write lock serialises them anyway."""
    result = await session.execute(
        select(Task)
        .where(Task.id == task_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def visible_task(
    session: AsyncSession, task_id: int, visible: ColumnElement[bool]
) -> Task | None:
    result = await session.execute(select(Task).where(Task.id == task_id, visible))
    return result.scalar_one_or_none()


async def list_members(session: AsyncSession, task_ids: Sequence[int]) -> list[TaskMember]:
    if not task_ids:
        return []
    result = await session.execute(
        select(TaskMember)
        .where(TaskMember.task_id.in_(task_ids))
        .order_by(TaskMember.task_id, TaskMember.role, TaskMember.user_id)
    )
    return list(result.scalars())


async def set_members(session: AsyncSession, task_id: int, members: dict[int, str]) -> None:
    await session.execute(delete(TaskMember).where(TaskMember.task_id == task_id))
    session.add_all(
        TaskMember(task_id=task_id, user_id=user_id, role=role) for user_id, role in members.items()
    )


async def next_task_id(session: AsyncSession, task_id: int) -> int | None:
    result = await session.execute(select(Task.id).where(Task.previous_id == task_id))
    return result.scalar_one_or_none()


async def list_checklist(session: AsyncSession, task_id: int) -> list[ChecklistItem]:
    result = await session.execute(
        select(ChecklistItem)
        .where(ChecklistItem.task_id == task_id)
        .order_by(ChecklistItem.position, ChecklistItem.id)
    )
    return list(result.scalars())


async def list_task_files(session: AsyncSession, task_id: int) -> list[TaskFile]:
    result = await session.execute(
        select(TaskFile)
        .where(TaskFile.task_id == task_id)
        .order_by(TaskFile.uploaded_at, TaskFile.id)
    )
    return list(result.scalars())


async def count_task_files(session: AsyncSession, task_ids: Collection[int]) -> dict[int, int]:
    """How many files each of the tasks has (tasks without files are left out)."""
    if not task_ids:
        return {}
    result = await session.execute(
        select(TaskFile.task_id, func.count())
        .where(TaskFile.task_id.in_(task_ids))
        .group_by(TaskFile.task_id)
    )
    return {task_id: count for task_id, count in result.all()}


async def list_comments(session: AsyncSession, task_id: int) -> list[TaskComment]:
    result = await session.execute(
        select(TaskComment)
        .where(TaskComment.task_id == task_id)
        .order_by(TaskComment.created_at, TaskComment.id)
    )
    return list(result.scalars())


def tasks_of_user(user_ids: Collection[int]) -> ColumnElement[bool]:
    """Tasks whose responsible executor or a co-executor is one of these users."""
    return or_(
        Task.executor_id.in_(sorted(user_ids)),
        exists().where(
            TaskMember.task_id == Task.id,
            TaskMember.user_id.in_(sorted(user_ids)),
            TaskMember.role == "co_executor",
        ),
    )


def due_within(start: datetime, end: datetime, first: date, last: date) -> ColumnElement[bool]:
    """Timed tasks due in [start, end) and all-day tasks of the days first..last."""
    return or_(
        and_(Task.due_at >= start, Task.due_at < end),
        and_(Task.due_date >= first, Task.due_date <= last),
    )


def due_between(
    start: datetime | None, end: datetime | None, first: date | None, last: date | None
) -> ColumnElement[bool]:
    """Like `due_within`, either end open."""
    timed: list[ColumnElement[bool]] = [Task.due_at.is_not(None)]
    if start is not None:
        timed.append(Task.due_at >= start)
    if end is not None:
        timed.append(Task.due_at < end)
    all_day: list[ColumnElement[bool]] = [Task.due_date.is_not(None)]
    if first is not None:
        all_day.append(Task.due_date >= first)
    if last is not None:
        all_day.append(Task.due_date <= last)
    return or_(and_(*timed), and_(*all_day))


def task_of_client(client_id: int) -> ColumnElement[bool]:
    return Task.client_id == client_id


def task_status_in(statuses: Collection[str]) -> ColumnElement[bool]:
    return Task.status.in_(sorted(statuses))


def overdue_at(now: datetime, today_by_zone: date) -> ColumnElement[bool]:
    """Open tasks past due. All-day tasks are compared with the viewer's day, which is the
    task's own day except across zones (a near enough approximation for a list filter)."""
    return and_(
        Task.status.in_(("new", "in_progress")),
        or_(Task.due_at < now, Task.due_date < today_by_zone),
    )


def text_in_title(text: str) -> ColumnElement[bool]:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(Task.title).like(f"%{escaped.lower()}%", escape="\\")


def task_order() -> tuple[ColumnElement[object], ...]:
    """Tasks by when they are due (the UTC day; an all-day task opens its day), undated last,
    then by id. NULLs are ordered explicitly: SQLite and PostgreSQL put them apart."""
    due = func.coalesce(func.date(Task.due_at), Task.due_date)
    return (due.is_(None), due, Task.due_at.is_not(None), Task.due_at, Task.id)  # type: ignore[return-value]


async def find_tasks(
    session: AsyncSession,
    filters: Sequence[ColumnElement[bool]],
    *,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[Task], int]:
    stmt: Select[Task] = select(Task).where(*filters)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    stmt = stmt.order_by(*task_order()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    result = await session.execute(stmt)
    return list(result.scalars()), int(total or 0)


async def tasks_of_client(
    session: AsyncSession,
    client_id: int,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[Task]:
    stmt = select(Task).where(Task.client_id == client_id)
    if since is not None:
        stmt = stmt.where(Task.created_at >= since)
    if until is not None:
        stmt = stmt.where(Task.created_at <= until)
    result = await session.execute(
        stmt.order_by(Task.created_at.desc(), Task.id.desc()).limit(limit)
    )
    return list(result.scalars())


async def repoint_client(session: AsyncSession, old_id: int, new_id: int) -> None:
    await session.execute(update(Task).where(Task.client_id == old_id).values(client_id=new_id))
    await session.execute(
        update(Contact).where(Contact.client_id == old_id).values(client_id=new_id)
    )


# -- contacts ----------------------------------------------------------------------------


async def get_contact(session: AsyncSession, contact_id: int) -> Contact | None:
    return await session.get(Contact, contact_id)


async def visible_contact(
    session: AsyncSession, contact_id: int, visible: ColumnElement[bool]
) -> Contact | None:
    result = await session.execute(select(Contact).where(Contact.id == contact_id, visible))
    return result.scalar_one_or_none()


def contact_moment() -> ColumnElement[datetime]:
    """When a contact is: done ones when they took place, planned ones when planned."""
    return func.coalesce(Contact.done_at, Contact.planned_at)


async def find_contacts(
    session: AsyncSession,
    filters: Sequence[ColumnElement[bool]],
    *,
    offset: int = 0,
    limit: int | None = None,
    newest_first: bool = False,
) -> tuple[list[Contact], int]:
    stmt: Select[Contact] = select(Contact).where(*filters)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    moment = contact_moment()
    order = (moment.desc(), Contact.id.desc()) if newest_first else (moment, Contact.id)
    stmt = stmt.order_by(*order).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    result = await session.execute(stmt)
    return list(result.scalars()), int(total or 0)


def contacts_of_users(user_ids: Collection[int]) -> ColumnElement[bool]:
    return Contact.user_id.in_(sorted(user_ids))


def contact_state_is(state: str) -> ColumnElement[bool]:
    return Contact.state == state


def contact_planned_before(moment: datetime) -> ColumnElement[bool]:
    return Contact.planned_at < moment


def contact_of_client(client_id: int) -> ColumnElement[bool]:
    return Contact.client_id == client_id


def contact_kind_is(kind: str) -> ColumnElement[bool]:
    return Contact.kind == kind


def contacts_within(start: datetime, end: datetime) -> ColumnElement[bool]:
    moment = contact_moment()
    return and_(moment >= start, moment < end)


def contacts_between(start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
    """Like `contacts_within`, either end open."""
    moment = contact_moment()
    conditions = [moment >= start] if start is not None else []
    if end is not None:
        conditions.append(moment < end)
    return and_(true(), *conditions)


async def contacts_of_client(
    session: AsyncSession,
    client_id: int,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[Contact]:
    moment = contact_moment()
    stmt = select(Contact).where(Contact.client_id == client_id)
    if since is not None:
        stmt = stmt.where(moment >= since)
    if until is not None:
        stmt = stmt.where(moment <= until)
    result = await session.execute(stmt.order_by(moment.desc(), Contact.id.desc()).limit(limit))
    return list(result.scalars())


async def next_planned_contact(session: AsyncSession, client_id: int) -> Contact | None:
    result = await session.execute(
        select(Contact)
        .where(Contact.client_id == client_id, Contact.state == "planned")
        .order_by(Contact.planned_at, Contact.id)
        .limit(1)
    )
    return result.scalar_one_or_none()


async def last_done_contact(session: AsyncSession, client_id: int) -> Contact | None:
    result = await session.execute(
        select(Contact)
        .where(Contact.client_id == client_id, Contact.state == "done")
        .order_by(Contact.done_at.desc(), Contact.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


# -- reminders ---------------------------------------------------------------------------


async def list_reminders(
    session: AsyncSession, task_ids: Sequence[int] = (), contact_ids: Sequence[int] = ()
) -> list[Reminder]:
    conditions = []
    if task_ids:
        conditions.append(Reminder.task_id.in_(task_ids))
    if contact_ids:
        conditions.append(Reminder.contact_id.in_(contact_ids))
    if not conditions:
        return []
    result = await session.execute(select(Reminder).where(or_(*conditions)).order_by(Reminder.id))
    return list(result.scalars())


async def get_reminder(session: AsyncSession, reminder_id: int) -> Reminder | None:
    return await session.get(Reminder, reminder_id)


async def delete_reminders(session: AsyncSession, reminder_ids: Sequence[int]) -> None:
    if reminder_ids:
        await session.execute(delete(Reminder).where(Reminder.id.in_(reminder_ids)))


async def list_defaults(session: AsyncSession, user_id: int) -> list[int]:
    result = await session.execute(
        select(ReminderDefault.before_seconds)
        .where(ReminderDefault.user_id == user_id)
        .order_by(ReminderDefault.before_seconds)
    )
    return list(result.scalars())


async def set_defaults(session: AsyncSession, user_id: int, before: Iterable[int]) -> None:
    await session.execute(delete(ReminderDefault).where(ReminderDefault.user_id == user_id))
    session.add_all(
        ReminderDefault(user_id=user_id, before_seconds=seconds) for seconds in sorted(set(before))
    )


# -- calendar feeds ----------------------------------------------------------------------


async def get_feed(session: AsyncSession, user_id: int) -> CalendarFeed | None:
    return await session.get(CalendarFeed, user_id)


async def find_feed(session: AsyncSession, token: str) -> CalendarFeed | None:
    result = await session.execute(select(CalendarFeed).where(CalendarFeed.token == token))
    return result.scalar_one_or_none()
