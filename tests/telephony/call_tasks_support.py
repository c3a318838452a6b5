"""What the tests of contacts and tasks from calls share: a KOMPAS process without HTTP (a bus
with the call-task subscribers, over one database), the cast, clients, and calls to feed it.

A "process" here is what `kompas serve` wires for calls: finished calls are stored through
`telephony.service.record_call`, whose events reach `register_call_tasks`. Two processes
over one database share nothing but the database, as after a restart or beside each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from conftest import CAST, PASSWORD
from sqlalchemy.ext.asyncio import AsyncEngine

from kompas_cc.clients import dossier
from kompas_cc.clients import service as clients_service
from kompas_cc.clients.access import ClientsPolicy
from kompas_cc.clients.schemas import ClientIn, ClientOut, ContactPersonIn
from kompas_cc.core.actor import Actor
from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import FakeClock
from kompas_cc.core.validation import validate_model
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.uow import UowFactory, make_uow_factory
from kompas_cc.organizer import service as organizer_service
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.organizer.schemas import CommentOut, TaskListQuery, TaskOut
from kompas_cc.staff import service as staff_service
from kompas_cc.telephony import callback_repo, service, subscribers
from kompas_cc.telephony.call_task_rules import CallTaskRules
from kompas_cc.telephony.callrecord import CallRecord, Disposition
from kompas_cc.telephony.schemas import CallOut

POLICY = ClientsPolicy()
ORGANIZER = OrganizerPolicy(clients=POLICY)
REGION = {"region": "RU"}
#: When the first call of every story starts: an hour before the fake clock's "now" moves.
T0 = datetime.fromisoformat("2026-01-15T08:00:00+00:00")

#: An outside number nobody in the dossier has, as Asterisk sends it and as stored.
STRANGER = "79161112233"
STRANGER_E164 = "+79161112233"
#: Romashka's number (its manager is maria) and the number of Vector's contact person.
ROMASHKA_NUMBER = "74951110000"
VECTOR_PERSON_NUMBER = "79035550101"
#: The company's numbers (DIDs) callers dial.
SALES_DID = "74951234567"
SUPPORT_DID = "74957654321"


def call(
    linkedid: str,
    *,
    at: timedelta = timedelta(0),
    direction: str = "inbound",
    disposition: Disposition = "answered",
    caller: str = STRANGER,
    callee: str = SALES_DID,
    queue: str | None = None,
    answered_by: str | None = "101",
    voicemail: bool = False,
    ring_s: int = 5,
    talk_s: int = 60,
) -> CallRecord:
    """A finished call starting `at` after T0, as the call tracker hands it over.

    Unanswered calls have no answering extension and no talk; an outbound call is answered
    by the outside party `ring_s` after it started."""
    started = T0 + at
    answered = disposition == "answered"
    return CallRecord(
        linkedid=linkedid,
        direction=direction,  # type: ignore[arg-type]
        caller=caller,
        callee=callee,
        queue=queue,
        answered_by=answered_by if answered and direction == "inbound" else None,
        started_at=started,
        answered_at=started + timedelta(seconds=ring_s) if answered else None,
        ended_at=started + timedelta(seconds=ring_s + (talk_s if answered else 0)),
        ring_seconds=ring_s,
        wait_seconds=ring_s if queue else None,
        talk_seconds=talk_s if answered else 0,
        hold_seconds=0,
        disposition=disposition,
        voicemail=voicemail,
        hangup_by=caller,
        transfers=(),
        legs=(),
        trunk="PJSIP/trunk-00000001",
        incomplete=False,
    )


def callback_call(linkedid: str, *, at: timedelta, number: str = STRANGER, **kw: Any) -> CallRecord:
    """anna (101) dials `number` from her phone."""
    return call(linkedid, at=at, direction="outbound", caller="101", callee=number, **kw)


@dataclass
class Process:
    """One KOMPAS process: its own engine, bus and subscribers over the shared database."""

    engine: AsyncEngine
    uows: UowFactory
    clock: FakeClock

    async def record(self, *calls: CallRecord) -> list[int]:
        """Store each call in a transaction of its own, as the call log's writer does."""
        ids = []
        for record in calls:
            async with self.uows() as uow:
                call_id = await service.record_call(uow, record, self.clock.now())
            assert call_id is not None
            ids.append(call_id)
        return ids


async def start_process(db_url: str, rules: CallTaskRules | None, clock: FakeClock) -> Process:
    """A process with the call-task subscribers, or without them when `rules` is None (it
    then only stores calls)."""
    engine = create_engine(db_url)
    bus = Bus()
    uows = make_uow_factory(create_session_factory(engine), bus)
    if rules is not None:
        subscribers.register_call_tasks(bus, uows, rules, clock)
    return Process(engine, uows, clock)


