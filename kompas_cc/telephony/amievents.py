"""AMI messages as typed events: the translation layer between Asterisk and the call tracker.

`translate()` turns one AMI event message (a mapping of header names to values, as
panoramisk or a transcript delivers it) into a frozen event, or None for an event nobody
here needs. It decides nothing about calls; it only reads headers, and it never raises:
AMI is a network input, and one odd message must not stop the stream.

Conventions of Asterisk 12+ that shape this module:

* Header names are matched case-insensitively; values `<unknown>` and empty mean "absent".
* Events describe channels as snapshots: the same header set (Channel, Uniqueid, Linkedid,
  CallerIDNum, Exten, ...) under a prefix: none for the main channel, `Dest` for the dialled
  or queue member channel, `Transferer`/`Transferee`/`TransferTarget` for transfers,
  `LocalOne`/`LocalTwo` for the halves of a Local channel. `ChannelSnapshot` is that set.
* The time of an event is its `Timestamp` header (epoch seconds with microseconds, sent
  when manager.conf has timestampevents=yes), else the moment the message was received.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kompas_cc.core.events import Event

__all__ = [
    "AgentCalled",
    "AgentComplete",
    "AgentConnect",
    "AgentRingNoAnswer",
    "AmiEvent",
    "AttendedTransfer",
    "BlindTransfer",
    "BridgeEnter",
    "BridgeLeave",
    "ChannelSnapshot",
    "CoreShowChannel",
    "CoreShowChannelsComplete",
    "DialBegin",
    "DialEnd",
    "FullyBooted",
    "Hangup",
    "HangupRequest",
    "Hold",
    "LocalBridge",
    "LocalOptimizationEnd",
    "Newchannel",
    "Newexten",
    "Newstate",
    "OriginateResponse",
    "QueueCallerAbandon",
    "QueueCallerJoin",
    "QueueCallerLeave",
    "Rename",
    "SoftHangupRequest",
    "Unhold",
    "event_time",
    "translate",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ABSENT_VALUES = frozenset({"", "<unknown>"})
_TIMESTAMP = re.compile(r"(\d{1,12})(?:\.(\d{1,9}))?")
_INTEGER = re.compile(r"-?\d{1,18}")
_TRUE = frozenset({"yes", "true", "1", "on"})
_FALSE = frozenset({"no", "false", "0", "off"})
_DURATION = re.compile(r"(\d{1,9}):([0-5]\d):([0-5]\d)")


@dataclass(frozen=True, slots=True)
class ChannelSnapshot:
    """One channel as an event shows it; any field may be missing from a given message."""

    name: str | None
    uniqueid: str | None
    linkedid: str | None
    state: int | None
    caller_num: str | None
    caller_name: str | None
    connected_num: str | None
    exten: str | None
    context: str | None


@dataclass(frozen=True, slots=True)
class AmiEvent(Event):
    """Something Asterisk reported; `at` is an aware UTC datetime."""

    at: datetime


@dataclass(frozen=True, slots=True)
class FullyBooted(AmiEvent):
    """Asterisk finished starting (also sent right after every AMI login)."""

    status: str | None


@dataclass(frozen=True, slots=True)
class Newchannel(AmiEvent):
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class Newstate(AmiEvent):
    """The channel state changed (Ring, Ringing, Up...); Up does not mean a person answered."""

    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class Rename(AmiEvent):
    channel: ChannelSnapshot
    new_name: str | None


@dataclass(frozen=True, slots=True)
class Newexten(AmiEvent):
    """The channel runs a dialplan step; mostly chatter, but VoiceMail here marks voicemail."""

    channel: ChannelSnapshot
    application: str | None
    app_data: str | None


@dataclass(frozen=True, slots=True)
class Hangup(AmiEvent):
    """The channel is gone. `cause` is the Q.850 code (16 normal, 17 busy, 19 no answer)."""

    channel: ChannelSnapshot
    cause: int | None
    cause_text: str | None


@dataclass(frozen=True, slots=True)
class HangupRequest(AmiEvent):
    """The channel's own side asked to hang up (a BYE from the phone or the provider)."""

    channel: ChannelSnapshot
    cause: int | None


