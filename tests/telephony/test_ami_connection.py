"""The AMI connection against the simulated Asterisk: real TCP, panoramisk underneath.

The simulator runs with autorun=False: simulated time moves only on `advance()`. Intervals
of the connection (backoff, pings, timeouts) are a few milliseconds, so nothing waits long;
`until()` polls for what the connection does in its own task.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any, TypeVar

import pytest
from fakes.splitting_proxy import SplittingProxy
from panoramisk import Manager
from panoramisk.message import Message

from kompas_cc.core.clock import FakeClock
from kompas_cc.core.events import Event
from kompas_cc.telephony import amiactions
from kompas_cc.telephony.ami import AmiConnection, _translated_headers
from kompas_cc.telephony.amievents import (
    BridgeEnter,
    FullyBooted,
    Hangup,
    Newchannel,
    OriginateResponse,
)
from kompas_cc.telephony.amilink import (
    AmiActionFailed,
    AmiChannelsListed,
    AmiConfig,
    AmiConnectionDropped,
    AmiConnectionLost,
    AmiUnavailable,
)
from kompas_cc.telephony.simulator import AmiSimulator
from kompas_cc.telephony.simulator_config import Timings, TrafficConfig, TrafficMix

#: Everybody answers, nobody is busy or transferred, talks are long.
CERTAIN = TrafficConfig(
    mix=TrafficMix(no_answer=0, busy=0, failed=0, blind_transfer=0, attended_transfer=0),
    timings=Timings(talk_median_s=600, patience_mean_s=1e7),
)
QUICK = AmiConfig(
    host="127.0.0.1",
    port=0,
    username="kompas",
    secret="kompas",
    connect_timeout_s=1.0,
    login_timeout_s=1.0,
    action_timeout_s=1.0,
    ping_interval_s=3600.0,
    backoff_initial_s=0.01,
    backoff_max_s=0.04,
)
OUTSIDE_NUMBER = "79161234567"

E = TypeVar("E", bound=Event)


class Heard:
    """The sink: every event the connection handed on, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]


