"""Recorded AMI sessions ("transcripts"): the text format, a loader, and a noise filter.

A transcript is what an AMI client receives after login, written down as text::

    ; a comment line: ignored
    Event: Newchannel
    Privilege: call,all
    Timestamp: 1736931600.000000
    Channel: PJSIP/trunk-00000001
    Uniqueid: 1736931600.1

    Event: Hangup
    ...

* A frame is a run of `Key: Value` lines, ended by an empty line (or the end of the text).
  The value is everything after the first colon, stripped; header order is kept.
* Lines starting with `;` are comments, except markers, which start with `;;` and stand
  between frames: `;; DISCONNECT` (the AMI connection drops here) and `;; RECONNECT` (the
  client logs in again; the CoreShowChannel frames that follow, up to
  CoreShowChannelsComplete, answer its CoreShowChannels action). A marker may carry an epoch
  time: `;; DISCONNECT 1736931655.000000`. Other `;;` lines are comments.
* A marker becomes a frame of its own, `{";;": "DISCONNECT"}` (plus `Timestamp` when
  given): no AMI header name starts with `;`, so it cannot be mistaken for an event.

Files are UTF-8; `\\r\\n` line ends are accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from kompas_cc.telephony.amievents import SIGNAL_APPLICATIONS

__all__ = [
    "DISCONNECT",
    "MARKERS",
    "MARKER_KEY",
    "NOISE_EVENTS",
    "RECONNECT",
    "TranscriptError",
    "load_transcript",
    "marker_of",
    "parse_transcript",
    "without_noise",
]

MARKER_KEY = ";;"
DISCONNECT = "DISCONNECT"
RECONNECT = "RECONNECT"
MARKERS = frozenset({DISCONNECT, RECONNECT})

#: Events that say nothing about who called whom, who answered, or when anyone hung up.
NOISE_EVENTS = frozenset(
    {
        "newexten",
        "varset",
        "rtcpsent",
        "rtcpreceived",
        "newcallerid",
        "newconnectedline",
        "newaccountcode",
        "devicestatechange",
        "extensionstatus",
        "peerstatus",
        "contactstatus",
        "queuememberstatus",
        "dtmfbegin",
        "dtmfend",
        "musiconholdstart",
        "musiconholdstop",
        "channeltalkingstart",
        "channeltalkingstop",
        "dialstate",
        "mixmonitorstart",
        "mixmonitorstop",
        "cdr",
        "cel",
    }
)


class TranscriptError(ValueError):
    """A line that is neither a header, a comment, a marker nor a frame end."""

    def __init__(self, line_number: int, line: str) -> None:
        super().__init__(f"line {line_number}: not a 'Key: Value' header: {line!r}")
        self.line_number = line_number


def parse_transcript(text: str) -> list[dict[str, str]]:
    """The frames of a transcript, markers included, in order."""
    frames: list[dict[str, str]] = []
    frame: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        marker = _marker(line)
        if marker is not None or not line:
            if frame:
                frames.append(frame)
                frame = {}
            if marker is not None:
                frames.append(marker)
            continue
        if line.startswith(";"):
            continue
        key, colon, value = line.partition(":")
        if not colon or not key.strip():
            raise TranscriptError(number, raw)
        frame[key.strip()] = value.strip()
    if frame:
        frames.append(frame)
    return frames


def load_transcript(path: Path) -> list[dict[str, str]]:
    return parse_transcript(path.read_text(encoding="utf-8"))


def marker_of(frame: Mapping[str, str]) -> str | None:
    """DISCONNECT or RECONNECT for a marker frame, None for an AMI frame."""
    value = frame.get(MARKER_KEY)
    return value if value in MARKERS else None


def without_noise(frames: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """The frames minus dialplan, variable, RTCP and device chatter (markers stay)."""
    return [dict(frame) for frame in frames if not _is_noise(frame)]


def _is_noise(frame: Mapping[str, str]) -> bool:
    headers = {key.lower(): value for key, value in frame.items()}
    event = headers.get("event", "").lower()
    if event == "newexten":
        return headers.get("application", "").lower() not in SIGNAL_APPLICATIONS
    return event in NOISE_EVENTS


def _marker(line: str) -> dict[str, str] | None:
    if not line.startswith(MARKER_KEY):
        return None
    words = line[len(MARKER_KEY) :].split()
    if not words or words[0].upper() not in MARKERS:
        return None
    marker = {MARKER_KEY: words[0].upper()}
    if len(words) > 1:
        marker["Timestamp"] = words[1]
    return marker
