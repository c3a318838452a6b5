"""The call state machine: typed AMI events in, records of finished calls out. No I/O.

A call is everything that shares a Linkedid. Calls of different Linkedids become one call
as soon as they share a channel or a bridge: the consultation leg of an attended transfer,
a Local channel whose halves were created apart, a channel whose Linkedid Asterisk changed
when it joined an older call's bridge. A call ends when none of its channels is alive, and
then it is forgotten: the tracker holds only calls in progress plus a bounded memory of
recently ended channel ids, so late events (AgentComplete after the last Hangup, a repeated
Hangup) are recognised and ignored instead of starting phantom calls.

Answered means two person channels (a trunk or an extension) could hear each other through
a bridge, or app_queue reported AgentConnect. A channel going Up proves nothing: Answer(),
Queue() and VoiceMail() answer the line without any person on it.

After an AMI outage the owner calls `connection_lost()` and, once reconnected, `resync()`
with the CoreShowChannel list: calls whose channels vanished meanwhile are closed at the
time the connection was lost, and every call that lived through the outage is marked
incomplete. `sweep()` is the safety valve for calls whose Hangup never came.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from kompas_cc.telephony import amievents as ami
from kompas_cc.telephony.callrecord import CallRecord, Leg, Transfer
from kompas_cc.telephony.callregistry import CallRegistry, Found
from kompas_cc.telephony.callstate import CallState, ChannelState, TransferNote
from kompas_cc.telephony.parties import ChannelClassifier, ExtensionRule, dialled_number

__all__ = ["CallRecord", "CallTracker", "Leg", "Transfer"]

#: A call with no event for this long is closed as incomplete by `sweep()`.
STALE_CALL_AFTER = timedelta(hours=6)
#: How many ended channel and Linkedid ids are remembered to recognise late events.
ENDED_IDS_REMEMBERED = 10_000

_SUCCESS = "success"
_VOICEMAIL_APPLICATION = "voicemail"


class CallTracker:
    """Feed it every AMI event in arrival order; it returns the calls that just ended.

    `trunk_patterns` are fnmatch patterns of trunk channel names (`PJSIP/trunk-*`);
    `extension_of` tells an extension from a channel name (see parties.ChannelClassifier).
    """

    def __init__(
        self,
        *,
        trunk_patterns: Iterable[str] = (),
        extension_of: ExtensionRule | None = None,
        stale_after: timedelta = STALE_CALL_AFTER,
        ended_ids_remembered: int = ENDED_IDS_REMEMBERED,
    ) -> None:
        classifier = ChannelClassifier(trunk_patterns, extension_of)
        self._registry = CallRegistry(classifier, ended_ids_remembered)
        self._stale_after = stale_after
        self._lost_at: datetime | None = None
        self._handlers: dict[type[ami.AmiEvent], Callable[[Any], None]] = {
            ami.Newchannel: self._on_newchannel,
            ami.Newstate: self._on_newstate,
            ami.Rename: self._on_rename,
            ami.Newexten: self._on_newexten,
            ami.Hangup: self._on_hangup,
            ami.HangupRequest: self._on_hangup_request,
            ami.SoftHangupRequest: self._on_hangup_request,
            ami.Hold: self._on_hold,
            ami.Unhold: self._on_unhold,
            ami.DialBegin: self._on_dial_begin,
            ami.DialEnd: self._on_dial_end,
            ami.BridgeEnter: self._on_bridge_enter,
            ami.BridgeLeave: self._on_bridge_leave,
            ami.QueueCallerJoin: self._on_queue_caller_join,
            ami.QueueCallerLeave: self._on_queue_caller_leave,
            ami.QueueCallerAbandon: self._on_queue_caller_abandon,
            ami.AgentCalled: self._on_agent_called,
            ami.AgentConnect: self._on_agent_connect,
            ami.AgentRingNoAnswer: self._on_agent_ring_no_answer,
            ami.AgentComplete: self._on_agent_complete,
            ami.BlindTransfer: self._on_blind_transfer,
            ami.AttendedTransfer: self._on_attended_transfer,
            ami.LocalBridge: self._on_local_pair,
            ami.LocalOptimizationEnd: self._on_local_pair,
        }

    # -- public API ----------------------------------------------------------------------

    def feed(self, event: ami.AmiEvent) -> Sequence[CallRecord]:
        """Apply one event; return the records of the calls it ended (usually none)."""
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)
        return self._registry.take_finished()

    def connection_lost(self, at: datetime) -> None:
        """The AMI connection dropped at `at`: every call in progress will miss events."""
        self._lost_at = at if self._lost_at is None else min(self._lost_at, at)
        for call in self._registry.calls:
            call.incomplete = True

    def resync(self, channels: Iterable[ami.CoreShowChannel], at: datetime) -> Sequence[CallRecord]:
        """Reconcile with the channels Asterisk lists after reconnecting at `at`.

        Known channels missing from the list hung up during the outage: they end at the
        moment the connection was lost (the last time they were known alive). Listed
        channels the tracker never saw start incomplete calls; bridges are taken as listed.
        """
        lost_at = self._lost_at if self._lost_at is not None else at
        self._lost_at = None
        listed = {item.channel.uniqueid: item for item in channels if item.channel.uniqueid}
        for call, channel in self._registry.alive_channels():
            if channel.uniqueid not in listed:
                call.incomplete = True
                self._registry.end_channel(channel, lost_at, None)
        for item in listed.values():
            started = at - timedelta(seconds=item.duration_seconds or 0)
            found = self._registry.find(item.channel, started, create=True)
            if found is None or not found[1].alive:
                continue
            channel = found[1]
            if item.bridge_id is not None:
                call = self._registry.enter_bridge(channel, item.bridge_id, None)
            else:
                call = self._registry.call_of(channel)
                call.leave_bridge(channel)
            call.incomplete = True
            call.refresh_legs(at)
        return self._registry.take_finished()

    def sweep(self, now: datetime) -> Sequence[CallRecord]:
        """Close, as incomplete, calls that had no event for longer than `stale_after`."""
        stale = [c for c in self._registry.calls if now - c.last_event_at >= self._stale_after]
        for call in stale:
            call.incomplete = True
            for channel in call.channels.values():
                channel.alive = False
            self._registry.finish(call, call.last_event_at)
        return self._registry.take_finished()

    @property
    def active_calls(self) -> int:
        return len(self._registry.calls)

    def footprint(self) -> dict[str, int]:
        """Sizes of the internal maps: all but `ended_ids` are zero when no call is active."""
        return self._registry.footprint()

    # -- channel events ------------------------------------------------------------------

    def _find(self, snapshot: ami.ChannelSnapshot | None, at: datetime) -> Found | None:
        return self._registry.find(snapshot, at, create=False)

    def _find_or_add(self, snapshot: ami.ChannelSnapshot | None, at: datetime) -> Found | None:
        return self._registry.find(snapshot, at, create=True)

    def _on_newchannel(self, event: ami.Newchannel) -> None:
        if self._find(event.channel, event.at) is None:
            self._registry.add_channel(event.channel, event.at, incomplete=False)

    def _on_newstate(self, event: ami.Newstate) -> None:
        self._find_or_add(event.channel, event.at)

    def _on_rename(self, event: ami.Rename) -> None:
        found = self._find(event.channel, event.at)
        if found is not None and event.new_name is not None:
            self._registry.rename(found[1], event.new_name)

    def _on_newexten(self, event: ami.Newexten) -> None:
        # Never creates a channel: Newexten is chatter, and a record must not depend on it.
        found = self._find(event.channel, event.at)
        if found is not None and (event.application or "").lower() == _VOICEMAIL_APPLICATION:
            found[0].voicemail = True

    def _on_hangup(self, event: ami.Hangup) -> None:
        found = self._find(event.channel, event.at)
        if found is not None:
            self._registry.end_channel(found[1], event.at, event.cause)

    def _on_hangup_request(self, event: ami.HangupRequest | ami.SoftHangupRequest) -> None:
        found = self._find(event.channel, event.at)
        if found is not None and found[1].alive:
            found[0].note_hangup_request(found[1], event.at)

    def _on_hold(self, event: ami.Hold) -> None:
        found = self._find_or_add(event.channel, event.at)
        if found is not None and found[1].alive:
            found[0].hold(found[1].uniqueid, event.at)

    def _on_unhold(self, event: ami.Unhold) -> None:
        found = self._find(event.channel, event.at)
        if found is not None:
            found[0].unhold(found[1].uniqueid, event.at)

    # -- dialling and bridging -----------------------------------------------------------

    def _pair(
        self,
        caller: ami.ChannelSnapshot | None,
        dest: ami.ChannelSnapshot | None,
        at: datetime,
        *,
        create: bool,
    ) -> tuple[CallState, ChannelState | None, ChannelState] | None:
        """Caller and callee channels of a dial or a queue ring, as one call."""
        callee = self._registry.find(dest, at, create=create)
        if callee is None:
            return None
        found = self._registry.find(caller, at, create=create)
        if found is None:
            return self._registry.call_of(callee[1]), None, callee[1]
        return self._registry.merge_all((found, callee)), found[1], callee[1]

    def _on_dial_begin(self, event: ami.DialBegin) -> None:
        found = self._pair(event.channel, event.dest, event.at, create=True)
        if found is not None:
            call, _, dest = found
            dest.dialled_number = dialled_number(event.dial_string) or dest.dialled_number
            call.note_ring(dest, event.at)

    def _on_dial_end(self, event: ami.DialEnd) -> None:
        found = self._pair(event.channel, event.dest, event.at, create=False)
        if found is not None:
            found[0].note_dial_end(found[2], event.dial_status, event.at)

    def _on_bridge_enter(self, event: ami.BridgeEnter) -> None:
        found = self._find_or_add(event.channel, event.at)
        if found is not None and event.bridge_id is not None and found[1].alive:
            call = self._registry.enter_bridge(found[1], event.bridge_id, event.swap_uniqueid)
            call.refresh_legs(event.at)

    def _on_bridge_leave(self, event: ami.BridgeLeave) -> None:
        found = self._find(event.channel, event.at)
        if found is None:
            return
        call, channel = found
        if event.bridge_id is None or channel.bridge_id == event.bridge_id:
            call.leave_bridge(channel)
            call.refresh_legs(event.at)

    def _on_local_pair(self, event: ami.LocalBridge | ami.LocalOptimizationEnd) -> None:
        one = self._find_or_add(event.local_one, event.at)
        two = self._find_or_add(event.local_two, event.at)
        if one is not None and two is not None and one[1] is not two[1]:
            call = self._registry.link_local_pair(one[1].uniqueid, two[1].uniqueid)
            call.refresh_legs(event.at)

    # -- queues --------------------------------------------------------------------------

    def _on_queue_caller_join(self, event: ami.QueueCallerJoin) -> None:
        found = self._find_or_add(event.channel, event.at)
        if found is not None:
            found[0].note_queue_join(event.queue, event.at)

    def _on_queue_caller_leave(self, event: ami.QueueCallerLeave) -> None:
        found = self._find(event.channel, event.at)
        if found is not None:
            found[0].note_queue_exit(event.at, abandoned=False)

    def _on_queue_caller_abandon(self, event: ami.QueueCallerAbandon) -> None:
        found = self._find(event.channel, event.at)
        if found is not None:
            found[0].note_queue_exit(event.at, abandoned=True)

    def _on_agent_called(self, event: ami.AgentCalled) -> None:
        found = self._pair(event.channel, event.dest, event.at, create=True)
        if found is not None:
            found[0].note_ring(found[2], event.at)

    def _on_agent_connect(self, event: ami.AgentConnect) -> None:
        found = self._pair(event.channel, event.dest, event.at, create=True)
        if found is not None:
            found[0].note_agent_connect(found[2], event.at)
            return
        caller = self._find_or_add(event.channel, event.at)
        if caller is not None:
            caller[0].note_agent_connect(None, event.at)

    def _on_agent_ring_no_answer(self, event: ami.AgentRingNoAnswer) -> None:
        found = self._pair(event.channel, event.dest, event.at, create=False)
        if found is not None:
            found[0].note_dial_end(found[2], "NOANSWER", event.at)

    def _on_agent_complete(self, event: ami.AgentComplete) -> None:
        self._find(event.channel, event.at)

    # -- transfers -----------------------------------------------------------------------

    def _on_blind_transfer(self, event: ami.BlindTransfer) -> None:
        if (event.result or "").lower() != _SUCCESS:
            return
        transferer = self._find(event.transferer, event.at)
        transferee = self._find(event.transferee, event.at)
        involved = [found for found in (transferer, transferee) if found is not None]
        if not involved:
            return
        call = self._registry.merge_all(involved)
        from_uid = transferer[1].uniqueid if transferer is not None else None
        note = TransferNote("blind", from_uid, None, event.extension, event.at)
        call.note_transfer(note, [from_uid] if from_uid is not None else [])

    def _on_attended_transfer(self, event: ami.AttendedTransfer) -> None:
        if (event.result or "").lower() != _SUCCESS:
            return
        roles = {
            "orig": event.orig_transferer,
            "second": event.second_transferer,
            "transferee": event.transferee,
            "target": event.target,
            "one": event.local_one,
            "two": event.local_two,
        }
        found = {
            role: hit
            for role, snapshot in roles.items()
            if (hit := self._find(snapshot, event.at)) is not None
        }
        if not found:
            return
        call = self._registry.merge_all(found.values())
        transferers = [found[role][1].uniqueid for role in ("orig", "second") if role in found]
        target = found["target"][1].uniqueid if "target" in found else None
        from_uid = transferers[0] if transferers else None
        note = TransferNote("attended", from_uid, target, event.dest_app, event.at)
        call.note_transfer(note, transferers)