async def until(condition: Callable[[], object], timeout_s: float = 3.0) -> None:
    """Poll until `condition()` holds; the connection works in a task of its own."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the condition did not come true in time")
        await asyncio.sleep(0.002)


@pytest.fixture
async def simulator(clock: FakeClock) -> AsyncIterator[AmiSimulator]:
    async with AmiSimulator(config=CERTAIN, clock=clock, autorun=False, seed=3) as sim:
        yield sim


@pytest.fixture
def heard() -> Heard:
    return Heard()


def connection_to(port: int, clock: FakeClock, heard: Heard, **changes: Any) -> AmiConnection:
    connection = AmiConnection(replace(QUICK, port=port, **changes), clock=clock, sink=heard)
    connection.start()
    return connection


@pytest.fixture
async def link(
    simulator: AmiSimulator, clock: FakeClock, heard: Heard
) -> AsyncIterator[AmiConnection]:
    connection = connection_to(simulator.port, clock, heard)
    await until(lambda: heard.of(AmiChannelsListed))
    yield connection
    await connection.close()


async def bridged_call(simulator: AmiSimulator, heard: Heard) -> None:
    simulator.start_call("inbound_extension")
    await simulator.advance(25)
    await until(lambda: len(heard.of(BridgeEnter)) == 2)


# -- logging in and listening -------------------------------------------------------------


async def test_login_is_awaited_and_events_arrive_typed_with_asterisk_times(
    simulator: AmiSimulator, clock: FakeClock, heard: Heard, link: AmiConnection
) -> None:
    await bridged_call(simulator, heard)

    assert [action.name for action in simulator.requests[:3]] == [
        "Challenge",
        "Login",
        "CoreShowChannels",
    ]
    (login,) = simulator.actions("login")
    assert login.get("Key"), "an MD5 challenge answer"
    assert not login.get("Secret"), "the secret never crosses the wire"
    assert isinstance(heard.events[0], FullyBooted)
    assert heard.events[1] == AmiChannelsListed(at=clock.now(), channels=())
    customer = heard.of(Newchannel)[0]
    assert customer.channel.name is not None
    assert customer.channel.name.startswith("PJSIP/trunk-")
    assert customer.at >= clock.now()
    assert link.status.connected
    assert link.status.since == clock.now()
    assert link.status.events_received >= len(heard.events)
    assert link.status.reconnects == 0


async def test_an_event_without_timestamp_is_dated_by_the_clock(
    simulator: AmiSimulator, clock: FakeClock, heard: Heard, link: AmiConnection
) -> None:
    simulator.send_event({"Event": "Hangup", "Channel": "PJSIP/101-00000001", "Cause": "16"})
    await until(lambda: heard.of(Hangup))

    assert heard.of(Hangup)[0].at == clock.now()


async def test_a_cyrillic_name_split_between_two_reads_arrives_whole(
    simulator: AmiSimulator, clock: FakeClock, heard: Heard
) -> None:
    """panoramisk 1.4 decodes each read alone and loses the split letter; this one must not."""
    newchannel = {
        "Event": "Newchannel",
        "Channel": "PJSIP/trunk-00000001",
        "Uniqueid": "1736931600.1",
        "CallerIDNum": "79161234567",
        "CallerIDName": "Иван Петров",
    }
    async with SplittingProxy(simulator.port) as proxy:
        link = connection_to(proxy.port, clock, heard)
        await until(lambda: heard.of(AmiChannelsListed))
        stock: list[str] = []
        control = Manager(
            host="127.0.0.1",
            port=proxy.port,
            username="kompas",
            secret="kompas",
            loop=asyncio.get_running_loop(),
            ping_delay=3600,
        )
        control.register_event(
            "Newchannel", lambda _m, message: stock.append(message["CallerIDName"])
        )
        await control.connect()
        await until(lambda: control.authenticated)
        simulator.send_event(newchannel)
        await until(lambda: heard.of(Newchannel) and stock)
        control.close()
        await link.close()

    assert proxy.splits >= 2
    assert stock == ["ван Петров"], "the stock protocol should show the proxy splits reads"
    assert heard.of(Newchannel)[0].channel.caller_name == "Иван Петров"


# -- refused logins -----------------------------------------------------------------------


async def test_a_wrong_secret_stops_the_retries_with_a_clear_state(
    simulator: AmiSimulator,
    clock: FakeClock,
    heard: Heard,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # import-linter's command line (tests/test_architecture.py) calls logging.dictConfig,
    # which disables every logger existing at that moment; this test reads ours.
    monkeypatch.setattr(logging.getLogger("kompas_cc.telephony.ami"), "disabled", False)
    link = connection_to(simulator.port, clock, heard, secret="guess")

    await until(lambda: link.status.state == "auth_failed")
    await asyncio.sleep(QUICK.backoff_max_s * 5)

    assert len(simulator.actions("login")) == 1
    assert link.status.last_error == "login refused: Authentication failed"
    assert any(
        record.levelno == logging.ERROR and "refused the login of 'kompas'" in record.getMessage()
        for record in caplog.records
    )
    with pytest.raises(AmiUnavailable) as unavailable:
        await link.send_action({"Action": "Ping"})
    assert unavailable.value.error_id == "ami-unavailable"
    assert heard.events == []
    await link.close()
    assert link.status.state == "closed"


# -- losing the connection ----------------------------------------------------------------


async def test_a_drop_in_the_middle_of_a_call_reconnects_and_lists_the_call(
    simulator: AmiSimulator, clock: FakeClock, heard: Heard
) -> None:
    link = connection_to(simulator.port, clock, heard, backoff_initial_s=0.05, backoff_max_s=0.2)
    await until(lambda: heard.of(AmiChannelsListed))
    await bridged_call(simulator, heard)
    loop = asyncio.get_running_loop()

    dropped_at = loop.time()
    simulator.drop_clients()
    await until(lambda: len(heard.of(AmiChannelsListed)) == 2)
    relogged_after = loop.time() - dropped_at

    kinds = [type(event) for event in heard.events]
    lost = kinds.index(AmiConnectionLost)
    assert kinds[lost + 1 :] == [FullyBooted, AmiChannelsListed]
    listing = heard.of(AmiChannelsListed)[1]
    assert sorted(item.channel.name or "" for item in listing.channels) == sorted(
        channel["Channel"] for channel in simulator.channels()
    )
    assert len(listing.channels) == 2
    assert {item.bridge_id for item in listing.channels} != {None}
    assert relogged_after >= 0.05, "the first retry waits the initial backoff"
    assert link.status.connected
    assert link.status.reconnects == 1
    assert link.status.last_error == "connection lost"
    assert [action.session for action in simulator.actions("login")] == [1, 2]
    await link.close()


async def test_retries_wait_longer_and_longer_while_nobody_answers(
    clock: FakeClock, heard: Heard
) -> None:
    accepted: list[float] = []

    async def hang_up_at_once(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(asyncio.get_running_loop().time())
        writer.close()

    server = await asyncio.start_server(hang_up_at_once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    link = connection_to(port, clock, heard, backoff_initial_s=0.02, backoff_max_s=0.08)
    await until(lambda: len(accepted) >= 5)
    await link.close()
    server.close()
    await server.wait_closed()

    gaps = [later - earlier for earlier, later in itertools.pairwise(accepted)]
    # Timers may fire a hair early (the loop's clock resolution), never much later than due.
    wanted = [0.02, 0.04, 0.08, 0.08]
    assert all(gap >= 0.9 * wait for gap, wait in zip(gaps, wanted, strict=False)), gaps
    assert link.status.last_error == "connection lost"
    assert heard.events == [], "no login, hence no disconnect to report"


async def test_an_originate_pending_at_a_drop_is_not_sent_again(
    simulator: AmiSimulator, heard: Heard, link: AmiConnection
) -> None:
    """panoramisk re-sends unanswered actions after a reconnect: a second call would ring."""
    # A synchronous Originate is answered only when the phone answers: it stays pending.
    pending = asyncio.create_task(
        link.send_action(
            {
                "Action": "Originate",
                "Channel": "PJSIP/101",
                "Context": "from-internal",
                "Exten": OUTSIDE_NUMBER,
                "Priority": "1",
            }
        )
    )
    await until(lambda: simulator.actions("originate"))

    simulator.drop_clients()

    with pytest.raises(AmiConnectionDropped) as dropped:
        await pending
    await until(lambda: len(heard.of(AmiChannelsListed)) == 2)
    await simulator.advance(60)
    await link.send_action({"Action": "Ping"})
    assert len(simulator.actions("originate")) == 1
    assert dropped.value.error_id == "ami-connection-lost"


async def test_an_action_asked_while_disconnected_goes_out_once_after_the_reconnect(
    simulator: AmiSimulator, heard: Heard, link: AmiConnection
) -> None:
    await bridged_call(simulator, heard)
    customer = heard.of(Newchannel)[0].channel.name
    assert customer is not None

    simulator.drop_clients()
    await until(lambda: not link.status.connected)
    reply = await link.send_action(amiactions.hangup(channel=customer))

    (hangup,) = simulator.actions("hangup")
    assert hangup.session == 2
    assert reply.message == "Channel Hungup"
    assert reply.action_id == hangup.get("ActionID")


async def test_a_silent_peer_is_found_by_ping_and_left(
    simulator: AmiSimulator, clock: FakeClock, heard: Heard
) -> None:
    async with SplittingProxy(simulator.port, split_letters=False) as proxy:
        link = connection_to(proxy.port, clock, heard, ping_interval_s=0.02, action_timeout_s=0.1)
        await until(lambda: heard.of(AmiChannelsListed))

        proxy.go_silent()
        await until(lambda: len(heard.of(AmiChannelsListed)) == 2)
        await link.close()

    assert proxy.connections == 2
    assert len(heard.of(AmiConnectionLost)) == 1
    assert link.status.reconnects == 1
    assert link.status.last_error == f"127.0.0.1:{proxy.port} stopped answering"


async def test_a_peer_busy_sending_events_is_not_taken_for_silent(
    simulator: AmiSimulator, clock: FakeClock, heard: Heard
) -> None:
    """A burst read slower than it came holds the ping's answer back; events still arrive,
    so the PBX is alive and the link stays. Only real silence ends it."""
    event = b"Event: VarSet\r\nChannel: PJSIP/101-00000001\r\nVariable: X\r\nValue: 1\r\n\r\n"
    async with SplittingProxy(simulator.port, split_letters=False) as proxy:
        link = connection_to(proxy.port, clock, heard, ping_interval_s=0.02, action_timeout_s=0.1)
        await until(lambda: heard.of(AmiChannelsListed))
        proxy.go_silent()  # pings get no answer from now on...
        loop = asyncio.get_running_loop()
        end = loop.time() + 0.6
        while loop.time() < end:  # ...but events keep coming, for six ping timeouts
            proxy.inject(event)
            await asyncio.sleep(0.01)
        assert link.status.reconnects == 0
        assert proxy.connections == 1
        await until(lambda: len(heard.of(AmiChannelsListed)) == 2)  # then silence: left
        await link.close()

    assert link.status.reconnects == 1


# -- actions ------------------------------------------------------------------------------


async def test_originate_is_asynchronous_and_its_outcome_arrives_as_an_event(
    simulator: AmiSimulator, heard: Heard, link: AmiConnection
) -> None:
    reply = await link.send_action(
        amiactions.originate(
            channel="PJSIP/101",
            exten=OUTSIDE_NUMBER,
            context="kompas-outbound",
            caller_id='"Анна Смирнова" <101>',
        )
    )
    await simulator.advance(60)
    await until(lambda: heard.of(OriginateResponse))

    (sent,) = simulator.actions("originate")
    assert sent.get("Async") == "true"
    assert sent.get("Context") == "kompas-outbound"
    assert sent.get("CallerID") == '"Анна Смирнова" <101>'
    assert sent.get("ActionID") == reply.action_id
    assert reply.action_id.startswith("kompas-")
    assert reply.message == "Originate successfully queued"
    (outcome,) = heard.of(OriginateResponse)
    assert outcome.action_id == reply.action_id
    assert outcome.reason == 4
    assert outcome.channel is not None
    assert outcome.channel.caller_name == "Анна Смирнова"


async def test_every_action_gets_an_action_id_of_its_own(
    simulator: AmiSimulator, link: AmiConnection
) -> None:
    first = await link.send_action({"Action": "Ping", "ActionID": "mine"})
    second = await link.send_action({"Action": "Ping"})

    assert first.action_id != second.action_id
    assert "mine" not in {action.get("ActionID") for action in simulator.actions("ping")}


async def test_a_refused_action_raises_with_asterisks_reason(link: AmiConnection) -> None:
    with pytest.raises(AmiActionFailed) as refused:
        await link.send_action(amiactions.hangup(channel="PJSIP/404-00000001"))

    assert refused.value.error_id == "ami-action-failed"
    assert refused.value.reason == "No such channel"
    assert refused.value.fields == {"asterisk": "No such channel"}


async def test_a_header_that_would_smuggle_a_second_action_is_refused(
    simulator: AmiSimulator, link: AmiConnection
) -> None:
    with pytest.raises(ValueError, match="single line"):
        await link.send_action(
            amiactions.originate(
                channel="PJSIP/101", exten="1\r\n\r\nAction: Hangup", context="kompas-outbound"
            )
        )

    assert simulator.actions("originate") == []


# -- garbage ------------------------------------------------------------------------------


async def test_malformed_frames_and_garbage_are_skipped_and_the_link_keeps_going(
    simulator: AmiSimulator, heard: Heard, clock: FakeClock
) -> None:
    async with SplittingProxy(simulator.port, split_letters=False) as proxy:
        link = connection_to(proxy.port, clock, heard)
        await until(lambda: heard.of(AmiChannelsListed))
        before = len(heard.events)

        proxy.inject(b"\x00\xff\xfe binary noise\r\n\r\n")
        proxy.inject(b"no colon in this line\r\n\r\n")
        proxy.inject(b"Event: Hangup\r\n\r\n")
        proxy.inject(b"Event: SomethingNew\r\nChannel: PJSIP/101-1\r\n\r\n")
        proxy.inject(b"Event: Hangup\r\nChannel: PJSIP/101-1\r\nCause: sixteen\r\n\r\n")
        reply = await link.send_action({"Action": "Ping"})
        await link.close()

    assert reply.headers["Ping"] == "Pong"
    assert link.status.frames_skipped == 2
    assert link.status.events_received >= 4
    (hangup,) = heard.events[before:]
    assert isinstance(hangup, Hangup)
    assert hangup.cause is None


async def test_a_frame_cut_by_the_drop_is_skipped(
    simulator: AmiSimulator, heard: Heard, link: AmiConnection
) -> None:
    frames = [
        {"Event": "Newchannel", "Channel": "PJSIP/trunk-00000001", "Uniqueid": "1.1"},
        {";;": "DISCONNECT"},
        {"Event": "Hangup", "Channel": "PJSIP/trunk-00000001", "Uniqueid": "1.1"},
    ]

    await simulator.replay(frames, mid_frame=True)
    await until(lambda: len(heard.of(AmiChannelsListed)) == 2)

    assert len(heard.of(Newchannel)) == 1
    assert heard.of(Hangup) == []
    assert link.status.frames_skipped == 1
    assert link.status.connected


# -- closing ------------------------------------------------------------------------------


async def test_close_stops_everything_and_reports_no_disconnect(
    simulator: AmiSimulator, clock: FakeClock, heard: Heard
) -> None:
    before = asyncio.all_tasks()
    link = connection_to(simulator.port, clock, heard)
    await until(lambda: heard.of(AmiChannelsListed))

    await link.close()
    await until(lambda: not asyncio.all_tasks() - before)

    assert simulator.logged_in == 0
    assert link.status.state == "closed"
    assert heard.of(AmiConnectionLost) == []
    with pytest.raises(AmiUnavailable):
        await link.send_action({"Action": "Ping"})
    await link.close()


async def test_close_ends_the_retries_while_nothing_listens(clock: FakeClock, heard: Heard) -> None:
    server = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    before = asyncio.all_tasks()
    link = connection_to(port, clock, heard)
    await until(lambda: link.status.last_error is not None)

    await link.close()

    assert not asyncio.all_tasks() - before
    assert link.status.last_error is not None
    assert link.status.last_error.startswith(f"cannot connect to 127.0.0.1:{port}")


@pytest.mark.parametrize("turns", range(24))
async def test_close_in_the_middle_of_a_retry_stops_at_once(
    clock: FakeClock, heard: Heard, turns: int
) -> None:
    """Retries without pause against a closed port: close() lands in every step of one."""
    server = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    link = connection_to(port, clock, heard, backoff_initial_s=0.0)
    for _ in range(turns):
        await asyncio.sleep(0)

    async with asyncio.timeout(2):
        await link.close()

    assert link.status.state == "closed"


def test_panoramisk_messages_are_read_in_place_by_lower_cased_name() -> None:
    message = Message.from_line("Event: Hangup\r\nChannel: PJSIP/101-00000001\r\nCause-txt: Normal")
    chatter = Message.from_line("Event: VarSet\r\nChannel: PJSIP/101-00000001\r\nValue: 1")

    # The fast path reads panoramisk's own store; if a release changed it, this says so.
    assert type(getattr(message, "_store", None)) is dict
    assert _translated_headers(chatter) is None
    assert _translated_headers(message) == {
        "event": "Hangup",
        "channel": "PJSIP/101-00000001",
        "cause-txt": "Normal",
        "content": "",  # panoramisk's own, for the body of a "Response: Follows"
    }
    assert _translated_headers({"Event": "Hangup", "CHANNEL": "x"}) == {
        "event": "Hangup",
        "channel": "x",
    }
    assert _translated_headers({"Event": "VarSet"}) is None
