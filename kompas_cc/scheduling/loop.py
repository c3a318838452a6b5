"""The loop that delivers due jobs: it sleeps until the earliest one, claims, runs, finishes.

One loop per process; on PostgreSQL several processes may run theirs against one database.
Every job runs in its own writing unit of work that first marks it done and then calls
its handler, so the handler's writes and the job's completion commit together or not at
all: a crash before the commit leaves the job pending, and it runs again (once) later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from kompas_cc.core.clock import Clock
from kompas_cc.db.uow import UnitOfWork, UowFactory
from kompas_cc.scheduling import repo
from kompas_cc.scheduling.events import JobScheduled
from kompas_cc.scheduling.jobs import Job, JobHandler, reset_current_job, set_current_job
from kompas_cc.scheduling.models import FAILED
from kompas_cc.scheduling.timers import ClockTimer, Timer

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class SchedulerPolicy:
    #: The longest sleep: jobs added by other processes (without a wake-up signal) and
    #: claims left by a loop that died are seen within this time.
    recheck_s: float = 30.0
    #: How long a claim holds; a loop that dies keeps its claimed jobs this long at most.
    lease_s: float = 60.0
    #: Jobs claimed in one transaction, then run in as few transactions as possible.
    batch: int = 50
    #: A transaction running jobs commits after this long (their news goes out then).
    commit_after_s: float = 0.2
    handler_timeout_s: float = 20.0
    #: A job handled more than this after its due time is late.
    late_grace_s: float = 60.0
    #: Waits before the 2nd, 3rd ... attempt of a failing job; the last repeats.
    retry_backoff_s: tuple[float, ...] = (30.0, 120.0, 600.0, 1800.0)
    #: After this many failed attempts a job is parked (state "failed") and logged.
    max_attempts: int = 5
    #: Pause after the database itself failed (the loop never spins on an error).
    error_pause_s: float = 5.0


@dataclass(slots=True)
class SchedulerStats:
    handled: int = 0
    failures: int = 0
    parked: int = 0
    #: Planning queries (one per wake-up): zero between due times when nothing happens.
    plans: int = 0


def default_name() -> str:
    """A name no other loop has (tests, tools); a server passes a stable one instead."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def server_name(port: int) -> str:
    """The name of a server's loop: the same after a restart, so that the restarted server
    takes back at once what it had claimed when it was killed. Two servers of one host
    listen on different ports, so they have different names."""
    return f"{socket.gethostname()}:{port}"


