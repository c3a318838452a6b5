"""The call state machine, as tables: a recorded AMI transcript in, the call records out.

Every scenario runs twice, with all events and with the chatter filtered out
(`without_noise`): a record must never depend on Newexten, VarSet or RTCP events.
Times in the tables are seconds after the transcript's first event (FullyBooted).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kompas_cc.telephony import amievents as ami
from kompas_cc.telephony.amievents import ChannelSnapshot, translate
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.calls import CallTracker
from kompas_cc.telephony.replay import replay
from kompas_cc.telephony.transcripts import load_transcript, marker_of, without_noise

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ami"
TRUNKS = ("PJSIP/trunk-*",)
CALLER = "79161234567"
CALLER2 = "79035550101"
DID = "74951234567"
Frames = list[dict[str, str]]


def make_tracker(**options: Any) -> CallTracker:
    return CallTracker(trunk_patterns=TRUNKS, **options)


def frames_of(name: str) -> Frames:
    return load_transcript(FIXTURES / f"{name}.ami")


def base_of(frames: Frames) -> datetime:
    return ami.event_time(frames[0], datetime.now(UTC))


def seconds(moment: datetime | None, base: datetime) -> float | None:
    return None if moment is None else round((moment - base).total_seconds(), 3)


def view(record: CallRecord, base: datetime) -> dict[str, Any]:
    """The record with times as seconds after `base`, legs and transfers as tuples."""
    fields = asdict(record)
    for key in ("started_at", "answered_at", "ended_at"):
        fields[key] = seconds(fields[key], base)
    fields["legs"] = [
        (leg.party_a, leg.party_b, seconds(leg.started_at, base), seconds(leg.ended_at, base))
        for leg in record.legs
    ]
    fields["transfers"] = [
        (t.kind, t.from_party, t.to_party, seconds(t.at, base)) for t in record.transfers
    ]
    return fields


def call(**fields: Any) -> dict[str, Any]:
    """An expected inbound record: what the scenario does not say is the quiet default."""
    return {
        "direction": "inbound",
        "caller": CALLER,
        "callee": DID,
        "queue": None,
        "answered_by": None,
        "answered_at": None,
        "ring_seconds": 0,
        "wait_seconds": None,
        "talk_seconds": 0,
        "hold_seconds": 0,
        "disposition": "answered",
        "voicemail": False,
        "hangup_by": None,
        "transfers": [],
        "legs": [],
        "trunk": "PJSIP/trunk",
        "incomplete": False,
        "started_at": 0.0,
    } | fields


SCENARIOS: dict[str, list[dict[str, Any]]] = {
    "inbound_answered": [
        call(
            linkedid="1736931600.101",
            answered_by="101",
            answered_at=6.006,
            ended_at=101.006,
            ring_seconds=6,
            talk_seconds=95,
            hangup_by=CALLER,
            legs=[(CALLER, "101", 6.006, 101.001)],
        )
    ],
    "queue_ringall": [
        call(
            linkedid="1736932200.201",
            queue="support",
            answered_by="102",
            answered_at=12.005,
            ended_at=130.006,
            ring_seconds=8,
            wait_seconds=12,
            talk_seconds=118,
            hold_seconds=20,
            hangup_by="102",
            legs=[(CALLER, "102", 12.008, 130.001)],
        )
    ],
    "queue_abandoned": [
        call(
            linkedid="1736932800.301",
            queue="support",
            ended_at=35.405,
            ring_seconds=30,
            wait_seconds=35,
            disposition="abandoned",
            hangup_by=CALLER,
        )
    ],
    "no_answer_voicemail": [
        call(
            linkedid="1736933400.401",
            ended_at=50.2,
            ring_seconds=20,
            disposition="no_answer",
            voicemail=True,
            hangup_by=CALLER,
        )
    ],
    "busy": [call(linkedid="1736934000.501", ended_at=6.001, disposition="busy", hangup_by=CALLER)],
    "blind_transfer": [
        call(
            linkedid="1736934600.601",
            answered_by="101",
            answered_at=4.005,
            ended_at=99.005,
            ring_seconds=4,
            talk_seconds=90,
            hangup_by=CALLER,
            transfers=[("blind", "101", "102", 34.001)],
            legs=[(CALLER, "101", 4.005, 34.01), (CALLER, "102", 39.004, 99.001)],
        )
    ],
    "attended_transfer": [
        call(
            linkedid="1736935200.701",
            answered_by="101",
            answered_at=5.005,
            ended_at=110.005,
            ring_seconds=5,
            talk_seconds=105,
            hold_seconds=20,
            hangup_by="102",
            transfers=[("attended", "101", "102", 50.03)],
            legs=[
                (CALLER, "101", 5.005, 50.01),
                ("101", "102", 35.005, 50.0),
                (CALLER, "102", 50.01, 110.001),
            ],
        )
    ],
    "click_to_call": [
        call(
            linkedid="1736935800.801",
            direction="outbound",
            caller="101",
            callee="89161234567",
            answered_at=15.004,
            ended_at=75.005,
            ring_seconds=12,
            talk_seconds=60,
            hangup_by="89161234567",
            legs=[("101", "89161234567", 15.004, 75.001)],
        )
    ],
    "overlapping_calls": [
        call(
            linkedid="1736936400.901",
            answered_by="101",
            answered_at=5.005,
            ended_at=60.005,
            ring_seconds=5,
            talk_seconds=55,
            hangup_by="101",
            legs=[(CALLER, "101", 5.005, 60.001)],
        ),
        call(
            linkedid="1736936400.903",
            caller=CALLER2,
            callee="74951234568",
            started_at=2.0,
            answered_by="102",
            answered_at=14.005,
            ended_at=80.005,
            ring_seconds=12,
            talk_seconds=66,
            hangup_by=CALLER2,
            legs=[(CALLER2, "102", 14.005, 80.001)],
        ),
    ],
    "local_channels": [
        call(
            linkedid="1736937000.1001",
            answered_by="101",
            answered_at=7.06,
            ended_at=47.005,
            ring_seconds=7,
            talk_seconds=40,
            hangup_by="101",
            legs=[(CALLER, "101", 7.06, 47.001)],
        )
    ],
    "ami_disconnect": [
        call(
            linkedid="1736937600.1103",
            caller=CALLER2,
            started_at=8.0,
            answered_by="102",
            answered_at=12.005,
            ended_at=20.0,
            ring_seconds=4,
            talk_seconds=8,
            legs=[(CALLER2, "102", 12.005, 20.0)],
            incomplete=True,
        ),
        call(
            linkedid="1736937600.1101",
            answered_by="101",
            answered_at=5.005,
            ended_at=90.005,
            ring_seconds=5,
            talk_seconds=85,
            hangup_by=CALLER,
            legs=[(CALLER, "101", 5.005, 90.001)],
            incomplete=True,
        ),
    ],
    "internal_call": [
        call(
            linkedid="1736938200.1201",
            direction="internal",
            caller="101",
            callee="102",
            answered_by="102",
            answered_at=3.005,
            ended_at=33.005,
            ring_seconds=3,
            talk_seconds=30,
            hangup_by="101",
            legs=[("101", "102", 3.005, 33.001)],
            trunk=None,
        )
    ],
}
FILTERS: dict[str, Callable[[Frames], Frames]] = {
    "all events": lambda frames: frames,
    "without noise": without_noise,
}


@pytest.mark.parametrize("noise", FILTERS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_call_flow_produces_the_expected_records(scenario: str, noise: str) -> None:
    frames = frames_of(scenario)
    tracker = make_tracker()

    records = replay(FILTERS[noise](frames), tracker)

    assert [view(record, base_of(frames)) for record in records] == SCENARIOS[scenario]
    assert tracker.active_calls == 0


# -- bad input -------------------------------------------------------------------------


def test_every_frame_twice_gives_the_same_records() -> None:
    """Duplicate DialEnd, Hangup, BridgeEnter... (a re-sent or re-read event) change nothing."""
    for scenario, expected in SCENARIOS.items():
        frames = frames_of(scenario)
        doubled = [copy for frame in frames for copy in (frame, dict(frame))]

        records = replay(doubled, make_tracker())

        assert [view(r, base_of(frames)) for r in records] == expected, scenario


def test_events_without_linkedid_still_make_one_call() -> None:
    frames = [
        {key: value for key, value in frame.items() if not key.lower().endswith("linkedid")}
        for frame in frames_of("inbound_answered")
    ]

    records = replay(frames, make_tracker())

    assert [view(r, base_of(frames)) for r in records] == SCENARIOS["inbound_answered"]


def test_a_call_seen_from_the_middle_is_kept_and_marked_incomplete() -> None:
    """The tracker started after the caller's Newchannel: the call is still recorded."""
    frames = [
        frame
        for frame in frames_of("inbound_answered")
        if not (frame.get("Event") == "Newchannel" and frame["Channel"].startswith("PJSIP/trunk"))
    ]

    (record,) = replay(frames, make_tracker())

    assert record.incomplete
    assert (record.answered_by, record.disposition, record.talk_seconds) == ("101", "answered", 95)


