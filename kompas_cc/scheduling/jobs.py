"""What a job handler receives, and the job being handled right now."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kompas_cc.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Job:
    """A due job as its handler sees it.

    `late` is true when the job came due while no loop was running, or more than the
    loop's grace period before it was handled: a reminder may then say "missed at 9:00".
    `attempts` counts this one (1 on the first run); `handled_at` is the loop's "now".
    """

    id: int
    kind: str
    key: str | None
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    late: bool = False
    attempts: int = 1
    handled_at: datetime | None = None


#: Runs inside the unit of work that marks the job done: what it writes commits with that.
JobHandler = Callable[[UnitOfWork, Job], Awaitable[None]]

_current: ContextVar[Job | None] = ContextVar("kompas_current_job", default=None)


def current_job() -> Job | None:
    """The job whose handler is running in this task, if any.

    Lets a service remember which job produced its record (a notification knows the
    reminder it came from, so it can be snoozed) without every handler passing it on.
    """
    return _current.get()


def set_current_job(job: Job | None) -> Token[Job | None]:
    return _current.set(job)


def reset_current_job(token: Token[Job | None]) -> None:
    _current.reset(token)
