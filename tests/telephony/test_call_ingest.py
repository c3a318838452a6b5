"""From AMI events to the call log: every finished call is stored once, and a database that
refuses for a while loses nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from call_log_support import FIXTURES, TRUNKS, records
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from kompas_cc.core.clock import FakeClock
from kompas_cc.db.uow import UnitOfWork, UowFactory
from kompas_cc.telephony import ingest
from kompas_cc.telephony.amievents import translate
from kompas_cc.telephony.amilink import AmiChannelsListed, AmiConnectionLost
from kompas_cc.telephony.calls import CallTracker
from kompas_cc.telephony.ingest import CallIngest
from kompas_cc.telephony.models import Call
from kompas_cc.telephony.transcripts import load_transcript, marker_of

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
SCENARIOS = ("inbound_answered", "queue_ringall", "busy", "blind_transfer", "overlapping_calls")


def feed(sink: CallIngest, name: str) -> None:
    at = NOW
    for frame in load_transcript(FIXTURES / f"{name}.ami"):
        if marker_of(frame):
            continue
        event = translate(frame, at)
        if event is not None:
            at = event.at
            sink.accept(event)


async def stored_linkedids(uows: UowFactory) -> list[str]:
    async with uows(write=False) as uow:
        return sorted((await uow.session.execute(select(Call.linkedid))).scalars())


class Flaky:
    """A unit-of-work factory whose database is away for the first `down` tries."""

    def __init__(self, uows: UowFactory, down: int, error: Exception) -> None:
        self._uows, self.down, self._error, self.tries = uows, down, error, 0

    def __call__(self, write: bool = True) -> Any:
        @asynccontextmanager
        async def opened() -> AsyncIterator[UnitOfWork]:
            self.tries += 1
            if self.tries <= self.down:
                raise self._error
            async with self._uows(write=write) as uow:
                yield uow

        return opened()


def tracker() -> CallTracker:
    return CallTracker(trunk_patterns=TRUNKS)


async def test_every_finished_call_is_stored_once(uow_factory: UowFactory) -> None:
    sink = CallIngest(uow_factory, FakeClock(NOW), tracker())
    for name in SCENARIOS:
        feed(sink, name)
    expected = sorted(r.linkedid for name in SCENARIOS for r in records(name))
    assert sink.waiting == len(expected)
    await sink.flush()
    assert await stored_linkedids(uow_factory) == expected
    for name in SCENARIOS:  # the same calls again (a replay after a reconnect)
        feed(sink, name)
    await sink.flush()
    async with uow_factory(write=False) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Call)) == len(expected)
    assert sink.stored == len(expected)


async def test_an_outage_completes_the_calls_it_cut(uow_factory: UowFactory) -> None:
    sink = CallIngest(uow_factory, FakeClock(NOW), tracker())
    frames = load_transcript(FIXTURES / "inbound_answered.ami")
    at = NOW
    for frame in frames[: len(frames) // 2]:
        event = translate(frame, at) if not marker_of(frame) else None
        if event is not None:
            at = event.at
            sink.accept(event)
    sink.accept(AmiConnectionLost(at=at))
    sink.accept(AmiChannelsListed(at=at, channels=()))
    await sink.flush()
    async with uow_factory(write=False) as uow:
        (call,) = (await uow.session.execute(select(Call))).scalars()
    assert call.incomplete


async def test_a_database_away_for_a_while_loses_nothing(uow_factory: UowFactory) -> None:
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    flaky = Flaky(uow_factory, down=3, error=OperationalError("SELECT 1", {}, Exception("down")))
    sink = CallIngest(flaky, FakeClock(NOW), tracker(), sleep=pause)
    sink.start()
    feed(sink, "overlapping_calls")
    for _ in range(200):
        if not sink.waiting:
            break
        await asyncio.sleep(0.01)
    await sink.stop()
    assert pauses == list(ingest.RETRY_PAUSES[:3])
    assert len(await stored_linkedids(uow_factory)) == len(records("overlapping_calls"))


async def test_a_call_the_database_keeps_refusing_is_skipped_and_the_rest_stored(
    uow_factory: UowFactory,
) -> None:
    async def pause(_seconds: float) -> None:
        return None

    refused = Flaky(uow_factory, down=10**6, error=ValueError("refused"))
    sink = CallIngest(refused, FakeClock(NOW), tracker(), sleep=pause)
    sink.start()
    feed(sink, "busy")
    for _ in range(200):
        if not sink.waiting:
            break
        await asyncio.sleep(0.01)
    await sink.stop()
    assert (sink.skipped, sink.waiting) == (1, 0)


@pytest.mark.parametrize("event", [object(), AmiConnectionLost(at=NOW)])
def test_anything_else_is_ignored_quietly(event: Any, uow_factory: UowFactory) -> None:
    sink = CallIngest(uow_factory, FakeClock(NOW), tracker())
    sink.accept(event)
    assert sink.waiting == 0


async def test_a_call_whose_hangup_never_came_is_closed_by_the_writer(
    uow_factory: UowFactory,
) -> None:
    clock = FakeClock(NOW)
    sink = CallIngest(uow_factory, clock, tracker(), sweep_every=timedelta(milliseconds=20))
    frames = load_transcript(FIXTURES / "inbound_answered.ami")
    at = NOW
    for frame in frames[: len(frames) // 2]:
        event = translate(frame, at) if not marker_of(frame) else None
        if event is not None:
            at = event.at
            sink.accept(event)
    sink.start()
    try:
        await asyncio.sleep(0.1)
        assert await stored_linkedids(uow_factory) == []  # in progress, not yet stale
        clock.advance(timedelta(hours=7))
        for _ in range(100):  # no event comes: the writer's timer alone closes the call
            if sink.stored:
                break
            await asyncio.sleep(0.02)
    finally:
        await sink.stop()
    async with uow_factory(write=False) as uow:
        (call,) = (await uow.session.execute(select(Call))).scalars()
    assert call.incomplete
