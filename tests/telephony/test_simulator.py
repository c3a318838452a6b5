"""The AMI simulator: Asterisk's side of the wire, and the call traffic it plays.

The server is driven with autorun=False: simulated time moves only on `advance()`, so each
test is exact and never waits for real time. A client reads everything up to the answer of a
Ping it sends ("sync"): the server writes in order, so that is everything sent so far.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from panoramisk import Manager

from kompas_cc.core.clock import FakeClock
from kompas_cc.telephony.calls import CallTracker
from kompas_cc.telephony.replay import replay
from kompas_cc.telephony.simulator import AmiSimulator
from kompas_cc.telephony.simulator_config import Operator, Timings, TrafficConfig, TrafficMix
from kompas_cc.telephony.simulator_control import CallControl
from kompas_cc.telephony.simulator_traffic import generate_traffic

START = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
TIMESTAMP = re.compile(r"^\d{10}\.\d{6}$")

#: Everybody answers, nobody is busy or transferred, callers wait for ever, talks are long.
CERTAIN = TrafficConfig(
    mix=TrafficMix(
        no_answer=0, busy=0, failed=0, blind_transfer=0, attended_transfer=0, known_client=1
    ),
    timings=Timings(talk_median_s=600, patience_mean_s=1e7),
)

Frame = dict[str, str]


class AmiClient:
    """A bare asyncio AMI client that parses frames itself, independent of the server code."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.banner = b""
        self._ids = itertools.count(1)

    @classmethod
    async def connect(cls, port: int) -> AmiClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        client = cls(reader, writer)
        client.banner = await asyncio.wait_for(reader.readline(), 2)
        return client

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send(self, action: str, **headers: str) -> str:
        action_id = headers.pop("ActionID", f"t{next(self._ids)}")
        lines = [f"Action: {action}", f"ActionID: {action_id}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        await self.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        return action_id

    async def frame(self) -> Frame:
        raw = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 2)
        headers: Frame = {}
        for line in raw.decode("utf-8").split("\r\n"):
            if ": " in line:
                name, value = line.split(": ", 1)
                headers.setdefault(name, value)
            elif line.endswith(":"):
                headers.setdefault(line[:-1], "")
        return headers

    async def until_response(self, action_id: str) -> tuple[Frame, list[Frame]]:
        """Read up to the response to `action_id`; returns it and every frame before it."""
        before: list[Frame] = []
        while True:
            frame = await self.frame()
            if "Response" in frame and frame.get("ActionID") == action_id:
                return frame, before
            before.append(frame)

    async def call(self, action: str, **headers: str) -> Frame:
        action_id = await self.send(action, **headers)
        reply, _ = await self.until_response(action_id)
        return reply

    async def sync(self) -> list[Frame]:
        """Everything the server sent so far (read up to the answer of a fresh Ping)."""
        _, frames = await self.until_response(await self.send("Ping"))
        return frames

    async def login(self, secret: str = "kompas") -> Frame:
        action_id = await self.send("Login", Username="kompas", Secret=secret)
        reply, _ = await self.until_response(action_id)
        return reply

    async def closed(self) -> bool:
        """True when the server has closed the connection (after reading what is left)."""
        try:
            while await asyncio.wait_for(self.reader.read(65536), 2):
                pass
        except ConnectionError:
            return True
        return True

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


@pytest.fixture
async def simulator(clock: FakeClock) -> AsyncIterator[AmiSimulator]:
    async with AmiSimulator(config=CERTAIN, clock=clock, autorun=False, seed=3) as sim:
        yield sim


@pytest.fixture
async def client(simulator: AmiSimulator) -> AsyncIterator[AmiClient]:
    ami = await AmiClient.connect(simulator.port)
    assert (await ami.login())["Response"] == "Success"
    await ami.sync()
    yield ami
    await ami.close()


def of(frames: Sequence[Frame], event: str) -> list[Frame]:
    return [frame for frame in frames if frame.get("Event") == event]


# -- the protocol -----------------------------------------------------------------------


async def test_banner_is_one_line_as_asterisk_20_sends_it(simulator: AmiSimulator) -> None:
    ami = await AmiClient.connect(simulator.port)

    assert ami.banner == b"Asterisk Call Manager/9.0.0\r\n"
    assert simulator.port > 0
    await ami.close()


