"""The stage of scheduler tests: a database, a bus, a fake clock and a timer it drives.

Nothing here sleeps: time moves when a test moves the FakeClock through the FakeTimer,
and a test waits for a loop with `wait_idle()` (the loop parked again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import FakeClock
from kompas_cc.db.uow import UnitOfWork, UowFactory
from kompas_cc.notifications.models import Notification
from kompas_cc.notifications.service import notify
from kompas_cc.scheduler import FakeTimer, Job, Scheduler, SchedulerPolicy
from kompas_cc.scheduling.events import JobScheduled
from kompas_cc.scheduling.models import ScheduledJob

#: Long re-checks, so that a test sees only the waking it causes.
QUIET = SchedulerPolicy(recheck_s=3600, retry_backoff_s=(30.0, 120.0), max_attempts=3)


@dataclass
class Stage:
    engine: AsyncEngine
    uows: UowFactory
    bus: Bus
    clock: FakeClock
    timer: FakeTimer
    anna_id: int
    statements: list[str] = field(default_factory=list)

    def scheduler(self, name: str, policy: SchedulerPolicy = QUIET) -> Scheduler:
        jobs = Scheduler(self.clock, name=name, timer=self.timer, policy=policy)
        self.bus.subscribe(JobScheduled, jobs.on_job_scheduled)
        return jobs

    def after(self, **delta: float) -> Any:
        return self.clock.now() + timedelta(**delta)

    async def jobs(self) -> list[ScheduledJob]:
        async with self.uows(write=False) as uow:
            result = await uow.session.execute(select(ScheduledJob).order_by(ScheduledJob.id))
            return list(result.scalars())

    async def notifications(self) -> list[Notification]:
        async with self.uows(write=False) as uow:
            result = await uow.session.execute(select(Notification).order_by(Notification.id))
            return list(result.scalars())

    async def count_notifications(self) -> int:
        async with self.uows(write=False) as uow:
            result = await uow.session.execute(select(func.count()).select_from(Notification))
            return int(result.scalar_one())


def counting(engine: AsyncEngine, into: list[str]) -> None:
    """Record every SQL statement the engine sends."""

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        into.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)


def recorder(into: list[int]) -> Callable[[UnitOfWork, Job], Any]:
    """A handler that notes each job it runs and writes a notification for it."""

    async def handle(uow: UnitOfWork, job: Job) -> None:
        into.append(job.id)
        await notify(uow, int(job.payload["user_id"]), "reminder", f"job {job.id}", late=job.late)

    return handle
