"""Channels: a durable one (the way e-mail and Telegram will be added) gets each
notification of the users who chose it exactly once, through a job written with the
notification; a failing one is retried; live channels hear every notification at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import FakeClock
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.uow import UowFactory, make_uow_factory
from kompas_cc.notifications import jobs as notification_jobs
from kompas_cc.notifications import service, subscribers
from kompas_cc.notifications.channels import ChannelRegistry, Delivery
from kompas_cc.notifications.counts import UnreadCounts
from kompas_cc.scheduler import FakeTimer, Scheduler, SchedulerPolicy
from kompas_cc.staff import service as staff_service


class Outbox:
    """A durable channel that records what it sent; it may be told to fail first."""

    name = "mail"

    def __init__(self) -> None:
        self.sent: list[Delivery] = []
        self.failures: list[Exception] = []

    async def send(self, delivery: Delivery) -> None:
        if self.failures:
            raise self.failures.pop()
        self.sent.append(delivery)


class Screen:
    """A live channel that records what it was shown."""

    name = "screen"

    def __init__(self) -> None:
        self.shown: list[Delivery] = []
        self.unread: list[tuple[int, int]] = []

    async def send(self, delivery: Delivery) -> None:
        self.shown.append(delivery)

    async def unread_changed(self, user_id: int, unread: int) -> None:
        self.unread.append((user_id, unread))


@dataclass
class Setup:
    uows: UowFactory
    clock: FakeClock
    jobs: Scheduler
    outbox: Outbox
    screen: Screen
    anna: int
    boris: int


@pytest.fixture
async def setup(db_url: str) -> AsyncIterator[Setup]:
    engine = create_engine(db_url)
    bus = Bus()
    uows = make_uow_factory(create_session_factory(engine), bus)
    clock = FakeClock()
    channels = ChannelRegistry()
    outbox, screen = Outbox(), Screen()
    channels.add_durable(outbox)
    channels.add_live(screen)
    subscribers.register(bus, channels, UnreadCounts())
    jobs = Scheduler(clock, timer=FakeTimer(clock), policy=SchedulerPolicy(recheck_s=3600))
    notification_jobs.register(jobs, channels)
    jobs.bind(uows)
    ids = []
    async with uows() as uow:
        for login in ("anna", "boris"):
            data = staff_service.parse_user({"login": login, "name": login, "role": "operator"})
            ids.append((await staff_service.create_user(uow, data, "x" * 12, clock.now())).id)
        await service.set_extra_channels(uow, ids[0], ["mail"])
    yield Setup(uows, clock, jobs, outbox, screen, ids[0], ids[1])
    await engine.dispose()


async def _notify(setup: Setup, user_id: int, title: str) -> int:
    async with setup.uows() as uow:
        return await service.notify(uow, user_id, "reminder", title, now=setup.clock.now())


async def test_a_durable_channel_sends_each_notification_of_its_users_once(setup: Setup) -> None:
    first = await _notify(setup, setup.anna, "Позвонить в «Ромашку»")
    await _notify(setup, setup.boris, "Борис не выбирал почту")
    assert setup.outbox.sent == []  # nothing is sent inside the transaction
    assert await setup.jobs.run_due(setup.clock.now()) == 1
    assert await setup.jobs.run_due(setup.clock.now() + timedelta(minutes=5)) == 0
    [sent] = setup.outbox.sent
    assert (sent.notification_id, sent.user_id, sent.title) == (
        first,
        setup.anna,
        "Позвонить в «Ромашку»",
    )


async def test_a_failing_durable_channel_is_retried_later(setup: Setup) -> None:
    setup.outbox.failures.append(ConnectionError("SMTP server is down"))
    await _notify(setup, setup.anna, "Отправить счёт")
    assert await setup.jobs.run_due(setup.clock.now()) == 0
    assert setup.outbox.sent == []
    assert await setup.jobs.run_due(setup.clock.now() + timedelta(seconds=31)) == 1
    assert [d.title for d in setup.outbox.sent] == ["Отправить счёт"]


async def test_live_channels_hear_new_notifications_and_reads_after_commit(setup: Setup) -> None:
    nid = await _notify(setup, setup.boris, "Перезвонить")
    assert [(d.notification_id, d.unread) for d in setup.screen.shown] == [(nid, 1)]
    boris = Actor(id=setup.boris, login="boris", name="boris", role=Role.OPERATOR)
    async with setup.uows() as uow:
        await service.mark_all_read(uow, boris, setup.clock.now())
    assert setup.screen.unread == [(setup.boris, 0)]
