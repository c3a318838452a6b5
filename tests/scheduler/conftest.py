"""Fixtures of scheduler tests (a package, so that this conftest does not shadow the
top-level one for other test modules)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import FakeClock
from kompas_cc.db.engine import create_engine, create_session_factory
from kompas_cc.db.uow import make_uow_factory
from kompas_cc.scheduler import FakeTimer
from kompas_cc.staff import service as staff_service
from scheduler.stage import Stage, counting


@pytest.fixture
async def stage(db_url: str) -> AsyncIterator[Stage]:
    engine = create_engine(db_url)
    bus = Bus()
    uows = make_uow_factory(create_session_factory(engine), bus)
    clock = FakeClock()
    async with uows() as uow:
        data = staff_service.parse_user(
            {"login": "anna", "name": "Анна Смирнова", "role": "operator"}
        )
        anna = await staff_service.create_user(uow, data, "correct horse 42", clock.now())
    stage = Stage(engine, uows, bus, clock, FakeTimer(clock), anna.id)
    counting(engine, stage.statements)
    try:
        yield stage
    finally:
        await engine.dispose()
