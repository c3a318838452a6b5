"""Queues of the simulated PBX: who waits where, and the app_queue events about them.

QueueCaller* events carry the caller's snapshot; Agent* events add the member's channel with
the "Dest" prefix, then Queue, Interface, MemberName and the event's own figures. All of them
have Privilege agent,all. HoldTime and TalkTime are whole seconds, RingTime of
AgentRingNoAnswer is milliseconds and of AgentConnect seconds, as app_queue writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kompas_cc.telephony.simulator_model import (
    PRIVILEGE_AGENT,
    Call,
    Channel,
    QueueLink,
    snapshot,
)

__all__ = ["QueueBook"]

Emit = Callable[..., object]


@dataclass(slots=True)
class _Entry:
    channel: Channel
    joined_at: float
    original_position: int


class QueueBook:
    def __init__(self, emit: Emit, clock: Callable[[], float]) -> None:
        self._emit = emit
        self._clock = clock
        self._waiting: dict[str, list[_Entry]] = {}

    def clear(self) -> None:
        self._waiting.clear()

    def _find(self, channel: Channel) -> tuple[str, int, _Entry] | None:
        for queue, entries in self._waiting.items():
            for index, entry in enumerate(entries):
                if entry.channel is channel:
                    return queue, index + 1, entry
        return None

    def waited(self, channel: Channel) -> float | None:
        """Seconds the channel has waited in its queue so far, or None when it is not queued."""
        found = self._find(channel)
        return None if found is None else self._clock() - found[2].joined_at

    def join(self, channel: Channel, queue: str) -> None:
        entries = self._waiting.setdefault(queue, [])
        entries.append(_Entry(channel, self._clock(), len(entries) + 1))
        count = str(len(entries))
        fields = {"Queue": queue, "Position": count, "Count": count}
        self._emit("QueueCallerJoin", PRIVILEGE_AGENT, snapshot(channel), fields)

    def abandon(self, channel: Channel) -> None:
        found = self._find(channel)
        if found is None:
            return
        queue, position, entry = found
        fields = {
            "Queue": queue,
            "Position": str(position),
            "OriginalPosition": str(entry.original_position),
            "HoldTime": str(int(self._clock() - entry.joined_at)),
        }
        self._emit("QueueCallerAbandon", PRIVILEGE_AGENT, snapshot(channel), fields)

    def leave(self, channel: Channel) -> None:
        found = self._find(channel)
        if found is None:
            return
        queue, position, entry = found
        self._waiting[queue].remove(entry)
        count = str(len(self._waiting[queue]))
        fields = {"Queue": queue, "Position": str(position), "Count": count}
        self._emit("QueueCallerLeave", PRIVILEGE_AGENT, snapshot(channel), fields)

    def _agent_event(
        self, name: str, caller: Channel, member: Channel, queue: str, fields: dict[str, str]
    ) -> None:
        self._emit(
            name,
            PRIVILEGE_AGENT,
            snapshot(caller),
            snapshot(member, "Dest"),
            {"Queue": queue},
            fields,
        )

    def agent_called(
        self, caller: Channel, member: Channel, queue: str, interface: str, name: str
    ) -> None:
        fields = {"Interface": interface, "MemberName": name}
        self._agent_event("AgentCalled", caller, member, queue, fields)

    def agent_ring_no_answer(
        self, caller: Channel, member: Channel, queue: str, interface: str, name: str, ms: int
    ) -> None:
        fields = {"Interface": interface, "MemberName": name, "RingTime": str(ms)}
        self._agent_event("AgentRingNoAnswer", caller, member, queue, fields)

    def agent_connect(self, link: QueueLink, ring_time_s: float) -> None:
        fields = {
            "Interface": link.interface,
            "MemberName": link.member_name,
            "HoldTime": str(int(link.connected_at - link.joined_at)),
            "RingTime": str(int(ring_time_s)),
        }
        self._agent_event("AgentConnect", link.caller, link.member, link.queue, fields)

    def agent_complete(self, call: Call, reason: str) -> None:
        """AgentComplete for the call's queue connection, once; reason caller/agent/transfer."""
        link, call.queue_link = call.queue_link, None
        if link is None:
            return
        fields = {
            "Interface": link.interface,
            "MemberName": link.member_name,
            "HoldTime": str(int(link.connected_at - link.joined_at)),
            "TalkTime": str(int(self._clock() - link.connected_at)),
            "Reason": reason,
        }
        self._agent_event("AgentComplete", link.caller, link.member, link.queue, fields)
