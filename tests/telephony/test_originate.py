"""Click-to-call against the simulated Asterisk: the API and the "Dial" button ring the user's
phone through one Originate, and the call that follows is logged as an outbound call.

The app runs with AMI on, connected over real TCP to the AMI simulator (autorun=False:
simulated time moves only on `advance()`), in which everybody answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from conftest import login, post_form
from sqlalchemy import select

from kompas_cc.app import build_app
from kompas_cc.core.actor import Actor
from kompas_cc.core.clock import FakeClock
from kompas_cc.settings import Settings
from kompas_cc.settings_ami import parse_trunks
from kompas_cc.telephony import callback_repo
from kompas_cc.telephony import service as telephony_service
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.models import Call
from kompas_cc.telephony.simulator import AmiSimulator
from kompas_cc.telephony.simulator_config import Timings, TrafficConfig, TrafficMix
from kompas_cc.webapp import keys

#: Everybody answers at once, nobody is busy or transferred, talks are short.
CERTAIN = TrafficConfig(
    mix=TrafficMix(no_answer=0, busy=0, failed=0, blind_transfer=0, attended_transfer=0),
    timings=Timings(talk_median_s=30),
)
ORIGINATE = "/api/v1/calls/originate"


async def until(condition: Callable[[], object], timeout_s: float = 5.0) -> None:
    """Poll until `condition()` holds: the AMI link and the call log work in tasks of their own."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        assert loop.time() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.005)


@pytest.fixture
async def simulator(clock: FakeClock) -> AsyncIterator[AmiSimulator]:
    async with AmiSimulator(config=CERTAIN, clock=clock, autorun=False, seed=5) as sim:
        yield sim


@pytest.fixture
def app(settings: Settings, clock: FakeClock, simulator: AmiSimulator) -> web.Application:
    """The app of conftest, with AMI on and pointed at the simulator."""
    enabled = replace(
        settings,
        ami_enabled=True,
        ami_host="127.0.0.1",
        ami_port=simulator.port,
        ami_secret="kompas",
        trunks=parse_trunks("PJSIP/trunk-*=30"),
    )
    return build_app(enabled, clock=clock)


@pytest.fixture
async def connected(client: TestClient[Any, Any]) -> TestClient[Any, Any]:
    link = client.app[keys.AMI]
    await until(lambda: link.status.connected)
    return client


async def logged_calls(app: web.Application) -> list[Call]:
    async with app[keys.UOW](write=False) as uow:
        return list((await uow.session.execute(select(Call).order_by(Call.id))).scalars())


async def play_out(simulator: AmiSimulator, app: web.Application, count: int) -> list[Call]:
    """Let simulated time run until `count` calls are in the call log."""
    for _ in range(120):
        await simulator.advance(5)
        calls = await logged_calls(app)
        if len(calls) >= count:
            return calls
        await asyncio.sleep(0.01)
    raise AssertionError("the calls did not reach the call log")


async def test_click_to_call_rings_the_operators_phone_then_dials_and_is_logged_outbound(
    connected: TestClient[Any, Any],
    simulator: AmiSimulator,
    users: dict[str, Actor],
    api_token: Any,
) -> None:
    response = await connected.post(
        ORIGINATE, json={"number": "8 (916) 123-45-67"}, headers=await api_token("anna")
    )

    assert response.status == 202, await response.text()
    body = await response.json()
    assert (body["extension"], body["number"]) == ("101", "+79161234567")
    (sent,) = simulator.actions("originate")
    assert (sent.get("Channel"), sent.get("Exten"), sent.get("Context"), sent.get("Async")) == (
        "PJSIP/101",
        "79161234567",
        "kompas-outbound",
        "true",
    )
    assert sent.get("ActionID") == body["action_id"]
    (logged,) = await play_out(simulator, connected.app, 1)
    assert (logged.direction, logged.caller, logged.callee, logged.disposition) == (
        "outbound",
        "101",
        "+79161234567",
        "answered",
    )
    assert logged.operator_id == users["anna"].id


async def test_the_originate_is_not_sent_again_after_a_reconnect(
    connected: TestClient[Any, Any], simulator: AmiSimulator, api_token: Any
) -> None:
    """A second Originate would ring a second call: the outbox never repeats one."""
    response = await connected.post(
        ORIGINATE, json={"number": "+79161234567"}, headers=await api_token("boris")
    )
    assert response.status == 202
    link = connected.app[keys.AMI]
    reconnects = link.status.reconnects

    simulator.drop_clients()
    await until(lambda: link.status.reconnects > reconnects and link.status.connected)

    assert [a.get("Channel") for a in simulator.actions("originate")] == ["PJSIP/102"]


