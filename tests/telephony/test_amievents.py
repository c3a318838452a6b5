"""AMI messages to typed events: header quirks, times, and input that must never crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kompas_cc.telephony import amievents as ami
from kompas_cc.telephony.amievents import (
    ChannelSnapshot,
    event_time,
    translate,
    translate_lowered,
)
from kompas_cc.telephony.transcripts import load_transcript, marker_of

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ami"
RECEIVED = datetime(2025, 1, 15, 9, 0, 30, tzinfo=UTC)

TRUNK = {
    "Channel": "PJSIP/trunk-00000001",
    "ChannelState": "4",
    "ChannelStateDesc": "Ring",
    "CallerIDNum": "79161234567",
    "CallerIDName": "<unknown>",
    "ConnectedLineNum": "<unknown>",
    "ConnectedLineName": "<unknown>",
    "Language": "ru",
    "AccountCode": "",
    "Context": "from-trunk",
    "Exten": "74951234567",
    "Priority": "1",
    "Uniqueid": "1736931600.101",
    "Linkedid": "1736931600.101",
}
TRUNK_SNAPSHOT = ChannelSnapshot(
    name="PJSIP/trunk-00000001",
    uniqueid="1736931600.101",
    linkedid="1736931600.101",
    state=4,
    caller_num="79161234567",
    caller_name=None,
    connected_num=None,
    exten="74951234567",
    context="from-trunk",
)


def prefixed(prefix: str, headers: dict[str, str]) -> dict[str, str]:
    return {prefix + key: value for key, value in headers.items()}


def phone(ext: str, uid: str) -> dict[str, str]:
    return {
        "Channel": f"PJSIP/{ext}-00000002",
        "ChannelState": "0",
        "CallerIDNum": ext,
        "Context": "from-internal",
        "Exten": "74951234567",
        "Uniqueid": uid,
        "Linkedid": "1736931600.101",
    }


def test_translate_newchannel_reads_the_channel_snapshot() -> None:
    message = {"Event": "Newchannel", "Privilege": "call,all", **TRUNK}

    assert translate(message, RECEIVED) == ami.Newchannel(RECEIVED, TRUNK_SNAPSHOT)


def test_translate_matches_header_names_in_any_case() -> None:
    message = {key.upper(): value for key, value in TRUNK.items()} | {"event": "NEWCHANNEL"}

    assert translate(message, RECEIVED) == ami.Newchannel(RECEIVED, TRUNK_SNAPSHOT)


def test_translate_takes_the_time_from_the_timestamp_header() -> None:
    message = {"Event": "Newstate", "Timestamp": "1736931600.123456", **TRUNK}

    event = translate(message, RECEIVED)

    assert event is not None
    assert event.at == datetime(2025, 1, 15, 9, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "stamp", ["", "<unknown>", "soon", "1e9", "nan", "-5", "1736931600,5", "999999999999"]
)
def test_translate_falls_back_to_the_receive_time_for_a_bad_timestamp(stamp: str) -> None:
    event = translate({"Event": "Newstate", "Timestamp": stamp, **TRUNK}, RECEIVED)

    assert event is not None
    assert event.at == RECEIVED


def test_event_time_reads_a_naive_receive_time_as_utc() -> None:
    naive = datetime(2025, 1, 15, 9, 0, 30)  # noqa: DTZ001  # the case under test

    assert event_time({}, naive) == RECEIVED


def test_event_time_keeps_microseconds_of_a_short_fraction() -> None:
    assert event_time({"Timestamp": "1736931600.5"}, RECEIVED) == datetime(
        2025, 1, 15, 9, 0, 0, 500000, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "message",
    [
        {},
        {"Event": "PeerStatus", "Peer": "PJSIP/101"},
        {"Event": "<unknown>"},
        {"Response": "Success", "Message": "Authentication accepted"},
        {"Event": "Newchannel", "ChannelState": "4"},
        {"Event": "Hangup", "Channel": "", "Uniqueid": "<unknown>"},
        {"Event": "DialBegin", **TRUNK},
    ],
    ids=[
        "empty",
        "unused event",
        "unknown name",
        "response",
        "no channel",
        "blank channel",
        "dial without dest",
    ],
)
def test_translate_returns_none_for_messages_without_a_usable_event(
    message: dict[str, str],
) -> None:
    assert translate(message, RECEIVED) is None


def test_translate_keeps_an_event_without_linkedid_with_none_there() -> None:
    headers = {key: value for key, value in TRUNK.items() if key != "Linkedid"}

    event = translate({"Event": "Hangup", "Cause": "sixteen", **headers}, RECEIVED)

    assert isinstance(event, ami.Hangup)
    assert event.channel.linkedid is None
    assert event.cause is None


def test_translate_takes_the_first_value_of_a_repeated_header() -> None:
    """panoramisk delivers a header that occurs twice as a list of its values."""
    message: dict[str, object] = {"Event": "Hold", **TRUNK, "Channel": ["PJSIP/trunk-1", "x"]}

    event = translate(message, RECEIVED)  # type: ignore[arg-type]  # as panoramisk delivers

    assert isinstance(event, ami.Hold)
    assert event.channel.name == "PJSIP/trunk-1"


def test_translate_dial_begin_of_an_originate_has_no_dialling_channel() -> None:
    message = {
        "Event": "DialBegin",
        **prefixed("Dest", phone("101", "1736935800.801")),
        "DialString": "PJSIP/101",
    }

    event = translate(message, RECEIVED)

    assert isinstance(event, ami.DialBegin)
    assert event.channel is None
    assert event.dest.name == "PJSIP/101-00000002"
    assert event.dial_string == "PJSIP/101"


def test_translate_dial_end_upper_cases_the_status() -> None:
    message = {
        "Event": "DialEnd",
        **TRUNK,
        **prefixed("Dest", phone("101", "1736931600.102")),
        "DialStatus": "noanswer",
    }

    event = translate(message, RECEIVED)

    assert isinstance(event, ami.DialEnd)
    assert event.channel == TRUNK_SNAPSHOT
    assert event.dial_status == "NOANSWER"


def test_translate_bridge_enter_reads_bridge_and_swap() -> None:
    message = {
        "Event": "BridgeEnter",
        "BridgeUniqueid": "b-1",
        "BridgeType": "basic",
        "BridgeNumChannels": "2",
        **TRUNK,
        "SwapUniqueid": "1736937000.1002",
    }

    assert translate(message, RECEIVED) == ami.BridgeEnter(
        RECEIVED, TRUNK_SNAPSHOT, "b-1", "basic", 2, "1736937000.1002"
    )


def test_translate_queue_events_read_queue_fields() -> None:
    agent = prefixed("Dest", phone("102", "1736932200.203"))
    member = {"Queue": "support", "MemberName": "Boris", "Interface": "PJSIP/102"}

    join = translate(
        {"Event": "QueueCallerJoin", **TRUNK, "Queue": "support", "Position": "1", "Count": "3"},
        RECEIVED,
    )
    connect = translate(
        {"Event": "AgentConnect", **TRUNK, **agent, **member, "HoldTime": "12", "RingTime": "8"},
        RECEIVED,
    )
    complete = translate(
        {
            "Event": "AgentComplete",
            **TRUNK,
            **agent,
            **member,
            "TalkTime": "118",
            "Reason": "agent",
        },
        RECEIVED,
    )
    abandon = translate(
        {
            "Event": "QueueCallerAbandon",
            **TRUNK,
            "Queue": "support",
            "OriginalPosition": "2",
            "HoldTime": "35",
        },
        RECEIVED,
    )

    assert join == ami.QueueCallerJoin(RECEIVED, TRUNK_SNAPSHOT, "support", 1, 3)
    assert isinstance(connect, ami.AgentConnect)
    assert (connect.queue, connect.hold_time, connect.ring_time) == ("support", 12, 8)
    assert connect.dest is not None
    assert connect.dest.uniqueid == "1736932200.203"
    assert isinstance(complete, ami.AgentComplete)
    assert (complete.talk_time, complete.reason, complete.member_name) == (118, "agent", "Boris")
    assert abandon == ami.QueueCallerAbandon(RECEIVED, TRUNK_SNAPSHOT, "support", None, 2, 35)


def test_translate_blind_transfer_reads_both_parties_and_the_target() -> None:
    message = {
        "Event": "BlindTransfer",
        "Result": "Success",
        **prefixed("Transferer", phone("101", "1736934600.602")),
        **prefixed("Transferee", TRUNK),
        "BridgeUniqueid": "b-1",
        "IsExternal": "Yes",
        "Context": "from-internal",
        "Extension": "102",
    }

    event = translate(message, RECEIVED)

    assert isinstance(event, ami.BlindTransfer)
    assert event.transferer is not None
    assert event.transferer.uniqueid == "1736934600.602"
    assert event.transferee == TRUNK_SNAPSHOT
    assert (event.extension, event.context, event.is_external) == ("102", "from-internal", True)


def test_translate_attended_transfer_reads_every_role() -> None:
    message = {
        "Event": "AttendedTransfer",
        "Result": "Success",
        **prefixed("OrigTransferer", phone("101", "1736935200.702")),
        "OrigBridgeUniqueid": "b-1",
        **prefixed("SecondTransferer", phone("101", "1736935200.703")),
        "SecondBridgeUniqueid": "b-2",
        "DestType": "Bridge",
        "DestBridgeUniqueid": "b-1",
        **prefixed("Transferee", TRUNK),
        **prefixed("TransferTarget", phone("102", "1736935200.704")),
        "IsExternal": "No",
    }

    event = translate(message, RECEIVED)

    assert isinstance(event, ami.AttendedTransfer)
    roles = (event.orig_transferer, event.second_transferer, event.transferee, event.target)
    assert [r.uniqueid if r else None for r in roles] == [
        "1736935200.702",
        "1736935200.703",
        "1736931600.101",
        "1736935200.704",
    ]
    assert (event.dest_type, event.dest_bridge_id, event.is_external) == ("Bridge", "b-1", False)
    assert event.local_one is None


def test_translate_core_show_channel_reads_duration_and_bridge() -> None:
    message = {
        "Event": "CoreShowChannel",
        "ActionID": "resync-1",
        **TRUNK,
        "Duration": "01:02:03",
        "BridgeId": "b-1",
        "Application": "Dial",
    }

    event = translate(message, RECEIVED)

    assert event == ami.CoreShowChannel(RECEIVED, "resync-1", TRUNK_SNAPSHOT, "b-1", "Dial", 3723)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.ami")), ids=lambda p: p.stem)
def test_translate_reads_every_event_of_the_fixtures(path: Path) -> None:
    """Each event the tracker relies on translates; chatter may be None, nothing raises."""
    needed = {"Newchannel", "Hangup", "DialBegin", "DialEnd", "BridgeEnter", "BridgeLeave"}
    for frame in load_transcript(path):
        if marker_of(frame) is not None:
            continue
        event = translate(frame, RECEIVED)
        if frame["Event"] in needed:
            assert event is not None, frame
            assert type(event).__name__ == frame["Event"]


HEADER_NAMES = sorted(
    {"Event", "Timestamp", "Cause", "DialStatus", "BridgeUniqueid", "SwapUniqueid", "Result"}
    | set(TRUNK)
    | {prefix + key for prefix in ("Dest", "Transferer", "Transferee", "LocalOne") for key in TRUNK}
    | {"Queue", "Position", "HoldTime", "Duration", "Newname", "Application", "IsExternal"}
)
EVENT_NAMES = [
    "Newchannel",
    "Hangup",
    "DialBegin",
    "DialEnd",
    "BridgeEnter",
    "AgentConnect",
    "AttendedTransfer",
    "BlindTransfer",
    "LocalBridge",
    "CoreShowChannel",
    "Rename",
    "QueueCallerAbandon",
    "OriginateResponse",
    "FullyBooted",
]
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "<unknown>", "16", "-1", "1736931600.5", "99:99:99", "Yes", "\x00"]),
)
MESSAGES = st.one_of(
    st.dictionaries(st.sampled_from(HEADER_NAMES) | st.text(max_size=12), VALUES, max_size=20),
    st.builds(
        lambda name, rest: {"Event": name, **rest},
        st.sampled_from(EVENT_NAMES) | st.text(max_size=20),
        st.dictionaries(st.sampled_from(HEADER_NAMES), VALUES, max_size=30),
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    message=MESSAGES,
    received=st.datetimes(timezones=st.just(UTC)) | st.datetimes(),
)
def test_translate_never_raises_on_arbitrary_messages(
    message: dict[str, str], received: datetime
) -> None:
    event = translate(message, received)

    assert event is None or isinstance(event, ami.AmiEvent)
    assert event is None or event.at.tzinfo is not None


@settings(max_examples=400, deadline=None)
@given(message=MESSAGES)
def test_translate_lowered_agrees_with_translate(message: dict[str, str]) -> None:
    lowered = {name.strip().lower(): value for name, value in message.items()}

    assert translate_lowered(lowered, lambda: RECEIVED) == translate(message, RECEIVED)


def test_newexten_is_translated_only_for_voicemail() -> None:
    step = {"Event": "Newexten", **TRUNK, "Application": "Dial", "AppData": "PJSIP/101"}
    voicemail = step | {"Application": "VoiceMail", "AppData": "101@default,u"}

    assert translate(step, RECEIVED) is None
    assert translate(voicemail, RECEIVED) == ami.Newexten(
        RECEIVED, TRUNK_SNAPSHOT, "VoiceMail", "101@default,u"
    )


@given(st.one_of(st.text(), st.none(), st.integers(), st.lists(st.text())))
def test_translate_never_raises_on_things_that_are_not_messages(junk: object) -> None:
    assert translate(junk, RECEIVED) is None  # type: ignore[arg-type]  # junk on purpose


def test_event_time_converts_a_receive_time_in_another_zone_to_utc() -> None:
    moscow = datetime(2025, 1, 15, 12, 0, 30, tzinfo=timezone(timedelta(hours=3)))

    moment = event_time({}, moscow)

    assert moment == RECEIVED
    assert moment.tzinfo is UTC


EVENT_KINDS = [
    kind
    for kind in vars(ami).values()
    if isinstance(kind, type) and issubclass(kind, ami.AmiEvent) and kind is not ami.AmiEvent
]


@pytest.mark.parametrize("kind", EVENT_KINDS, ids=lambda kind: kind.__name__)
def test_translate_builds_every_event_kind_from_a_full_message(kind: type[ami.AmiEvent]) -> None:
    message = {"Event": kind.__name__}
    for role in ("", "Dest", "Transferer", "Transferee", "TransferTarget", "LocalOne"):
        message |= prefixed(role, TRUNK)
    message |= prefixed("OrigTransferer", TRUNK) | prefixed("SecondTransferer", TRUNK)
    message |= prefixed("LocalTwo", TRUNK)
    message["Application"] = "VoiceMail"

    event = translate(message, RECEIVED)

    assert type(event) is kind
