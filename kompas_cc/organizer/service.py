"""Use cases of tasks: create, change, close, delete, read and list them; their checklists and
comments; who may discuss a task; the daily digest; the tasks on a client's timeline.

The organizer's other use cases live beside this module: contacts (contacts.py), reminders
(reminder_service.py), calendar views (agenda.py), the iCalendar feed (feeds.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from kompas_cc import scheduler
from kompas_cc.clients import service as clients_service
from kompas_cc.clients.timeline import TimelineEntry, TimelineWindow
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import Forbidden, NotFound, ValidationFailed
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import access, agenda, recurrence, reminders, repo, series
from kompas_cc.organizer.access import OrganizerPolicy, Viewer
from kompas_cc.organizer.events import (
    TaskCommented,
    TaskCreated,
    TaskDeleted,
    TaskFilesDeleted,
    TaskStatusChanged,
    TaskUpdated,
)
from kompas_cc.organizer.models import ChecklistItem, Task, TaskComment
from kompas_cc.organizer.schemas import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    ChecklistItemOut,
    CommentIn,
    CommentOut,
    MemberOut,
    ReminderIn,
    TaskBrief,
    TaskIn,
    TaskListQuery,
    TaskOut,
    TaskPage,
)
from kompas_cc.organizer.timing import (
    day_start,
    due_passed,
    local_day,
    task_anchor,
    task_overdue,
)

logger = logging.getLogger(__name__)

MSG_PAST_DUE = "The due time has passed; confirm to save the task anyway"
MSG_NO_USER = "No such user"
MSG_NO_CLIENT = "No such client"


class NoSuchTask(NotFound):
    error_id = "no-such-task"


class NotADiscussant(Forbidden):
    error_id = "not-a-discussant"


class TaskParties(Protocol):
    """What `may_discuss` needs of a task (a TaskOut has it)."""

    @property
    def author_id(self) -> int: ...

    @property
    def executor_ids(self) -> Sequence[int]: ...


def may_discuss(task: TaskParties, user_id: int) -> bool:
    """The one rule of who may discuss a task: its author and its executors (the responsible
    one and the co-executors). Comments use it now; the web chat and the Telegram bot will.
    Watchers, and managers or admins who are none of these, read the discussion only."""
    return user_id == task.author_id or user_id in task.executor_ids


async def may_discuss_task(uow: UnitOfWork, task_id: int, user_id: int) -> bool:
    """`may_discuss` for a task known by id (channels that know no actor); False if gone."""
    task = await repo.get_task(uow.session, task_id)
    if task is None:
        return False
    co_executors, _watchers = await _member_ids(uow, task.id)
    return may_discuss(_Parties(task.author_id, [task.executor_id, *co_executors]), user_id)


class _Parties:
    def __init__(self, author_id: int, executor_ids: list[int]) -> None:
        self.author_id = author_id
        self.executor_ids = executor_ids


# -- reading -----------------------------------------------------------------------------


async def require_task(uow: UnitOfWork, viewer: Viewer, task_id: int) -> Task:
    task = await repo.visible_task(uow.session, task_id, access.task_filter(viewer))
    if task is None:
        raise NoSuchTask("No such task")
    return task


async def _member_ids(uow: UnitOfWork, task_id: int) -> tuple[list[int], list[int]]:
    members = await repo.list_members(uow.session, [task_id])
    return (
        [m.user_id for m in members if m.role == "co_executor"],
        [m.user_id for m in members if m.role == "watcher"],
    )


async def get_task(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, task_id: int, now: datetime
) -> TaskOut:
    task = await require_task(uow, access.viewer_of(actor, policy), task_id)
    return await task_out(uow, task, now)


async def task_out(uow: UnitOfWork, task: Task, now: datetime) -> TaskOut:
    session = uow.session
    members = await repo.list_members(session, [task.id])
    items = await repo.list_checklist(session, task.id)
    people = await repo.user_rows(
        session,
        [task.author_id, task.executor_id]
        + [m.user_id for m in members]
        + [i.done_by_id for i in items if i.done_by_id is not None],
    )
    clients = await repo.client_names(session, [task.client_id])
    anchor = reminders.anchor_of_task(task)
    rows = await repo.list_reminders(session, task_ids=[task.id])
    co_executors = [m.user_id for m in members if m.role == "co_executor"]

    def name(user_id: int | None) -> str:
        row = people.get(user_id) if user_id is not None else None
        return row.name if row else ""

    return TaskOut(
        id=task.id,
        title=task.title,
        description=task.description,
        author_id=task.author_id,
        author=name(task.author_id),
        executor_id=task.executor_id,
        executor=name(task.executor_id),
        executor_ids=[task.executor_id, *co_executors],
        co_executor_ids=co_executors,
        watcher_ids=[m.user_id for m in members if m.role == "watcher"],
        members=[MemberOut(user_id=m.user_id, name=name(m.user_id), role=m.role) for m in members],
        client_id=task.client_id,
        client=clients.get(task.client_id) if task.client_id else None,
        due_at=task.due_at,
        due_date=task.due_date,
        all_day=task.due_at is None and task.due_date is not None,
        timezone=task.timezone,
        priority=task.priority,
        status=task.status,
        overdue=_overdue(task, now),
        rrule=task.rrule,
        occurrence=task.occurrence,
        series_id=task.series_id,
        previous_id=task.previous_id,
        next_id=await repo.next_task_id(session, task.id),
        checklist=[
            ChecklistItemOut(
                id=i.id, text=i.text, done=i.done, done_at=i.done_at, done_by=name(i.done_by_id)
            )
            for i in items
        ],
        reminders=[reminders.reminder_out(r, anchor, task.title) for r in rows],
        created_at=task.created_at,
        updated_at=task.updated_at,
        closed_at=task.closed_at,
    )


def _overdue(task: Task, now: datetime) -> bool:
    return task_overdue(
        task.status in OPEN_STATUSES, task.due_at, task.due_date, ZoneInfo(task.timezone), now
    )


async def task_briefs(uow: UnitOfWork, tasks: Sequence[Task], now: datetime) -> list[TaskBrief]:
    people = await repo.user_rows(uow.session, [t.executor_id for t in tasks])
    clients = await repo.client_names(uow.session, [t.client_id for t in tasks])
    files = await repo.count_task_files(uow.session, [t.id for t in tasks])
    return [
        TaskBrief(
            id=t.id,
            title=t.title,
            status=t.status,
            priority=t.priority,
            overdue=_overdue(t, now),
            due_at=t.due_at,
            due_date=t.due_date,
            executor_id=t.executor_id,
            executor=people[t.executor_id].name if t.executor_id in people else "",
            client_id=t.client_id,
            client=clients.get(t.client_id) if t.client_id else None,
            repeats=t.rrule is not None,
            files=files.get(t.id, 0),
        )
        for t in tasks
    ]


async def list_tasks(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, query: TaskListQuery, now: datetime
) -> TaskPage:
    zone = ZoneInfo(actor.timezone)
    filters = [access.task_filter(access.viewer_of(actor, policy))]
    if query.executor_id is not None:
        filters.append(repo.tasks_of_user([query.executor_id]))
    if query.client_id is not None:
        filters.append(repo.task_of_client(query.client_id))
    if query.status:
        filters.append(repo.task_status_in(query.status))
    if query.overdue:
        filters.append(repo.overdue_at(now, local_day(now, zone)))
    if query.due_from is not None or query.due_to is not None:
        filters.append(
            repo.due_between(
                day_start(query.due_from, zone) if query.due_from else None,
                day_start(date.fromordinal(query.due_to.toordinal() + 1), zone)
                if query.due_to
                else None,
                query.due_from,
                query.due_to,
            )
        )
    if query.q:
        filters.append(repo.text_in_title(query.q))
    offset = (query.page - 1) * query.per_page
    tasks, total = await repo.find_tasks(uow.session, filters, offset=offset, limit=query.per_page)
    return TaskPage(
        items=await task_briefs(uow, tasks, now),
        page=query.page,
        per_page=query.per_page,
        total=total,
        has_more=offset + len(tasks) < total,
    )


# -- checking what is to be saved --------------------------------------------------------


async def _active_users(uow: UnitOfWork, ids: Sequence[int]) -> bool:
    rows = await repo.user_rows(uow.session, ids)
    return all(i in rows and rows[i].is_active for i in ids)


async def _checked(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    data: TaskIn,
    zone: str,
    now: datetime,
    wanted_reminders: Sequence[ReminderIn] | None,
    old: Task | None,
) -> tuple[list[int], list[int], str | None]:
    """Executors (responsible first), watchers and the rule in its normal form; or
    ValidationFailed naming every bad field."""
    errors: dict[str, str] = {}
    executors = list(dict.fromkeys(data.executor_ids or [actor.id]))
    watchers = [w for w in dict.fromkeys(data.watcher_ids) if w not in executors]
    if not await _active_users(uow, executors):
        errors["executor_ids"] = MSG_NO_USER
    if not await _active_users(uow, watchers):
        errors["watcher_ids"] = MSG_NO_USER
    if data.client_id is not None and (old is None or data.client_id != old.client_id):
        try:
            await clients_service.get_client(uow, actor, policy.clients, data.client_id)
        except NotFound:
            errors["client_id"] = MSG_NO_CLIENT
    tz = ZoneInfo(zone)
    due_moved = old is None or (data.due_at, data.due_date) != (old.due_at, old.due_date)
    if due_moved and not data.allow_past_due and due_passed(data.due_at, data.due_date, tz, now):
        errors["due_at" if data.due_at is not None else "due_date"] = MSG_PAST_DUE
    rule: str | None = None
    if data.rrule:
        if old is not None and data.rrule == old.rrule and not due_moved:
            rule = old.rrule
        else:
            try:
                rule = await asyncio.to_thread(
                    series.check_rule, data.rrule, data.due_at, data.due_date, zone
                )
            except recurrence.InvalidRule as exc:
                errors["rrule"] = exc.message
    if wanted_reminders is not None:
        problem = reminders.check_reminders(
            wanted_reminders, task_anchor(data.due_at, data.due_date, tz), now
        )
        if problem:
            errors["reminders"] = problem
    if errors:
        raise ValidationFailed("The task has invalid fields", fields=errors)
    return executors, watchers, rule


def _member_map(co_executors: Sequence[int], watchers: Sequence[int]) -> dict[int, str]:
    members = {user_id: "watcher" for user_id in watchers}
    members.update({user_id: "co_executor" for user_id in co_executors})
    return members


# -- writing -----------------------------------------------------------------------------


async def create_task(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, data: TaskIn, now: datetime
) -> TaskOut:
    """Create a task; without `reminders` it gets its author's default reminders."""
    if actor.role is Role.DEALER:
        raise Forbidden("Dealers cannot create tasks")
    wanted = data.reminders
    if wanted is None:
        wanted = await reminders.default_reminders(uow, actor.id)
    executors, watchers, rule = await _checked(
        uow, actor, policy, data, actor.timezone, now, wanted, None
    )
    task = Task(
        title=data.title,
        description=data.description,
        author_id=actor.id,
        executor_id=executors[0],
        client_id=data.client_id,
        due_at=data.due_at,
        due_date=data.due_date,
        timezone=actor.timezone,
        priority=data.priority,
        status="new",
        rrule=rule,
        occurrence=1,
        next_created=False,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(task)
    await uow.session.flush()
    if rule is not None:
        task.series_id = task.id
    await repo.set_members(uow.session, task.id, _member_map(executors[1:], watchers))
    uow.session.add_all(
        ChecklistItem(task_id=task.id, position=n, text=text, done=False)
        for n, text in enumerate(data.checklist, start=1)
    )
    reminders.add_reminders(uow, wanted, now, task_id=task.id)
    await uow.session.flush()
    uow.emit(TaskCreated(task.id, task.title, task.executor_id, actor.id))
    await _apply_status(uow, task, data.status, now, actor.id)
    await reminders.sync_task_jobs(uow, task, now)
    return await task_out(uow, task, now)


async def require_change(uow: UnitOfWork, actor: Actor, task: Task) -> None:
    co_executors, _watchers = await _member_ids(uow, task.id)
    executor = (await repo.user_rows(uow.session, [task.executor_id])).get(task.executor_id)
    executor_ids = [task.executor_id, *co_executors]
    if not access.may_change_task(
        actor, task.author_id, executor_ids, executor.role if executor else None
    ):
        raise Forbidden("Only the author, the executors and their managers change a task")


async def update_task(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    task_id: int,
    data: TaskIn,
    now: datetime,
) -> TaskOut:
    """Replace the fields of a task. `reminders` None keeps its reminders as they are."""
    task = await require_task(uow, access.viewer_of(actor, policy), task_id)
    await require_change(uow, actor, task)
    executors, watchers, rule = await _checked(
        uow, actor, policy, data, task.timezone, now, data.reminders, task
    )
    old_co, old_watchers = await _member_ids(uow, task.id)
    new_values: dict[str, Any] = {
        "title": data.title,
        "description": data.description,
        "executor_id": executors[0],
        "client_id": data.client_id,
        "due_at": data.due_at,
        "due_date": data.due_date,
        "priority": data.priority,
        "rrule": rule,
    }
    changed = [name for name, value in new_values.items() if getattr(task, name) != value]
    for name in changed:
        setattr(task, name, new_values[name])
    if rule is not None and task.series_id is None:
        task.series_id = task.id
    if (executors[1:], watchers) != (old_co, old_watchers):
        await repo.set_members(uow.session, task.id, _member_map(executors[1:], watchers))
        changed.append("members")
    if data.reminders is not None:
        await reminders.replace_reminders(uow, data.reminders, now, task_id=task.id)
        changed.append("reminders")
    if changed:
        task.updated_at = now
        uow.emit(TaskUpdated(task.id, tuple(changed), actor.id))
    await uow.session.flush()
    await _apply_status(uow, task, data.status, now, actor.id)
    await reminders.sync_task_jobs(uow, task, now)
    return await task_out(uow, task, now)


def task_in_from(out: TaskOut) -> dict[str, Any]:
    """The editable fields of a task, as a dict a PATCH can be merged into."""
    return {
        "title": out.title,
        "description": out.description,
        "executor_ids": out.executor_ids,
        "watcher_ids": out.watcher_ids,
        "client_id": out.client_id,
        "due_at": out.due_at,
        "due_date": out.due_date,
        "priority": out.priority,
        "status": out.status,
        "rrule": out.rrule,
    }


async def _apply_status(
    uow: UnitOfWork, task: Task, status: str, now: datetime, by_user_id: int | None
) -> None:
    old = task.status
    if old == status:
        return
    task.status = status
    task.updated_at = now
    task.closed_at = now if status in CLOSED_STATUSES else None
    await uow.session.flush()
    uow.emit(TaskStatusChanged(task.id, old, status, by_user_id))
    if status in CLOSED_STATUSES:
        await series.spawn_next(uow, task.id, now, by_user_id)


async def set_status(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    task_id: int,
    status: str,
    now: datetime,
) -> TaskOut:
    """Move a task to a status. Closing it (done or cancelled) cancels its reminders and, for
    a repeating task, creates the next occurrence; reopening it sets its reminders again."""
    task = await require_task(uow, access.viewer_of(actor, policy), task_id)
    await require_change(uow, actor, task)
    await _apply_status(uow, task, status, now, actor.id)
    await reminders.sync_task_jobs(uow, task, now)
    return await task_out(uow, task, now)


async def delete_task(uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, task_id: int) -> None:
    """Delete a task with its checklist, comments, files and reminders; its pending jobs
    are cancelled, and a reminder job that runs anyway finds no task and does nothing. The
    files' contents leave the disk once the deletion is committed (TaskFilesDeleted)."""
    task = await require_task(uow, access.viewer_of(actor, policy), task_id)
    executor = (await repo.user_rows(uow.session, [task.executor_id])).get(task.executor_id)
    if not access.may_delete_task(actor, task.author_id, executor.role if executor else None):
        raise Forbidden("Only the author, a manager of the team or an admin deletes a task")
    await scheduler.cancel(uow, reminders.task_prefix(task.id))
    stored = tuple(f.storage_key for f in await repo.list_task_files(uow.session, task.id))
    await uow.session.delete(task)
    await uow.session.flush()
    uow.emit(TaskDeleted(task_id, actor.id))
    if stored:
        uow.emit(TaskFilesDeleted(task_id, stored))


# -- comments ----------------------------------------------------------------------------


async def list_comments(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, task_id: int
) -> list[CommentOut]:
    task = await require_task(uow, access.viewer_of(actor, policy), task_id)
    comments = await repo.list_comments(uow.session, task.id)
    people = await repo.user_rows(uow.session, [c.author_id for c in comments])
    return [
        _comment_out(c, people[c.author_id].name if c.author_id in people else "") for c in comments
    ]


def _comment_out(comment: TaskComment, author: str) -> CommentOut:
    return CommentOut(
        id=comment.id,
        task_id=comment.task_id,
        author_id=comment.author_id,
        author=author,
        text=comment.text,
        created_at=comment.created_at,
    )


async def add_comment(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    task_id: int,
    data: CommentIn,
    now: datetime,
) -> CommentOut:
    task = await require_task(uow, access.viewer_of(actor, policy), task_id)
    co_executors, _watchers = await _member_ids(uow, task.id)
    if not may_discuss(_Parties(task.author_id, [task.executor_id, *co_executors]), actor.id):
        raise NotADiscussant("Only the author and the executors of a task discuss it")
    comment = TaskComment(task_id=task.id, author_id=actor.id, text=data.text, created_at=now)
    uow.session.add(comment)
    await uow.session.flush()
    uow.emit(TaskCommented(task.id, comment.id, actor.id))
    return _comment_out(comment, actor.name)


# -- what a task page needs -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskView:
    """A task with its discussion and what the user may do with it."""

    task: TaskOut
    comments: list[CommentOut]
    may_change: bool
    may_delete: bool
    may_discuss: bool


async def task_view(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, task_id: int, now: datetime
) -> TaskView:
    task = await require_task(uow, access.viewer_of(actor, policy), task_id)
    out = await task_out(uow, task, now)
    executor = (await repo.user_rows(uow.session, [task.executor_id])).get(task.executor_id)
    role = executor.role if executor else None
    return TaskView(
        task=out,
        comments=await list_comments(uow, actor, policy, task_id),
        may_change=access.may_change_task(actor, out.author_id, out.executor_ids, role),
        may_delete=access.may_delete_task(actor, out.author_id, role),
        may_discuss=may_discuss(out, actor.id),
    )


async def client_name(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, client_id: int
) -> str | None:
    """The name of a client the user may see (for forms that name it), else None."""
    try:
        return (await clients_service.get_client(uow, actor, policy.clients, client_id)).name
    except NotFound:
        return None


async def user_choices(uow: UnitOfWork) -> list[tuple[int, str]]:
    """Everybody who may be given a task: the active users, by name."""
    return [(u.id, u.name) for u in await repo.list_users(uow.session, None)]


async def default_reminder_seconds(uow: UnitOfWork, actor: Actor) -> list[int]:
    return await repo.list_defaults(uow.session, actor.id)


# -- other domains -----------------------------------------------------------------------


async def timeline_source(uow: UnitOfWork, window: TimelineWindow) -> list[TimelineEntry]:
    """The client's tasks for its timeline, at the time each was set."""
    tasks = await repo.tasks_of_client(
        uow.session, window.client_id, window.since, window.until, window.limit
    )
    people = await repo.user_rows(uow.session, [t.author_id for t in tasks])
    return [
        TimelineEntry(
            at=t.created_at,
            kind="task",
            title=t.title,
            body=t.description,
            author=people[t.author_id].name if t.author_id in people else None,
            link=f"/organizer/tasks/{t.id}",
        )
        for t in tasks
    ]


async def move_client_rows(uow: UnitOfWork, merged_id: int, kept_id: int) -> None:
    """Tasks and contacts of a client folded into another follow it."""
    await repo.repoint_client(uow.session, merged_id, kept_id)


async def digest_for(uow: UnitOfWork, user_id: int, day: date) -> str | None:
    """The text of a user's daily digest for `day` (a day of the user's zone): overdue
    tasks, today's tasks and today's planned contacts, in the user's language; None when
    there is nothing to say."""
    return await agenda.digest_text(uow, user_id, day)