async def test_an_answered_click_to_call_closes_the_callers_callback(
    connected: TestClient[Any, Any],
    simulator: AmiSimulator,
    users: dict[str, Actor],
    api_token: Any,
    clock: FakeClock,
) -> None:
    """The missed call is stored as the call log stores it; the callback goes through the
    simulated exchange, and closes the callback task in the running app."""
    app = connected.app
    missed_at = datetime.fromtimestamp(simulator.now, UTC) - timedelta(minutes=20)
    missed = CallRecord(
        linkedid="missed-1",
        direction="inbound",
        caller="79161234567",
        callee="74951234567",
        queue=None,
        answered_by=None,
        started_at=missed_at,
        answered_at=None,
        ended_at=missed_at + timedelta(seconds=20),
        ring_seconds=20,
        wait_seconds=None,
        talk_seconds=0,
        hold_seconds=0,
        disposition="no_answer",
        voicemail=False,
        hangup_by="79161234567",
        transfers=(),
        legs=(),
        trunk="PJSIP/trunk-00000001",
        incomplete=False,
    )
    async with app[keys.UOW]() as uow:
        await telephony_service.record_call(uow, missed, clock.now())

    response = await connected.post(
        ORIGINATE, json={"number": "+79161234567"}, headers=await api_token("anna")
    )
    assert response.status == 202
    await play_out(simulator, app, 2)

    async def callbacks() -> list[Any]:
        async with app[keys.UOW](write=False) as uow:
            return await callback_repo.list_callbacks(uow.session, "+79161234567")

    for _ in range(200):
        (callback,) = await callbacks()
        if callback.closed_at is not None:
            break
        await asyncio.sleep(0.01)
    assert callback.closed_call_id is not None
    assert callback.delay_seconds is not None
    assert callback.delay_seconds >= 20 * 60


@pytest.mark.parametrize(
    ("who", "body", "status", "error_id"),
    [
        ("anna", {"extension": "102", "number": "+79161234567"}, 403, "not-your-extension"),
        ("anna", {"number": "12"}, 422, "validation-failed"),
        ("anna", {"number": "+7 916 abc"}, 422, "validation-failed"),
        ("anna", {"extension": "10 1", "number": "+79161234567"}, 422, "validation-failed"),
        ("maria", {"number": "+79161234567"}, 422, "validation-failed"),
        ("dima", {"number": "+79161234567"}, 403, "forbidden"),
    ],
)
async def test_a_refused_click_to_call_sends_nothing(
    connected: TestClient[Any, Any],
    simulator: AmiSimulator,
    api_token: Any,
    who: str,
    body: dict[str, str],
    status: int,
    error_id: str,
) -> None:
    """Operators ring only their own extension; maria has none of her own to default to."""
    response = await connected.post(ORIGINATE, json=body, headers=await api_token(who))

    assert response.status == status, await response.text()
    assert (await response.json())["error_id"] == error_id
    assert simulator.actions("originate") == []


@pytest.mark.parametrize("who", ["maria", "admin"])
async def test_managers_and_admins_ring_any_extension(
    connected: TestClient[Any, Any], simulator: AmiSimulator, api_token: Any, who: str
) -> None:
    response = await connected.post(
        ORIGINATE,
        json={"extension": "103", "number": "+79161234567"},
        headers=await api_token(who),
    )

    assert response.status == 202, await response.text()
    assert [a.get("Channel") for a in simulator.actions("originate")] == ["PJSIP/103"]


async def test_the_dial_button_beside_a_phone_rings_the_users_own_phone(
    connected: TestClient[Any, Any], simulator: AmiSimulator, api_token: Any
) -> None:
    created = await connected.post(
        "/api/v1/clients",
        json={"kind": "legal", "name": "ООО «Ромашка»", "phones": [{"number": "+74951110000"}]},
        headers=await api_token("admin"),
    )
    client_id = (await created.json())["id"]
    await login(connected, "boris")

    card = await (await connected.get(f"/clients/{client_id}")).text()
    assert 'action="/calls/dial"' in card
    assert 'name="number" value="+74951110000"' in card
    response = await post_form(
        connected, "/calls/dial", {"number": "+74951110000", "back": f"/clients/{client_id}"}
    )

    assert response.status == 302
    assert response.headers["Location"] == f"/clients/{client_id}"
    (sent,) = simulator.actions("originate")
    assert (sent.get("Channel"), sent.get("Exten")) == ("PJSIP/102", "74951110000")
    shown = await (await connected.get(f"/clients/{client_id}")).text()
    assert "Звонит ваш телефон" in shown
