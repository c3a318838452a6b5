"""Contacts and tasks from calls: a finished call in, clients and tasks out.

Every call goes the way it goes in `kompas serve`: stored by `telephony.service.record_call`,
whose events reach the call-task subscribers after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from call_tasks_support import (
    ROMASHKA_NUMBER,
    STRANGER,
    STRANGER_E164,
    SUPPORT_DID,
    T0,
    VECTOR_PERSON_NUMBER,
    World,
    call,
    callback_call,
    create_world,
)

from kompas_cc.clients import service as clients_service
from kompas_cc.clients.timeline import TimelineWindow
from kompas_cc.core.clock import FakeClock
from kompas_cc.organizer import contacts as organizer_contacts
from kompas_cc.settings_calls import parse_callback_targets
from kompas_cc.telephony import call_tasks
from kompas_cc.telephony import service as telephony_service
from kompas_cc.telephony.call_task_rules import CallTaskRules
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.events import CallMissed

FILL_CARD = "Заполнить карточку клиента"
CALL_BACK_STRANGER = "Перезвонить +7 (916) 111-22-33"
CALL_BACK_ROMASHKA = "Перезвонить +7 (495) 111-00-00"
CALL_BACK_VECTOR_PERSON = "Перезвонить +7 (903) 555-01-01"
LEAD_MODE = CallTaskRules()
NOTHING_MODE = CallTaskRules(unknown_caller="nothing")


def targets(*items: str, unknown_caller: str = "lead") -> CallTaskRules:
    return CallTaskRules.build(
        unknown_caller=unknown_caller, targets=parse_callback_targets(list(items))
    )


@pytest.fixture
async def world(db_url: str, clock: FakeClock) -> AsyncIterator[World]:
    made = await create_world(db_url, clock)
    try:
        yield made
    finally:
        await made.stop()


# -- call flows, as a table ----------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """Calls in; out: the tasks (title, executors by login, whose client) and whether the
    stranger became a client."""

    rules: CallTaskRules
    calls: tuple[CallRecord, ...]
    tasks: tuple[tuple[str, tuple[str, ...], str | None], ...]
    lead: bool


FLOWS: dict[str, Flow] = {
    "answered_unknown_caller_becomes_a_lead_and_anna_fills_in_the_card": Flow(
        LEAD_MODE, (call("c1"),), ((FILL_CARD, ("anna",), "lead"),), lead=True
    ),
    "missed_unknown_caller_becomes_a_lead_called_back_by_the_queues_users": Flow(
        targets("support=boris,anna"),
        (call("c1", disposition="no_answer", queue="support"),),
        ((CALL_BACK_STRANGER, ("boris", "anna"), "lead"),),
        lead=True,
    ),
    "nothing_leaves_an_answered_unknown_caller_without_client_or_task": Flow(
        NOTHING_MODE, (call("c1"),), (), lead=False
    ),
    "nothing_still_has_the_admins_call_back_a_missed_unknown_caller": Flow(
        NOTHING_MODE,
        (call("c1", disposition="busy"),),
        ((CALL_BACK_STRANGER, ("admin",), None),),
        lead=False,
    ),
    "missed_call_of_a_client_goes_to_its_manager_before_the_queues_users": Flow(
        targets("support=boris"),
        (call("c1", disposition="abandoned", queue="support", caller=ROMASHKA_NUMBER),),
        ((CALL_BACK_ROMASHKA, ("maria",), "romashka"),),
        lead=False,
    ),
    "missed_call_of_a_contact_person_goes_to_the_users_of_the_dialled_number": Flow(
        targets("+7 (495) 765-43-21=maria,boris"),
        (call("c1", disposition="no_answer", caller=VECTOR_PERSON_NUMBER, callee=SUPPORT_DID),),
        ((CALL_BACK_VECTOR_PERSON, ("maria", "boris"), "vector"),),
        lead=False,
    ),
    "the_queue_wins_over_the_dialled_number": Flow(
        targets("support=boris", "+74951234567=maria", unknown_caller="nothing"),
        (call("c1", disposition="no_answer", queue="support"),),
        ((CALL_BACK_STRANGER, ("boris",), None),),
        lead=False,
    ),
    "logins_the_settings_name_but_nobody_has_fall_back_to_the_admins": Flow(
        targets("support=nobody", unknown_caller="nothing"),
        (call("c1", disposition="no_answer", queue="support"),),
        ((CALL_BACK_STRANGER, ("admin",), None),),
        lead=False,
    ),
    "an_answering_extension_of_nobody_leaves_the_card_to_the_admins": Flow(
        LEAD_MODE, (call("c1", answered_by="109"),), ((FILL_CARD, ("admin",), "lead"),), lead=True
    ),
    "a_failed_inbound_call_reached_nobody_and_sets_nothing": Flow(
        LEAD_MODE, (call("c1", disposition="failed"),), (), lead=False
    ),
    "an_anonymous_missed_caller_cannot_be_called_back": Flow(
        LEAD_MODE, (call("c1", disposition="no_answer", caller="anonymous"),), (), lead=False
    ),
    "a_plus_number_that_is_no_phone_number_sets_nothing": Flow(
        LEAD_MODE, (call("c1", disposition="no_answer", caller="+0001"),), (), lead=False
    ),
    "an_internal_call_sets_nothing": Flow(
        LEAD_MODE,
        (call("c1", direction="internal", disposition="no_answer", caller="101", callee="102"),),
        (),
        lead=False,
    ),
    "an_answered_call_of_a_known_client_sets_nothing": Flow(
        LEAD_MODE, (call("c1", caller=ROMASHKA_NUMBER),), (), lead=False
    ),
    "an_outbound_call_to_a_stranger_makes_no_lead": Flow(
        LEAD_MODE, (callback_call("c1", at=timedelta(0)),), (), lead=False
    ),
}


@pytest.mark.parametrize("name", list(FLOWS))
async def test_call_flow(world: World, name: str, caplog: pytest.LogCaptureFixture) -> None:
    """The bus logs a failing subscriber and carries on: no error may hide behind a result."""
    flow = FLOWS[name]
    process = await world.start(flow.rules)

    call_ids = await process.record(*flow.calls)

    lead = await world.client_of(STRANGER_E164)
    clients = {"lead": lead, "romashka": world.romashka, "vector": world.vector, None: None}
    logins = {actor.id: login for login, actor in world.users.items()}
    tasks = await world.tasks()
    assert [
        (task.title, tuple(logins[i] for i in task.executor_ids), task.client_id) for task in tasks
    ] == [(title, executors, clients[client]) for title, executors, client in flow.tasks]
    assert (lead is not None) == flow.lead
    if lead is not None:
        assert (await world.call(call_ids[0])).client_id == lead
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


# -- the lead --------------------------------------------------------------------------------


async def test_unknown_caller_becomes_an_individual_new_lead_named_after_the_number(
    world: World,
) -> None:
    process = await world.start()

    await process.record(call("c1"))

    lead = await world.client(await world.client_of(STRANGER_E164))
    assert (lead.kind, lead.name, lead.status, lead.source, lead.manager_id) == (
        "individual",
        "Новый клиент +7 (916) 111-22-33",
        "Новый лид",
        "Входящий звонок",
        None,
    )
    assert [p.number for p in lead.phones] == [STRANGER_E164]
    (task,) = await world.tasks()
    assert task.author_id == world.users["anna"].id
    assert task.due_at == T0 + timedelta(seconds=65) + timedelta(minutes=30)
    assert task.description is not None
    assert "+7 (916) 111-22-33" in task.description


async def test_the_new_lead_status_is_made_once_and_then_reused(world: World) -> None:
    process = await world.start()

    await process.record(call("c1"), call("c2", caller="79161112244", at=timedelta(minutes=1)))

    async with world.uows(write=False) as uow:
        statuses = [s.name for s in await clients_service.list_statuses(uow)]
    assert statuses.count("Новый лид") == 1
    assert await world.client_of("+79161112244") is not None


async def test_a_lead_calling_again_is_its_client_and_gets_no_second_card_task(
    world: World,
) -> None:
    process = await world.start()

    first, second = await process.record(call("c1"), call("c2", at=timedelta(hours=1)))

    lead = await world.client_of(STRANGER_E164)
    assert [(await world.call(i)).client_id for i in (first, second)] == [lead, lead]
    assert [task.title for task in await world.tasks()] == [FILL_CARD]


# -- the timeline ---------------------------------------------------------------------------


async def test_a_contact_persons_call_is_on_the_clients_timeline_once_as_the_call(
    world: World,
) -> None:
    """The call is the timeline entry: no done contact of kind "call" repeats it."""
    process = await world.start()

    (call_id,) = await process.record(call("c1", caller=VECTOR_PERSON_NUMBER))

    window = TimelineWindow(client_id=world.vector, since=None, until=None, limit=50)
    async with world.uows(write=False) as uow:
        calls = await telephony_service.timeline_source(uow, window)
        contacts = await organizer_contacts.timeline_source(uow, window)
    assert [(entry.kind, entry.link) for entry in calls] == [("call", f"/calls/{call_id}")]
    assert contacts == []
    assert await world.tasks() == []


# -- repeated missed calls and the callback -------------------------------------------------


async def test_repeated_missed_calls_count_on_one_callback_task(world: World) -> None:
    process = await world.start(NOTHING_MODE)

    await process.record(
        call("m1", disposition="no_answer"),
        call("m2", disposition="busy", at=timedelta(minutes=3)),
        call("m3", disposition="abandoned", queue="support", at=timedelta(minutes=7)),
    )

    (task,) = await world.tasks()
    assert task.title == CALL_BACK_STRANGER
    assert task.due_at == T0 + timedelta(minutes=30)
    comments = [c.text for c in await world.comments(task.id)]
    assert len(comments) == 2
    assert comments[-1].endswith("всего пропущенных с этого номера: 3.")
    (callback,) = await world.callbacks()
    assert (callback["task_id"], callback["missed_count"], callback["open"]) == (task.id, 3, True)


async def test_an_answered_callback_closes_the_task_and_keeps_the_delay(world: World) -> None:
    process = await world.start(NOTHING_MODE)
    await process.record(
        call("m1", disposition="no_answer"),
        call("m2", disposition="no_answer", at=timedelta(minutes=5)),
    )

    (back,) = await process.record(callback_call("b1", at=timedelta(minutes=12), ring_s=8))

    (task,) = await world.tasks()
    assert task.status == "done"
    assert "Перезвонили" in (await world.comments(task.id))[-1].text
    (callback,) = await world.callbacks()
    assert callback == {
        "task_id": task.id,
        "missed_count": 2,
        "first_missed_at": T0,
        "open": False,
        "closed_call_id": back,
        "delay_seconds": 12 * 60 + 8,
    }


async def test_an_unanswered_callback_or_a_call_to_another_number_leaves_it_open(
    world: World,
) -> None:
    process = await world.start(NOTHING_MODE)
    await process.record(call("m1", disposition="no_answer"))

    await process.record(
        callback_call("b1", at=timedelta(minutes=2), disposition="no_answer"),
        callback_call("b2", at=timedelta(minutes=4), disposition="busy"),
        callback_call("b3", at=timedelta(minutes=6), number=ROMASHKA_NUMBER),
    )

    (task,) = await world.tasks()
    assert task.status == "new"
    (callback,) = await world.callbacks()
    assert callback["open"]


async def test_a_call_made_before_the_missed_one_does_not_count_as_its_callback(
    world: World,
) -> None:
    """Calls may be reported late: an outbound call that began earlier is no callback."""
    process = await world.start(NOTHING_MODE)
    await process.record(call("m1", disposition="no_answer", at=timedelta(minutes=10)))

    await process.record(callback_call("b0", at=timedelta(minutes=1)))

    (callback,) = await world.callbacks()
    assert callback["open"]


async def test_the_next_missed_call_after_a_callback_opens_a_new_task(world: World) -> None:
    process = await world.start(NOTHING_MODE)
    await process.record(
        call("m1", disposition="no_answer"),
        callback_call("b1", at=timedelta(minutes=10)),
    )

    await process.record(call("m2", disposition="no_answer", at=timedelta(hours=2)))

    assert [task.status for task in await world.tasks()] == ["done", "new"]
    assert [(c["open"], c["missed_count"]) for c in await world.callbacks()] == [
        (False, 1),
        (True, 1),
    ]


@pytest.mark.parametrize("by_hand", ["done", "cancelled", "deleted"])
async def test_a_task_closed_by_hand_ends_its_callback_without_a_call(
    world: World, by_hand: str
) -> None:
    process = await world.start(NOTHING_MODE)
    await process.record(call("m1", disposition="no_answer"))
    (task,) = await world.tasks()

    if by_hand == "deleted":
        await world.delete_task(task.id)
    else:
        await world.set_task_status(task.id, by_hand)
    await process.record(call("m2", disposition="no_answer", at=timedelta(hours=1)))

    first, second = await world.callbacks()
    assert (first["open"], first["closed_call_id"], first["delay_seconds"]) == (False, None, None)
    assert (second["open"], second["missed_count"]) == (True, 1)
    kept = [] if by_hand == "deleted" else [by_hand]
    assert [t.status for t in await world.tasks()] == [*kept, "new"]


async def test_a_missed_call_handed_over_twice_is_counted_once(world: World) -> None:
    process = await world.start(NOTHING_MODE)
    (call_id,) = await process.record(call("m1", disposition="no_answer"))
    again = CallMissed(
        call_id=call_id,
        linkedid="m1",
        disposition="no_answer",
        caller=STRANGER_E164,
        callee="+74951234567",
        client_id=None,
        queue=None,
        started_at=T0,
        voicemail=False,
    )

    async with world.uows() as uow:
        task_id = await call_tasks.note_missed_call(uow, again, NOTHING_MODE, world.clock.now())

    (callback,) = await world.callbacks()
    assert (callback["task_id"], callback["missed_count"]) == (task_id, 1)
    assert await world.comments(task_id or 0) == []


async def test_a_voicemail_and_the_queue_are_named_in_the_callback_task(world: World) -> None:
    process = await world.start(NOTHING_MODE)

    await process.record(call("m1", disposition="no_answer", queue="support", voicemail=True))

    (task,) = await world.tasks()
    assert task.description is not None
    assert "Очередь: support." in task.description
    assert "автоответчике" in task.description


async def test_a_number_in_national_form_is_called_back_as_its_e164(world: World) -> None:
    """Asterisk may hand the caller as 8XXXXXXXXXX: it is the same number as +7XXXXXXXXXX."""
    process = await world.start(NOTHING_MODE)

    await process.record(
        call("m1", disposition="no_answer", caller="89161112233"),
        call("m2", disposition="no_answer", caller=STRANGER, at=timedelta(minutes=1)),
    )

    (callback,) = await world.callbacks(STRANGER_E164)
    assert callback["missed_count"] == 2
