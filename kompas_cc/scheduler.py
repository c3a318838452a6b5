"""Durable due-time jobs: reminders, digests, delayed sends. The one door to the scheduler.

Jobs live in the database (`scheduled_jobs`), added in the caller's unit of work so a
reminder commits with the task it belongs to. One loop per process (`Scheduler`) sleeps
until the earliest due job, claims it, and runs its handler inside the unit of work that
marks it done: delivered exactly once, across crashes and restarts. docs/scheduler.md
explains the guarantees.

    job_id = await schedule(uow, "task.reminder", due_at, {"task_id": 42}, key="task:42:0")
    await cancel(uow, "task:42:")
    scheduler.register("task.reminder", on_task_reminder)   # (uow, job) -> None
"""

from kompas_cc.scheduling.jobs import Job, JobHandler, current_job
from kompas_cc.scheduling.loop import Scheduler, SchedulerPolicy, SchedulerStats, server_name
from kompas_cc.scheduling.service import cancel, get_job, schedule
from kompas_cc.scheduling.timers import ClockTimer, FakeTimer, Timer

__all__ = [
    "ClockTimer",
    "FakeTimer",
    "Job",
    "JobHandler",
    "Scheduler",
    "SchedulerPolicy",
    "SchedulerStats",
    "Timer",
    "cancel",
    "current_job",
    "get_job",
    "schedule",
    "server_name",
]