@dataclass(frozen=True, slots=True)
class SoftHangupRequest(AmiEvent):
    """Asterisk itself was asked to hang the channel up (AMI Hangup, a bridge ending)."""

    channel: ChannelSnapshot
    cause: int | None


@dataclass(frozen=True, slots=True)
class Hold(AmiEvent):
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class Unhold(AmiEvent):
    channel: ChannelSnapshot


@dataclass(frozen=True, slots=True)
class DialBegin(AmiEvent):
    """`channel` dials `dest`; `channel` is None when an Originate places the call."""

    channel: ChannelSnapshot | None
    dest: ChannelSnapshot
    dial_string: str | None


@dataclass(frozen=True, slots=True)
class DialEnd(AmiEvent):
    """The dial ended: ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL..."""

    channel: ChannelSnapshot | None
    dest: ChannelSnapshot
    dial_status: str | None


@dataclass(frozen=True, slots=True)
class BridgeEnter(AmiEvent):
    """`swap_uniqueid` names the channel this one replaces (Local channel optimization)."""

    channel: ChannelSnapshot
    bridge_id: str | None
    bridge_type: str | None
    num_channels: int | None
    swap_uniqueid: str | None


@dataclass(frozen=True, slots=True)
class BridgeLeave(AmiEvent):
    channel: ChannelSnapshot
    bridge_id: str | None
    num_channels: int | None


@dataclass(frozen=True, slots=True)
class QueueCallerJoin(AmiEvent):
    channel: ChannelSnapshot
    queue: str | None
    position: int | None
    count: int | None


@dataclass(frozen=True, slots=True)
class QueueCallerLeave(AmiEvent):
    """The caller left the queue: connected, timed out, or hung up (then after Abandon)."""

    channel: ChannelSnapshot
    queue: str | None
    position: int | None
    count: int | None


@dataclass(frozen=True, slots=True)
class QueueCallerAbandon(AmiEvent):
    channel: ChannelSnapshot
    queue: str | None
    position: int | None
    original_position: int | None
    hold_time: int | None


@dataclass(frozen=True, slots=True)
class AgentCalled(AmiEvent):
    """The queue rings a member; `channel` is the caller, `dest` the member's channel."""

    channel: ChannelSnapshot
    dest: ChannelSnapshot | None
    queue: str | None
    member_name: str | None
    interface: str | None


@dataclass(frozen=True, slots=True)
class AgentConnect(AmiEvent):
    """A member answered the queue caller; times are in seconds."""

    channel: ChannelSnapshot
    dest: ChannelSnapshot | None
    queue: str | None
    member_name: str | None
    interface: str | None
    hold_time: int | None
    ring_time: int | None


@dataclass(frozen=True, slots=True)
class AgentComplete(AmiEvent):
    """The member's conversation ended; `reason` is caller, agent or transfer."""

    channel: ChannelSnapshot
    dest: ChannelSnapshot | None
    queue: str | None
    member_name: str | None
    interface: str | None
    hold_time: int | None
    talk_time: int | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class AgentRingNoAnswer(AmiEvent):
    channel: ChannelSnapshot
    dest: ChannelSnapshot | None
    queue: str | None
    member_name: str | None
    interface: str | None
    ring_time: int | None


@dataclass(frozen=True, slots=True)
class BlindTransfer(AmiEvent):
    """`transferer` sent `transferee` to `extension`@`context`; `result` is Success on success."""

    result: str | None
    transferer: ChannelSnapshot | None
    transferee: ChannelSnapshot | None
    bridge_id: str | None
    context: str | None
    extension: str | None
    is_external: bool | None