async def test_login_is_accepted_and_followed_by_fully_booted(simulator: AmiSimulator) -> None:
    ami = await AmiClient.connect(simulator.port)
    action_id = await ami.send("Login", Username="kompas", Secret="kompas", ActionID="L-1")

    reply = await ami.frame()
    booted = await ami.frame()

    assert reply == {"Response": "Success", "ActionID": "L-1", "Message": "Authentication accepted"}
    assert action_id == "L-1"
    assert booted["Event"] == "FullyBooted"
    assert booted["Status"] == "Fully Booted"
    assert simulator.logged_in == 1
    await ami.close()


async def test_ping_answers_pong_with_a_microsecond_timestamp(client: AmiClient) -> None:
    reply = await client.call("Ping", ActionID="ping-42")

    assert reply["Response"] == "Success"
    assert reply["ActionID"] == "ping-42"
    assert reply["Ping"] == "Pong"
    assert TIMESTAMP.match(reply["Timestamp"])


async def test_a_wrong_secret_is_refused_and_the_connection_closed(
    simulator: AmiSimulator,
) -> None:
    ami = await AmiClient.connect(simulator.port)

    reply = await ami.login(secret="guess")

    assert reply["Response"] == "Error"
    assert reply["Message"] == "Authentication failed"
    assert await ami.closed()
    await ami.close()


async def test_actions_before_login_are_denied(simulator: AmiSimulator) -> None:
    ami = await AmiClient.connect(simulator.port)

    reply = await ami.call("Ping")

    assert reply["Response"] == "Error"
    assert reply["Message"] == "Permission denied"
    await ami.close()


async def test_an_unknown_action_is_an_invalid_unknown_command(client: AmiClient) -> None:
    reply = await client.call("FlyToTheMoon")

    assert reply["Response"] == "Error"
    assert reply["Message"].startswith("Invalid/unknown command: FlyToTheMoon.")


async def test_a_message_without_action_is_refused(client: AmiClient) -> None:
    await client.write(b"Channel: PJSIP/101\r\n\r\n")

    reply = await client.frame()

    assert reply == {"Response": "Error", "Message": "Missing action in request"}


async def test_logoff_says_goodbye_and_closes(client: AmiClient) -> None:
    reply = await client.call("Logoff")

    assert reply["Response"] == "Goodbye"
    assert reply["Message"] == "Thanks for all the fish."
    assert await client.closed()


async def test_events_off_at_login_means_no_events(simulator: AmiSimulator) -> None:
    quiet = await AmiClient.connect(simulator.port)
    await quiet.call("Login", Username="kompas", Secret="kompas", Events="off")
    simulator.start_call("inbound_queue")
    await simulator.advance(5)

    assert await quiet.sync() == []
    await quiet.close()


# -- calls through actions --------------------------------------------------------------


async def test_async_originate_rings_the_operator_then_dials_out(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    reply = await client.call(
        "Originate",
        ActionID="click-1",
        Channel="PJSIP/101",
        Context="from-internal",
        Exten="79161234567",
        Priority="1",
        CallerID='"Анна Смирнова" <101>',
        Async="true",
    )
    await simulator.advance(60)
    frames = await client.sync()

    assert reply["Message"] == "Originate successfully queued"
    (answered,) = of(frames, "OriginateResponse")
    assert answered["ActionID"] == "click-1"
    assert answered["Response"] == "Success"
    assert answered["Reason"] == "4"
    assert answered["Channel"].startswith("PJSIP/101-")
    assert answered["CallerIDName"] == "Анна Смирнова"
    (dial,) = of(frames, "DialBegin")
    assert dial["Channel"] == answered["Channel"]
    assert dial["DestChannel"].startswith("PJSIP/trunk-")
    assert dial["DialString"] == "79161234567@trunk"
    assert dial["DestLinkedid"] == answered["Uniqueid"]
    assert all(TIMESTAMP.match(frame["Timestamp"]) for frame in frames)

    await simulator.advance(7200)
    rest = await client.sync()
    assert len(of(rest, "Hangup")) == 2
    assert simulator.channels() == []


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Exten": "101", "Context": "from-internal", "Priority": "1"}, "Channel not specified"),
        ({"Channel": "101", "Exten": "102", "Context": "x", "Priority": "1"}, "Invalid channel"),
        (
            {"Channel": "PJSIP/101", "Exten": "102"},
            "Originate with 'Exten' requires 'Context' and 'Priority'",
        ),
        (
            {"Channel": "PJSIP/101", "Exten": "9", "Context": "from-internal", "Priority": "1"},
            "Extension does not exist.",
        ),
        ({"Channel": "PJSIP/101", "Application": "Playback", "Timeout": "soon"}, "Invalid timeout"),
    ],
)
async def test_originate_refuses_incomplete_requests(
    client: AmiClient, headers: dict[str, str], message: str
) -> None:
    reply = await client.call("Originate", **headers)

    assert reply["Response"] == "Error"
    assert reply["Message"] == message