def test_queue_events_in_another_order_give_the_same_record() -> None:
    """AgentConnect after the bridge, QueueCallerLeave last, Hangup before DialEnd."""
    frames = frames_of("queue_ringall")
    moved = {"AgentConnect", "QueueCallerLeave"}
    late = [frame for frame in frames if frame.get("Event") in moved]
    cancel = next(f for f in frames if f.get("DialStatus") == "CANCEL")
    loser_hangup = next(f for f in frames if f.get("Cause") == "26")
    reordered: Frames = []
    for frame in frames:
        if frame in late or frame is cancel:
            continue
        reordered.append(frame)
        if frame is loser_hangup:
            reordered.append(cancel)
        if frame.get("Event") == "BridgeEnter" and frame["Channel"].startswith("PJSIP/102"):
            reordered += reversed(late)

    records = replay(reordered, make_tracker())

    # Answered when the first sign of it arrived: now the bridge, 3 ms before AgentConnect.
    expected = SCENARIOS["queue_ringall"][0] | {"answered_at": 12.008}
    assert [view(r, base_of(frames)) for r in records] == [expected]


def test_late_events_after_the_end_start_no_new_call() -> None:
    frames = frames_of("queue_ringall")
    tracker = make_tracker()
    replay(frames, tracker)
    late = [f for f in frames if f.get("Event") in {"AgentComplete", "Hangup", "DialEnd"}]

    records = replay(late, tracker)

    assert records == []
    assert tracker.active_calls == 0