@dataclass(frozen=True, slots=True)
class AttendedTransfer(AmiEvent):
    """The transferer joined `transferee` with `target` (the party of the consultation call).

    `orig_transferer` and `second_transferer` are the transferer's two channels in the order
    they were set up; `dest_type` tells how Asterisk finished it (Bridge, App, Link, Threeway).
    """

    result: str | None
    orig_transferer: ChannelSnapshot | None
    second_transferer: ChannelSnapshot | None
    orig_bridge_id: str | None
    second_bridge_id: str | None
    transferee: ChannelSnapshot | None
    target: ChannelSnapshot | None
    dest_type: str | None
    dest_bridge_id: str | None
    dest_app: str | None
    local_one: ChannelSnapshot | None
    local_two: ChannelSnapshot | None
    is_external: bool | None


@dataclass(frozen=True, slots=True)
class LocalBridge(AmiEvent):
    """The two halves (;1 and ;2) of a Local channel were linked."""

    local_one: ChannelSnapshot | None
    local_two: ChannelSnapshot | None
    context: str | None
    exten: str | None
    optimization: bool | None


@dataclass(frozen=True, slots=True)
class LocalOptimizationEnd(AmiEvent):
    local_one: ChannelSnapshot | None
    local_two: ChannelSnapshot | None
    success: bool | None


@dataclass(frozen=True, slots=True)
class OriginateResponse(AmiEvent):
    """The outcome of an asynchronous Originate; `reason` 4 means answered."""

    action_id: str | None
    response: str | None
    channel: ChannelSnapshot | None
    reason: int | None


@dataclass(frozen=True, slots=True)
class CoreShowChannel(AmiEvent):
    """One live channel listed in reply to the CoreShowChannels action."""

    action_id: str | None
    channel: ChannelSnapshot
    bridge_id: str | None
    application: str | None
    duration_seconds: int | None


@dataclass(frozen=True, slots=True)
class CoreShowChannelsComplete(AmiEvent):
    action_id: str | None
    list_items: int | None


class _Headers:
    """Header access by lower-cased name; every getter returns None for absent or bad values."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    @classmethod
    def of(cls, message: object) -> _Headers | None:
        if not isinstance(message, Mapping):
            return None
        values: dict[str, str] = {}
        for key, value in message.items():
            # Nearly every value is a plain string: no call for it (this runs per header).
            text = value if type(value) is str else _first_text(value)
            if text is not None and isinstance(key, str):
                values[key.strip().lower()] = text.strip()
        return cls(values)

    def text(self, name: str) -> str | None:
        value = self._values.get(name)
        return None if value is None or value.lower() in _ABSENT_VALUES else value

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        return int(value) if value is not None and _INTEGER.fullmatch(value) else None

    def flag(self, name: str) -> bool | None:
        value = (self.text(name) or "").lower()
        return True if value in _TRUE else False if value in _FALSE else None

    def upper(self, name: str) -> str | None:
        value = self.text(name)
        return value.upper() if value is not None else None

    def snapshot(self, prefix: str = "") -> ChannelSnapshot | None:
        name = self.text(prefix + "channel")
        uniqueid = self.text(prefix + "uniqueid")
        if name is None and uniqueid is None:
            return None
        return ChannelSnapshot(
            name=name,
            uniqueid=uniqueid,
            linkedid=self.text(prefix + "linkedid"),
            state=self.integer(prefix + "channelstate"),
            caller_num=self.text(prefix + "calleridnum"),
            caller_name=self.text(prefix + "calleridname"),
            connected_num=self.text(prefix + "connectedlinenum"),
            exten=self.text(prefix + "exten"),
            context=self.text(prefix + "context"),
        )

    def duration(self, name: str) -> int | None:
        """`HH:MM:SS` as CoreShowChannel's Duration gives it, in seconds."""
        value = self.text(name)
        match = _DURATION.fullmatch(value) if value is not None else None
        if match is None:
            return None
        hours, minutes, seconds = (int(part) for part in match.groups())
        return hours * 3600 + minutes * 60 + seconds


