"""The loop: it sleeps until the earliest job, wakes early for an earlier one, spends
nothing in between, retries a failing handler, and delivers late what came due while it
was stopped. A FakeTimer moves time; nothing sleeps."""

from __future__ import annotations

import asyncio
import logging

import pytest

from kompas_cc.db.uow import UnitOfWork
from kompas_cc.notifications.service import notify
from kompas_cc.scheduler import Job, Scheduler, schedule
from scheduler.stage import Stage, recorder


async def _add(stage: Stage, minutes: float, key: str | None = None) -> int:
    async with stage.uows() as uow:
        return await schedule(
            uow, "reminder", stage.after(minutes=minutes), {"user_id": stage.anna_id}, key=key
        )


async def _started(stage: Stage, handled: list[int], name: str = "a") -> Scheduler:
    jobs = stage.scheduler(name)
    jobs.register("reminder", recorder(handled))
    await jobs.start(stage.uows)
    await jobs.wait_idle()
    return jobs


async def test_loop_sleeps_until_the_earliest_job_and_wakes_early_for_an_earlier_one(
    stage: Stage,
) -> None:
    handled: list[int] = []
    jobs = await _started(stage, handled)
    try:
        later = await _add(stage, 10)
        await jobs.wait_idle()
        assert jobs.next_wake_at == stage.after(minutes=10)

        earlier = await _add(stage, 5)
        await jobs.wait_idle()
        assert jobs.next_wake_at == stage.after(minutes=5)
        assert stage.timer.deadline == stage.after(minutes=5)

        stage.timer.advance_to(stage.after(minutes=5))
        await jobs.wait_idle()
        assert handled == [earlier]
        stage.timer.advance_to(stage.after(minutes=5))
        await jobs.wait_idle()
        assert handled == [earlier, later]
    finally:
        await jobs.stop()


async def test_a_later_job_does_not_wake_the_sleeping_loop(stage: Stage) -> None:
    handled: list[int] = []
    await _add(stage, 5)
    jobs = await _started(stage, handled)
    try:
        plans = jobs.stats.plans
        await _add(stage, 20)
        await asyncio.sleep(0)
        assert jobs.stats.plans == plans
        assert jobs.next_wake_at == stage.after(minutes=5)
    finally:
        await jobs.stop()


async def test_no_database_query_between_two_due_times(stage: Stage) -> None:
    handled: list[int] = []
    await _add(stage, 1)
    await _add(stage, 30)
    jobs = await _started(stage, handled)
    try:
        stage.timer.advance_to(stage.after(minutes=1))
        await jobs.wait_idle()
        assert len(handled) == 1
        sent = len(stage.statements)
        plans = jobs.stats.plans

        for minutes in (5, 10, 20, 29):  # time passes, the loop stays asleep
            stage.timer.advance_to(stage.clock.now().replace(minute=minutes))
            for _ in range(20):
                await asyncio.sleep(0)
        assert len(stage.statements) == sent
        assert jobs.stats.plans == plans

        stage.timer.advance_to(stage.clock.now().replace(minute=30))
        await jobs.wait_idle()
        assert len(handled) == 2
    finally:
        await jobs.stop()


async def test_jobs_due_while_stopped_are_delivered_at_start_marked_late(stage: Stage) -> None:
    await _add(stage, 1)
    stage.clock.advance(stage.after(hours=3) - stage.clock.now())  # the server was down
    handled: list[int] = []
    jobs = await _started(stage, handled)
    try:
        [notification] = await stage.notifications()
        assert notification.late is True
        [job] = await stage.jobs()
        assert (job.state, job.late, job.done_at) == ("done", True, stage.clock.now())
    finally:
        await jobs.stop()


async def test_a_job_handled_on_time_is_not_late(stage: Stage) -> None:
    handled: list[int] = []
    await _add(stage, 1)
    jobs = await _started(stage, handled)
    try:
        stage.timer.advance_to(stage.after(minutes=1, seconds=2))
        await jobs.wait_idle()
        [notification] = await stage.notifications()
        assert notification.late is False
    finally:
        await jobs.stop()