class Scheduler:
    """Register handlers by kind, `start` with a unit-of-work factory, `stop` at the end.

    Tests drive it with a FakeClock and a FakeTimer (time moves only when told), or
    without starting the loop at all: `bind(uows)` then `await run_due(now)`.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        name: str | None = None,
        timer: Timer | None = None,
        policy: SchedulerPolicy | None = None,
    ) -> None:
        self.name = name or default_name()
        self.policy = policy or SchedulerPolicy()
        self.stats = SchedulerStats()
        self.next_wake_at: datetime | None = None
        self._clock = clock
        self._timer = timer or ClockTimer(clock)
        self._handlers: dict[str, JobHandler] = {}
        self._alone: set[str] = set()
        self._uows: UowFactory | None = None
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._parked = False
        self._retry_at: datetime | None = None

    # -- set-up ---------------------------------------------------------------------------

    def register(self, kind: str, handler: JobHandler, *, alone: bool = False) -> None:
        """The handler of a kind of job. `alone`: its jobs never share a transaction with
        others; for handlers with effects outside the database (sending an e-mail), which
        another job's failure must never make repeat."""
        if kind in self._handlers:
            raise ValueError(f"a handler for job kind {kind!r} is registered already")
        self._handlers[kind] = handler
        if alone:
            self._alone.add(kind)
        self.wake()

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def bind(self, uows: UowFactory) -> None:
        self._uows = uows

    async def start(self, uows: UowFactory) -> None:
        """Mark what came due while no loop ran as late, then run the loop in a task."""
        self.bind(uows)
        late = await self.recover()
        if late:
            logger.info("%d jobs came due while the scheduler was stopped", late)
        self._task = asyncio.create_task(self._run(), name=f"scheduler {self.name}")

    async def stop(self) -> None:
        """Stop the loop and give back the jobs claimed but not run, for others to take."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._uows is None:
            return
        try:
            async with self._uows() as uow:
                await repo.release_claims(uow.session, self.name)
        except Exception:
            logger.exception("scheduler %s could not give back its claims", self.name)

    # -- waking ---------------------------------------------------------------------------

    def wake(self, due_at: datetime | None = None) -> None:
        """Make the loop look again: always while it works, when sleeping only if `due_at`
        comes before the time it sleeps until (None: unconditionally)."""
        planned = self.next_wake_at
        if self._parked and due_at is not None and planned is not None and due_at >= planned:
            return
        self._idle.clear()
        self._wakeup.set()

    def on_job_scheduled(self, event: JobScheduled) -> None:
        """Bus subscriber: a job was added or moved in this process."""
        if event.kind in self._handlers:
            self.wake(event.due_at)

    async def wait_idle(self) -> None:
        """Wait until the loop sleeps with nothing to do (tests: after a wake or a move of
        the FakeTimer, before asserting)."""
        while True:
            await self._idle.wait()
            # Set and cleared again while this task waited (the loop found its wake-up
            # already there and went on): only a loop still asleep, not woken, is idle.
            if self._parked and not self._wakeup.is_set():
                return
            await asyncio.sleep(0)  # woken but not yet running: let it run

    # -- the work -------------------------------------------------------------------------

    async def recover(self, now: datetime | None = None) -> int:
        """At start: claims held under this loop's name are left from its previous life
        (a process killed with its jobs claimed), so they are taken back at once; then
        every job that came due meanwhile, and nobody holds, is late. How many are late."""
        async with self._require_uows()() as uow:
            await repo.release_claims(uow.session, self.name)
            return await repo.mark_overdue_late(uow.session, now or self._clock.now())

    async def run_due(self, now: datetime | None = None) -> int:
        """Handle every job due at `now` (default: the clock's now); how many were handled."""
        moment = now or self._clock.now()
        handled = 0
        while self._handlers:
            claimed = await self._claim(moment)
            together: list[int] = []
            for job_id, kind in claimed:
                if kind in self._alone:
                    handled += await self._run_together(together, moment)
                    together = []
                    handled += await self._run_apart([job_id], moment)
                else:
                    together.append(job_id)
            handled += await self._run_together(together, moment)
            if len(claimed) < self.policy.batch:
                break
        self.stats.handled += handled
        return handled

    async def _claim(self, now: datetime) -> list[tuple[int, str]]:
        until = now + timedelta(seconds=self.policy.lease_s)
        async with self._require_uows()() as uow:
            return await repo.claim_due(
                uow.session, self.name, now, until, self.kinds, self.policy.batch
            )

    def _late_before(self, now: datetime) -> datetime:
        return now - timedelta(seconds=self.policy.late_grace_s)

    async def _run_together(self, job_ids: list[int], now: datetime) -> int:
        """Claimed jobs in one transaction: all done, or (one failed) run again apart.

        The quick way for the usual case, where every handler succeeds: one commit for
        the lot. Rolled back, nothing of it remains (no write, no event), and the jobs run
        again one by one, so that only the failing one fails.
        """
        if len(job_ids) < 2:
            return await self._run_apart(job_ids, now)
        try:
            async with self._require_uows()() as uow:
                started = await repo.start_jobs(
                    uow.session, job_ids, self.name, now, self._late_before(now)
                )
                for row in started:
                    await self._call(uow, row, now)
        except Exception:
            return await self._run_apart(job_ids, now)
        return len(started)

    async def _run_apart(self, job_ids: list[int], now: datetime) -> int:
        """Claimed jobs each in a savepoint of their own: a failing handler undoes only its
        own job, which is counted and retried later. A transaction commits after
        `commit_after_s`, so that a slow handler does not hold back the others' news.
        A failed commit leaves its jobs claimed, to run again (once) when the claim ends."""
        pending = list(job_ids)
        handled = 0
        while pending:
            done_here, before = 0, len(pending)
            try:
                async with self._require_uows()() as uow:
                    started = asyncio.get_running_loop().time()
                    while pending:
                        if await self._run_one(uow, pending.pop(0), now):
                            done_here += 1
                        elapsed = asyncio.get_running_loop().time() - started
                        if elapsed > self.policy.commit_after_s:
                            break
            except Exception:
                logger.exception("scheduler %s: a transaction of jobs failed", self.name)
                if len(pending) == before:
                    break  # the database itself fails: the claims end, the jobs run later
                continue
            handled += done_here
        return handled

    async def _run_one(self, uow: UnitOfWork, job_id: int, now: datetime) -> bool:
        """One claimed job in a savepoint; True when it ran, False when it failed (counted
        and retried later) or was not ours any more."""
        try:
            async with uow.savepoint():
                started = await repo.start_jobs(
                    uow.session, [job_id], self.name, now, self._late_before(now)
                )
                for row in started:
                    await self._call(uow, row, now)
        except Exception as exc:
            self.stats.failures += 1
            await self._record_failure(uow, job_id, now, exc)
            return False
        return bool(started)

    async def _call(self, uow: UnitOfWork, row: repo.StartedJob, now: datetime) -> None:
        """The handler of a job marked done. Done first, then the handler: a handler that
        schedules its own key again (a daily digest) moves a finished job."""
        job = Job(
            id=row.id,
            kind=row.kind,
            key=row.key,
            due_at=row.due_at,
            payload=json.loads(row.payload),
            late=row.late,
            attempts=row.attempts,
            handled_at=now,
        )
        token = set_current_job(job)
        try:
            async with asyncio.timeout(self.policy.handler_timeout_s):
                await self._handlers[job.kind](uow, job)
        finally:
            reset_current_job(token)

    async def _record_failure(
        self, uow: UnitOfWork, job_id: int, now: datetime, exc: Exception
    ) -> None:
        """The handler's work was undone; count the attempt, retry later or park."""
        row = await repo.lock_claimed(uow.session, job_id, self.name)
        if row is None:
            return
        row.attempts += 1
        row.last_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
        row.claimed_by = None
        if row.attempts >= self.policy.max_attempts:
            row.state, row.done_at, row.claimed_until = FAILED, now, None
            self.stats.parked += 1
            logger.error(
                "job %d (%s) failed %d times and is parked: %s",
                job_id,
                row.kind,
                row.attempts,
                row.last_error,
                exc_info=exc,
            )
            return
        backoff = self.policy.retry_backoff_s
        retry_at = now + timedelta(seconds=backoff[min(row.attempts, len(backoff)) - 1])
        # A claim without an owner: nobody takes the job before it expires.
        row.claimed_until = retry_at
        self._retry_at = min(retry_at, self._retry_at or retry_at)
        logger.warning(
            "job %d (%s) failed (attempt %d), retrying at %s",
            job_id,
            row.kind,
            row.attempts,
            retry_at.isoformat(),
            exc_info=exc,
        )
        await uow.session.flush()

    async def _plan(self, now: datetime) -> datetime:
        """When to look next: the earliest claimable job, a retry, or the bounded re-check."""
        deadline = now + timedelta(seconds=self.policy.recheck_s)
        if self._handlers:
            self.stats.plans += 1
            async with self._require_uows()(write=False) as uow:
                earliest = await repo.earliest_due(uow.session, now, self.kinds)
            if earliest is not None:
                deadline = min(deadline, earliest)
        if self._retry_at is not None:
            if self._retry_at <= now:
                self._retry_at = None
            else:
                deadline = min(deadline, self._retry_at)
        return deadline

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                await self.run_due()
                deadline = await self._plan(self._clock.now())
            except Exception:
                logger.exception("scheduler %s failed; it tries again shortly", self.name)
                deadline = self._clock.now() + timedelta(seconds=self.policy.error_pause_s)
            self.next_wake_at = deadline
            self._parked = True
            self._idle.set()
            try:
                await self._timer.sleep_until(deadline, self._wakeup)
            finally:
                self._parked = False
                self._idle.clear()

    def _require_uows(self) -> UowFactory:
        if self._uows is None:
            raise RuntimeError("the scheduler has no database yet: call start() or bind()")
        return self._uows
