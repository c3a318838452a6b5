"""Storing finished calls in the call log: once, with their operator and client found."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from call_log_support import CALLER, ROMASHKA, VECTOR, VECTOR_CONTACT, record, records
from conftest import CAST, PASSWORD

from kompas_cc.clients import dossier
from kompas_cc.clients import service as clients_service
from kompas_cc.clients.access import ClientsPolicy
from kompas_cc.clients.schemas import ClientIn, ContactPersonIn
from kompas_cc.core.actor import Actor
from kompas_cc.core.bus import Bus
from kompas_cc.core.events import Event
from kompas_cc.core.validation import validate_model
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.uow import UowFactory, make_uow_factory
from kompas_cc.staff import service as staff_service
from kompas_cc.telephony import service
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.events import CallEnded, CallMissed
from kompas_cc.telephony.schemas import CallListQuery, CallOut

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
POLICY = ClientsPolicy()
REGION = {"region": "RU"}


@dataclass
class World:
    uows: UowFactory
    events: list[Event]
    users: dict[str, Actor]
    romashka: int
    vector: int

    async def record(self, call: CallRecord) -> int | None:
        async with self.uows() as uow:
            return await service.record_call(uow, call, NOW)

    async def calls(self) -> list[CallOut]:
        async with self.uows(write=False) as uow:
            page = await service.list_calls(uow, self.users["admin"], POLICY, CallListQuery())
        return page.items

    async def call(self, call_id: int | None) -> CallOut:
        assert call_id is not None
        async with self.uows(write=False) as uow:
            return await service.get_call(uow, self.users["admin"], POLICY, call_id)


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    """The cast (anna at 101, boris at 102), Romashka, and Vector with a contact person;
    every call log event the bus carries is noted in `events`."""
    engine = create_engine(db_url)
    bus = Bus()
    events: list[Event] = []
    bus.subscribe(CallEnded, events.append)
    bus.subscribe(CallMissed, events.append)
    uows = make_uow_factory(create_session_factory(engine), bus)
    users: dict[str, Actor] = {}
    async with uows() as uow:
        for key, person in CAST.items():
            data: dict[str, Any] = {
                "login": person.login,
                "name": person.name,
                "role": person.role.value,
                "extension": person.extension,
            }
            out = await staff_service.create_user(
                uow, staff_service.parse_user(data), PASSWORD, NOW
            )
            users[key] = Actor(id=out.id, login=out.login, name=out.name, role=out.role)
        admin = users["admin"]
        romashka = await clients_service.create_client(
            uow, admin, POLICY, validate_model(ClientIn, ROMASHKA, context=REGION), NOW
        )
        vector = await clients_service.create_client(
            uow, admin, POLICY, validate_model(ClientIn, VECTOR, context=REGION), NOW
        )
        person = validate_model(ContactPersonIn, VECTOR_CONTACT, context=REGION)
        await dossier.save_contact_person(uow, admin, POLICY, vector.id, person, NOW)
    try:
        yield World(uows, events, users, romashka.id, vector.id)
    finally:
        await engine.dispose()


async def test_a_record_handed_twice_is_stored_once(world: World) -> None:
    """After an AMI reconnect the same call may be reported again: one row, one event."""
    call = record("inbound_answered")

    first = await world.record(call)
    again = await world.record(call)

    assert first is not None
    assert again is None
    assert [c.linkedid for c in await world.calls()] == [call.linkedid]
    assert [type(e) for e in world.events] == [CallEnded]


async def test_the_client_is_found_by_a_number_typed_in_another_form(world: World) -> None:
    """Asterisk says 79161234567; the card holds "8 (916) 123-45-67"; both are +79161234567."""
    call = record("inbound_answered")
    assert call.caller == CALLER

    stored = await world.call(await world.record(call))

    assert stored.client_id == world.romashka
    assert stored.caller == "+79161234567"
    assert stored.callee == "+74951234567"


async def test_the_client_is_found_by_a_contact_persons_number(world: World) -> None:
    _first, second = records("overlapping_calls")

    stored = await world.call(await world.record(second))

    assert stored.client_id == world.vector


async def test_the_operator_is_the_user_at_the_answering_extension(world: World) -> None:
    answered_by_boris = record("queue_ringall")

    stored = await world.call(await world.record(answered_by_boris))

    assert stored.answered_by == "102"
    assert stored.operator_id == world.users["boris"].id


async def test_an_outbound_call_belongs_to_the_extension_that_dialled(world: World) -> None:
    """Nobody of ours answers an outbound call: anna at 101 dialled the client's mobile."""
    click_to_call = record("click_to_call")

    stored = await world.call(await world.record(click_to_call))

    assert (stored.direction, stored.answered_by) == ("outbound", None)
    assert stored.operator_id == world.users["anna"].id
    assert stored.client_id == world.romashka
    assert stored.callee == "+79161234567"


