"""Adding, moving and cancelling jobs: what `schedule` and `cancel` promise their callers."""

from __future__ import annotations

import pytest

from kompas_cc.scheduler import cancel, get_job, schedule
from scheduler.stage import Stage, recorder


async def test_a_job_of_a_rolled_back_unit_of_work_never_exists(stage: Stage) -> None:
    async def save_task() -> None:
        async with stage.uows() as uow:
            await schedule(uow, "reminder", stage.after(minutes=5), {"user_id": stage.anna_id})
            raise RuntimeError("the task could not be saved")

    with pytest.raises(RuntimeError):
        await save_task()
    assert await stage.jobs() == []


async def test_scheduling_a_key_again_moves_the_pending_job(stage: Stage) -> None:
    async with stage.uows() as uow:
        first = await schedule(uow, "reminder", stage.after(minutes=5), {"n": 1}, key="task:42:0")
    async with stage.uows() as uow:
        second = await schedule(uow, "reminder", stage.after(minutes=9), {"n": 2}, key="task:42:0")
    assert first == second
    [job] = await stage.jobs()
    assert (job.due_at, job.payload, job.state) == (stage.after(minutes=9), '{"n":2}', "pending")


async def test_a_delivered_reminder_saved_again_at_its_time_is_not_delivered_twice(
    stage: Stage,
) -> None:
    handled: list[int] = []
    jobs = stage.scheduler("a")
    jobs.register("reminder", recorder(handled))
    jobs.bind(stage.uows)
    due = stage.after(minutes=5)
    payload = {"user_id": stage.anna_id}
    async with stage.uows() as uow:
        await schedule(uow, "reminder", due, payload, key="task:42:0")
    assert await jobs.run_due(due) == 1

    async with stage.uows() as uow:  # the task is saved again, the reminder unchanged
        await schedule(uow, "reminder", due, payload, key="task:42:0")
    assert await jobs.run_due(stage.after(minutes=6)) == 0
    async with stage.uows() as uow:  # now the user moves the reminder
        await schedule(uow, "reminder", stage.after(minutes=30), payload, key="task:42:0")
    assert await jobs.run_due(stage.after(minutes=30)) == 1
    assert len(handled) == 2
    assert await stage.count_notifications() == 2


async def test_cancel_takes_only_pending_jobs_with_exactly_that_prefix(stage: Stage) -> None:
    async with stage.uows() as uow:
        for key in ("task:4:0", "task:4:1", "task:42:0", "Task:4:2"):
            await schedule(uow, "reminder", stage.after(minutes=5), {}, key=key)
    async with stage.uows() as uow:
        assert await cancel(uow, "task:4:") == 2
    states = {job.key: job.state for job in await stage.jobs()}
    assert states == {
        "task:4:0": "cancelled",
        "task:4:1": "cancelled",
        "task:42:0": "pending",
        "Task:4:2": "pending",
    }


async def test_a_cancelled_reminder_scheduled_again_is_pending_again(stage: Stage) -> None:
    async with stage.uows() as uow:
        job_id = await schedule(uow, "reminder", stage.after(minutes=5), {}, key="task:7:0")
        await cancel(uow, "task:7:")
        await schedule(uow, "reminder", stage.after(minutes=5), {}, key="task:7:0")
    async with stage.uows(write=False) as uow:
        job = await get_job(uow, job_id)
    assert job is not None
    assert [j.state for j in await stage.jobs()] == ["pending"]


async def test_bad_arguments_are_refused_at_once(stage: Stage) -> None:
    async with stage.uows() as uow:
        with pytest.raises(ValueError, match="time zone"):
            await schedule(uow, "reminder", stage.after(minutes=5).replace(tzinfo=None), {})
        with pytest.raises(TypeError):
            await schedule(uow, "reminder", stage.after(minutes=5), {"when": stage.after()})
        with pytest.raises(ValueError, match="prefix"):
            await cancel(uow, "")
