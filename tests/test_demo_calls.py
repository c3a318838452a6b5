"""`kompas demo` takes calls: from the built-in AMI simulator, from a configured exchange, or none.

The pure tests play the demo's simulated exchange without a network and read the calls the
way KOMPAS does (the call tracker). The history test seeds a demo database on a SQLite
file. The end-to-end tests run `run_demo` in-process on free ports, as tests/test_demo.py
does, and read the call log through the JSON API; their simulator runs 20 times faster
than real time, with short calls, so that finished calls arrive within a second or two.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from kompas_cc.__main__ import build_parser
from kompas_cc.core.phone import normalize_phone
from kompas_cc.demo import prepare_demo_database, run_demo
from kompas_cc.demo_calls import (
    DEMO_CALLBACK_TARGETS,
    History,
    choose_pbx,
    with_demo_callbacks,
)
from kompas_cc.demo_data import DEFAULT_SEED, DEMO_PASSWORD, generate_clients
from kompas_cc.demo_pbx import (
    DemoCallControl,
    DemoCallers,
    DemoTraffic,
    demo_traffic_config,
    generate_demo_traffic,
)
from kompas_cc.server import start
from kompas_cc.settings import Settings, load_settings
from kompas_cc.settings_calls import CallbackTarget
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.calls import CallTracker
from kompas_cc.telephony.replay import replay
from kompas_cc.telephony.simulator import AmiSimulator
from kompas_cc.telephony.simulator_config import Timings
from kompas_cc.telephony.simulator_wire import Frame

START = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
CLIENTS = 20
#: Two demo clients' numbers, as the clients module stores them.
POOL = ("+74957832347", "+79268765453")
TRUNK_PATTERN = "PJSIP/trunk-*"
WAIT_S = 15.0
#: Short calls at 20 times real speed: about three calls a second, over in a second or two.
FAST = DemoTraffic(
    calls_per_minute=10.0,
    speed=20.0,
    known_share=0.5,
    seed=7,
    timings=Timings(ring_median_s=2.0, talk_median_s=8.0, patience_mean_s=30.0),
)


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "config_path": tmp_path / "absent.toml",
        "environ": {},
        "var_dir": tmp_path / "var",
        "http_port": _free_port(),
    }
    return load_settings(**(values | overrides))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- which exchange --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calls", "ami_host", "expected"),
    [
        (True, "", "simulator"),
        (True, "pbx.example.org", "configured"),
        (False, "", "none"),
        (False, "pbx.example.org", "none"),
    ],
)
def test_the_exchange_is_the_simulator_unless_configured_or_switched_off(
    tmp_path: Path, calls: bool, ami_host: str, expected: str
) -> None:
    secret = {"ami_secret": "s3cret"} if ami_host else {}
    settings = _settings(tmp_path, ami_host=ami_host, **secret)
    assert choose_pbx(settings, calls=calls) == expected


def test_the_no_calls_flag_is_parsed() -> None:
    assert build_parser().parse_args(["demo", "--no-calls"]).no_calls is True
    assert build_parser().parse_args(["demo"]).no_calls is False


def test_configured_callback_targets_are_kept(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert with_demo_callbacks(settings).callback_targets == DEMO_CALLBACK_TARGETS
    own = (CallbackTarget("support", ("admin",)),)
    configured = _settings(tmp_path, environ={"KOMPAS_CALLBACK_TARGETS": "support=admin"})
    assert configured.callback_targets == own
    assert with_demo_callbacks(configured).callback_targets == own


# -- the simulated exchange, without a network -----------------------------------------


def _calls(known_share: float, seed: int = 3) -> list[CallRecord]:
    config = demo_traffic_config(DemoTraffic(calls_per_minute=4.0))
    callers = DemoCallers(POOL, known_share, seed)
    frames = generate_demo_traffic(config, callers, START, timedelta(hours=1), seed)
    return replay(frames, CallTracker(trunk_patterns=[TRUNK_PATTERN]))


def test_the_demo_operators_answer_on_their_extensions() -> None:
    records = _calls(known_share=1.0)
    answered = {r.answered_by for r in records if r.direction == "inbound" and r.answered_by}
    assert answered == {"101", "102"}
    dialled_from = {r.caller for r in records if r.direction == "outbound"}
    assert dialled_from <= {"101", "102"}
    assert len(records) > 100


def test_known_callers_and_called_numbers_are_the_clients_numbers() -> None:
    records = _calls(known_share=1.0)
    inbound = [r for r in records if r.direction == "inbound"]
    outbound = [r for r in records if r.direction == "outbound"]
    assert inbound
    assert outbound
    assert {r.caller for r in inbound} == set(POOL)
    assert {r.callee for r in outbound} <= set(POOL)


def test_unknown_callers_show_their_own_number_in_e164() -> None:
    records = _calls(known_share=0.0)
    callers = {r.caller for r in records if r.direction == "inbound"}
    assert len(callers) > 20
    assert not callers & set(POOL)
    for caller in callers:
        assert caller is not None
        assert normalize_phone(caller) == caller


def test_known_share_mixes_clients_and_strangers() -> None:
    callers = [r.caller for r in _calls(known_share=0.5) if r.direction == "inbound"]
    known = sum(caller in POOL for caller in callers)
    assert 0.3 < known / len(callers) < 0.7


def test_without_client_numbers_every_caller_is_a_stranger() -> None:
    callers = DemoCallers((), known_share=1.0, seed=1)
    callers.draw("79161234567")
    assert callers.shown("79161234567") == "+79161234567"


def test_a_number_dialled_by_kompas_is_dialled_as_it_is() -> None:
    """Click-to-call dials a client's number (digits without "+") and calls an unknown caller
    back on the digits of the number it showed: the exchange dials exactly those, so the
    call log finds the client, or closes the stranger's callback."""
    config = demo_traffic_config(DemoTraffic())
    callers = DemoCallers(POOL, known_share=0.0, seed=1)
    control = DemoCallControl(config, seed=5, now=START.timestamp(), callers=callers)
    control.start_call("inbound_extension")
    control.scheduler.run_all()
    stranger = next(
        e["CallerIDNum"] for e in control.pbx.take_events() if e["Event"] == "Newchannel"
    )
    assert stranger.startswith("+79")
    for number in (POOL[0].removeprefix("+"), stranger.removeprefix("+")):
        answers: list[dict[str, str]] = []
        headers = {
            "Action": "Originate",
            "ActionID": "click",
            "Channel": "PJSIP/101",
            "Context": "kompas-outbound",
            "Exten": number,
            "Priority": "1",
            "Async": "true",
        }
        control.originate(Frame(headers=tuple(headers.items())), answers.append)
        control.scheduler.run_all()
        dialled = [e["DialString"] for e in control.pbx.take_events() if e["Event"] == "DialBegin"]
        assert normalize_phone(dialled[-1].split("@")[0]) == f"+{number}"