def test_garbage_and_half_empty_events_are_ignored() -> None:
    tracker = make_tracker()
    nobody = ChannelSnapshot(None, None, None, None, None, None, None, None, None)
    stranger = ChannelSnapshot("PJSIP/999-1", "9.9", "9.9", 6, None, None, None, None, None)
    at = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)
    events: list[ami.AmiEvent] = [
        ami.Hangup(at, nobody, 16, None),
        ami.Hangup(at, stranger, None, None),
        ami.BridgeLeave(at, stranger, "b", 0),
        ami.DialEnd(at, None, stranger, "ANSWER"),
        ami.AgentComplete(at, stranger, None, None, None, None, None, None, None),
        ami.BlindTransfer(at, "Success", None, None, None, None, None, None),
        ami.BlindTransfer(at, "Fail", stranger, stranger, None, None, "102", None),
        ami.LocalBridge(at, None, None, None, None, None),
        ami.FullyBooted(at, "Fully Booted"),
    ]
    garbage = [{"Event": "Hangup", "Uniqueid": "\x00"}, {"Event": "DialBegin"}, {"x": "y"}]
    events += [e for e in (translate(m, at) for m in garbage) if e is not None]

    assert [record for event in events for record in tracker.feed(event)] == []
    assert tracker.active_calls == 0


EVENT_FRAMES = [
    frame
    for path in sorted(FIXTURES.glob("*.ami"))
    for frame in load_transcript(path)
    if marker_of(frame) is None
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(EVENT_FRAMES), max_size=120), st.randoms())
def test_any_subset_of_events_in_any_order_never_crashes_or_leaks(
    frames: Frames, shuffler: random.Random
) -> None:
    shuffler.shuffle(frames)
    tracker = make_tracker()

    records = replay(frames, tracker)
    records += tracker.sweep(datetime(2100, 1, 1, tzinfo=UTC))

    assert tracker.active_calls == 0
    assert {key: n for key, n in tracker.footprint().items() if key != "ended_ids"} == {
        "calls": 0,
        "channels": 0,
        "channel_calls": 0,
        "linkedids": 0,
        "bridges": 0,
        "names": 0,
    }
    if any(frame.get("Event") == "Newchannel" for frame in frames):
        assert records
    for record in records:
        assert record.ended_at >= record.started_at
        assert record.talk_seconds >= 0


# -- dispositions and parties ----------------------------------------------------------

BASE = 1736940000


def frame(event: str, at: float, *parts: Mapping[str, str], **headers: str) -> dict[str, str]:
    merged: dict[str, str] = {"Event": event, "Timestamp": f"{BASE + at:.6f}"}
    for part in parts:
        merged |= part
    return merged | headers