async def test_internal_and_unknown_calls_have_no_client(world: World) -> None:
    internal = record("internal_call")
    stranger = replace(record("inbound_answered"), caller="74997654321")
    hidden = replace(record("busy"), caller="anonymous")

    stored = [await world.call(await world.record(c)) for c in (internal, stranger, hidden)]

    assert [c.client_id for c in stored] == [None, None, None]
    assert [c.caller for c in stored] == ["101", "+74997654321", "anonymous"]
    assert stored[0].operator_id == world.users["boris"].id


async def test_an_extension_nobody_has_leaves_the_operator_empty(world: World) -> None:
    call = replace(record("inbound_answered"), answered_by="109")

    stored = await world.call(await world.record(call))

    assert (stored.answered_by, stored.operator_id) == ("109", None)


async def test_events_reach_the_bus_only_after_the_commit(world: World) -> None:
    call = record("inbound_answered")

    async with world.uows() as uow:
        call_id = await service.record_call(uow, call, NOW)
        assert world.events == [], "nothing may react to a call not yet committed"

    (ended,) = world.events
    assert ended == CallEnded(
        call_id=call_id or 0,
        linkedid="1736931600.101",
        direction="inbound",
        disposition="answered",
        caller="+79161234567",
        callee="+74951234567",
        client_id=world.romashka,
        operator_id=world.users["anna"].id,
        queue=None,
        started_at=call.started_at,
        ended_at=call.ended_at,
        talk_seconds=95,
    )


async def test_a_rolled_back_recording_leaves_no_call_and_no_event(world: World) -> None:
    async def record_then_fail() -> None:
        async with world.uows() as uow:
            await service.record_call(uow, record("inbound_answered"), NOW)
            raise RuntimeError("the unit of work failed after the call was added")

    with pytest.raises(RuntimeError):
        await record_then_fail()

    assert world.events == []
    assert await world.calls() == []


@pytest.mark.parametrize(
    ("scenario", "disposition", "voicemail"),
    [
        ("queue_abandoned", "abandoned", False),
        ("no_answer_voicemail", "no_answer", True),
        ("busy", "busy", False),
    ],
)
async def test_an_unanswered_inbound_call_is_reported_missed(
    world: World, scenario: str, disposition: str, voicemail: bool
) -> None:
    call_id = await world.record(record(scenario))

    ended, missed = world.events
    assert isinstance(ended, CallEnded)
    assert isinstance(missed, CallMissed)
    assert (missed.call_id, missed.disposition, missed.voicemail) == (
        call_id,
        disposition,
        voicemail,
    )
    assert (missed.caller, missed.client_id) == ("+79161234567", world.romashka)


async def test_answered_and_outbound_calls_are_not_missed(world: World) -> None:
    unanswered_outbound = replace(
        record("click_to_call"), disposition="no_answer", answered_at=None, talk_seconds=0
    )
    for call in (record("inbound_answered"), unanswered_outbound):
        await world.record(call)

    assert [type(e) for e in world.events] == [CallEnded, CallEnded]