@dataclass
class World:
    """The cast (anna at 101, boris at 102, maria a manager, admin), Romashka (maria's
    client), Vector with its contact person, and the processes looking at them."""

    db_url: str
    clock: FakeClock
    users: dict[str, Actor]
    romashka: int
    vector: int
    processes: list[Process] = field(default_factory=list)

    async def start(self, rules: CallTaskRules | None = None) -> Process:
        process = await start_process(self.db_url, rules or CallTaskRules(), self.clock)
        self.processes.append(process)
        return process

    async def stop(self) -> None:
        for process in self.processes:
            await process.engine.dispose()

    @property
    def uows(self) -> UowFactory:
        return self.processes[0].uows

    @property
    def admin(self) -> Actor:
        return self.users["admin"]

    async def tasks(self) -> list[TaskOut]:
        """Every task, oldest first, in full."""
        now = self.clock.now()
        async with self.uows(write=False) as uow:
            page = await organizer_service.list_tasks(
                uow, self.admin, ORGANIZER, TaskListQuery(per_page=500), now
            )
            found = [
                await organizer_service.get_task(uow, self.admin, ORGANIZER, brief.id, now)
                for brief in page.items
            ]
        return sorted(found, key=lambda task: task.id)

    async def comments(self, task_id: int) -> list[CommentOut]:
        async with self.uows(write=False) as uow:
            return await organizer_service.list_comments(uow, self.admin, ORGANIZER, task_id)

    async def set_task_status(self, task_id: int, status: str) -> None:
        async with self.uows() as uow:
            await organizer_service.set_status(
                uow, self.admin, ORGANIZER, task_id, status, self.clock.now()
            )

    async def delete_task(self, task_id: int) -> None:
        async with self.uows() as uow:
            await organizer_service.delete_task(uow, self.admin, ORGANIZER, task_id)

    async def client(self, client_id: int | None) -> ClientOut:
        assert client_id is not None
        async with self.uows(write=False) as uow:
            return await clients_service.get_client(uow, self.admin, POLICY, client_id)

    async def client_of(self, number: str) -> int | None:
        async with self.uows(write=False) as uow:
            return await clients_service.client_for_number(uow, number)

    async def call(self, call_id: int) -> CallOut:
        async with self.uows(write=False) as uow:
            return await service.get_call(uow, self.admin, POLICY, call_id)

    async def callbacks(self, number: str = STRANGER_E164) -> list[dict[str, Any]]:
        """The number's callbacks, oldest first, as plain values."""
        async with self.uows(write=False) as uow:
            rows = await callback_repo.list_callbacks(uow.session, number)
            return [
                {
                    "task_id": row.task_id,
                    "missed_count": row.missed_count,
                    "first_missed_at": row.first_missed_at,
                    "open": row.closed_at is None,
                    "closed_call_id": row.closed_call_id,
                    "delay_seconds": row.delay_seconds,
                }
                for row in rows
            ]


async def create_world(db_url: str, clock: FakeClock) -> World:
    engine = create_engine(db_url)
    uows = make_uow_factory(create_session_factory(engine), Bus())
    users: dict[str, Actor] = {}
    try:
        async with uows() as uow:
            for key, person in CAST.items():
                data: dict[str, Any] = {
                    "login": person.login,
                    "name": person.name,
                    "role": person.role.value,
                    "extension": person.extension,
                }
                out = await staff_service.create_user(
                    uow, staff_service.parse_user(data), PASSWORD, clock.now()
                )
                users[key] = Actor(id=out.id, login=out.login, name=out.name, role=out.role)
            romashka_in = {
                "kind": "legal",
                "name": "ООО «Ромашка»",
                "manager_id": users["maria"].id,
                "phones": [{"number": ROMASHKA_NUMBER}],
            }
            romashka = await clients_service.create_client(
                uow,
                users["admin"],
                POLICY,
                validate_model(ClientIn, romashka_in, context=REGION),
                clock.now(),
            )
            vector_in = {"kind": "legal", "name": "АО «Вектор»"}
            vector = await clients_service.create_client(
                uow,
                users["admin"],
                POLICY,
                validate_model(ClientIn, vector_in, context=REGION),
                clock.now(),
            )
            person = validate_model(
                ContactPersonIn,
                {"name": "Сергей Орлов", "phones": [{"number": VECTOR_PERSON_NUMBER}]},
                context=REGION,
            )
            await dossier.save_contact_person(
                uow, users["admin"], POLICY, vector.id, person, clock.now()
            )
    finally:
        await engine.dispose()
    return World(db_url, clock, users, romashka.id, vector.id)


def later(record: CallRecord, minutes: int, linkedid: str) -> CallRecord:
    """The same call `minutes` later under another linkedid."""
    shift = timedelta(minutes=minutes)
    return replace(
        record,
        linkedid=linkedid,
        started_at=record.started_at + shift,
        answered_at=record.answered_at + shift if record.answered_at else None,
        ended_at=record.ended_at + shift,
    )