# -- the past hours of a new demo database ---------------------------------------------


def _demo_numbers() -> set[str]:
    clients = generate_clients(CLIENTS, DEFAULT_SEED)
    phones = [p for c in clients for p in c.phones]
    phones += [p for c in clients for person in c.contacts for p in person.phones]
    return {normalize_phone(p.number) for p in phones}


async def test_a_new_demo_database_has_calls_leads_and_callbacks(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    settings = with_demo_callbacks(_settings(tmp_path, database_url=url))
    history = History(span=timedelta(hours=4), calls_per_minute=0.25, seed=2)
    database = await prepare_demo_database(
        url, settings, clients=CLIENTS, now=START, history=history
    )
    assert database.summary is not None
    assert database.summary.calls > 20
    assert set(database.callers) <= _demo_numbers()
    assert len(database.callers) > CLIENTS

    again = await prepare_demo_database(url, settings, clients=CLIENTS, now=START, history=history)
    assert again.summary is None
    assert again.callers == database.callers

    async with _demo_app(settings) as http:
        calls = await _calls_since(http, START - timedelta(days=1))
        assert len(calls) == database.summary.calls  # the second start replayed nothing
        assert all(datetime.fromisoformat(call["ended_at"]) < START for call in calls)
        inbound = [c for c in calls if c["direction"] == "inbound"]
        known = [c for c in inbound if c["caller"] in database.callers]
        assert known
        assert all(c["client_id"] is not None for c in known)
        strangers = [c for c in inbound if c["caller"] not in _demo_numbers()]
        assert strangers
        for call in strangers[:3]:
            lead = await _get(http, f"/api/v1/clients/{call['client_id']}")
            assert lead["name"].startswith("Новый клиент")
            assert [p["number"] for p in lead["phones"]] == [call["caller"]]
        tasks = await _get(http, "/api/v1/tasks?per_page=200")
        titles = [t["title"] for t in tasks["items"]]
        assert any(title.startswith("Перезвонить") for title in titles)
        assert "Заполнить карточку клиента" in titles


# -- the command, end to end -----------------------------------------------------------


@dataclass
class Http:
    session: aiohttp.ClientSession
    base: str
    csrf: str


@contextlib.asynccontextmanager
async def _demo_app(settings: Settings) -> AsyncIterator[Http]:
    """The demo database served by an ordinary server, without calls, signed in as admin."""
    runner = await start(settings)
    try:
        async with _signed_in(f"http://127.0.0.1:{settings.http_port}") as http:
            yield http
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def _signed_in(base: str) -> AsyncIterator[Http]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(base + "/login") as response:
            page = await response.text()
        match = re.search(r'name="_csrf" value="([^"]+)"', page)
        assert match, "no CSRF field on the login page"
        form = {"login": "admin", "password": DEMO_PASSWORD, "_csrf": match.group(1)}
        async with session.post(base + "/login", data=form) as response:
            assert response.status == 200, await response.text()
            page = await response.text()
        match = re.search(r'name="_csrf" value="([^"]+)"', page)
        assert match, "no CSRF field on the first page"
        yield Http(session, base, match.group(1))


async def _get(http: Http, path: str) -> Any:
    async with http.session.get(http.base + path) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def _calls_since(http: Http, since: datetime) -> list[dict[str, Any]]:
    stamp = since.isoformat().replace("+00:00", "Z")
    page = await _get(http, f"/api/v1/calls?per_page=500&since={stamp}")
    items: list[dict[str, Any]] = page["items"]
    return items


async def _until(check: Callable[[], Awaitable[bool]], task: asyncio.Task[None], what: str) -> None:
    started = time.perf_counter()
    while time.perf_counter() - started < WAIT_S:
        if task.done():
            task.result()
            pytest.fail("run_demo returned without serving")
        with contextlib.suppress(aiohttp.ClientError):
            if await check():
                return
        await asyncio.sleep(0.1)
    pytest.fail(f"{what}: not within {WAIT_S} s")


async def _serving(base: str, task: asyncio.Task[None]) -> None:
    async def ready() -> bool:
        async with aiohttp.ClientSession() as http, http.get(base + "/login") as response:
            return response.status == 200

    await _until(ready, task, "the first page")


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _simulator_port(out: str) -> int:
    match = re.search(r"built-in AMI simulator \(127\.0\.0\.1:(\d+),", out)
    assert match, out
    return int(match.group(1))


async def _refused(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def test_simulated_calls_reach_the_call_log_and_strangers_become_leads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(tmp_path)
    base = f"http://127.0.0.1:{settings.http_port}"
    demo_numbers = _demo_numbers()
    task = asyncio.create_task(run_demo(settings, fresh=True, clients=CLIENTS, traffic=FAST))
    try:
        await _serving(base, task)
        since = datetime.now(UTC) - timedelta(seconds=1)
        out = capsys.readouterr().out
        assert "Calls arrive from the built-in AMI simulator" in out
        async with _signed_in(base) as http:
            calls: list[dict[str, Any]] = []

            async def a_known_call() -> bool:
                calls[:] = await _calls_since(http, since)
                return any(c["caller"] in demo_numbers and c["client_id"] for c in calls)

            await _until(a_known_call, task, "a call from a demo client")
            assert {c["answered_by"] for c in calls} - {None} <= {"101", "102"}

            async def a_stranger_call() -> bool:
                calls[:] = await _calls_since(http, since)
                return any(
                    c["direction"] == "inbound"
                    and c["caller"] not in demo_numbers
                    and c["client_id"] is not None
                    for c in calls
                )

            await _until(a_stranger_call, task, "a lead from an unknown caller")
            stranger = next(
                c
                for c in calls
                if c["direction"] == "inbound"
                and c["caller"] not in demo_numbers
                and c["client_id"] is not None
            )
            lead = await _get(http, f"/api/v1/clients/{stranger['client_id']}")
        assert lead["name"].startswith("Новый клиент")
        assert [p["number"] for p in lead["phones"]] == [stranger["caller"]]
    finally:
        await _stop(task)
    assert await _refused(_simulator_port(out)), "the simulator still listens after the stop"


async def test_no_calls_starts_no_simulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(tmp_path)
    base = f"http://127.0.0.1:{settings.http_port}"
    caplog.set_level(logging.INFO, logger="kompas_cc.telephony")
    task = asyncio.create_task(run_demo(settings, fresh=True, clients=CLIENTS, calls=False))
    try:
        await _serving(base, task)
        async with (
            _signed_in(base) as http,
            http.session.post(
                base + "/api/v1/calls/originate",
                json={"extension": "101", "number": "+74957832347"},
                headers={"X-CSRF-Token": http.csrf},
            ) as response,
        ):
            status, body = response.status, await response.json()
    finally:
        await _stop(task)
    out = capsys.readouterr().out
    assert "No calls" in out
    assert "simulator (" not in out
    assert not [r for r in caplog.records if "AMI simulator listening" in r.getMessage()]
    assert not [r for r in caplog.records if r.name == "kompas_cc.telephony.ami"]
    assert (status, body["error_id"]) == (503, "ami-unavailable"), body


async def test_a_configured_exchange_is_used_instead_of_the_simulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with AmiSimulator(username="kompas", secret="pbx-secret") as pbx:
        settings = _settings(
            tmp_path, ami_host="127.0.0.1", ami_port=pbx.port, ami_secret="pbx-secret"
        )
        base = f"http://127.0.0.1:{settings.http_port}"
        task = asyncio.create_task(run_demo(settings, fresh=True, clients=CLIENTS))
        try:
            await _serving(base, task)

            async def logged_in() -> bool:
                return pbx.logged_in == 1

            await _until(logged_in, task, "the login at the configured exchange")
        finally:
            await _stop(task)
    out = capsys.readouterr().out
    assert f"configured Asterisk AMI at 127.0.0.1:{pbx.port}" in out
    assert "built-in AMI simulator" not in out
