"""Facts about tasks and contacts, published after commit."""

from __future__ import annotations

from dataclasses import dataclass

from kompas_cc.core.events import Event


@dataclass(frozen=True, slots=True)
class TaskCreated(Event):
    """A task was created (by hand, through the API, or as the next occurrence of a series)."""

    task_id: int
    title: str
    executor_id: int
    by_user_id: int | None


@dataclass(frozen=True, slots=True)
class TaskUpdated(Event):
    """Fields of a task changed; `fields` names them."""

    task_id: int
    fields: tuple[str, ...]
    by_user_id: int | None


@dataclass(frozen=True, slots=True)
class TaskStatusChanged(Event):
    """A task moved from one status to another (new, in_progress, done, cancelled)."""

    task_id: int
    old: str
    new: str
    by_user_id: int | None


@dataclass(frozen=True, slots=True)
class TaskDeleted(Event):
    """A task was deleted with its checklist, comments and reminders."""

    task_id: int
    by_user_id: int | None


@dataclass(frozen=True, slots=True)
class TaskCommented(Event):
    """Somebody who may discuss the task wrote a comment on it."""

    task_id: int
    comment_id: int
    author_id: int


@dataclass(frozen=True, slots=True)
class TaskFilesDeleted(Event):
    """Files of a task were deleted (one by hand, or all with their task); `storage_keys`
    name their stored contents, removed from disk once this is published."""

    task_id: int
    storage_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContactPlanned(Event):
    """A contact with a client was planned."""

    contact_id: int
    client_id: int
    user_id: int


@dataclass(frozen=True, slots=True)
class ContactDone(Event):
    """A contact with a client took place (recorded done, or a planned one completed)."""

    contact_id: int
    client_id: int
    user_id: int


@dataclass(frozen=True, slots=True)
class ContactDeleted(Event):
    """A contact was deleted with its reminders."""

    contact_id: int
    client_id: int