async def test_legs_and_transfers_are_kept_in_order(world: World) -> None:
    call = record("attended_transfer")

    stored = await world.call(await world.record(call))

    assert [(t.kind, t.from_, t.to) for t in stored.transfers] == [("attended", "101", "102")]
    assert stored.transfers[0].at == call.transfers[0].at
    assert [(leg.party_a, leg.party_b) for leg in stored.legs] == [
        ("+79161234567", "101"),
        ("101", "102"),
        ("+79161234567", "102"),
    ]
    assert [leg.started_at for leg in stored.legs] == [leg.started_at for leg in call.legs]
    assert (stored.hold_seconds, stored.hangup_by) == (20, "102")


async def test_times_and_durations_are_stored_exactly(world: World) -> None:
    call = record("queue_ringall")

    stored = await world.call(await world.record(call))

    assert (stored.started_at, stored.answered_at, stored.ended_at) == (
        call.started_at,
        call.answered_at,
        call.ended_at,
    )
    assert stored.started_at.tzinfo is not None
    assert (stored.ring_seconds, stored.wait_seconds, stored.talk_seconds) == (8, 12, 118)
    assert (stored.queue, stored.incomplete) == ("support", False)


async def test_wire_garbage_is_cut_to_fit_instead_of_failing(world: World) -> None:
    """A NUL or an overlong value from the PBX must not lose the call (PostgreSQL refuses
    NUL in text, and both databases refuse values over the column's length)."""
    call = replace(
        record("queue_ringall"),
        linkedid="1736932200.201\x00",
        queue="очередь-" * 40,
        caller="\x00" + "7" * 200,
    )

    stored = await world.call(await world.record(call))

    assert stored.linkedid == "1736932200.201"
    assert stored.queue == ("очередь-" * 10)[:80]
    assert stored.caller == "7" * 80


async def test_a_batch_is_stored_as_the_calls_one_by_one_would_be(world: World) -> None:
    """The AMI ingest writes many calls in one go: same rows, same events, in order."""
    first, second = records("overlapping_calls")
    queue_call = record("queue_ringall")
    transferred = record("attended_transfer")
    await world.record(queue_call)  # stored already: skipped in the batch
    world.events.clear()
    batch = [first, second, queue_call, first, transferred]

    async with world.uows() as uow:
        ids = await service.record_calls(uow, batch, NOW)

    assert ids[2] is None  # in the log before
    assert ids[3] is None  # the same linkedid a second time in the batch
    assert all(ids[i] is not None for i in (0, 1, 4))
    stored = [await world.call(ids[i]) for i in (0, 1, 4)]
    assert [c.linkedid for c in stored] == [first.linkedid, second.linkedid, transferred.linkedid]
    assert stored[1].client_id == world.vector  # a contact person's number
    assert [len(c.legs) for c in stored] == [
        len(first.legs),
        len(second.legs),
        len(transferred.legs),
    ]
    assert [len(c.transfers) for c in stored] == [0, 0, len(transferred.transfers)]
    assert stored[2].transfers[0].kind == "attended"
    ended = [e for e in world.events if isinstance(e, CallEnded)]
    assert [e.call_id for e in ended] == [ids[0], ids[1], ids[4]]
    assert [e.client_id for e in ended] == [c.client_id for c in stored]


async def test_clients_for_numbers_follows_the_one_number_rule(world: World) -> None:
    """Own numbers before contact persons', then the oldest client; unknown numbers absent."""
    numbers = ["+79161234567", "+79035550101", "+74997654321"]
    async with world.uows(write=False) as uow:
        many = await clients_service.clients_for_numbers(uow, numbers)
        one_by_one = {n: await clients_service.client_for_number(uow, n) for n in numbers}
    assert many == {n: c for n, c in one_by_one.items() if c is not None}
    assert many == {"+79161234567": world.romashka, "+79035550101": world.vector}
