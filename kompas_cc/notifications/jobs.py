"""Job handlers of notifications: durable channel sends and repeats of snoozed notifications."""

from __future__ import annotations

from kompas_cc.db.uow import UnitOfWork
from kompas_cc.notifications import service
from kompas_cc.notifications.channels import ChannelRegistry
from kompas_cc.scheduler import Job, JobHandler, Scheduler


def send_handler(channels: ChannelRegistry) -> JobHandler:
    async def on_send(uow: UnitOfWork, job: Job) -> None:
        """Hand one notification to one durable channel; raising retries it later."""
        delivery = await service.delivery_of(uow, int(job.payload["notification_id"]))
        if delivery is not None:
            await channels.durable(str(job.payload["channel"])).send(delivery)

    return on_send


async def on_repeat(uow: UnitOfWork, job: Job) -> None:
    await service.repeat(uow, int(job.payload["notification_id"]), job.late)


def register(scheduler: Scheduler, channels: ChannelRegistry) -> None:
    scheduler.register(service.SEND_JOB, send_handler(channels), alone=True)
    scheduler.register(service.REPEAT_JOB, on_repeat)