def channel(name: str, uid: str, linkedid: str, prefix: str = "", **extra: str) -> dict[str, str]:
    headers = {"Channel": name, "Uniqueid": uid, "Linkedid": linkedid, "ChannelState": "0"}
    return {prefix + key: value for key, value in (headers | extra).items()}


def outbound_attempt(status: str | None, cause: int) -> Frames:
    """101 dials 89161234567 through the trunk and the provider refuses or gives up."""
    phone = channel("PJSIP/101-00000001", "9.1", "9.1", CallerIDNum="101", Exten="89161234567")
    trunk = channel("PJSIP/trunk-00000002", "9.2", "9.1")
    frames = [
        frame("Newchannel", 0.0, phone),
        frame("Newchannel", 0.1, trunk),
        frame(
            "DialBegin",
            0.2,
            phone,
            channel("PJSIP/trunk-00000002", "9.2", "9.1", "Dest"),
            DialString="89161234567@trunk",
        ),
    ]
    if status is not None:
        dest = channel("PJSIP/trunk-00000002", "9.2", "9.1", "Dest")
        frames.append(frame("DialEnd", 9.0, phone, dest, DialStatus=status))
    frames += [
        frame("Hangup", 9.1, trunk, Cause=str(cause)),
        frame("HangupRequest", 11.0, phone, Cause="16"),
        frame("Hangup", 11.1, phone, Cause="16"),
    ]
    return frames


@pytest.mark.parametrize(
    ("status", "cause", "disposition"),
    [
        ("BUSY", 17, "busy"),
        ("NOANSWER", 19, "no_answer"),
        ("CANCEL", 0, "no_answer"),
        ("CONGESTION", 34, "failed"),
        ("CHANUNAVAIL", 1, "failed"),
        (None, 17, "busy"),
        (None, 21, "no_answer"),
        (None, 1, "failed"),
        (None, 16, "no_answer"),
    ],
)
def test_outbound_attempt_disposition_follows_dial_status_and_cause(
    status: str | None, cause: int, disposition: str
) -> None:
    (record,) = replay(outbound_attempt(status, cause), make_tracker())

    assert (record.direction, record.caller, record.callee) == ("outbound", "101", "89161234567")
    assert record.disposition == disposition
    assert (record.answered_at, record.answered_by, record.legs) == (None, None, ())
    assert record.ring_seconds == (9 if status is not None else 11)
    assert record.hangup_by == "101"


def test_a_line_answered_by_an_application_is_not_an_answered_call() -> None:
    """Answer() + Playback(): the channel is Up, but nobody talked to the caller."""
    trunk = channel("PJSIP/trunk-00000001", "8.1", "8.1", CallerIDNum=CALLER, Exten=DID)
    frames = [
        frame("Newchannel", 0.0, trunk, ChannelState="4"),
        frame("Newstate", 0.1, trunk, ChannelState="6"),
        frame("Newexten", 0.2, trunk, Application="Playback", AppData="office-closed"),
        frame("Hangup", 12.0, trunk, Cause="16"),
    ]

    (record,) = replay(frames, make_tracker())

    assert (record.disposition, record.answered_at, record.answered_by) == ("no_answer", None, None)
    assert record.callee == DID


def test_extensions_can_come_from_a_device_mapping() -> None:
    """Phones named after people (PJSIP/anna-phone) are mapped to their extensions;
    a phone missing from the map still answers calls, it just has no extension."""
    frames = [
        {key: value.replace("PJSIP/101-", "PJSIP/anna-phone-") for key, value in f.items()}
        for f in frames_of("inbound_answered")
    ]

    (record,) = replay(frames, make_tracker(extension_of={"PJSIP/anna-phone": "101"}))

    assert (record.answered_by, record.legs[0].party_b) == ("101", "101")
    (unmapped,) = replay(frames, make_tracker(extension_of={}))
    assert (unmapped.disposition, unmapped.answered_by) == ("answered", None)
    assert [(leg.party_a, leg.party_b) for leg in unmapped.legs] == [(CALLER, None)]


def test_local_halves_with_different_linkedids_are_one_call() -> None:
    one = channel("Local/101@office-ring-00000007;1", "7.1", "7.1")
    two = channel("Local/101@office-ring-00000007;2", "7.2", "7.2")
    tracker = make_tracker()

    replay([frame("Newchannel", 0.0, one), frame("Newchannel", 0.1, two)], tracker)
    assert tracker.active_calls == 1
    records = replay([frame("Hangup", 1.0, one), frame("Hangup", 1.1, two)], tracker)

    assert [record.linkedid for record in records] == ["7.1"]


