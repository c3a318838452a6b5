"""The composition root runs the AMI connection, feeding the call log, when it is enabled,
and stops it with the app."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from aiohttp import web
from sqlalchemy import select

from kompas_cc.app import build_app
from kompas_cc.core.clock import FakeClock
from kompas_cc.settings import Settings
from kompas_cc.settings_ami import parse_trunks
from kompas_cc.telephony.models import Call
from kompas_cc.telephony.simulator import AmiSimulator
from kompas_cc.webapp import keys


async def _within_seconds(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not in time"
        await asyncio.sleep(0.005)


async def test_enabled_ami_logs_the_calls_asterisk_reports(
    aiohttp_client: Any, settings: Settings, clock: FakeClock
) -> None:
    async with AmiSimulator(clock=clock, autorun=False, seed=1) as simulator:
        enabled = replace(
            settings,
            ami_enabled=True,
            ami_host="127.0.0.1",
            ami_port=simulator.port,
            ami_secret="kompas",
            trunks=parse_trunks("PJSIP/trunk-*=30"),
        )
        app = build_app(enabled, clock=clock)
        client = await aiohttp_client(app)
        link = app[keys.AMI]
        await _within_seconds(lambda: link.status.connected)
        simulator.start_call("inbound_queue")
        for _ in range(60):  # ten simulated minutes: the call rings, is served and ends
            await simulator.advance(10)
        logged: list[Call] = []

        async def fetch() -> None:
            async with app[keys.UOW](write=False) as uow:
                logged[:] = (await uow.session.execute(select(Call))).scalars()

        for _ in range(200):
            await fetch()
            if logged:
                break
            await asyncio.sleep(0.02)
        (call,) = logged
        assert call.direction == "inbound"
        assert call.queue is not None  # the simulator's call went through a queue
        await client.close()

        assert link.status.state == "closed"
        assert simulator.logged_in == 0


def test_ami_is_left_out_when_disabled(settings: Settings, clock: FakeClock) -> None:
    app: web.Application = build_app(settings, clock=clock)

    assert not settings.ami_enabled
    assert keys.AMI not in app