async def test_synchronous_originate_answers_when_the_phone_is_answered(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    action_id = await client.send(
        "Originate", Channel="PJSIP/102", Application="Playback", Data="hello-world"
    )
    await client.sync()
    await simulator.advance(30)

    reply, before = await client.until_response(action_id)

    assert reply["Message"] == "Originate successfully queued"
    assert not of(before, "OriginateResponse")
    assert of(before, "Newstate")[-1]["ChannelStateDesc"] == "Up"


async def _bridged_inbound_call(simulator: AmiSimulator, client: AmiClient) -> list[Frame]:
    simulator.start_call("inbound_extension")
    await simulator.advance(25)
    frames = await client.sync()
    assert len(of(frames, "BridgeEnter")) == 2
    return frames


async def test_core_show_channels_lists_the_live_channels(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    await _bridged_inbound_call(simulator, client)

    action_id = await client.send("CoreShowChannels", ActionID="list-1")
    start, _ = await client.until_response(action_id)
    listed = [await client.frame() for _ in range(2)]
    complete = await client.frame()

    assert start["EventList"] == "start"
    assert start["Message"] == "Channels will follow"
    assert {frame["Event"] for frame in listed} == {"CoreShowChannel"}
    assert all(frame["ActionID"] == "list-1" for frame in listed)
    assert {frame["BridgeId"] for frame in listed} != {""}
    assert sorted(frame["Channel"] for frame in listed) == sorted(
        channel["Channel"] for channel in simulator.channels()
    )
    assert complete["Event"] == "CoreShowChannelsComplete"
    assert complete["EventList"] == "Complete"
    assert complete["ListItems"] == "2"


async def test_hangup_ends_the_whole_call(simulator: AmiSimulator, client: AmiClient) -> None:
    frames = await _bridged_inbound_call(simulator, client)
    customer = of(frames, "Newchannel")[0]["Channel"]

    reply = await client.call("Hangup", Channel=customer)
    after = await client.sync()

    assert reply["Message"] == "Channel Hungup"
    assert of(after, "SoftHangupRequest")[0]["Channel"] == customer
    assert len(of(after, "BridgeLeave")) == 2
    assert len(of(after, "BridgeDestroy")) == 1
    assert len(of(after, "Hangup")) == 2
    assert simulator.channels() == []
    missing = await client.call("Hangup", Channel=customer)
    assert missing["Message"] == "No such channel"


async def test_redirect_sends_the_customer_to_another_operator(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    frames = await _bridged_inbound_call(simulator, client)
    customer = of(frames, "Newchannel")[0]["Channel"]
    agent = of(frames, "DialBegin")[0]["DestChannel"]
    target = next(
        op.extension for op in CERTAIN.operators if not agent.startswith(f"PJSIP/{op.extension}-")
    )

    reply = await client.call(
        "Redirect", Channel=customer, Context="from-internal", Exten=target, Priority="1"
    )
    await simulator.advance(25)
    after = await client.sync()

    assert reply["Message"] == "Redirect successful"
    assert [frame["Channel"] for frame in of(after, "Hangup")][:1] == [agent]
    assert of(after, "Newexten")[0]["Exten"] == target
    (dial,) = of(after, "DialBegin")
    assert dial["Channel"] == customer
    assert dial["DestChannel"].startswith(f"PJSIP/{target}-")
    assert len(of(after, "BridgeEnter")) == 2


async def test_redirect_of_an_unknown_channel_names_it(client: AmiClient) -> None:
    reply = await client.call(
        "Redirect", Channel="PJSIP/404-00000001", Context="c", Exten="101", Priority="1"
    )

    assert reply["Message"] == "Channel does not exist: PJSIP/404-00000001"


async def test_blind_transfer_by_action_reports_the_transfer(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    frames = await _bridged_inbound_call(simulator, client)
    agent = of(frames, "DialBegin")[0]["DestChannel"]
    target = next(op.extension for op in CERTAIN.operators if f"/{op.extension}-" not in agent)

    reply = await client.call("BlindTransfer", Channel=agent, Exten=target)
    await simulator.advance(25)
    after = await client.sync()

    assert reply["Message"] == "Transfer succeeded"
    (transfer,) = of(after, "BlindTransfer")
    assert transfer["Result"] == "Success"
    assert transfer["TransfererChannel"] == agent
    assert transfer["IsExternal"] == "No"
    assert transfer["Extension"] == target
    assert of(after, "DialBegin")[0]["DestChannel"].startswith(f"PJSIP/{target}-")
    invalid = await client.call("BlindTransfer", Channel=agent, Exten=target)
    assert invalid["Message"] == "Channel specified does not exist"


async def test_atxfer_consults_then_completes_an_attended_transfer(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    frames = await _bridged_inbound_call(simulator, client)
    agent = of(frames, "DialBegin")[0]["DestChannel"]
    target = next(op.extension for op in CERTAIN.operators if f"/{op.extension}-" not in agent)

    reply = await client.call("Atxfer", Channel=agent, Exten=target)
    await simulator.advance(300)
    after = await client.sync()

    assert reply["Message"] == "Atxfer successfully queued"
    (transfer,) = of(after, "AttendedTransfer")
    assert transfer["OrigTransfererChannel"] == agent
    assert transfer["DestType"] == "Bridge"
    assert transfer["TransferTargetChannel"].startswith(f"PJSIP/{target}-")


# -- the record of requests -------------------------------------------------------------


async def test_requests_are_logged_and_reset_forgets_them(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    await client.call("Ping", ActionID="p-1")
    simulator.start_call("inbound_queue")
    await simulator.advance(3)

    assert [action.name for action in simulator.requests][:2] == ["Login", "Ping"]
    assert simulator.actions("ping")[-1].get("ActionID") == "p-1"
    assert simulator.channels()

    simulator.reset()

    assert simulator.requests == []
    assert simulator.channels() == []
    assert (await client.call("Ping"))["Response"] == "Success"


# -- robustness -------------------------------------------------------------------------


async def test_garbage_and_broken_clients_never_stop_the_server(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    rude = await AmiClient.connect(simulator.port)
    await rude.write(b"\x00\xff\xfe garbage without colon\r\n" + b"x" * 5000 + b"\r\n\r\n")
    await rude.write(b"\xd0\r\nAction: Ping\r\nActionID: after-garbage\r\n\r\n")
    replies = [await rude.frame(), await rude.frame()]
    await rude.write(b"Action: Pi")
    await rude.close()
    vanishing = await AmiClient.connect(simulator.port)
    await vanishing.write(b"Action: Login\r\nUsername: kom")
    vanishing.writer.transport.abort()

    assert replies[0]["Message"] == "Missing action in request"
    assert replies[1]["ActionID"] == "after-garbage"
    assert replies[1]["Message"] == "Permission denied"
    assert (await client.call("Ping"))["Ping"] == "Pong"
    fresh = await AmiClient.connect(simulator.port)
    assert (await fresh.login())["Response"] == "Success"
    await fresh.close()


async def test_a_message_of_too_many_lines_is_refused(client: AmiClient) -> None:
    lines = b"".join(b"Variable: v%d=1\r\n" % n for n in range(200))
    await client.write(b"Action: Originate\r\n" + lines + b"\r\n")

    reply = await client.frame()

    assert reply["Message"] == "Too many lines in message or allocation failure"


async def test_cyrillic_names_survive_a_split_in_the_middle_of_a_letter(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    action = (
        "Action: Originate\r\nActionID: cyr\r\nChannel: PJSIP/103\r\nContext: from-internal\r\n"
        'Exten: 101\r\nPriority: 1\r\nAsync: yes\r\nCallerID: "Борис Иванов" <103>\r\n\r\n'
    ).encode()
    cut = action.index("Борис".encode()) + 1
    await client.write(action[:cut])
    await asyncio.sleep(0)
    await client.write(action[cut:])
    await client.until_response("cyr")
    await simulator.advance(1)

    frames = await client.sync()

    assert of(frames, "Newchannel")[0]["CallerIDName"] == "Борис Иванов"


async def test_event_bytes_on_the_wire_are_utf8(simulator: AmiSimulator) -> None:
    ami = await AmiClient.connect(simulator.port)
    await ami.login()
    simulator.send_event({"Event": "NewCallerid", "CallerIDName": "ООО «Ромашка»"})

    raw = await asyncio.wait_for(ami.reader.readuntil("Ромашка»\r\n\r\n".encode()), 2)

    assert "ООО «Ромашка»".encode() in raw
    await ami.close()


# -- replay -----------------------------------------------------------------------------

RECORDED: list[dict[str, str]] = [
    {"Event": "Newchannel", "Channel": "PJSIP/trunk-00000001", "Uniqueid": "1.1"},
    {"Event": "Newstate", "Channel": "PJSIP/trunk-00000001", "ChannelStateDesc": "Up"},
    {";;": "DISCONNECT"},
    {"Event": "Hangup", "Channel": "PJSIP/trunk-00000001", "Cause": "16"},
]


async def test_replay_sends_frames_and_drops_the_connection_at_the_marker(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    used = await simulator.replay(RECORDED)

    assert used == 3
    assert [(await client.frame())["Event"] for _ in range(2)] == ["Newchannel", "Newstate"]
    assert await client.closed()

    again = await AmiClient.connect(simulator.port)
    await again.login()
    assert await simulator.replay(RECORDED[used:]) == 1
    assert (await again.frame())["Event"] == "FullyBooted"
    assert (await again.frame())["Event"] == "Hangup"
    await again.close()


async def test_replay_can_cut_the_connection_in_the_middle_of_a_frame(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    await simulator.replay(RECORDED, mid_frame=True)

    data = await asyncio.wait_for(client.reader.read(65536), 2)
    while chunk := await asyncio.wait_for(client.reader.read(65536), 2):
        data += chunk

    hangup = b"Event: Hangup\r\nChannel: PJSIP/trunk-00000001\r\nCause: 16\r\n\r\n"
    assert data.endswith(hangup[: len(hangup) // 2])
    assert hangup not in data


async def test_replay_can_stop_at_the_marker_and_keep_the_connection(
    simulator: AmiSimulator, client: AmiClient
) -> None:
    assert await simulator.replay(RECORDED, at_disconnect="stop") == 3

    assert [(await client.frame())["Event"] for _ in range(2)] == ["Newchannel", "Newstate"]
    assert (await client.call("Ping"))["Ping"] == "Pong"


# -- the real client library ------------------------------------------------------------


async def test_panoramisk_logs_in_pings_originates_and_hears_events(
    simulator: AmiSimulator,
) -> None:
    heard: list[dict[str, str]] = []
    manager = Manager(
        host="127.0.0.1",
        port=simulator.port,
        username="kompas",
        secret="kompas",
        loop=asyncio.get_running_loop(),
        ping_delay=3600,
    )
    manager.register_event("*", lambda _manager, event: heard.append(dict(event)))
    await manager.connect()
    for _ in range(200):
        if manager.authenticated:
            break
        await asyncio.sleep(0.005)
    try:
        pong = await asyncio.wait_for(manager.send_action({"Action": "Ping"}), 2)
        originated = manager.send_action(
            {
                "Action": "Originate",
                "Channel": "PJSIP/104",
                "Context": "from-internal",
                "Exten": "79031234567",
                "Priority": "1",
                "CallerID": "Глеб Орлов <104>",
                "Async": "true",
            }
        )
        await asyncio.sleep(0.01)
        await simulator.advance(60)
        replies = await asyncio.wait_for(originated, 2)
        await simulator.advance(7200)
        await asyncio.sleep(0.01)
    finally:
        manager.close()

    assert manager.authenticated
    assert pong.ping == "Pong"
    assert [reply.response for reply in replies] == ["Success", "Success"]
    assert replies[-1].event == "OriginateResponse"
    assert replies[-1].reason == "4"
    names = Counter(event["Event"] for event in heard)
    assert names["FullyBooted"] == 1
    assert names["Newchannel"] == names["Hangup"] == 2
    assert any(event.get("CallerIDName") == "Глеб Орлов" for event in heard)


async def test_autorun_plays_calls_in_accelerated_real_time() -> None:
    quick = TrafficConfig(
        mix=CERTAIN.mix, timings=Timings(talk_median_s=5, ring_median_s=1, patience_mean_s=1e7)
    )
    async with AmiSimulator(config=quick, speed=2000, seed=5) as sim:
        ami = await AmiClient.connect(sim.port)
        await ami.login()
        sim.start_call("inbound_queue")
        hangups: list[Frame] = []
        while len(hangups) < 2:
            frame = await ami.frame()
            if frame.get("Event") == "Hangup":
                hangups.append(frame)
        await ami.close()

    assert sim.channels() == []


async def test_rtcp_reports_come_for_talking_channels_only_when_asked() -> None:
    """Asterisk reports RTP statistics of every bridged channel; the simulator can too (live
    traffic only), so that a load test sees a real stream's volume."""
    quick = TrafficConfig(
        mix=CERTAIN.mix,
        timings=Timings(talk_median_s=20, ring_median_s=1, patience_mean_s=1e7, rtcp_interval_s=2),
        calls_per_minute=0,
    )
    async with AmiSimulator(config=quick, speed=2000, seed=5, traffic=True) as sim:
        ami = await AmiClient.connect(sim.port)
        await ami.login()
        sim.start_call("inbound_queue")
        frames: list[Frame] = []
        while sum(1 for f in frames if f.get("Event") == "Hangup") < 2:
            frames.append(await ami.frame())
        await ami.close()

    names = [f.get("Event") for f in frames]
    assert "RTCPSent" in names
    assert "RTCPReceived" in names
    for frame in frames:
        if frame.get("Event") in ("RTCPSent", "RTCPReceived"):
            channel = frame["Uniqueid"]
            entered = next(
                i
                for i, f in enumerate(frames)
                if f.get("Event") == "BridgeEnter" and f.get("Uniqueid") == channel
            )
            hung_up = next(
                i
                for i, f in enumerate(frames)
                if f.get("Event") == "Hangup" and f.get("Uniqueid") == channel
            )
            assert entered < frames.index(frame) < hung_up
    with pytest.raises(ValueError, match="rtcp_interval_s"):
        Timings(rtcp_interval_s=0)


# -- the traffic generator --------------------------------------------------------------


def _check_consistency(events: list[dict[str, str]]) -> None:
    """Invariants of a real Asterisk event stream, checked event by event."""
    stamps = [float(event["Timestamp"]) for event in events]
    assert stamps == sorted(stamps), "timestamps go backwards"
    created: dict[str, float] = {}
    hung_up: set[str] = set()
    linked: dict[str, str] = {}
    bridges: dict[str, set[str]] = {}
    destroyed: set[str] = set()
    dials: Counter[str] = Counter()

    def sequence(uniqueid: str) -> int:
        return int(uniqueid.rpartition(".")[2])

    for event in events:
        name, uniqueid = event["Event"], event.get("Uniqueid")
        if name == "Newchannel":
            assert uniqueid not in created
            created[uniqueid] = float(event["Timestamp"])
        elif uniqueid is not None:
            assert uniqueid in created, f"{name} for an unknown channel"
            assert uniqueid not in hung_up, f"{name} after Hangup"
        if uniqueid is not None:
            linkedid = event["Linkedid"]
            assert linkedid in created, "Linkedid is not a channel of this stream"
            assert sequence(linkedid) <= sequence(uniqueid)
            if uniqueid in linked:
                assert sequence(linkedid) <= sequence(linked[uniqueid]), "Linkedid got newer"
            linked[uniqueid] = linkedid
        if name == "Hangup":
            hung_up.add(uniqueid or "")
        bridge = event.get("BridgeUniqueid")
        if name == "BridgeCreate":
            bridges[bridge or ""] = set()
        elif name == "BridgeEnter":
            members = bridges[bridge or ""]
            members.add(uniqueid or "")
            assert int(event["BridgeNumChannels"]) == len(members)
            oldest = min((linked[member] for member in members), key=sequence)
            assert event["Linkedid"] == oldest, "a bridge keeps the oldest Linkedid"
            linked.update(dict.fromkeys(members, oldest))
        elif name == "BridgeLeave":
            bridges[bridge or ""].remove(uniqueid or "")
        elif name == "BridgeDestroy":
            assert not bridges.pop(bridge or "")
            destroyed.add(bridge or "")
        elif name == "DialBegin":
            dials[event["DestUniqueid"]] += 1
        elif name == "DialEnd":
            dials[event["DestUniqueid"]] -= 1
            assert dials[event["DestUniqueid"]] == 0, "DialEnd without DialBegin"
    assert set(created) == hung_up, "a channel was never hung up"
    assert not bridges, "a bridge was never destroyed"
    assert not +dials, "a DialBegin without DialEnd"


def test_generated_traffic_is_internally_consistent() -> None:
    config = TrafficConfig(
        calls_per_minute=4, mix=TrafficMix(blind_transfer=0.2, attended_transfer=0.2)
    )

    events = generate_traffic(config, START, timedelta(hours=3), seed=11)

    _check_consistency(events)
    names = Counter(event["Event"] for event in events)
    for needed in (
        "QueueCallerJoin",
        "AgentConnect",
        "AgentComplete",
        "QueueCallerAbandon",
        "BlindTransfer",
        "AttendedTransfer",
        "Hold",
        "DialState",
        "NewCallerid",
        "VarSet",
        "Newexten",
    ):
        assert names[needed] > 0, f"no {needed} in three hours"
    assert names["QueueCallerJoin"] == names["QueueCallerLeave"]
    assert names["AgentConnect"] == names["AgentComplete"]
    assert float(events[0]["Timestamp"]) >= START.timestamp()
    assert any("Ромашка" in event.get("CallerIDName", "") for event in events)


def test_generated_traffic_is_deterministic_for_a_seed() -> None:
    first = generate_traffic(TrafficConfig(), START, timedelta(minutes=30), seed=7)
    again = generate_traffic(TrafficConfig(), START, timedelta(minutes=30), seed=7)
    other = generate_traffic(TrafficConfig(), START, timedelta(minutes=30), seed=8)

    assert first == again
    assert first != other


def test_trunk_lines_limit_concurrent_trunk_channels() -> None:
    config = TrafficConfig(calls_per_minute=30, trunk_lines=3)

    events = generate_traffic(config, START, timedelta(hours=1), seed=2)

    busy = peak = 0
    for event in events:
        if event.get("Channel", "").startswith("PJSIP/trunk-"):
            busy += {"Newchannel": 1, "Hangup": -1}.get(event["Event"], 0)
            peak = max(peak, busy)
    assert peak == 3
    _check_consistency(events)


def test_queue_call_events_come_in_asterisk_order() -> None:
    """app_queue order: Join, AgentCalled, DialBegin, DialEnd, Leave, AgentConnect, bridge."""
    control = CallControl(CERTAIN, seed=1, now=START.timestamp())
    control.start_call("inbound_queue")
    control.scheduler.run_all()
    events = control.pbx.take_events()

    order = [
        event["Event"]
        for event in events
        if event["Event"]
        in {
            "QueueCallerJoin",
            "AgentCalled",
            "DialBegin",
            "DialEnd",
            "QueueCallerLeave",
            "AgentConnect",
            "BridgeEnter",
            "HangupRequest",
            "AgentComplete",
            "BridgeLeave",
        }
    ]
    assert order == [
        "QueueCallerJoin",
        "AgentCalled",
        "DialBegin",
        "DialEnd",
        "QueueCallerLeave",
        "AgentConnect",
        "BridgeEnter",
        "BridgeEnter",
        "HangupRequest",
        "AgentComplete",
        "BridgeLeave",
        "BridgeLeave",
    ]
    member_enter, customer_enter = of(events, "BridgeEnter")
    assert member_enter["Channel"].startswith("PJSIP/10")
    assert customer_enter["Channel"].startswith("PJSIP/trunk-")
    assert of(events, "AgentConnect")[0]["Privilege"] == "agent,all"
    _check_consistency(events)


def test_config_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="calls_per_minute"):
        TrafficConfig(calls_per_minute=-1)
    with pytest.raises(ValueError, match="unique"):
        TrafficConfig(operators=(Operator("101", "A"), Operator("101", "B")))
    with pytest.raises(ValueError, match="no_answer"):
        TrafficMix(no_answer=2)
    with pytest.raises(ValueError, match="positive"):
        Timings(talk_median_s=0)
    with pytest.raises(ValueError, match="speed"):
        AmiSimulator(speed=0)


def test_device_states_follow_the_channels_of_each_endpoint() -> None:
    config = TrafficConfig(calls_per_minute=6)

    events = generate_traffic(config, START, timedelta(hours=1), seed=5)

    live: Counter[str] = Counter()
    ringing: dict[str, set[str]] = {}
    state: dict[str, str] = {}
    for event in events:
        channel = event.get("Channel", "")
        endpoint = channel.removeprefix("PJSIP/").rpartition("-")[0]
        if event["Event"] == "Newchannel":
            live[endpoint] += 1
        elif event["Event"] == "Hangup":
            live[endpoint] -= 1
            ringing.get(endpoint, set()).discard(event["Uniqueid"])
        elif event["Event"] == "Newstate":
            chosen = ringing.setdefault(endpoint, set())
            (chosen.add if event["ChannelState"] == "5" else chosen.discard)(event["Uniqueid"])
        elif event["Event"] == "DeviceStateChange":
            device = event["Device"].removeprefix("PJSIP/")
            expected = (
                "NOT_INUSE"
                if not live[device]
                else "RINGING"
                if len(ringing.get(device, ())) == live[device]
                else "RINGINUSE"
                if ringing.get(device)
                else "INUSE"
            )
            assert event["State"] == expected, event
            assert state.get(device) != event["State"], "a change that changed nothing"
            state[device] = event["State"]
    assert set(state.values()) == {"NOT_INUSE"}  # every call played to its end
    assert {"RINGING", "INUSE"} <= {e["State"] for e in events if e["Event"] == "DeviceStateChange"}


def test_an_operator_state_change_is_told_to_the_hint_and_to_every_queue() -> None:
    control = CallControl(CERTAIN, seed=1, now=START.timestamp())
    control.start_call("inbound_queue")
    control.scheduler.run_all()
    events = control.pbx.take_events()

    operators = {op.extension for op in CERTAIN.operators}
    changes = [
        e
        for e in events
        if e["Event"] == "DeviceStateChange" and e["Device"].removeprefix("PJSIP/") in operators
    ]
    hints = of(events, "ExtensionStatus")
    members = of(events, "QueueMemberStatus")
    assert changes
    assert len(hints) == len(changes)
    assert len(members) == len(changes) * len(CERTAIN.queues)
    assert [h["StatusText"] for h in hints][-1] == "Idle"
    assert {m["Queue"] for m in members} == set(CERTAIN.queues)
    assert all(m["Privilege"] == "agent,all" for m in members)
    assert any(m["CallsTaken"] == "1" for m in members)  # the answering operator's call
    qos = [e for e in of(events, "VarSet") if e["Variable"].startswith("RTPAUDIOQOS")]
    assert {e["Variable"] for e in qos} == {
        "RTPAUDIOQOS",
        "RTPAUDIOQOSJITTER",
        "RTPAUDIOQOSLOSS",
        "RTPAUDIOQOSRTT",
    }


def test_a_dialplan_prelude_adds_its_steps_to_every_call_and_changes_no_record() -> None:
    lean = TrafficConfig(calls_per_minute=4)
    chatty = replace(lean, dialplan_prelude=20)

    plain = generate_traffic(lean, START, timedelta(minutes=30), seed=3)
    verbose = generate_traffic(chatty, START, timedelta(minutes=30), seed=3)

    steps = [e for e in verbose if e.get("Context") == "macro-user-callerid"]
    assert steps
    assert len(steps) % 40 == 0  # a Newexten and a VarSet for each of 20 steps, per call
    assert [e for e in verbose if e.get("Context") != "macro-user-callerid"] == plain
    trunks = ("PJSIP/trunk-*",)
    assert replay(verbose, CallTracker(trunk_patterns=trunks)) == replay(
        plain, CallTracker(trunk_patterns=trunks)
    )
    with pytest.raises(ValueError, match="dialplan_prelude"):
        TrafficConfig(dialplan_prelude=-1)
