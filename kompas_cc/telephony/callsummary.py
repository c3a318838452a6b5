"""A finished call's state summarised into its record: parties, durations, disposition.

Durations are unions of intervals (two overlapping legs or holds count once) rounded to
whole seconds at the end, so a long call does not accumulate rounding errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from kompas_cc.telephony.callrecord import CallRecord, Direction, Disposition, Leg, Transfer
from kompas_cc.telephony.callstate import CallState, ChannelState, ClosedLeg, Span

__all__ = ["summarize"]

# Q.850 causes of a dialled channel that never answered (Hangup's Cause header).
BUSY_CAUSES = frozenset({17})
NO_ANSWER_CAUSES = frozenset({18, 19, 20, 21})
FAILED_CAUSES = frozenset({1, 2, 3, 22, 27, 28, 34, 38, 41, 42, 44, 47, 58, 88, 102, 111, 127})
# app_dial's DIALSTATUS values (DialEnd's DialStatus header) that end a ring unanswered.
NO_ANSWER_STATUSES = frozenset({"NOANSWER", "CANCEL"})
FAILED_STATUSES = frozenset({"CONGESTION", "CHANUNAVAIL"})


def summarize(call: CallState, ended_at: datetime) -> CallRecord:
    """The record of `call`, which ended at `ended_at`; open legs and holds end there too."""
    direction = call.direction()
    caller = call.caller_channel()
    legs = [*call.closed_legs]
    legs += [ClosedLeg(pair, start, ended_at) for pair, start in call.open_legs.items()]
    holds = [*call.holds, *((since, ended_at) for since in call.on_hold.values())]
    return CallRecord(
        linkedid=call.linkedid,
        direction=direction,
        caller=_caller(caller, direction),
        callee=_callee(call, direction, caller),
        queue=call.queue,
        answered_by=call.answered_by,
        started_at=call.started_at,
        answered_at=call.answered_at,
        ended_at=ended_at,
        ring_seconds=_ring_seconds(
            call.trunk_ring if direction == "outbound" else call.ring, call.answered_at, ended_at
        ),
        wait_seconds=_wait_seconds(call, ended_at),
        talk_seconds=_union_seconds((leg.started, min(leg.ended, ended_at)) for leg in legs),
        hold_seconds=_union_seconds((start, min(end, ended_at)) for start, end in holds),
        disposition=_disposition(call),
        voicemail=call.voicemail,
        hangup_by=_label(call, call.hangup_by_uid),
        transfers=tuple(
            Transfer(
                note.kind,
                _label(call, note.from_uid),
                _label(call, note.to_uid) if note.to_uid in call.channels else note.to_text,
                note.at,
            )
            for note in call.transfers
        ),
        legs=tuple(
            _leg(call, leg)
            for leg in sorted(legs, key=lambda leg: leg.started)
            if leg.ended > leg.started
        ),
        trunk=_trunk(call),
        incomplete=call.incomplete,
    )


def _label(call: CallState, uid: str | None) -> str | None:
    channel = call.channels.get(uid) if uid is not None else None
    return channel.label() if channel is not None else None


def _leg(call: CallState, leg: ClosedLeg) -> Leg:
    a, b = call.caller_first(leg.pair)
    return Leg(a.label(), b.label(), leg.started, leg.ended)


def _caller(channel: ChannelState | None, direction: Direction) -> str | None:
    if channel is None:
        return None
    if direction == "inbound":
        return channel.label()
    return channel.party.extension or channel.caller_num


def _callee(call: CallState, direction: Direction, caller: ChannelState | None) -> str | None:
    """Inbound: the DID the caller dialled; outbound: the number sent to the trunk;
    internal: the first extension rung that is not the caller's own."""
    by_seq = sorted(call.channels.values(), key=lambda c: c.seq)
    origin = call.origin()
    did = origin.first_exten if origin is not None and origin.first_exten != "s" else None
    if direction == "inbound":
        return did
    if direction == "outbound":
        trunk = next((c for c in by_seq if c.party.kind == "trunk"), None)
        return (trunk.dialled_number or trunk.caller_num) if trunk is not None else None
    caller_ext = caller.party.extension if caller is not None else None
    for channel in by_seq:
        if (
            channel.dialled
            and channel is not caller
            and channel.party.kind == "extension"
            and channel.party.extension != caller_ext
        ):
            return channel.party.extension
    return did


def _trunk(call: CallState) -> str | None:
    trunks = [c for c in call.channels.values() if c.party.kind == "trunk"]
    first = min(trunks, key=lambda c: c.seq, default=None)
    return first.party.trunk if first is not None else None


def _disposition(call: CallState) -> Disposition:
    """Answered beats everything; then abandoned in a queue; then what the dials said."""
    if call.answered_at is not None:
        return "answered"
    if call.abandoned:
        return "abandoned"
    statuses, causes = set(call.dial_statuses), set(call.failure_causes)
    if statuses & NO_ANSWER_STATUSES or causes & NO_ANSWER_CAUSES:
        return "no_answer"
    if "BUSY" in statuses or causes & BUSY_CAUSES:
        return "busy"
    if statuses & FAILED_STATUSES or causes & FAILED_CAUSES:
        return "failed"
    return "no_answer"


def _wait_seconds(call: CallState, ended_at: datetime) -> int | None:
    if call.queue_joined_at is None:
        return None
    waited_until = min(call.wait_ended_at or ended_at, ended_at)
    return _seconds(waited_until - call.queue_joined_at)


def _ring_seconds(ring: Span, answered_at: datetime | None, ended_at: datetime) -> int:
    if ring.started is None:
        return 0
    stop = answered_at if answered_at is not None else (ring.ended or ended_at)
    return _seconds(stop - ring.started)


def _seconds(delta: timedelta) -> int:
    """Whole seconds, rounded half up; never negative (events may arrive out of order)."""
    return max(0, int(delta.total_seconds() + 0.5))


def _union_seconds(intervals: Iterable[tuple[datetime, datetime]]) -> int:
    total = timedelta()
    current: tuple[datetime, datetime] | None = None
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            total += current[1] - current[0]
        current = (start, end)
    if current is not None:
        total += current[1] - current[0]
    return _seconds(total)
