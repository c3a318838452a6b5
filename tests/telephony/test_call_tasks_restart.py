"""Callbacks live in the database: a restarted process, or a second one, carries on with them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from call_tasks_support import (
    STRANGER_E164,
    T0,
    World,
    call,
    callback_call,
    create_world,
    start_process,
)

from kompas_cc.core.clock import FakeClock
from kompas_cc.db.uow import UowFactory
from kompas_cc.telephony import call_tasks
from kompas_cc.telephony.call_task_rules import CallTaskRules
from kompas_cc.telephony.events import CallMissed

RULES = CallTaskRules(unknown_caller="nothing")


@pytest.fixture
async def world(db_url: str, clock: FakeClock) -> AsyncIterator[World]:
    made = await create_world(db_url, clock)
    try:
        yield made
    finally:
        await made.stop()


async def test_a_restarted_process_counts_on_and_closes_the_callback_opened_before(
    world: World,
) -> None:
    before = await world.start(RULES)
    await before.record(call("m1", disposition="no_answer"))
    await before.engine.dispose()

    after = await world.start(RULES)
    await after.record(call("m2", disposition="no_answer", at=timedelta(minutes=4)))
    (task,) = await world.tasks()
    assert [c["missed_count"] for c in await world.callbacks()] == [2]
    assert len(await world.comments(task.id)) == 1

    await after.record(callback_call("b1", at=timedelta(minutes=9), ring_s=10))

    (task,) = await world.tasks()
    assert task.status == "done"
    (callback,) = await world.callbacks()
    assert (callback["open"], callback["delay_seconds"]) == (False, 9 * 60 + 10)


async def test_two_processes_missing_the_same_number_at_once_open_one_callback(
    world: World, db_url: str
) -> None:
    """Both see no open callback and both open one: the unique index over open callbacks
    lets one in, and the other counts its call on that one."""
    silent = await start_process(db_url, None, world.clock)
    world.processes.append(silent)
    first, second = await silent.record(
        call("m1", disposition="no_answer"),
        call("m2", disposition="no_answer", at=timedelta(seconds=30)),
    )
    one, other = await world.start(RULES), await world.start(RULES)

    async def miss(uows: UowFactory, call_id: int, linkedid: str) -> int | None:
        event = CallMissed(
            call_id=call_id,
            linkedid=linkedid,
            disposition="no_answer",
            caller=STRANGER_E164,
            callee="+74951234567",
            client_id=None,
            queue=None,
            started_at=T0,
            voicemail=False,
        )
        async with uows() as uow:
            return await call_tasks.note_missed_call(uow, event, RULES, world.clock.now())

    task_ids = await asyncio.gather(miss(one.uows, first, "m1"), miss(other.uows, second, "m2"))

    (task,) = await world.tasks()
    assert list(task_ids) == [task.id, task.id]
    (callback,) = await world.callbacks()
    assert (callback["missed_count"], callback["open"]) == (2, True)
    assert len(await world.comments(task.id)) == 1
