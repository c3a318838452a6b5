"""Use cases of the files of a task: attach, list, open, delete.

Who may do what is in `organizer.access`. The content is written to the uploads directory
before its row is committed; should the commit fail, the written file stays behind as an
orphan nobody links to (harmless, and a clean-up may remove unreferenced keys). Deleted
files leave the disk after the commit, through TaskFilesDeleted (`file_subscribers`); a
crash between the two leaves such an orphan too, never a row without its content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kompas_cc.core import uploads
from kompas_cc.core.actor import Actor
from kompas_cc.core.errors import Forbidden, NotFound
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import access, repo, service
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.organizer.events import TaskFilesDeleted, TaskUpdated
from kompas_cc.organizer.models import Task, TaskFile
from kompas_cc.organizer.schemas import TaskFileOut


class NoSuchTaskFile(NotFound):
    error_id = "no-such-task-file"


class MayNotAttach(Forbidden):
    error_id = "may-not-attach"


class MayNotDeleteFile(Forbidden):
    error_id = "may-not-delete-file"


@dataclass(frozen=True, slots=True)
class TaskFiles:
    """The files of a task and whether the user may attach more."""

    files: list[TaskFileOut]
    may_attach: bool


def _file_out(row: TaskFile, uploader: str, actor: Actor, task: Task) -> TaskFileOut:
    return TaskFileOut(
        id=row.id,
        task_id=row.task_id,
        name=row.name,
        content_type=row.content_type,
        size=row.size,
        uploader_id=row.uploader_id,
        uploader=uploader,
        uploaded_at=row.uploaded_at,
        may_delete=access.may_delete_file(actor, row.uploader_id, task.author_id),
    )


async def _may_attach(uow: UnitOfWork, actor: Actor, task: Task) -> bool:
    discusses = await service.may_discuss_task(uow, task.id, actor.id)
    return access.may_attach_file(actor, discusses)


async def _visible_task(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, task_id: int
) -> Task:
    return await service.require_task(uow, access.viewer_of(actor, policy), task_id)


async def _require_file(uow: UnitOfWork, task: Task, file_id: int) -> TaskFile:
    row = await uow.session.get(TaskFile, file_id)
    if row is None or row.task_id != task.id:
        raise NoSuchTaskFile("No such file")
    return row


async def list_files(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, task_id: int
) -> list[TaskFileOut]:
    return await _files_of(uow, actor, await _visible_task(uow, actor, policy, task_id))


async def _files_of(uow: UnitOfWork, actor: Actor, task: Task) -> list[TaskFileOut]:
    rows = await repo.list_task_files(uow.session, task.id)
    people = await repo.user_rows(uow.session, [r.uploader_id for r in rows])
    return [
        _file_out(r, people[r.uploader_id].name if r.uploader_id in people else "", actor, task)
        for r in rows
    ]


async def task_files(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, task_id: int
) -> TaskFiles:
    """What the task card shows of its files."""
    task = await _visible_task(uow, actor, policy, task_id)
    files = await _files_of(uow, actor, task)
    return TaskFiles(files=files, may_attach=await _may_attach(uow, actor, task))


async def add_file(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    task_id: int,
    filename: str,
    content: bytes,
    now: datetime,
) -> TaskFileOut:
    task = await _visible_task(uow, actor, policy, task_id)
    if not await _may_attach(uow, actor, task):
        raise MayNotAttach("Only the participants of a task and their managers attach files")
    rules = policy.uploads
    name = uploads.clean_name(filename)
    content_type = uploads.check_upload(rules.max_bytes, rules.allowed_types, name, len(content))
    row = TaskFile(
        task_id=task.id,
        name=name,
        content_type=content_type,
        size=len(content),
        storage_key=uploads.store(rules.uploads_dir, content),
        uploader_id=actor.id,
        uploaded_at=now,
    )
    uow.session.add(row)
    task.updated_at = now
    await uow.session.flush()
    uow.emit(TaskUpdated(task.id, ("files",), actor.id))
    return _file_out(row, actor.name, actor, task)


async def open_file(
    uow: UnitOfWork, actor: Actor, policy: OrganizerPolicy, task_id: int, file_id: int
) -> tuple[TaskFileOut, Path]:
    """A file's description and where its content lies; whoever sees the task reads it."""
    task = await _visible_task(uow, actor, policy, task_id)
    row = await _require_file(uow, task, file_id)
    people = await repo.user_rows(uow.session, [row.uploader_id])
    uploader = people[row.uploader_id].name if row.uploader_id in people else ""
    path = uploads.stored_path(policy.uploads.uploads_dir, row.storage_key)
    return _file_out(row, uploader, actor, task), path


async def delete_file(
    uow: UnitOfWork,
    actor: Actor,
    policy: OrganizerPolicy,
    task_id: int,
    file_id: int,
    now: datetime,
) -> None:
    task = await _visible_task(uow, actor, policy, task_id)
    row = await _require_file(uow, task, file_id)
    if not access.may_delete_file(actor, row.uploader_id, task.author_id):
        raise MayNotDeleteFile("Only the uploader, the task's author or an admin deletes a file")
    await uow.session.delete(row)
    task.updated_at = now
    await uow.session.flush()
    uow.emit(TaskUpdated(task.id, ("files",), actor.id))
    uow.emit(TaskFilesDeleted(task.id, (row.storage_key,)))
