"""dialplans/manager_kompas.conf: the event filter leaves the call log as it is without it,
and the user's classes let KOMPAS read what it uses and send what it sends.

The filters are read from the file and applied the way Asterisk's manager.c applies legacy
`eventfilter` lines: a POSIX extended regular expression searched in the whole event text
("Event: <name>\\r\\nPrivilege: ...\\r\\n..."), where `.` also matches a line end; with
including filters only, an event passes when one of them matches, and a `!` filter drops
what it matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kompas_cc.telephony import amievents
from kompas_cc.telephony.amievents import AmiEvent, Newexten, translate
from kompas_cc.telephony.calls import CallTracker
from kompas_cc.telephony.replay import replay
from kompas_cc.telephony.simulator_config import TrafficConfig, TrafficMix
from kompas_cc.telephony.simulator_traffic import generate_traffic
from kompas_cc.telephony.transcripts import load_transcript, marker_of

ROOT = Path(__file__).resolve().parents[2]
MANAGER_CONF = ROOT / "dialplans" / "manager_kompas.conf"
TRANSCRIPTS = sorted((ROOT / "tests" / "fixtures" / "ami").glob("*.ami"))
START = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
TRUNKS = ("PJSIP/trunk-*",)
#: The part of POSIX ERE whose matches Python's `re` finds alike (no escapes, no classes).
PORTABLE_REGEX = re.compile(r"[\w :^|()\[\].*-]+")
#: The class each action KOMPAS sends requires (manager.c's registrations, Asterisk 13-22);
#: Challenge, Login and Ping require none.
ACTION_CLASSES = {
    "Originate": "originate",
    "Redirect": "call",
    "BlindTransfer": "call",
    "Atxfer": "call",
    "Hangup": "call",
    "CoreShowChannels": "reporting",
}

Frame = Mapping[str, str]


@dataclass(frozen=True)
class ManagerUser:
    read: frozenset[str]
    write: frozenset[str]
    including: tuple[re.Pattern[str], ...]
    excluding: tuple[re.Pattern[str], ...]

    def passes(self, frame: Frame) -> bool:
        text = "".join(f"{name}: {value}\r\n" for name, value in ({"Event": ""} | frame).items())
        if self.including and not any(regex.search(text) for regex in self.including):
            return False
        return not any(regex.search(text) for regex in self.excluding)


def manager_user(path: Path, name: str) -> ManagerUser:
    settings: dict[str, list[str]] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif "=" in line and section == name:
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    filters = settings.get("eventfilter", [])
    for value in filters:
        assert PORTABLE_REGEX.fullmatch(value.lstrip("!")), value
    return ManagerUser(
        read=frozenset(settings["read"][0].split(",")),
        write=frozenset(settings["write"][0].split(",")),
        including=tuple(re.compile(f, re.DOTALL) for f in filters if not f.startswith("!")),
        excluding=tuple(re.compile(f[1:], re.DOTALL) for f in filters if f.startswith("!")),
    )


@pytest.fixture(scope="module")
def kompas() -> ManagerUser:
    return manager_user(MANAGER_CONF, "kompas")


def recorded() -> dict[str, list[dict[str, str]]]:
    """Every transcript, and two hours of generated traffic with transfers of both kinds."""
    traffic = generate_traffic(
        TrafficConfig(
            calls_per_minute=6, mix=TrafficMix(blind_transfer=0.2, attended_transfer=0.2)
        ),
        START,
        timedelta(hours=2),
        seed=5,
    )
    streams = {path.stem: load_transcript(path) for path in TRANSCRIPTS}
    return streams | {"generated traffic": traffic}


STREAMS = recorded()


def synthetic_frame(kind: type[AmiEvent]) -> dict[str, str]:
    """A frame of `kind` with the headers its translation requires."""
    return {
        "Event": kind.__name__,
        "Privilege": "call,all",
        "Channel": "PJSIP/101-00000001",
        "Uniqueid": "1736931600.1",
        "DestChannel": "PJSIP/102-00000002",
        "DestUniqueid": "1736931600.2",
        "Application": "VoiceMail",
        "AppData": "101@default,u",
    }


TRANSLATED_KINDS = [
    kind
    for name in amievents.__all__
    if isinstance(kind := getattr(amievents, name), type)
    and issubclass(kind, AmiEvent)
    and kind is not AmiEvent
]


@pytest.mark.parametrize("kind", TRANSLATED_KINDS, ids=lambda kind: kind.__name__)
def test_every_event_kind_translate_understands_passes(
    kompas: ManagerUser, kind: type[AmiEvent]
) -> None:
    frame = synthetic_frame(kind)

    assert isinstance(translate(frame, START), kind)
    assert kompas.passes(frame)


@pytest.mark.parametrize("stream", STREAMS)
def test_what_the_filter_drops_is_what_the_call_log_ignores(
    kompas: ManagerUser, stream: str
) -> None:
    for frame in STREAMS[stream]:
        if marker_of(frame) is not None or kompas.passes(frame):
            continue
        event = translate(frame, START)
        chatter = isinstance(event, Newexten) and (event.application or "").lower() != "voicemail"
        assert event is None or chatter, frame


@pytest.mark.parametrize("stream", STREAMS)
def test_the_call_log_is_the_same_with_and_without_the_filter(
    kompas: ManagerUser, stream: str
) -> None:
    frames = STREAMS[stream]
    kept = [frame for frame in frames if marker_of(frame) is not None or kompas.passes(frame)]

    unfiltered = replay(frames, CallTracker(trunk_patterns=TRUNKS))
    filtered = replay(kept, CallTracker(trunk_patterns=TRUNKS))

    assert unfiltered
    assert filtered == unfiltered


def test_the_filter_drops_the_chatter(kompas: ManagerUser) -> None:
    frames = STREAMS["generated traffic"] + STREAMS["no_answer_voicemail"]

    dropped = {frame["Event"] for frame in frames if not kompas.passes(frame)}
    kept = [frame for frame in frames if kompas.passes(frame)]

    assert {
        "VarSet",
        "Newexten",
        "DialState",
        "NewCallerid",
        "BridgeCreate",
        "DeviceStateChange",
        "ExtensionStatus",
        "QueueMemberStatus",
    } <= dropped
    assert len(kept) < len(frames) * 0.7
    assert any(frame.get("Application") == "VoiceMail" for frame in kept)
    assert not kompas.passes({"Event": "HangupHandlerRun", "Channel": "PJSIP/101-00000001"})


def test_the_user_reads_every_class_of_the_events_kept(kompas: ManagerUser) -> None:
    classes = {
        frame["Privilege"].split(",")[0]
        for frames in STREAMS.values()
        for frame in frames
        if "Privilege" in frame and kompas.passes(frame) and translate(frame, START)
    }

    assert classes
    assert classes <= kompas.read


def test_the_user_may_send_every_action_kompas_sends(kompas: ManagerUser) -> None:
    assert set(ACTION_CLASSES.values()) <= kompas.write
    assert "all" not in kompas.read | kompas.write, "no more rights than needed"
