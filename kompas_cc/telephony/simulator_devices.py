"""Device and extension states of the simulated PBX, and the events Asterisk raises for them.

Asterisk derives an endpoint's device state from its channels: none, NOT_INUSE; only ringing
ones, RINGING; a ringing one beside a call, RINGINUSE; otherwise INUSE. Each change is
reported three ways: DeviceStateChange for the device, ExtensionStatus for the hint of an
operator's extension, and QueueMemberStatus for every queue the operator is a member of
(app_queue watches its members' state interfaces). On a busy site with large queues this is a
good part of the stream. The call log reads none of it; the sample manager.conf filter drops
it before it is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from kompas_cc.telephony.simulator_model import (
    PRIVILEGE_AGENT,
    PRIVILEGE_CALL,
    RINGING,
    Channel,
    Event,
)

__all__ = ["DeviceBook"]

#: The dialplan context of the operators' hints.
HINT_CONTEXT = "ext-local"

#: ExtensionStatus' Status and StatusText for a device state.
_EXTENSION_STATUS = {
    "NOT_INUSE": ("0", "Idle"),
    "INUSE": ("1", "InUse"),
    "RINGING": ("8", "Ringing"),
    "RINGINUSE": ("9", "InUse&Ringing"),
}
#: QueueMemberStatus' Status: Asterisk's enum ast_device_state.
_MEMBER_STATUS = {"NOT_INUSE": "1", "INUSE": "2", "RINGING": "6", "RINGINUSE": "7"}

Emit = Callable[..., Event]


class DeviceBook:
    """The live channels of every endpoint, and the state events when a device's state moves.

    `operators` maps the operators' extensions to their names; each of them is a member of
    every queue in `queues`.
    """

    def __init__(
        self,
        emit: Emit,
        clock: Callable[[], float],
        operators: Mapping[str, str],
        queues: Sequence[str],
    ) -> None:
        self._emit = emit
        self._clock = clock
        self._operators = dict(operators)
        self._queues = tuple(queues)
        self._channels: dict[str, list[Channel]] = {}
        self._states: dict[str, str] = {}
        self._last_call: dict[str, int] = {}
        self._calls_taken: dict[str, int] = {}
        self._login = int(clock())

    def count(self, endpoint: str) -> int:
        """Live channels of `endpoint` (a trunk's lines in use, an extension's calls)."""
        return len(self._channels.get(endpoint, ()))

    def added(self, channel: Channel) -> None:
        self._channels.setdefault(channel.endpoint, []).append(channel)
        self.changed(channel.endpoint)

    def removed(self, channel: Channel) -> None:
        live = self._channels.get(channel.endpoint, [])
        if channel in live:
            live.remove(channel)
            if not live:
                del self._channels[channel.endpoint]
        self.changed(channel.endpoint)

    def changed(self, endpoint: str) -> None:
        """Recompute `endpoint`'s device state; report it when it moved."""
        state = self._state(self._channels.get(endpoint, []))
        previous = self._states.get(endpoint, "NOT_INUSE")
        if previous == state:
            return
        self._states[endpoint] = state
        if state == "NOT_INUSE" and previous in ("INUSE", "RINGINUSE"):
            self._last_call[endpoint] = int(self._clock())
            self._calls_taken[endpoint] = self._calls_taken.get(endpoint, 0) + 1
        device = f"PJSIP/{endpoint}"
        self._emit("DeviceStateChange", PRIVILEGE_CALL, {"Device": device, "State": state})
        name = self._operators.get(endpoint)
        if name is None:
            return
        status, text = _EXTENSION_STATUS[state]
        self._emit(
            "ExtensionStatus",
            PRIVILEGE_CALL,
            {
                "Exten": endpoint,
                "Context": HINT_CONTEXT,
                "Hint": device,
                "Status": status,
                "StatusText": text,
            },
        )
        for queue in self._queues:
            self._emit("QueueMemberStatus", PRIVILEGE_AGENT, self._member(queue, name, endpoint))

    def _member(self, queue: str, name: str, endpoint: str) -> dict[str, str]:
        device = f"PJSIP/{endpoint}"
        state = self._states[endpoint]
        return {
            "Queue": queue,
            "MemberName": name,
            "Interface": device,
            "StateInterface": device,
            "Membership": "static",
            "Penalty": "0",
            "CallsTaken": str(self._calls_taken.get(endpoint, 0)),
            "LastCall": str(self._last_call.get(endpoint, 0)),
            "LastPause": "0",
            "LoginTime": str(self._login),
            "InCall": "0" if state == "NOT_INUSE" else "1",
            "Status": _MEMBER_STATUS[state],
            "Paused": "0",
            "PausedReason": "",
            "Ringinuse": "0",
            "Wrapuptime": "0",
        }

    @staticmethod
    def _state(channels: list[Channel]) -> str:
        if not channels:
            return "NOT_INUSE"
        ringing = sum(1 for channel in channels if channel.state == RINGING)
        if ringing == len(channels):
            return "RINGING"
        return "RINGINUSE" if ringing else "INUSE"
