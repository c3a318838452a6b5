"""Queries over due-time jobs. Never commits.

Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL, so loops of several processes take
different jobs without waiting for each other. SQLite ignores the clause: there the
writing unit of work (BEGIN IMMEDIATE) already lets one transaction claim at a time.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Result,
    Table,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kompas_cc.scheduling.models import CANCELLED, DONE, FAILED, PENDING, ScheduledJob

jobs = cast(Table, ScheduledJob.__table__)


def _rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE touched (its result is a CursorResult, typed as a plain Result)."""
    return int(cast("CursorResult[Any]", result).rowcount)


def _claimable(now: datetime, kinds: Collection[str]) -> list[ColumnElement[bool]]:
    """Pending jobs of these kinds that nobody holds (no claim, or an expired one)."""
    return [
        ScheduledJob.state == PENDING,
        ScheduledJob.kind.in_(sorted(kinds)),
        or_(ScheduledJob.claimed_until.is_(None), ScheduledJob.claimed_until < now),
    ]


async def add_job(
    session: AsyncSession, kind: str, due_at: datetime, payload: str, key: str | None
) -> int:
    """Insert a job; with a key, move the job of that key instead.

    A key names one reminder. Scheduling it again moves it (new time, new payload, pending
    again), unless it already ran or was parked at that very time: re-saving a task whose
    reminder was delivered does not deliver it a second time.
    """
    values = {
        "kind": kind,
        "key": key,
        "due_at": due_at,
        "payload": payload,
        "state": PENDING,
        "late": False,
        "attempts": 0,
    }
    if key is None:
        result = await session.execute(insert(jobs).values(values).returning(jobs.c.id))
        return int(result.scalar_one())
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = upsert(jobs).values(values)
    moving = stmt.on_conflict_do_update(
        index_elements=[jobs.c.key],
        set_={
            "kind": stmt.excluded.kind,
            "due_at": stmt.excluded.due_at,
            "payload": stmt.excluded.payload,
            "state": PENDING,
            "claimed_by": None,
            "claimed_until": None,
            "done_at": None,
            "late": False,
            "attempts": 0,
            "last_error": None,
        },
        where=~and_(jobs.c.state.in_((DONE, FAILED)), jobs.c.due_at == stmt.excluded.due_at),
    ).returning(jobs.c.id)
    moved = (await session.execute(moving)).scalar_one_or_none()
    if moved is not None:
        return int(moved)
    kept = await session.execute(select(jobs.c.id).where(jobs.c.key == key))
    return int(kept.scalar_one())


async def cancel_pending(session: AsyncSession, key_prefix: str) -> int:
    """Cancel the pending jobs whose key starts with the prefix (compared exactly)."""
    result = await session.execute(
        update(ScheduledJob)
        .where(
            ScheduledJob.state == PENDING,
            func.substr(ScheduledJob.key, 1, len(key_prefix)) == key_prefix,
        )
        .values(state=CANCELLED, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def get_job(session: AsyncSession, job_id: int) -> ScheduledJob | None:
    return await session.get(ScheduledJob, job_id)


async def claim_due(
    session: AsyncSession,
    owner: str,
    now: datetime,
    until: datetime,
    kinds: Collection[str],
    limit: int,
) -> list[tuple[int, str]]:
    """Claim up to `limit` due jobs for `owner` until `until`: (id, kind) in due order."""
    rows = await session.execute(
        select(ScheduledJob.id, ScheduledJob.kind)
        .where(ScheduledJob.due_at <= now, *_claimable(now, kinds))
        .order_by(ScheduledJob.due_at, ScheduledJob.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = [(int(job_id), str(kind)) for job_id, kind in rows.all()]
    if claimed:
        await session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.id.in_([job_id for job_id, _kind in claimed]))
            .values(claimed_by=owner, claimed_until=until)
            .execution_options(synchronize_session=False)
        )
    return claimed


@dataclass(frozen=True, slots=True)
class StartedJob:
    id: int
    kind: str
    key: str | None
    due_at: datetime
    payload: str
    late: bool
    attempts: int


async def start_jobs(
    session: AsyncSession,
    job_ids: Collection[int],
    owner: str,
    now: datetime,
    late_before: datetime,
) -> list[StartedJob]:
    """Mark jobs we claimed done and return them in due order, in one statement that also
    locks their rows (PostgreSQL). A job no longer pending or no longer ours is left out:
    a claim may have expired and been taken over by another loop, which may even have
    finished it. A job due before `late_before` becomes late.

    Plain SQL, no ORM objects: this runs for every job, and the ORM's bookkeeping would
    cost more than the statement."""
    result = await session.execute(
        update(jobs)
        .where(jobs.c.id.in_(list(job_ids)), jobs.c.state == PENDING, jobs.c.claimed_by == owner)
        .values(
            state=DONE,
            done_at=now,
            attempts=jobs.c.attempts + 1,
            late=or_(jobs.c.late, jobs.c.due_at < late_before),
            claimed_until=None,
        )
        .returning(
            jobs.c.id,
            jobs.c.kind,
            jobs.c.key,
            jobs.c.due_at,
            jobs.c.payload,
            jobs.c.late,
            jobs.c.attempts,
        )
    )
    started = [StartedJob(*row) for row in result.all()]
    return sorted(started, key=lambda job: (job.due_at, job.id))


async def lock_claimed(session: AsyncSession, job_id: int, owner: str) -> ScheduledJob | None:
    """The job, locked, if it is still pending and still ours (a claim may have expired
    and been taken over by another loop, which may even have finished it)."""
    result = await session.execute(
        select(ScheduledJob)
        .where(
            ScheduledJob.id == job_id,
            ScheduledJob.state == PENDING,
            ScheduledJob.claimed_by == owner,
        )
        .with_for_update()
        # Read afresh: a savepoint rolled back may have left an older copy in the session.
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def earliest_due(
    session: AsyncSession, now: datetime, kinds: Collection[str]
) -> datetime | None:
    result = await session.execute(
        select(ScheduledJob.due_at)
        .where(*_claimable(now, kinds))
        .order_by(ScheduledJob.due_at)
        .limit(1)
    )
    return result.scalar_one_or_none()


async def mark_overdue_late(session: AsyncSession, now: datetime) -> int:
    """At start: every pending job that came due meanwhile, and nobody holds, is late."""
    result = await session.execute(
        update(ScheduledJob)
        .where(
            ScheduledJob.state == PENDING,
            ScheduledJob.due_at < now,
            ScheduledJob.late.is_(False),
            or_(ScheduledJob.claimed_until.is_(None), ScheduledJob.claimed_until < now),
        )
        .values(late=True)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def release_claims(session: AsyncSession, owner: str) -> int:
    """Give back the jobs `owner` claimed but did not finish (a loop stopping in order)."""
    result = await session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.state == PENDING, ScheduledJob.claimed_by == owner)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(ScheduledJob.state, func.count()).group_by(ScheduledJob.state)
    )
    return {state: int(n) for state, n in rows.all()}


async def announce(session: AsyncSession, channel: str, payload: str) -> None:
    """NOTIFY on PostgreSQL; delivered to listeners only if this transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_notify(channel, payload)))
