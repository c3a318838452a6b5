"""Exactly once: two loops on one database, a loop that died holding claims, a loop too
slow for its lease. The handler's writes commit with the job's completion or not at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from kompas_cc.core.bus import Bus
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.uow import UnitOfWork, UowFactory, make_uow_factory
from kompas_cc.notifications.service import notify
from kompas_cc.scheduler import Job, Scheduler, SchedulerPolicy, schedule
from kompas_cc.scheduling import repo
from scheduler.stage import QUIET, Stage, counting, recorder

JOBS = 200


@pytest.fixture
async def second_process(stage: Stage, db_url: str) -> AsyncIterator[UowFactory]:
    """Another process's view of the same database: its own engine and connections."""
    engine = create_engine(db_url)
    counting(engine, [])
    yield make_uow_factory(create_session_factory(engine), Bus())
    await engine.dispose()


async def test_two_loops_on_one_database_handle_every_job_exactly_once(
    stage: Stage, second_process: UowFactory
) -> None:
    """On PostgreSQL the two claim side by side (FOR UPDATE SKIP LOCKED); on SQLite the
    write lock takes them in turn. Small batches make them meet often."""
    async with stage.uows() as uow:
        for n in range(JOBS):
            due = stage.after(seconds=n % 7)
            await schedule(uow, "reminder", due, {"user_id": stage.anna_id}, key=f"r:{n}")
    policy = SchedulerPolicy(recheck_s=3600, batch=5)
    first: list[int] = []
    second: list[int] = []
    a = stage.scheduler("process-a", policy)
    a.register("reminder", recorder(first))
    b = Scheduler(stage.clock, name="process-b", timer=stage.timer, policy=policy)
    b.register("reminder", recorder(second))
    stage.clock.advance(timedelta(seconds=10))
    await asyncio.gather(a.start(stage.uows), b.start(second_process))
    try:
        await asyncio.gather(a.wait_idle(), b.wait_idle())
    finally:
        await asyncio.gather(a.stop(), b.stop())

    assert sorted(first + second) == sorted(job.id for job in await stage.jobs())
    assert not set(first) & set(second)
    titles = [n.title for n in await stage.notifications()]
    assert len(titles) == JOBS == len(set(titles))
    assert {(job.state, job.attempts) for job in await stage.jobs()} == {("done", 1)}
    if stage.engine.dialect.name == "postgresql":
        assert first
        assert second, "both loops took jobs"


async def test_a_claim_of_a_loop_that_died_is_taken_over_once_its_lease_ends(
    stage: Stage, second_process: UowFactory
) -> None:
    entered = asyncio.Event()

    async def hangs(uow: UnitOfWork, job: Job) -> None:
        await notify(uow, stage.anna_id, "reminder", "written by the loop that dies")
        entered.set()
        await asyncio.Event().wait()

    dying = Scheduler(stage.clock, name="dying", timer=stage.timer, policy=QUIET)
    dying.register("reminder", hangs)
    dying.bind(stage.uows)
    async with stage.uows() as uow:
        await schedule(uow, "reminder", stage.after(), {"user_id": stage.anna_id})
    start = stage.clock.now()
    run = asyncio.create_task(dying.run_due(start))
    await entered.wait()
    run.cancel()  # the process is killed in the middle of the handler
    with pytest.raises(asyncio.CancelledError):
        await run
    [job] = await stage.jobs()
    assert (job.state, job.claimed_by) == ("pending", "dying")
    assert await stage.count_notifications() == 0

    handled: list[int] = []
    heir = Scheduler(stage.clock, name="heir", timer=stage.timer, policy=QUIET)
    heir.register("reminder", recorder(handled))
    heir.bind(second_process)
    assert await heir.run_due(start + timedelta(seconds=30)) == 0  # the claim still holds
    assert await heir.run_due(start + timedelta(seconds=QUIET.lease_s + 1)) == 1
    assert await dying.run_due(start + timedelta(seconds=QUIET.lease_s + 2)) == 0
    assert await stage.count_notifications() == 1
    [job] = await stage.jobs()
    assert (job.state, job.claimed_by, job.attempts) == ("done", "heir", 1)


async def test_a_loop_slower_than_its_lease_is_not_doubled(
    stage: Stage, second_process: UowFactory
) -> None:
    """The slow loop holds the job's row until it commits: a second loop skips it
    (PostgreSQL) or waits for the write lock (SQLite), then finds it done."""
    entered = asyncio.Event()
    release = asyncio.Event()

    async def slow(uow: UnitOfWork, job: Job) -> None:
        await notify(uow, stage.anna_id, "reminder", "slow but alive")
        entered.set()
        await release.wait()

    slowpoke = Scheduler(stage.clock, name="slow", timer=stage.timer, policy=QUIET)
    slowpoke.register("reminder", slow)
    slowpoke.bind(stage.uows)
    async with stage.uows() as uow:
        await schedule(uow, "reminder", stage.after(), {"user_id": stage.anna_id})
    start = stage.clock.now()
    first = asyncio.create_task(slowpoke.run_due(start))
    await entered.wait()

    handled: list[int] = []
    other = Scheduler(stage.clock, name="other", timer=stage.timer, policy=QUIET)
    other.register("reminder", recorder(handled))
    other.bind(second_process)
    second = asyncio.create_task(other.run_due(start + timedelta(seconds=QUIET.lease_s + 5)))
    await asyncio.sleep(0)
    release.set()
    assert await first == 1
    assert await second == 0
    assert handled == []
    assert await stage.count_notifications() == 1


async def test_stopping_gives_back_claimed_jobs_at_once(stage: Stage) -> None:
    async with stage.uows() as uow:
        await schedule(uow, "reminder", stage.after(), {"user_id": stage.anna_id})
    handled: list[int] = []
    jobs = stage.scheduler("a")
    jobs.register("reminder", recorder(handled))
    jobs.bind(stage.uows)
    async with stage.uows() as uow:  # claimed, as a loop does before running the batch
        until = stage.after(seconds=60)
        await repo.claim_due(uow.session, "a", stage.after(), until, {"reminder"}, 10)
    await jobs.stop()
    [job] = await stage.jobs()
    assert (job.claimed_by, job.claimed_until) == (None, None)


async def test_a_killed_server_restarted_takes_back_its_claims_at_once(stage: Stage) -> None:
    """A server's loop has a stable name (host and port): after a SIGKILL and a restart it
    does not wait for the lease of what it had claimed."""
    async with stage.uows() as uow:
        await schedule(uow, "reminder", stage.after(), {"user_id": stage.anna_id})
        until = stage.after(seconds=QUIET.lease_s)
        await repo.claim_due(uow.session, "host:8080", stage.after(), until, {"reminder"}, 10)
    handled: list[int] = []
    restarted = stage.scheduler("host:8080")
    restarted.register("reminder", recorder(handled))
    await restarted.start(stage.uows)
    try:
        await restarted.wait_idle()
        assert len(handled) == 1
        assert [n.late for n in await stage.notifications()] == [False]
    finally:
        await restarted.stop()
