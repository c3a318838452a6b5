"""Transcripts: the text format of recorded AMI sessions, its markers, and the noise filter."""

from __future__ import annotations

from pathlib import Path

import pytest

from kompas_cc.telephony.transcripts import (
    DISCONNECT,
    MARKER_KEY,
    RECONNECT,
    TranscriptError,
    load_transcript,
    marker_of,
    parse_transcript,
    without_noise,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ami"
TRANSCRIPTS = sorted(FIXTURES.glob("*.ami"))
LISTING_EVENTS = {"CoreShowChannel", "CoreShowChannelsComplete"}


def test_parse_transcript_splits_frames_on_empty_lines_and_keeps_header_order() -> None:
    text = (
        "Event: Newchannel\nChannel: PJSIP/101-00000001\nUniqueid: 1.1\n"
        "\n"
        "Event: Hangup\nCause: 16\n"
    )

    frames = parse_transcript(text)

    assert frames == [
        {"Event": "Newchannel", "Channel": "PJSIP/101-00000001", "Uniqueid": "1.1"},
        {"Event": "Hangup", "Cause": "16"},
    ]
    assert list(frames[0]) == ["Event", "Channel", "Uniqueid"]


def test_parse_transcript_skips_comments_and_accepts_crlf() -> None:
    text = "; scenario notes\r\nEvent: Hold\r\n; inside a frame\r\nChannel: PJSIP/101-1\r\n\r\n\r\n"

    assert parse_transcript(text) == [{"Event": "Hold", "Channel": "PJSIP/101-1"}]


def test_parse_transcript_keeps_colons_in_values_and_empty_values() -> None:
    frames = parse_transcript("Event: VarSet\nValue: sip:101@192.0.2.1:5060\nAccountCode:\n")

    assert frames == [{"Event": "VarSet", "Value": "sip:101@192.0.2.1:5060", "AccountCode": ""}]


def test_parse_transcript_turns_markers_into_frames_with_optional_time() -> None:
    text = (
        "Event: Newchannel\n"
        ";; DISCONNECT 1736937620.000000\n"
        ";; a plain comment in marker style\n"
        ";; reconnect\n"
        "Event: CoreShowChannelsComplete\n"
    )

    frames = parse_transcript(text)

    assert frames == [
        {"Event": "Newchannel"},
        {MARKER_KEY: DISCONNECT, "Timestamp": "1736937620.000000"},
        {MARKER_KEY: RECONNECT},
        {"Event": "CoreShowChannelsComplete"},
    ]
    assert [marker_of(frame) for frame in frames] == [None, DISCONNECT, RECONNECT, None]


def test_parse_transcript_rejects_a_line_that_is_not_a_header() -> None:
    with pytest.raises(TranscriptError) as error:
        parse_transcript("Event: Hangup\nthis is not a header\n")

    assert error.value.line_number == 2


def test_without_noise_drops_chatter_but_keeps_voicemail_and_markers() -> None:
    frames = [
        {"Event": "Newchannel"},
        {"Event": "VarSet", "Variable": "DIALSTATUS"},
        {"Event": "Newexten", "Application": "Dial"},
        {"event": "newexten", "application": "VoiceMail"},
        {"Event": "RTCPSent"},
        {"Event": "RTCPReceived"},
        {MARKER_KEY: DISCONNECT},
        {"Event": "Hangup"},
    ]

    assert without_noise(frames) == [
        {"Event": "Newchannel"},
        {"event": "newexten", "application": "VoiceMail"},
        {MARKER_KEY: DISCONNECT},
        {"Event": "Hangup"},
    ]


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
def test_fixture_transcript_is_well_formed(path: Path) -> None:
    """Every fixture opens with FullyBooted and stamps each event as timestampevents=yes does.

    CoreShowChannel frames answer an action, and Asterisk sends action output unstamped.
    Every channel snapshot (it has ChannelState) names its Uniqueid and Linkedid.
    """
    frames = load_transcript(path)

    events = [frame for frame in frames if marker_of(frame) is None]
    assert events[0]["Event"] == "FullyBooted"
    for frame in events:
        assert "Event" in frame
        if frame["Event"] not in LISTING_EVENTS:
            assert "Timestamp" in frame, frame
        if "ChannelState" in frame:
            assert "Uniqueid" in frame, frame
            assert "Linkedid" in frame, frame


def test_fixture_transcripts_cover_the_scenarios() -> None:
    assert {path.stem for path in TRANSCRIPTS} >= {
        "inbound_answered",
        "queue_ringall",
        "queue_abandoned",
        "no_answer_voicemail",
        "busy",
        "blind_transfer",
        "attended_transfer",
        "click_to_call",
        "overlapping_calls",
        "local_channels",
        "ami_disconnect",
    }