def _first_text(value: object) -> str | None:
    """A header value; a repeated header (delivered as a list) counts by its first value."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and value and isinstance(value[0], str):
        return value[0]
    return None


def _utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive value is taken as UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return moment


def _timestamp(headers: _Headers) -> datetime | None:
    value = headers.text("timestamp")
    match = _TIMESTAMP.fullmatch(value) if value is not None else None
    if match is None:
        return None
    seconds, fraction = match.groups()
    microseconds = int((fraction or "0").ljust(6, "0")[:6])
    try:
        return _EPOCH + timedelta(seconds=int(seconds), microseconds=microseconds)
    except OverflowError:
        return None


def event_time(message: Mapping[str, str], received_at: datetime) -> datetime:
    """When the event happened: its Timestamp header if valid, else `received_at` (in UTC)."""
    headers = _Headers.of(message)
    moment = _timestamp(headers) if headers is not None else None
    return moment if moment is not None else _utc(received_at)


Getter = Callable[[_Headers], object]


def _snapshot(prefix: str = "") -> Getter:
    return lambda headers: headers.snapshot(prefix)


def _text(name: str) -> Getter:
    return lambda headers: headers.text(name)


def _upper(name: str) -> Getter:
    return lambda headers: headers.upper(name)


def _integer(name: str) -> Getter:
    return lambda headers: headers.integer(name)


def _flag(name: str) -> Getter:
    return lambda headers: headers.flag(name)


def _duration(name: str) -> Getter:
    return lambda headers: headers.duration(name)


@dataclass(frozen=True, slots=True)
class _Spec:
    """How to read one event: a getter per field; without its `required` field, no event."""

    name: str
    kind: Callable[..., AmiEvent]
    fields: Mapping[str, Getter]
    required: str | None

    def build(self, headers: _Headers, at: datetime) -> AmiEvent | None:
        values = {name: getter(headers) for name, getter in self.fields.items()}
        if self.required is not None and values[self.required] is None:
            return None
        return self.kind(at=at, **values)


def _spec(kind: type[AmiEvent], *, required: str | None = "channel", **fields: Getter) -> _Spec:
    return _Spec(kind.__name__.lower(), kind, fields, required)


_CHANNEL = _snapshot()
_DEST = _snapshot("dest")


def _member_spec(kind: type[AmiEvent], **fields: Getter) -> _Spec:
    """The app_queue events about a member: the caller's channel, the member's, the queue."""
    member = {
        "channel": _CHANNEL,
        "dest": _DEST,
        "queue": _text("queue"),
        "member_name": _text("membername"),
        "interface": _text("interface"),
    }
    return _Spec(kind.__name__.lower(), kind, member | fields, "channel")


_SPECS: dict[str, _Spec] = {
    spec.name: spec
    for spec in (
        _spec(FullyBooted, required=None, status=_text("status")),
        _spec(Newchannel, channel=_CHANNEL),
        _spec(Newstate, channel=_CHANNEL),
        _spec(Rename, channel=_CHANNEL, new_name=_text("newname")),
        _spec(
            Newexten, channel=_CHANNEL, application=_text("application"), app_data=_text("appdata")
        ),
        _spec(Hangup, channel=_CHANNEL, cause=_integer("cause"), cause_text=_text("cause-txt")),
        _spec(HangupRequest, channel=_CHANNEL, cause=_integer("cause")),
        _spec(SoftHangupRequest, channel=_CHANNEL, cause=_integer("cause")),
        _spec(Hold, channel=_CHANNEL),
        _spec(Unhold, channel=_CHANNEL),
        _spec(
            DialBegin,
            required="dest",
            channel=_CHANNEL,
            dest=_DEST,
            dial_string=_text("dialstring"),
        ),
        _spec(
            DialEnd, required="dest", channel=_CHANNEL, dest=_DEST, dial_status=_upper("dialstatus")
        ),
        _spec(
            BridgeEnter,
            channel=_CHANNEL,
            bridge_id=_text("bridgeuniqueid"),
            bridge_type=_text("bridgetype"),
            num_channels=_integer("bridgenumchannels"),
            swap_uniqueid=_text("swapuniqueid"),
        ),
        _spec(
            BridgeLeave,
            channel=_CHANNEL,
            bridge_id=_text("bridgeuniqueid"),
            num_channels=_integer("bridgenumchannels"),
        ),
        _spec(
            QueueCallerJoin,
            channel=_CHANNEL,
            queue=_text("queue"),
            position=_integer("position"),
            count=_integer("count"),
        ),
        _spec(
            QueueCallerLeave,
            channel=_CHANNEL,
            queue=_text("queue"),
            position=_integer("position"),
            count=_integer("count"),
        ),
        _spec(
            QueueCallerAbandon,
            channel=_CHANNEL,
            queue=_text("queue"),
            position=_integer("position"),
            original_position=_integer("originalposition"),
            hold_time=_integer("holdtime"),
        ),
        _member_spec(AgentCalled),
        _member_spec(AgentConnect, hold_time=_integer("holdtime"), ring_time=_integer("ringtime")),
        _member_spec(
            AgentComplete,
            hold_time=_integer("holdtime"),
            talk_time=_integer("talktime"),
            reason=_text("reason"),
        ),
        _member_spec(AgentRingNoAnswer, ring_time=_integer("ringtime")),
        _spec(
            BlindTransfer,
            required=None,
            result=_text("result"),
            transferer=_snapshot("transferer"),
            transferee=_snapshot("transferee"),
            bridge_id=_text("bridgeuniqueid"),
            context=_text("context"),
            extension=_text("extension"),
            is_external=_flag("isexternal"),
        ),
        _spec(
            AttendedTransfer,
            required=None,
            result=_text("result"),
            orig_transferer=_snapshot("origtransferer"),
            second_transferer=_snapshot("secondtransferer"),
            orig_bridge_id=_text("origbridgeuniqueid"),
            second_bridge_id=_text("secondbridgeuniqueid"),
            transferee=_snapshot("transferee"),
            target=_snapshot("transfertarget"),
            dest_type=_text("desttype"),
            dest_bridge_id=_text("destbridgeuniqueid"),
            dest_app=_text("destapp"),
            local_one=_snapshot("localone"),
            local_two=_snapshot("localtwo"),
            is_external=_flag("isexternal"),
        ),
        _spec(
            LocalBridge,
            required=None,
            local_one=_snapshot("localone"),
            local_two=_snapshot("localtwo"),
            context=_text("context"),
            exten=_text("exten"),
            optimization=_flag("localoptimization"),
        ),
        _spec(
            LocalOptimizationEnd,
            required=None,
            local_one=_snapshot("localone"),
            local_two=_snapshot("localtwo"),
            success=_flag("success"),
        ),
        _spec(
            OriginateResponse,
            required=None,
            action_id=_text("actionid"),
            response=_text("response"),
            channel=_CHANNEL,
            reason=_integer("reason"),
        ),
        _spec(
            CoreShowChannel,
            action_id=_text("actionid"),
            channel=_CHANNEL,
            bridge_id=_text("bridgeid"),
            application=_text("application"),
            duration_seconds=_duration("duration"),
        ),
        _spec(
            CoreShowChannelsComplete,
            required=None,
            action_id=_text("actionid"),
            list_items=_integer("listitems"),
        ),
    )
}


def _event_name(message: object) -> str | None:
    """The lower-cased Event header, looked up without copying the message."""
    if not isinstance(message, Mapping):
        return None
    try:
        value = message.get("Event")
    except Exception:
        value = None
    if value is None:
        value = next(
            (v for k, v in message.items() if isinstance(k, str) and k.strip().lower() == "event"),
            None,
        )
    text = _first_text(value)
    return text.strip().lower() if text is not None else None


def translate(message: Mapping[str, str], received_at: datetime) -> AmiEvent | None:
    """The typed event for one AMI event message, or None when it is not one we use."""
    name = _event_name(message)
    spec = _SPECS.get(name) if name is not None else None
    if spec is None:
        return None  # most of the stream (Newexten, VarSet, ...): skipped before parsing
    headers = _Headers.of(message)
    if headers is None:
        return None
    moment = _timestamp(headers)
    return spec.build(headers, moment if moment is not None else _utc(received_at))
