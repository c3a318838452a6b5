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

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from operator import methodcaller
from typing import NamedTuple

from kompas_cc.core.events import Event

__all__ = [
    "SIGNAL_APPLICATIONS",
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
    "is_translated",
    "translate",
    "translate_lowered",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ABSENT_VALUES = frozenset({"", "<unknown>"})
_INTEGER = re.compile(r"-?\d{1,18}")
_TRUE = frozenset({"yes", "true", "1", "on"})
_FALSE = frozenset({"no", "false", "0", "off"})
_DURATION = re.compile(r"(\d{1,9}):([0-5]\d):([0-5]\d)")
#: Newexten is dialplan chatter except for these applications: a channel entering
#: voicemail tells a voicemail call. Other steps are not translated at all.
SIGNAL_APPLICATIONS = frozenset({"voicemail"})


class ChannelSnapshot(NamedTuple):
    """One channel as an event shows it; any field may be missing from a given message.

    A named tuple rather than a frozen dataclass: nearly every event carries one or two,
    and a tuple is built in a third of the time."""

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
    """The channel entered one of the SIGNAL_APPLICATIONS (VoiceMail marks a voicemail call);
    the other dialplan steps are chatter and are not translated."""

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
    """Header access by lower-cased name; every getter returns None for absent or bad values.

    `values` maps lower-cased header names to what the message holds: a string, or a list for
    a repeated header (counted by its first value). Values are cleaned as they are read, so
    only the headers an event needs cost anything.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = values

    @classmethod
    def of(cls, message: object) -> _Headers | None:
        if not isinstance(message, Mapping):
            return None
        return cls(
            {key.strip().lower(): value for key, value in message.items() if isinstance(key, str)}
        )

    def text(self, name: str) -> str | None:
        value = self._values.get(name)
        if value.__class__ is str and value and _plain(value):
            return value
        return _cleaned(value)

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
        keys = _SNAPSHOT_KEYS.get(prefix) or _snapshot_keys(prefix)
        # Read for every channel of nearly every event: the common case, a plain value, is
        # taken inline, without a call per header.
        values = [
            value
            if value.__class__ is str
            and value
            and value[0] != "<"
            and not value[0].isspace()
            and not value[-1].isspace()
            else None
            if value is None or value == "<unknown>"
            else _cleaned(value)
            for value in map(self._values.get, keys)
        ]
        if values[0] is None and values[1] is None:
            return None
        state = values[3]
        return ChannelSnapshot(
            values[0],
            values[1],
            values[2],
            int(state) if state is not None and _INTEGER.fullmatch(state) else None,
            values[4],
            values[5],
            values[6],
            values[7],
            values[8],
        )

    def duration(self, name: str) -> int | None:
        """`HH:MM:SS` as CoreShowChannel's Duration gives it, in seconds."""
        value = self.text(name)
        match = _DURATION.fullmatch(value) if value is not None else None
        if match is None:
            return None
        hours, minutes, seconds = (int(part) for part in match.groups())
        return hours * 3600 + minutes * 60 + seconds


#: The headers of a channel snapshot, in ChannelSnapshot's field order, without a prefix.
_SNAPSHOT_HEADERS = (
    "channel",
    "uniqueid",
    "linkedid",
    "channelstate",
    "calleridnum",
    "calleridname",
    "connectedlinenum",
    "exten",
    "context",
)
_SNAPSHOT_KEYS: dict[str, tuple[str, ...]] = {}


def _snapshot_keys(prefix: str) -> tuple[str, ...]:
    keys = tuple(prefix + header for header in _SNAPSHOT_HEADERS)
    _SNAPSHOT_KEYS[prefix] = keys
    return keys


def _plain(value: str) -> bool:
    """A non-empty value that needs no cleaning: no surrounding space, not `<unknown>`."""
    return value[0] != "<" and not value[0].isspace() and not value[-1].isspace()


def _cleaned(value: object) -> str | None:
    """A header value stripped, None when absent, empty or `<unknown>`."""
    text = _first_text(value) if value is not None else None
    if text is None:
        return None
    text = text.strip()
    if not text or (text[0] == "<" and text.lower() in _ABSENT_VALUES):
        return None
    return text


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
    """The Timestamp header: epoch seconds, optionally with up to nine decimals."""
    value = headers.text("timestamp")
    if value is None:
        return None
    seconds, dot, fraction = value.partition(".")
    if not (0 < len(seconds) <= 12 and seconds.isascii() and seconds.isdigit()):
        return None
    if dot and not (0 < len(fraction) <= 9 and fraction.isascii() and fraction.isdigit()):
        return None
    second = _epoch_second(seconds)
    if second is None or not fraction:
        return second
    return second.replace(microsecond=int(fraction[:6].ljust(6, "0")))


@lru_cache(maxsize=4096)
def _epoch_second(seconds: str) -> datetime | None:
    """A whole second since the epoch (events come many to a second: read once)."""
    try:
        return _EPOCH + timedelta(seconds=int(seconds))
    except OverflowError:
        return None


def event_time(message: Mapping[str, str], received_at: datetime) -> datetime:
    """When the event happened: its Timestamp header if valid, else `received_at` (in UTC)."""
    headers = _Headers.of(message)
    moment = _timestamp(headers) if headers is not None else None
    return moment if moment is not None else _utc(received_at)


Getter = Callable[[_Headers], object]


def _snapshot(prefix: str = "") -> Getter:
    _snapshot_keys(prefix)
    return methodcaller("snapshot", prefix)


def _text(name: str) -> Getter:
    return methodcaller("text", name)


def _upper(name: str) -> Getter:
    return methodcaller("upper", name)


def _integer(name: str) -> Getter:
    return methodcaller("integer", name)


def _flag(name: str) -> Getter:
    return methodcaller("flag", name)


def _duration(name: str) -> Getter:
    return methodcaller("duration", name)


def _applications(*names: str) -> Callable[[_Headers], bool]:
    """Only steps of these dialplan applications are wanted (case-insensitive)."""
    wanted = frozenset(name.lower() for name in names)
    return lambda headers: (headers.text("application") or "").lower() in wanted


@dataclass(frozen=True, slots=True)
class _Spec:
    """How to read one event: a getter per field of `kind` after `at`, in their order.
    Without the field at `required`, no event; when `wanted` says no, the event is not read."""

    name: str
    kind: Callable[..., AmiEvent]
    getters: tuple[Getter, ...]
    required: int | None
    wanted: Callable[[_Headers], bool] | None

    def build(self, headers: _Headers, at: datetime) -> AmiEvent | None:
        values = [getter(headers) for getter in self.getters]
        if self.required is not None and values[self.required] is None:
            return None
        return self.kind(at, *values)


def _make_spec(
    kind: type[AmiEvent],
    fields: Mapping[str, Getter],
    required: str | None,
    wanted: Callable[[_Headers], bool] | None,
) -> _Spec:
    names = [field.name for field in dataclasses.fields(kind)]
    if names[0] != "at" or set(names[1:]) != set(fields):
        raise TypeError(f"a reading of {kind.__name__} needs a getter for each of {names[1:]}")
    return _Spec(
        kind.__name__.lower(),
        kind,
        tuple(fields[name] for name in names[1:]),
        names.index(required) - 1 if required is not None else None,
        wanted,
    )


def _spec(
    kind: type[AmiEvent],
    *,
    required: str | None = "channel",
    wanted: Callable[[_Headers], bool] | None = None,
    **fields: Getter,
) -> _Spec:
    return _make_spec(kind, fields, required, wanted)


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
    return _make_spec(kind, member | fields, "channel", None)


_SPECS: dict[str, _Spec] = {
    spec.name: spec
    for spec in (
        _spec(FullyBooted, required=None, status=_text("status")),
        _spec(Newchannel, channel=_CHANNEL),
        _spec(Newstate, channel=_CHANNEL),
        _spec(Rename, channel=_CHANNEL, new_name=_text("newname")),
        _spec(
            Newexten,
            wanted=_applications(*SIGNAL_APPLICATIONS),
            channel=_CHANNEL,
            application=_text("application"),
            app_data=_text("appdata"),
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


def is_translated(event_name: object) -> bool:
    """Whether `translate` reads events of this Event header value (any case; a repeated
    header counts by its first value): the others need not be looked at further."""
    text = _first_text(event_name)
    return text is not None and text.strip().lower() in _SPECS


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
        return None  # most of the stream (VarSet, NewCallerid, ...): skipped before parsing
    headers = _Headers.of(message)
    if headers is None:
        return None
    return _read(spec, headers, lambda: received_at)


def translate_lowered(
    values: Mapping[str, object], received_at: Callable[[], datetime]
) -> AmiEvent | None:
    """`translate` for headers already keyed by lower-cased name, read in place (the AMI
    connection's path: one event after another, as fast as they come). `received_at` is
    asked only when the event carries no valid Timestamp."""
    name = _first_text(values.get("event"))
    spec = _SPECS.get(name.strip().lower()) if name is not None else None
    if spec is None:
        return None
    return _read(spec, _Headers(values), received_at)


def _read(spec: _Spec, headers: _Headers, received_at: Callable[[], datetime]) -> AmiEvent | None:
    if spec.wanted is not None and not spec.wanted(headers):
        return None
    moment = _timestamp(headers)
    return spec.build(headers, moment if moment is not None else _utc(received_at()))