async def test_failing_handler_is_retried_with_backoff_then_parked(
    stage: Stage, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # import-linter's command line (tests/test_architecture.py) calls logging.dictConfig,
    # which disables every logger existing at that moment; this test reads ours.
    monkeypatch.setattr(logging.getLogger("kompas_cc.scheduling.loop"), "disabled", False)
    calls: list[int] = []

    async def broken(uow: UnitOfWork, job: Job) -> None:
        calls.append(job.attempts)
        await notify(uow, stage.anna_id, "reminder", "never committed")
        raise ConnectionError("SMTP server refused")

    jobs = stage.scheduler("a")
    jobs.register("reminder", broken)
    jobs.bind(stage.uows)
    await _add(stage, 0)
    start = stage.clock.now()
    caplog.set_level(logging.WARNING, logger="kompas_cc.scheduling.loop")

    assert await jobs.run_due(start) == 0
    [job] = await stage.jobs()
    assert (job.state, job.attempts) == ("pending", 1)
    assert job.last_error == "ConnectionError: SMTP server refused"
    assert await jobs.run_due(stage.after(seconds=29)) == 0
    assert calls == [1]  # not before the backoff

    await jobs.run_due(stage.after(seconds=31))
    await jobs.run_due(stage.after(seconds=31 + 121))
    assert calls == [1, 2, 3]
    [job] = await stage.jobs()
    assert (job.state, job.attempts) == ("failed", 3)
    assert await jobs.run_due(stage.after(days=1)) == 0
    assert calls == [1, 2, 3]
    assert await stage.count_notifications() == 0  # every attempt rolled back
    assert jobs.stats.parked == 1
    assert any("parked" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")


async def test_a_retry_succeeds_once_the_cause_is_gone(stage: Stage) -> None:
    failures = [RuntimeError("database of the mail server is down")]

    async def flaky(uow: UnitOfWork, job: Job) -> None:
        await notify(uow, stage.anna_id, "reminder", "Позвонить в «Ромашку»")
        if failures:
            raise failures.pop()

    jobs = stage.scheduler("a")
    jobs.register("reminder", flaky)
    jobs.bind(stage.uows)
    await _add(stage, 0)
    assert await jobs.run_due(stage.clock.now()) == 0
    assert await jobs.run_due(stage.after(seconds=31)) == 1
    [job] = await stage.jobs()
    assert (job.state, job.attempts, job.late) == ("done", 2, False)
    assert await stage.count_notifications() == 1


async def test_a_handler_that_schedules_its_own_key_again_keeps_the_next_run(
    stage: Stage,
) -> None:
    """A daily digest plans tomorrow's run from today's; the job is moved, not finished."""

    async def daily(uow: UnitOfWork, job: Job) -> None:
        await schedule(uow, "digest", job.due_at.replace(day=job.due_at.day + 1), {}, key=job.key)

    jobs = stage.scheduler("a")
    jobs.register("digest", daily)
    jobs.bind(stage.uows)
    async with stage.uows() as uow:
        first = await schedule(uow, "digest", stage.after(hours=1), {}, key="digest:1:daily")
    assert await jobs.run_due(stage.after(hours=1)) == 1
    [job] = await stage.jobs()
    assert (job.id, job.state, job.due_at) == (first, "pending", stage.after(hours=25))


async def test_jobs_of_a_kind_without_a_handler_wait(stage: Stage) -> None:
    handled: list[int] = []
    jobs = stage.scheduler("a")
    jobs.register("reminder", recorder(handled))
    jobs.bind(stage.uows)
    async with stage.uows() as uow:
        await schedule(uow, "calendar.sync", stage.after(), {})
    assert await jobs.run_due(stage.after(minutes=1)) == 0
    assert [job.state for job in await stage.jobs()] == ["pending"]


async def test_one_failing_job_among_many_leaves_the_others_done_once(stage: Stage) -> None:
    """Jobs due together share a transaction; when one fails, the lot is rolled back and
    run again one by one, so only the failing one waits for its retry."""
    ids = [await _add(stage, 0) for _ in range(6)]
    bad = ids[2]

    async def picky(uow: UnitOfWork, job: Job) -> None:
        await notify(uow, stage.anna_id, "reminder", f"job {job.id}")
        if job.id == bad:
            raise LookupError("the task of this reminder is unreadable")

    jobs = stage.scheduler("a")
    jobs.register("reminder", picky)
    jobs.bind(stage.uows)
    assert await jobs.run_due(stage.clock.now()) == 5
    assert sorted(n.title for n in await stage.notifications()) == sorted(
        f"job {job_id}" for job_id in ids if job_id != bad
    )
    states = {job.id: (job.state, job.attempts) for job in await stage.jobs()}
    assert states.pop(bad) == ("pending", 1)
    assert set(states.values()) == {("done", 1)}
