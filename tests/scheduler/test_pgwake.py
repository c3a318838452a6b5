"""PostgreSQL tells the loops of other processes about a new job (LISTEN/NOTIFY), so they
do not wait for their re-check; a job rolled back is never announced."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from kompas_cc.core.bus import Bus
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.uow import UowFactory, make_uow_factory
from kompas_cc.scheduler import schedule
from kompas_cc.scheduling.pgwake import PgWakeListener, notice, parse_notice
from scheduler.stage import Stage, recorder

NOTICE_TIMEOUT_S = 5.0
#: LISTEN/NOTIFY is PostgreSQL's: these tests run on it alone.
on_postgresql = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@pytest.fixture
async def other_process(db_url: str) -> AsyncIterator[UowFactory]:
    """Another process: its own engine and its own bus, so no in-process wake-up."""
    engine = create_engine(db_url)
    yield make_uow_factory(create_session_factory(engine), Bus())
    await engine.dispose()


def test_a_notice_names_the_kind_and_the_time() -> None:
    moment = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    assert parse_notice(notice("reminder", moment)) == ("reminder", moment)
    assert parse_notice("reminder soon") is None


@on_postgresql
async def test_a_job_scheduled_by_another_process_wakes_the_loop_at_once(
    stage: Stage, other_process: UowFactory, db_url: str
) -> None:
    handled: list[int] = []
    jobs = stage.scheduler("listening")
    jobs.register("reminder", recorder(handled))
    await jobs.start(stage.uows)
    listener = PgWakeListener(db_url, jobs)
    listener.start()
    try:
        await asyncio.wait_for(listener.connected.wait(), NOTICE_TIMEOUT_S)
        await jobs.wait_idle()
        assert jobs.next_wake_at == stage.after(seconds=3600)  # only the re-check

        async def rolled_back() -> None:
            async with other_process() as uow:
                await schedule(uow, "reminder", stage.after(minutes=2), {})
                raise RuntimeError("the other process's request failed")

        with pytest.raises(RuntimeError):
            await rolled_back()
        listener.heard.clear()
        async with other_process() as uow:
            await schedule(uow, "reminder", stage.after(minutes=5), {"user_id": stage.anna_id})
        await asyncio.wait_for(listener.heard.wait(), NOTICE_TIMEOUT_S)
        await jobs.wait_idle()
        assert jobs.next_wake_at == stage.after(minutes=5)  # the rolled-back one never came

        stage.timer.advance_to(stage.after(minutes=5))
        await jobs.wait_idle()
        assert len(handled) == 1
    finally:
        await listener.stop()
        await jobs.stop()
