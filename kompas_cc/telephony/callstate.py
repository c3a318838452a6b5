"""One call in progress: its channels, bridges, legs, holds, rings and transfers.

Nothing here looks at AMI: the tracker (calls.py) reads events and calls these methods.
Legs are derived, not reported: after every change of bridges the call recomputes which
person channels can hear each other (members of one bridge, through any chain of Local
channel halves) and opens or closes legs to match. That makes the result independent of
the order in which Asterisk reports a swap or a merge of bridges.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations

from kompas_cc.telephony.callrecord import Direction, TransferKind
from kompas_cc.telephony.parties import Party

__all__ = ["CallState", "ChannelState", "ClosedLeg", "Span", "TransferNote"]

#: A leg that closes and reopens within this gap is one leg: Local channel optimization
#: moves a channel out of one bridge and into another, and the two events straddle a gap.
LEG_REJOIN_GAP = timedelta(seconds=1)

#: DialEnd statuses that do not end a ring unanswered.
IGNORED_STATUSES = frozenset({"ANSWER", "CONTINUE", "GOTO"})


@dataclass(eq=False, slots=True)
class ChannelState:
    """One channel of a call, alive or already hung up."""

    uniqueid: str
    name: str
    seq: int
    party: Party
    created_at: datetime
    caller_num: str | None
    first_exten: str | None
    alive: bool = True
    bridge_id: str | None = None
    dialled: bool = False
    dialled_number: str | None = None
    connected: bool = False
    local_partner: str | None = None

    @property
    def is_person(self) -> bool:
        return self.party.kind in ("trunk", "extension")

    def label(self) -> str | None:
        """How a record names this party: the extension, else the outside number."""
        if self.party.kind == "extension":
            return self.party.extension
        if self.party.kind == "trunk":
            # Asterisk gives an outgoing channel the called number as its caller ID.
            return (self.dialled_number or self.caller_num) if self.dialled else self.caller_num
        return None


@dataclass(slots=True)
class Span:
    """The first start and the last end of something that may happen several times."""

    started: datetime | None = None
    ended: datetime | None = None

    def start(self, at: datetime) -> None:
        self.started = at if self.started is None else min(self.started, at)

    def end(self, at: datetime) -> None:
        self.ended = at if self.ended is None else max(self.ended, at)

    def absorb(self, other: Span) -> None:
        if other.started is not None:
            self.start(other.started)
        if other.ended is not None:
            self.end(other.ended)


@dataclass(frozen=True, slots=True)
class ClosedLeg:
    pair: frozenset[str]
    started: datetime
    ended: datetime


@dataclass(frozen=True, slots=True)
class TransferNote:
    """A transfer as the tracker saw it; parties are labelled when the record is made."""

    kind: TransferKind
    from_uid: str | None
    to_uid: str | None
    to_text: str | None
    at: datetime


@dataclass(eq=False, slots=True)
class CallState:
    """Mutable state of one call; `linkedid` is the oldest Linkedid among those merged in."""

    linkedid: str
    seq: int
    started_at: datetime
    last_event_at: datetime
    linkedids: set[str] = field(default_factory=set)
    channels: dict[str, ChannelState] = field(default_factory=dict)
    bridges: dict[str, set[str]] = field(default_factory=dict)
    bridge_ids_seen: set[str] = field(default_factory=set)
    incomplete: bool = False
    queue: str | None = None
    queue_joined_at: datetime | None = None
    wait_ended_at: datetime | None = None
    abandoned: bool = False
    answered_at: datetime | None = None
    answered_by: str | None = None
    had_leg: bool = False
    ring: Span = field(default_factory=Span)
    trunk_ring: Span = field(default_factory=Span)
    dial_statuses: list[str] = field(default_factory=list)
    failure_causes: list[int] = field(default_factory=list)
    voicemail: bool = False
    hangup_by_uid: str | None = None
    hangup_by_at: datetime | None = None
    transferers: set[str] = field(default_factory=set)
    transfers: list[TransferNote] = field(default_factory=list)
    open_legs: dict[frozenset[str], datetime] = field(default_factory=dict)
    closed_legs: list[ClosedLeg] = field(default_factory=list)
    on_hold: dict[str, datetime] = field(default_factory=dict)
    holds: list[tuple[datetime, datetime]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.linkedids.add(self.linkedid)

    # -- channels ------------------------------------------------------------------------

    def touch(self, at: datetime) -> None:
        self.last_event_at = max(self.last_event_at, at)

    def add_channel(self, channel: ChannelState) -> None:
        self.channels[channel.uniqueid] = channel
        self.started_at = min(self.started_at, channel.created_at)

    def any_alive(self) -> bool:
        return any(channel.alive for channel in self.channels.values())

    def origin(self) -> ChannelState | None:
        """The channel that started the call: the one whose Uniqueid is the Linkedid."""
        first = self.channels.get(self.linkedid)
        if first is not None:
            return first
        return min(self.channels.values(), key=lambda c: c.seq, default=None)

    def direction(self) -> Direction:
        origin = self.origin()
        if origin is not None and origin.party.kind == "trunk" and not origin.dialled:
            return "inbound"
        if any(channel.party.kind == "trunk" for channel in self.channels.values()):
            return "outbound"
        return "internal"

    def caller_channel(self) -> ChannelState | None:
        """Inbound: the trunk channel; otherwise the extension that placed the call."""
        origin = self.origin()
        if origin is None or self.direction() == "inbound" or origin.party.kind == "extension":
            return origin
        extensions = [c for c in self.channels.values() if c.party.kind == "extension"]
        return min(extensions, key=lambda c: c.seq, default=origin)

    def caller_first(self, pair: frozenset[str]) -> list[ChannelState]:
        """The two channels of a leg: the caller's first, else the one that appeared first."""
        caller = self.caller_channel()
        return sorted((self.channels[uid] for uid in pair), key=lambda c: (c is not caller, c.seq))

    def end_channel(self, channel: ChannelState, at: datetime, cause: int | None) -> None:
        channel.alive = False
        if channel.dialled and self.answered_at is None and cause is not None:
            self.failure_causes.append(cause)
        self.leave_bridge(channel)
        self.unhold(channel.uniqueid, at)
        self.refresh_legs(at)

    # -- bridges and legs ----------------------------------------------------------------

    def enter_bridge(self, channel: ChannelState, bridge_id: str, swap_uid: str | None) -> None:
        if channel.bridge_id is not None and channel.bridge_id != bridge_id:
            self.leave_bridge(channel)
        swapped = self.channels.get(swap_uid) if swap_uid is not None else None
        if swapped is not None and swapped.bridge_id == bridge_id:
            self.leave_bridge(swapped)
        self.bridges.setdefault(bridge_id, set()).add(channel.uniqueid)
        self.bridge_ids_seen.add(bridge_id)
        channel.bridge_id = bridge_id

    def leave_bridge(self, channel: ChannelState) -> None:
        bridge_id = channel.bridge_id
        channel.bridge_id = None
        members = self.bridges.get(bridge_id) if bridge_id is not None else None
        if bridge_id is None or members is None:
            return
        members.discard(channel.uniqueid)
        if not members:
            del self.bridges[bridge_id]

    def refresh_legs(self, at: datetime) -> None:
        """Open and close legs so that they match who can hear whom right now."""
        connected = self._connected_pairs()
        for pair, started in list(self.open_legs.items()):
            if pair not in connected:
                del self.open_legs[pair]
                if at > started:
                    self.closed_legs.append(ClosedLeg(pair, started, at))
        for pair in connected:
            if pair not in self.open_legs:
                self._open_leg(pair, at)

    def _connected_pairs(self) -> set[frozenset[str]]:
        parent: dict[str, str] = {}

        def root(uid: str) -> str:
            while parent[uid] != uid:
                parent[uid] = parent[parent[uid]]
                uid = parent[uid]
            return uid

        def join(a: str, b: str) -> None:
            parent[root(a)] = root(b)

        alive = {uid: c for uid, c in self.channels.items() if c.alive}
        for uid in alive:
            parent[uid] = uid
        for members in self.bridges.values():
            inside = [uid for uid in members if uid in alive]
            for other in inside[1:]:
                join(inside[0], other)
        for uid, channel in alive.items():
            if channel.local_partner in alive:
                join(uid, channel.local_partner)
        groups: dict[str, list[str]] = {}
        for uid, channel in alive.items():
            if channel.is_person:
                groups.setdefault(root(uid), []).append(uid)
        return {frozenset(pair) for group in groups.values() for pair in combinations(group, 2)}

    def _open_leg(self, pair: frozenset[str], at: datetime) -> None:
        for index in range(len(self.closed_legs) - 1, -1, -1):
            closed = self.closed_legs[index]
            if closed.pair == pair and at - closed.ended <= LEG_REJOIN_GAP:
                del self.closed_legs[index]
                self.open_legs[pair] = closed.started
                return
        self.open_legs[pair] = at
        a, b = self.caller_first(pair)
        a.connected = b.connected = True
        if not self.had_leg:
            self.had_leg = True
            if self.answered_at is None:
                self.answered_at = at
            if self.answered_by is None and b.party.kind == "extension":
                self.answered_by = b.party.extension

    # -- dialling, queues, holds, transfers ----------------------------------------------

    def note_ring(self, dest: ChannelState, at: datetime) -> None:
        dest.dialled = True
        if self.answered_at is None:
            self.ring.start(at)
            if dest.party.kind == "trunk":
                self.trunk_ring.start(at)

    def note_dial_end(self, dest: ChannelState, status: str | None, at: datetime) -> None:
        if self.answered_at is not None or status is None or status in IGNORED_STATUSES:
            return
        self.dial_statuses.append(status)
        self.ring.end(at)
        if dest.party.kind == "trunk":
            self.trunk_ring.end(at)

    def note_agent_connect(self, dest: ChannelState | None, at: datetime) -> None:
        if self.wait_ended_at is None:
            self.wait_ended_at = at
        if self.answered_at is None:
            self.answered_at = at
            if dest is not None and dest.party.kind == "extension":
                self.answered_by = dest.party.extension

    def note_queue_join(self, queue: str | None, at: datetime) -> None:
        if self.queue_joined_at is None:
            self.queue, self.queue_joined_at = queue, at

    def note_queue_exit(self, at: datetime, *, abandoned: bool) -> None:
        self.abandoned = self.abandoned or (abandoned and self.answered_at is None)
        if self.wait_ended_at is None and self.queue_joined_at is not None:
            self.wait_ended_at = at

    def note_hangup_request(self, channel: ChannelState, at: datetime) -> None:
        """The first person to hang up: the caller's side, or a party that was connected.

        A dialled phone that declines never "hung up the call", and a transferer leaving
        after a transfer is only stepping out of it.
        """
        if self.hangup_by_uid is not None or not channel.is_person:
            return
        if channel.uniqueid in self.transferers:
            return
        if channel.connected or channel is self.caller_channel():
            self.hangup_by_uid, self.hangup_by_at = channel.uniqueid, at

    def note_transfer(self, note: TransferNote, transferers: Iterable[str]) -> None:
        if note in self.transfers:
            return
        self.transfers.append(note)
        self.transferers.update(transferers)
        if self.hangup_by_uid in self.transferers:
            self.hangup_by_uid = self.hangup_by_at = None

    def hold(self, uid: str, at: datetime) -> None:
        self.on_hold.setdefault(uid, at)

    def unhold(self, uid: str, at: datetime) -> None:
        since = self.on_hold.pop(uid, None)
        if since is not None:
            self.holds.append((since, at))

    # -- merging --------------------------------------------------------------------------

    def absorb(self, other: CallState) -> None:
        """Take over `other`: the same conversation seen under a second Linkedid."""
        self.linkedids |= other.linkedids
        self.channels.update(other.channels)
        for bridge_id, members in other.bridges.items():
            self.bridges.setdefault(bridge_id, set()).update(members)
        self.bridge_ids_seen |= other.bridge_ids_seen
        self.started_at = min(self.started_at, other.started_at)
        self.last_event_at = max(self.last_event_at, other.last_event_at)
        self.incomplete = self.incomplete or other.incomplete
        if self.queue_joined_at is None:
            self.queue, self.queue_joined_at = other.queue, other.queue_joined_at
        self.wait_ended_at = _earliest(self.wait_ended_at, other.wait_ended_at)
        self.abandoned = self.abandoned or other.abandoned
        if other.answered_at is not None and (
            self.answered_at is None or other.answered_at < self.answered_at
        ):
            self.answered_at, self.answered_by = other.answered_at, other.answered_by
        self.had_leg = self.had_leg or other.had_leg
        self.ring.absorb(other.ring)
        self.trunk_ring.absorb(other.trunk_ring)
        self.dial_statuses += other.dial_statuses
        self.failure_causes += other.failure_causes
        self.voicemail = self.voicemail or other.voicemail
        if other.hangup_by_at is not None and (
            self.hangup_by_at is None or other.hangup_by_at < self.hangup_by_at
        ):
            self.hangup_by_uid, self.hangup_by_at = other.hangup_by_uid, other.hangup_by_at
        self.transferers |= other.transferers
        self.transfers = sorted([*self.transfers, *other.transfers], key=lambda t: t.at)
        for pair, started in other.open_legs.items():
            self.open_legs[pair] = min(started, self.open_legs.get(pair, started))
        self.closed_legs += other.closed_legs
        for uid, since in other.on_hold.items():
            self.on_hold[uid] = min(since, self.on_hold.get(uid, since))
        self.holds += other.holds


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a if b is None else b
    return min(a, b)