# -- outages and the safety valve ------------------------------------------------------


def test_sweep_closes_a_call_that_went_silent_as_incomplete() -> None:
    """The Hangup never came (lost, or Asterisk died): the call ends at its last event."""
    frames = frames_of("inbound_answered")
    silent = frames[: next(i for i, f in enumerate(frames) if f.get("Event") == "HangupRequest")]
    tracker = make_tracker(stale_after=timedelta(hours=6))
    replay(silent, tracker)
    last_event = base_of(frames) + timedelta(seconds=6.006)  # Anna's BridgeEnter

    assert not tracker.sweep(last_event + timedelta(hours=5))
    (record,) = tracker.sweep(last_event + timedelta(hours=6))

    assert record.incomplete
    assert record.ended_at == last_event
    assert (record.answered_by, record.disposition, record.talk_seconds) == ("101", "answered", 0)
    assert tracker.active_calls == 0


def test_reconnect_with_no_channels_listed_ends_every_call_when_the_link_was_lost() -> None:
    frames = frames_of("ami_disconnect")
    before = frames[: next(i for i, f in enumerate(frames) if marker_of(f) is not None)]
    tracker = make_tracker()
    replay(before, tracker)
    lost_at = ami.event_time(before[-1], datetime.now(UTC)) + timedelta(seconds=3)

    tracker.connection_lost(lost_at)
    records = tracker.resync([], lost_at + timedelta(seconds=40))

    assert sorted(r.linkedid for r in records) == ["1736937600.1101", "1736937600.1103"]
    assert all(r.ended_at == lost_at and r.incomplete for r in records)
    assert tracker.active_calls == 0


def test_resync_adopts_a_call_that_started_during_the_outage() -> None:
    at = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)
    trunk = ChannelSnapshot("PJSIP/trunk-0000000f", "5.1", "5.1", 6, CALLER, None, None, DID, None)
    phone = ChannelSnapshot("PJSIP/102-00000010", "5.2", "5.1", 6, "102", None, None, DID, None)
    tracker = make_tracker()
    tracker.connection_lost(at - timedelta(seconds=40))

    assert not tracker.resync(
        [
            ami.CoreShowChannel(at, "r", trunk, "bridge-9", "Dial", 30),
            ami.CoreShowChannel(at, "r", phone, "bridge-9", "AppDial", 25),
        ],
        at,
    )
    tracker.feed(ami.Hangup(at + timedelta(seconds=10), phone, 16, None))
    (record,) = tracker.feed(ami.Hangup(at + timedelta(seconds=10), trunk, 16, None))

    assert record.incomplete
    assert record.started_at == at - timedelta(seconds=30)
    assert (record.answered_by, record.talk_seconds, record.callee) == ("102", 10, DID)


# -- memory ----------------------------------------------------------------------------


def renumbered(frames: Iterable[Mapping[str, str]], n: int, shift_s: float) -> Frames:
    """A copy of a call with unique ids, channel names and bridge, `shift_s` seconds later."""
    copy: Frames = []
    for original in frames:
        changed = dict(original)
        for key, value in original.items():
            lowered = key.lower()
            if lowered.endswith(("uniqueid", "linkedid")):
                changed[key] = f"{value}-{n}"
            elif lowered.endswith("channel"):
                changed[key] = re.sub(r"-([0-9a-f]+)$", lambda m: f"-{n:06x}{m[1][-2:]}", value)
            elif lowered == "timestamp":
                changed[key] = f"{float(value) + shift_s:.6f}"
        copy.append(changed)
    return copy


def test_memory_stays_flat_over_many_calls() -> None:
    """Finished calls leave nothing behind but a capped list of recently ended ids."""
    templates = [without_noise(frames_of(name)) for name in ("queue_ringall", "attended_transfer")]
    tracker = make_tracker(ended_ids_remembered=500)
    finished = 0
    for n in range(600):
        first, second = (renumbered(t, n, 60.0 * n) for t in templates)
        interleaved = [f for pair in zip(first, second, strict=False) for f in pair]
        interleaved += first[len(second) :] + second[len(first) :]
        finished += len(replay(interleaved, tracker))
        assert tracker.footprint()["ended_ids"] <= 500

    assert finished == 1200
    assert tracker.footprint() == {
        "calls": 0,
        "channels": 0,
        "channel_calls": 0,
        "linkedids": 0,
        "bridges": 0,
        "names": 0,
        "ended_ids": 500,
    }
