"""Preparing a meeting: who prepares what by when, the ticks of what is ready, and the
reminders of each item.

Item reminders work like task reminders (organizer/reminders.py): each one is a durable
scheduler job of kind PREP_REMINDER_JOB, keyed
"meeting:<meeting id>:prep:<item id>:reminder:<reminder id>" and written in the same unit
of work as the item. Whenever a meeting or one of its items is saved, the meeting's jobs
are brought in line with it (`sync_meeting_jobs`): the pending jobs of its key prefix are
cancelled and those still wanted are scheduled again. Only the open items of a planned
meeting keep reminders; ticking an item, holding, cancelling or deleting the meeting ends
them. A reminder "before" counts back from the item's due time, or from the start of the
meeting when the item has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kompas_cc import scheduler
from kompas_cc.core.actor import Actor
from kompas_cc.core.errors import Forbidden, NotFound, ValidationFailed
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import meeting_access, meeting_repo, reminders, repo
from kompas_cc.organizer.meeting_common import (
    MSG_NOT_ATTENDING,
    attendees,
    people_problem,
    require_editable,
    require_meeting,
)
from kompas_cc.organizer.meeting_events import MeetingChanged
from kompas_cc.organizer.meeting_models import Meeting, MeetingPrepItem, MeetingPrepReminder
from kompas_cc.organizer.meeting_schemas import (
    MAX_PREP_ITEMS,
    PrepItemIn,
    PrepItemOut,
    PrepItemPatch,
    PrepReminderOut,
)
from kompas_cc.organizer.schemas import ReminderIn
from kompas_cc.organizer.timing import reminder_moment

PREP_REMINDER_JOB = "meeting.prep_reminder"

MSG_DUE_AFTER_START = "Preparation must be due by the start of the meeting"
MSG_PREP_FULL = "The preparation list is full"


class NoSuchPrepItem(NotFound):
    error_id = "no-such-preparation-item"


def meeting_prefix(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:"


def item_anchor(due_at: datetime | None, meeting: Meeting) -> datetime:
    return due_at or meeting.starts_at


async def sync_meeting_jobs(uow: UnitOfWork, meeting: Meeting, now: datetime) -> None:
    """Bring the pending reminder jobs of a meeting's preparation in line with it."""
    prefix = meeting_prefix(meeting.id)
    await scheduler.cancel(uow, prefix)
    if meeting.status != "planned":
        return
    items = [i for i in await meeting_repo.list_prep_items(uow.session, meeting.id) if not i.done]
    by_id = {i.id: i for i in items}
    for row in await meeting_repo.list_prep_reminders(uow.session, list(by_id)):
        item = by_id[row.item_id]
        moment = reminder_moment(
            row.before_seconds, row.remind_at, item_anchor(item.due_at, meeting)
        )
        if moment is not None and moment > now:
            payload = {"meeting_id": meeting.id, "item_id": item.id, "reminder_id": row.id}
            key = f"{prefix}prep:{item.id}:reminder:{row.id}"
            await scheduler.schedule(uow, PREP_REMINDER_JOB, moment, payload, key=key)


async def item_problems(
    uow: UnitOfWork,
    people: set[int],
    starts_at: datetime,
    data: PrepItemIn,
    now: datetime,
) -> dict[str, str]:
    """The field errors of an item of a meeting whose attendees are `people`."""
    errors: dict[str, str] = {}
    problem = await people_problem(uow, [data.assignee_id])
    if problem:
        errors["assignee_id"] = problem
    elif data.assignee_id not in people:
        errors["assignee_id"] = MSG_NOT_ATTENDING
    if data.due_at is not None and data.due_at > starts_at:
        errors["due_at"] = MSG_DUE_AFTER_START
    problem = reminders.check_reminders(data.reminders, data.due_at or starts_at, now)
    if problem:
        errors["reminders"] = problem
    return errors


def _add_reminders(
    uow: UnitOfWork, item_id: int, wanted: Sequence[ReminderIn], now: datetime
) -> None:
    seen: set[tuple[int | None, datetime | None]] = set()
    for reminder in wanted:
        if (reminder.before_seconds, reminder.at) in seen:
            continue
        seen.add((reminder.before_seconds, reminder.at))
        uow.session.add(
            MeetingPrepReminder(
                item_id=item_id,
                before_seconds=reminder.before_seconds,
                remind_at=reminder.at,
                created_at=now,
            )
        )


async def add_items(
    uow: UnitOfWork, meeting: Meeting, items: Sequence[PrepItemIn], now: datetime
) -> None:
    """Add checked items (and their reminders) at the end of a meeting's list."""
    existing = await meeting_repo.list_prep_items(uow.session, meeting.id)
    if len(existing) + len(items) > MAX_PREP_ITEMS:
        raise ValidationFailed(MSG_PREP_FULL, fields={"text": MSG_PREP_FULL})
    position = max((i.position for i in existing), default=0)
    for data in items:
        position += 1
        item = MeetingPrepItem(
            meeting_id=meeting.id,
            position=position,
            text=data.text,
            assignee_id=data.assignee_id,
            due_at=data.due_at,
            done=False,
        )
        uow.session.add(item)
        await uow.session.flush()
        _add_reminders(uow, item.id, data.reminders, now)
    await uow.session.flush()


