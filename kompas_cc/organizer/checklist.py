"""Use cases of a task's checklist: add, tick, rename, remove items.

Whoever may change a task may change its checklist (`organizer.access`).
"""

from __future__ import annotations

from datetime import datetime

from kompas_cc.core.actor import Actor
from kompas_cc.core.errors import NotFound, ValidationFailed
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import access, repo, service
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.organizer.events import TaskUpdated
from kompas_cc.organizer.models import ChecklistItem, Task
from kompas_cc.organizer.schemas import ChecklistItemIn, ChecklistItemOut, ChecklistItemPatch

MAX_ITEMS = 200


async def _changeable(uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, task_id: int) -> Task:
    task = await service.require_task(uow, access.viewer_of(actor, policy), task_id)
    await service.require_change(uow, actor, task)
    return task


async def _item_out(uow: UnitOfWork, item: ChecklistItem) -> ChecklistItemOut:
    people = await repo.user_rows(uow.session, [item.done_by_id] if item.done_by_id else [])
    done_by = people[item.done_by_id].name if item.done_by_id in people else ""
    return ChecklistItemOut(
        id=item.id, text=item.text, done=item.done, done_at=item.done_at, done_by=done_by
    )


async def add_checklist_item(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    task_id: int,
    data: ChecklistItemIn,
    now: datetime,
) -> ChecklistItemOut:
    task = await _changeable(uow, actor, policy, task_id)
    items = await repo.list_checklist(uow.session, task.id)
    if len(items) >= MAX_ITEMS:
        raise ValidationFailed("The checklist is full", fields={"text": "The checklist is full"})
    item = ChecklistItem(
        task_id=task.id,
        position=max((i.position for i in items), default=0) + 1,
        text=data.text,
        done=False,
    )
    uow.session.add(item)
    task.updated_at = now
    await uow.session.flush()
    uow.emit(TaskUpdated(task.id, ("checklist",), actor.id))
    return await _item_out(uow, item)


async def _require_item(uow: UnitOfWork, task: Task, item_id: int) -> ChecklistItem:
    item = await uow.session.get(ChecklistItem, item_id)
    if item is None or item.task_id != task.id:
        raise NotFound("No such checklist item")
    return item


async def update_checklist_item(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    task_id: int,
    item_id: int,
    data: ChecklistItemPatch,
    now: datetime,
) -> ChecklistItemOut:
    task = await _changeable(uow, actor, policy, task_id)
    item = await _require_item(uow, task, item_id)
    if data.text is not None:
        item.text = data.text
    if data.done is not None and data.done != item.done:
        item.done = data.done
        item.done_at = now if data.done else None
        item.done_by_id = actor.id if data.done else None
    task.updated_at = now
    await uow.session.flush()
    uow.emit(TaskUpdated(task.id, ("checklist",), actor.id))
    return await _item_out(uow, item)


async def delete_checklist_item(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    task_id: int,
    item_id: int,
    now: datetime,
) -> None:
    task = await _changeable(uow, actor, policy, task_id)
    item = await _require_item(uow, task, item_id)
    await uow.session.delete(item)
    task.updated_at = now
    uow.emit(TaskUpdated(task.id, ("checklist",), actor.id))


async def list_checklist(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, task_id: int, now: datetime
) -> list[ChecklistItemOut]:
    return (await service.get_task(uow, actor, policy, task_id, now)).checklist
