"""Which call owns each channel, Linkedid and bridge: lookups, merges, and forgetting.

The registry holds only calls in progress. When a call ends it is summarised into a record
and every trace of it is dropped, except its ids in a bounded "recently ended" memory:
events that arrive after the last Hangup (AgentComplete, a repeated Hangup) are then
recognised and ignored instead of opening a phantom call that would never end.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime

from kompas_cc.telephony.amievents import ChannelSnapshot
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.callstate import CallState, ChannelState
from kompas_cc.telephony.callsummary import summarize
from kompas_cc.telephony.parties import ChannelClassifier, local_partner_name

__all__ = ["CallRegistry", "Found"]

Found = tuple[CallState, ChannelState]


class CallRegistry:
    def __init__(self, classifier: ChannelClassifier, ended_ids_remembered: int) -> None:
        self._classifier = classifier
        self._ended_limit = ended_ids_remembered
        self.calls: set[CallState] = set()
        self._channels: dict[str, ChannelState] = {}
        self._call_of_channel: dict[str, CallState] = {}
        self._call_of_linkedid: dict[str, CallState] = {}
        self._call_of_bridge: dict[str, CallState] = {}
        self._uid_of_name: dict[str, str] = {}
        self._ended_ids: OrderedDict[str, None] = OrderedDict()
        self._finished: list[CallRecord] = []
        self._seq = 0

    def footprint(self) -> dict[str, int]:
        return {
            "calls": len(self.calls),
            "channels": len(self._channels),
            "channel_calls": len(self._call_of_channel),
            "linkedids": len(self._call_of_linkedid),
            "bridges": len(self._call_of_bridge),
            "names": len(self._uid_of_name),
            "ended_ids": len(self._ended_ids),
        }

    def alive_channels(self) -> list[Found]:
        return [(self.call_of(c), c) for c in self._channels.values() if c.alive]

    def call_of(self, channel: ChannelState) -> CallState:
        return self._call_of_channel[channel.uniqueid]

    def find(self, snapshot: ChannelSnapshot | None, at: datetime, *, create: bool) -> Found | None:
        """The call and channel a snapshot names, following a changed Linkedid.

        With `create`, a channel never seen before (its Newchannel was missed) starts an
        incomplete call, unless it belongs to a call that already ended.
        """
        if snapshot is None:
            return None
        uid = snapshot.uniqueid or self._uid_of_name.get(snapshot.name or "")
        channel = self._channels.get(uid) if uid else None
        if channel is None:
            if not create or snapshot.uniqueid is None or snapshot.uniqueid in self._ended_ids:
                return None
            return self.add_channel(snapshot, at, incomplete=True)
        call = self.call_of(channel)
        linkedid = snapshot.linkedid
        if linkedid is not None and linkedid not in call.linkedids:
            # Asterisk gives a channel the oldest Linkedid of a bridge it joins.
            other = self._call_of_linkedid.get(linkedid)
            if other is None:
                call.linkedids.add(linkedid)
                self._call_of_linkedid[linkedid] = call
            else:
                call = self.merge(call, other)
        if channel.caller_num is None:
            channel.caller_num = snapshot.caller_num
        call.touch(at)
        return call, channel

    def add_channel(
        self, snapshot: ChannelSnapshot, at: datetime, *, incomplete: bool
    ) -> Found | None:
        uid = snapshot.uniqueid
        if uid is None:
            return None
        self._seq += 1
        linkedid = snapshot.linkedid or uid
        call = self._call_of_linkedid.get(linkedid)
        if call is None:
            call = CallState(linkedid=linkedid, seq=self._seq, started_at=at, last_event_at=at)
            self.calls.add(call)
            self._call_of_linkedid[linkedid] = call
        call.incomplete = call.incomplete or incomplete
        name = snapshot.name or uid
        channel = ChannelState(
            uniqueid=uid,
            name=name,
            seq=self._seq,
            party=self._classifier.classify(name),
            created_at=at,
            caller_num=snapshot.caller_num,
            first_exten=snapshot.exten,
        )
        call.add_channel(channel)
        call.touch(at)
        self._channels[uid] = channel
        self._call_of_channel[uid] = call
        self._uid_of_name[name] = uid
        self._ended_ids.pop(uid, None)
        partner_name = local_partner_name(name)
        partner_uid = self._uid_of_name.get(partner_name) if partner_name else None
        if partner_uid is not None:
            call = self.link_local_pair(uid, partner_uid)
        return call, channel

    def rename(self, channel: ChannelState, new_name: str) -> None:
        if self._uid_of_name.get(channel.name) == channel.uniqueid:
            del self._uid_of_name[channel.name]
        channel.name = new_name
        if channel.alive:
            self._uid_of_name[new_name] = channel.uniqueid

    def merge(self, a: CallState, b: CallState) -> CallState:
        """One call from two: the older keeps its Linkedid and takes the other's state."""
        if a is b:
            return a
        keep, gone = (a, b) if (a.started_at, a.seq) <= (b.started_at, b.seq) else (b, a)
        keep.absorb(gone)
        self.calls.discard(gone)
        for uid in gone.channels:
            self._call_of_channel[uid] = keep
        for linkedid in gone.linkedids:
            self._call_of_linkedid[linkedid] = keep
        for bridge_id in gone.bridge_ids_seen:
            self._call_of_bridge[bridge_id] = keep
        return keep

    def merge_all(self, found: Iterable[Found]) -> CallState:
        """One call for all these channels; earlier lookups may have merged some already."""
        channels = [channel for _, channel in found]
        call = self.call_of(channels[0])
        for channel in channels[1:]:
            call = self.merge(call, self.call_of(channel))
        return call

    def link_local_pair(self, one: str, two: str) -> CallState:
        first, second = self._channels[one], self._channels[two]
        first.local_partner, second.local_partner = two, one
        return self.merge(self.call_of(first), self.call_of(second))

    def enter_bridge(
        self, channel: ChannelState, bridge_id: str, swap_uid: str | None
    ) -> CallState:
        """Put a channel into a bridge; a bridge shared with another call makes them one."""
        call = self.call_of(channel)
        owner = self._call_of_bridge.get(bridge_id)
        if owner is not None and owner is not call and owner in self.calls:
            call = self.merge(owner, call)
        call.enter_bridge(channel, bridge_id, swap_uid)
        self._call_of_bridge[bridge_id] = call
        return call

    def end_channel(self, channel: ChannelState, at: datetime, cause: int | None) -> None:
        """The channel hung up; the call ends with its last channel."""
        if not channel.alive:
            return
        call = self.call_of(channel)
        call.end_channel(channel, at, cause)
        if self._uid_of_name.get(channel.name) == channel.uniqueid:
            del self._uid_of_name[channel.name]
        if not call.any_alive():
            self.finish(call, max(at, call.last_event_at))

    def finish(self, call: CallState, ended_at: datetime) -> None:
        self._finished.append(summarize(call, ended_at))
        self.calls.discard(call)
        for uid, channel in call.channels.items():
            self._channels.pop(uid, None)
            self._call_of_channel.pop(uid, None)
            if self._uid_of_name.get(channel.name) == uid:
                del self._uid_of_name[channel.name]
            self._remember_ended(uid)
        for linkedid in call.linkedids:
            if self._call_of_linkedid.get(linkedid) is call:
                del self._call_of_linkedid[linkedid]
            self._remember_ended(linkedid)
        for bridge_id in call.bridge_ids_seen:
            if self._call_of_bridge.get(bridge_id) is call:
                del self._call_of_bridge[bridge_id]

    def take_finished(self) -> Sequence[CallRecord]:
        """The records of the calls finished since the last time (nearly always none)."""
        if not self._finished:
            return ()
        finished, self._finished = self._finished, []
        return finished

    def _remember_ended(self, key: str) -> None:
        self._ended_ids[key] = None
        self._ended_ids.move_to_end(key)
        while len(self._ended_ids) > self._ended_limit:
            self._ended_ids.popitem(last=False)