async def prep_outs(
    uow: UnitOfWork, meeting: Meeting, items: Sequence[MeetingPrepItem]
) -> list[PrepItemOut]:
    rows = await meeting_repo.list_prep_reminders(uow.session, [i.id for i in items])
    people = await repo.user_rows(
        uow.session,
        [i.assignee_id for i in items] + [i.done_by_id for i in items if i.done_by_id],
    )

    def name(user_id: int | None) -> str:
        row = people.get(user_id) if user_id is not None else None
        return row.name if row else ""

    return [
        PrepItemOut(
            id=i.id,
            meeting_id=i.meeting_id,
            position=i.position,
            text=i.text,
            assignee_id=i.assignee_id,
            assignee=name(i.assignee_id),
            due_at=i.due_at,
            done=i.done,
            done_at=i.done_at,
            done_by=name(i.done_by_id) or None,
            reminders=[
                PrepReminderOut(
                    id=r.id,
                    before_seconds=r.before_seconds,
                    at=r.remind_at,
                    fires_at=reminder_moment(
                        r.before_seconds, r.remind_at, item_anchor(i.due_at, meeting)
                    ),
                )
                for r in rows
                if r.item_id == i.id
            ],
        )
        for i in items
    ]


async def list_prep_items(uow: UnitOfWork, actor: Actor, meeting_id: int) -> list[PrepItemOut]:
    meeting = await require_meeting(uow, actor, meeting_id)
    return await prep_outs(
        uow, meeting, await meeting_repo.list_prep_items(uow.session, meeting.id)
    )


async def add_prep_item(
    uow: UnitOfWork, actor: Actor, meeting_id: int, data: PrepItemIn, now: datetime
) -> PrepItemOut:
    meeting = await require_editable(uow, actor, meeting_id)
    errors = await item_problems(uow, await attendees(uow, meeting), meeting.starts_at, data, now)
    if errors:
        raise ValidationFailed("The preparation item has invalid fields", fields=errors)
    await add_items(uow, meeting, [data], now)
    _touch(uow, meeting, actor, now)
    await sync_meeting_jobs(uow, meeting, now)
    items = await meeting_repo.list_prep_items(uow.session, meeting.id)
    return (await prep_outs(uow, meeting, items[-1:]))[0]


async def _require_item(uow: UnitOfWork, meeting: Meeting, item_id: int) -> MeetingPrepItem:
    item = await meeting_repo.get_prep_item(uow.session, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise NoSuchPrepItem("No such preparation item")
    return item


def _touch(uow: UnitOfWork, meeting: Meeting, actor: Actor, now: datetime) -> None:
    meeting.updated_at = now
    uow.emit(MeetingChanged(meeting.id, ("preparation",), actor.id))


async def update_prep_item(
    uow: UnitOfWork,
    actor: Actor,
    meeting_id: int,
    item_id: int,
    patch: PrepItemPatch,
    now: datetime,
) -> PrepItemOut:
    """Change an item. Ticking it (`done` alone) is also open to the person preparing it;
    anything else only to those who change the meeting."""
    meeting = await require_meeting(uow, actor, meeting_id)
    item = await _require_item(uow, meeting, item_id)
    changes = patch.model_dump(exclude_unset=True)
    only_tick = set(changes) <= {"done"}
    allowed = (
        meeting_access.may_tick(actor, meeting.organiser_id, item.assignee_id)
        if only_tick
        else meeting_access.may_edit(actor, meeting.organiser_id)
    )
    if not allowed:
        raise Forbidden("Only the organiser, managers, admins and the person preparing it do this")
    if not only_tick:
        current = await prep_outs(uow, meeting, [item])
        wanted = PrepItemIn(
            text=changes.get("text") or item.text,
            assignee_id=changes.get("assignee_id") or item.assignee_id,
            due_at=changes.get("due_at", item.due_at),
            reminders=patch.reminders
            if patch.reminders is not None
            else [
                ReminderIn(before_seconds=r.before_seconds, at=r.at) for r in current[0].reminders
            ],
        )
        errors = await item_problems(
            uow, await attendees(uow, meeting), meeting.starts_at, _only_new(wanted, patch), now
        )
        if errors:
            raise ValidationFailed("The preparation item has invalid fields", fields=errors)
        item.text, item.assignee_id, item.due_at = wanted.text, wanted.assignee_id, wanted.due_at
        if patch.reminders is not None:
            await meeting_repo.clear_prep_reminders(uow.session, item.id)
            _add_reminders(uow, item.id, patch.reminders, now)
    if patch.done is not None and patch.done != item.done:
        item.done = patch.done
        item.done_at = now if patch.done else None
        item.done_by_id = actor.id if patch.done else None
    await uow.session.flush()
    _touch(uow, meeting, actor, now)
    await sync_meeting_jobs(uow, meeting, now)
    return (await prep_outs(uow, meeting, [item]))[0]


def _only_new(wanted: PrepItemIn, patch: PrepItemPatch) -> PrepItemIn:
    """The item to check, without what the patch keeps as it was: a kept reminder that
    already went off is in the past, and a kept due time may be after a meeting moved
    earlier since; neither is refused again."""
    changes = patch.model_dump(exclude_unset=True)
    update: dict[str, object] = {}
    if patch.reminders is None:
        update["reminders"] = []
    if "due_at" not in changes:
        update["due_at"] = None
    return wanted.model_copy(update=update)


async def delete_prep_item(
    uow: UnitOfWork, actor: Actor, meeting_id: int, item_id: int, now: datetime
) -> None:
    meeting = await require_editable(uow, actor, meeting_id)
    item = await _require_item(uow, meeting, item_id)
    await uow.session.delete(item)
    await uow.session.flush()
    _touch(uow, meeting, actor, now)
    await sync_meeting_jobs(uow, meeting, now)
