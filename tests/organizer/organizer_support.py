"""The stage of organizer service tests: the cast and two clients in a fresh database, a
fake clock, a scheduler with the organizer's jobs that runs only when a test says so.

A test module opens it in a fixture of its own:

    @pytest.fixture
    async def desk(db_url: str) -> AsyncIterator[Desk]:
        async with open_desk(db_url) as opened:
            yield opened


The clock starts on Thursday 15 January 2026, 09:00 UTC (12:00 in Moscow, the cast's zone).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from conftest import CAST, PASSWORD
from sqlalchemy import select

from kompas_cc.clients import service as clients_service
from kompas_cc.clients.access import ClientsPolicy
from kompas_cc.clients.schemas import ClientIn
from kompas_cc.core.actor import Actor
from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import FakeClock
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.uow import UowFactory, make_uow_factory
from kompas_cc.notifications.models import Notification
from kompas_cc.organizer import jobs as organizer_jobs
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.scheduler import Scheduler
from kompas_cc.scheduling.models import ScheduledJob
from kompas_cc.staff import service as staff_service

ROMASHKA = {"kind": "legal", "name": "ООО «Ромашка»"}
VECTOR = {"kind": "legal", "name": "АО «Вектор»"}


@dataclass
class Desk:
    """Everything a service-level organizer test needs, with the cast as actors."""

    uows: UowFactory
    clock: FakeClock
    scheduler: Scheduler
    people: dict[str, Actor]
    clients: dict[str, int]
    policy: OrganizerPolicy = field(default_factory=OrganizerPolicy)

    def __getattr__(self, name: str) -> Actor:
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def later(self, **delta: float) -> datetime:
        return self.clock.now() + timedelta(**delta)

    async def run_jobs_at(self, moment: datetime) -> int:
        self.clock.set(moment)
        return await self.scheduler.run_due(moment)

    async def pending_jobs(self) -> list[ScheduledJob]:
        async with self.uows(write=False) as uow:
            result = await uow.session.execute(
                select(ScheduledJob)
                .where(ScheduledJob.state == "pending")
                .order_by(ScheduledJob.due_at, ScheduledJob.id)
            )
            return list(result.scalars())

    async def notifications(self) -> list[Notification]:
        async with self.uows(write=False) as uow:
            result = await uow.session.execute(select(Notification).order_by(Notification.id))
            return list(result.scalars())


@asynccontextmanager
async def open_desk(db_url: str) -> AsyncIterator[Desk]:
    engine = create_engine(db_url)
    uows = make_uow_factory(create_session_factory(engine), Bus())
    clock = FakeClock()
    people: dict[str, Actor] = {}
    clients: dict[str, int] = {}
    async with uows() as uow:
        for key, person in CAST.items():
            data = staff_service.parse_user(
                {"login": person.login, "name": person.name, "role": person.role.value}
            )
            out = await staff_service.create_user(uow, data, PASSWORD, clock.now())
            people[key] = Actor(id=out.id, login=out.login, name=out.name, role=out.role)
        for key, body in (("romashka", ROMASHKA), ("vector", VECTOR)):
            created = await clients_service.create_client(
                uow, people["maria"], ClientsPolicy(), ClientIn(**body), clock.now()
            )
            clients[key] = created.id
    scheduler = Scheduler(clock, name="test")
    organizer_jobs.register(scheduler)
    scheduler.bind(uows)
    try:
        yield Desk(uows, clock, scheduler, people, clients)
    finally:
        await engine.dispose()


def task_body(**fields: Any) -> dict[str, Any]:
    """A task due tomorrow at 10:00 Moscow time, with no reminders unless given."""
    body: dict[str, Any] = {
        "title": "Позвонить по договору",
        "due_at": "2026-01-16T10:00:00+03:00",
        "reminders": [],
    }
    body.update(fields)
    return body
