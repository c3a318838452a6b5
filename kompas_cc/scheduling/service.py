"""Adding, moving and cancelling jobs inside the caller's unit of work."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kompas_cc.db.uow import UnitOfWork
from kompas_cc.scheduling import repo
from kompas_cc.scheduling.events import JobScheduled
from kompas_cc.scheduling.jobs import Job
from kompas_cc.scheduling.pgwake import CHANNEL, notice

MAX_KIND_LENGTH = 64
MAX_KEY_LENGTH = 200


def encode_payload(payload: dict[str, Any]) -> str:
    """JSON of the payload; refused at once (not when the job runs) if it is not JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


async def schedule(
    uow: UnitOfWork,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any],
    key: str | None = None,
) -> int:
    """Add a job in the caller's transaction and return its id.

    With a key, the pending job of that key is moved instead of a second one added, so
    re-saving a task never doubles its reminders. After the commit, a loop that sleeps past
    `due_at` is woken: in this process through the bus, in others (PostgreSQL) by NOTIFY.
    """
    if not kind or len(kind) > MAX_KIND_LENGTH:
        raise ValueError(f"a job kind has 1 to {MAX_KIND_LENGTH} characters: {kind!r}")
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        raise ValueError(f"a job key has 1 to {MAX_KEY_LENGTH} characters: {key!r}")
    if due_at.tzinfo is None:
        raise ValueError("a job's due time must carry its time zone")
    job_id = await repo.add_job(uow.session, kind, due_at, encode_payload(payload), key)
    await repo.announce(uow.session, CHANNEL, notice(kind, due_at))
    uow.emit(JobScheduled(job_id=job_id, kind=kind, due_at=due_at))
    return job_id


async def cancel(uow: UnitOfWork, key_prefix: str) -> int:
    """Cancel the pending jobs whose key starts with `key_prefix` ("task:42:"); how many.

    Jobs already done stay done. An empty prefix is refused: it would cancel everything.
    """
    if not key_prefix:
        raise ValueError("cancelling needs a key prefix")
    return await repo.cancel_pending(uow.session, key_prefix)


async def get_job(uow: UnitOfWork, job_id: int) -> Job | None:
    """A job by id, in any state, as a handler would see it."""
    row = await repo.get_job(uow.session, job_id)
    if row is None:
        return None
    return Job(
        id=row.id,
        kind=row.kind,
        key=row.key,
        due_at=row.due_at,
        payload=json.loads(row.payload),
        late=row.late,
        attempts=row.attempts,
        handled_at=row.done_at,
    )
