"""The simulated PBX: it changes channels, bridges and queues and raises the AMI events for it.

Event shapes follow Asterisk 16-20 with chan_pjsip and app_queue as recorded on live systems.
With timestampevents=yes every event has a Timestamp (epoch seconds, six decimals) right
after Privilege. A Linkedid is the Uniqueid of the oldest channel of the call; joining a
bridge gives every channel in it the oldest Linkedid there.

The model is pure: "now" is a number the caller sets, and events pile up in `events`.
"""

from __future__ import annotations

import random
import uuid
import zlib
from collections.abc import Mapping, Sequence

from kompas_cc.telephony.simulator_devices import DeviceBook
from kompas_cc.telephony.simulator_model import (
    CAUSE_NORMAL,
    CAUSE_TEXT,
    PRIVILEGE_CALL,
    PRIVILEGE_DIALPLAN,
    PRIVILEGE_REPORTING,
    UNKNOWN,
    UP,
    Bridge,
    Call,
    Channel,
    Event,
    Party,
    bridge_fields,
    snapshot,
    uniqueid_sequence,
)
from kompas_cc.telephony.simulator_queues import QueueBook

__all__ = ["Pbx"]


class Pbx:
    """`operators` maps the operators' extensions to their names (their hints and queue
    memberships raise state events, see simulator_devices); each answers every queue."""

    def __init__(
        self,
        rng: random.Random,
        now: float,
        language: str = "ru",
        *,
        operators: Mapping[str, str] | None = None,
        queues: Sequence[str] = (),
    ) -> None:
        self.rng = rng
        self.now = now
        self.language = language
        self.events: list[Event] = []
        self.channels: dict[str, Channel] = {}
        self.blocked_calls = 0
        self._channel_number = rng.randrange(0x100, 0x4000)
        self._unique_number = rng.randrange(1, 5000)
        self.queues = QueueBook(self.emit, lambda: self.now)
        self.devices = DeviceBook(self.emit, lambda: self.now, operators or {}, queues)
        self._dials: dict[str, tuple[Channel, Channel]] = {}

    # -- bookkeeping ------------------------------------------------------------------

    def take_events(self) -> list[Event]:
        events, self.events = self.events, []
        return events

    def find(self, name: str) -> Channel | None:
        return self.channels.get(name)

    def endpoint_channels(self, endpoint: str) -> int:
        return self.devices.count(endpoint)

    def emit(self, name: str, privilege: str, *parts: dict[str, str]) -> Event:
        event: Event = {"Event": name, "Privilege": privilege, "Timestamp": f"{self.now:.6f}"}
        for part in parts:
            event.update(part)
        self.events.append(event)
        return event

    # -- channels ---------------------------------------------------------------------

    def new_channel(
        self,
        call: Call,
        endpoint: str,
        *,
        state: int,
        caller: Party,
        context: str,
        exten: str,
        linkedid: str | None = None,
        connected: Party = ("", ""),
    ) -> Channel:
        self._channel_number += 1
        self._unique_number += 1
        uniqueid = f"{int(self.now)}.{self._unique_number}"
        channel = Channel(
            name=f"PJSIP/{endpoint}-{self._channel_number:08x}",
            uniqueid=uniqueid,
            linkedid=linkedid or uniqueid,
            endpoint=endpoint,
            state=state,
            caller=caller,
            connected=connected,
            context=context,
            exten=exten,
            priority=1,
            created_at=self.now,
            call=call,
            language=self.language,
        )
        self.channels[channel.name] = channel
        call.channels.append(channel)
        self.emit("Newchannel", PRIVILEGE_CALL, snapshot(channel))
        self.devices.added(channel)
        return channel

    def set_state(self, channel: Channel, state: int) -> None:
        if channel.state != state:
            channel.state = state
            self.emit("Newstate", PRIVILEGE_CALL, snapshot(channel))
            self.devices.changed(channel.endpoint)

    def newexten(
        self, channel: Channel, context: str, exten: str, priority: int, app: str, data: str
    ) -> None:
        channel.context, channel.exten, channel.priority = context, exten, priority
        channel.application, channel.app_data = app, data
        self.emit(
            "Newexten",
            PRIVILEGE_DIALPLAN,
            snapshot(channel),
            {"Extension": exten, "Application": app, "AppData": data},
        )

    def rtcp_reports(self) -> None:
        """One RTCPSent and one RTCPReceived for every channel in a bridge (media flowing)."""
        for channel in list(self.channels.values()):
            if channel.alive and channel.bridge is not None:
                media = {"SSRC": f"0x{zlib.crc32(channel.uniqueid.encode()):08x}", "PT": "200(SR)"}
                self.emit("RTCPSent", PRIVILEGE_REPORTING, snapshot(channel), media)
                self.emit("RTCPReceived", PRIVILEGE_REPORTING, snapshot(channel), media)

    def varset(self, channel: Channel, variable: str, value: str) -> None:
        self.emit(
            "VarSet",
            PRIVILEGE_DIALPLAN,
            snapshot(channel),
            {"Variable": variable, "Value": value},
        )

    def set_callerid(self, channel: Channel, caller: Party) -> None:
        channel.caller = caller
        self.emit(
            "NewCallerid",
            PRIVILEGE_CALL,
            snapshot(channel),
            {"CID-CallingPres": "0 (Presentation Allowed, Not Screened)"},
        )

    def set_connected(self, channel: Channel, party: Party) -> None:
        if channel.connected != party:
            channel.connected = party
            self.emit("NewConnectedLine", PRIVILEGE_CALL, snapshot(channel))

    def hold(self, channel: Channel) -> None:
        self.emit("Hold", PRIVILEGE_CALL, snapshot(channel), {"MusicClass": "default"})

    def unhold(self, channel: Channel) -> None:
        self.emit("Unhold", PRIVILEGE_CALL, snapshot(channel))

    def hangup_request(self, channel: Channel, cause: int, *, soft: bool = False) -> None:
        name = "SoftHangupRequest" if soft else "HangupRequest"
        self.emit(name, PRIVILEGE_CALL, snapshot(channel), {"Cause": str(cause)})

    def hangup(self, channel: Channel, cause: int) -> None:
        if not channel.alive:
            return
        if channel.bridge is not None:
            self.bridge_leave(channel.bridge, channel)
        for caller, dest in list(self._dials.values()):
            if channel in (caller, dest):
                self.dial_end(caller, dest, "CANCEL")
        self.queues.leave(channel)
        if channel.state == UP:
            self._media_quality(channel)
        channel.alive = False
        self.channels.pop(channel.name, None)
        self.emit(
            "Hangup",
            PRIVILEGE_CALL,
            snapshot(channel),
            {"Cause": str(cause), "Cause-txt": CAUSE_TEXT.get(cause, "Unknown")},
        )
        self.devices.removed(channel)

    def _media_quality(self, channel: Channel) -> None:
        """chan_pjsip's RTPAUDIOQOS variables, set on every channel that carried audio as it
        hangs up."""
        seconds = max(0.0, self.now - channel.created_at)
        packets = int(seconds * 50)
        lost = self.rng.randrange(0, 1 + packets // 200)
        jitter = f"{self.rng.uniform(0.0, 0.004):.6f}"
        rtt = f"{self.rng.uniform(0.01, 0.08):.6f}"
        ssrc = f"{zlib.crc32(channel.uniqueid.encode())}"
        self.varset(
            channel,
            "RTPAUDIOQOS",
            f"ssrc={ssrc};themssrc={ssrc[::-1]};lp={lost};rxjitter={jitter};rxcount={packets};"
            f"txjitter={jitter};txcount={packets};rlp=0;rtt={rtt};rxmes=4.4;txmes=4.4",
        )
        self.varset(channel, "RTPAUDIOQOSJITTER", f"minrxjitter=0.000000;maxrxjitter={jitter}")
        self.varset(channel, "RTPAUDIOQOSLOSS", f"minrxlost=0;maxrxlost={lost}")
        self.varset(channel, "RTPAUDIOQOSRTT", f"minrtt={rtt};maxrtt={rtt};avgrtt={rtt}")

    # -- dialing ----------------------------------------------------------------------

    def dial_begin(self, caller: Channel, dest: Channel, dial_string: str) -> None:
        self._dials[dest.uniqueid] = (caller, dest)
        self.emit(
            "DialBegin",
            PRIVILEGE_CALL,
            snapshot(caller),
            snapshot(dest, "Dest"),
            {"DialString": dial_string},
        )

    def dial_state(self, caller: Channel, dest: Channel, status: str) -> None:
        self.emit(
            "DialState",
            PRIVILEGE_CALL,
            snapshot(caller),
            snapshot(dest, "Dest"),
            {"DialStatus": status},
        )

    def dial_end(self, caller: Channel, dest: Channel, status: str) -> None:
        if self._dials.pop(dest.uniqueid, None) is None:
            return
        self.emit(
            "DialEnd",
            PRIVILEGE_CALL,
            snapshot(caller),
            snapshot(dest, "Dest"),
            {"DialStatus": status},
        )

    # -- bridges ----------------------------------------------------------------------

    def bridge_create(self) -> Bridge:
        bridge = Bridge(uniqueid=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)))
        self.emit("BridgeCreate", PRIVILEGE_CALL, bridge_fields(bridge))
        return bridge

    def bridge_enter(self, bridge: Bridge, channel: Channel) -> None:
        bridge.channels.append(channel)
        channel.bridge = bridge
        oldest = min((member.linkedid for member in bridge.channels), key=uniqueid_sequence)
        for member in bridge.channels:
            member.linkedid = oldest
        self.emit("BridgeEnter", PRIVILEGE_CALL, bridge_fields(bridge), snapshot(channel))

    def bridge_leave(self, bridge: Bridge, channel: Channel) -> None:
        if channel not in bridge.channels:
            return
        bridge.channels.remove(channel)
        channel.bridge = None
        self.emit("BridgeLeave", PRIVILEGE_CALL, bridge_fields(bridge), snapshot(channel))

    def bridge_destroy(self, bridge: Bridge) -> None:
        if bridge.alive and not bridge.channels:
            bridge.alive = False
            self.emit("BridgeDestroy", PRIVILEGE_CALL, bridge_fields(bridge))

    # -- transfers and origination ----------------------------------------------------

    def blind_transfer(
        self,
        transferer: Channel,
        transferee: Channel,
        bridge: Bridge,
        context: str,
        exten: str,
        *,
        external: bool,
    ) -> None:
        self.emit(
            "BlindTransfer",
            PRIVILEGE_CALL,
            {"Result": "Success"},
            snapshot(transferer, "Transferer"),
            snapshot(transferee, "Transferee"),
            bridge_fields(bridge),
            {"IsExternal": "Yes" if external else "No", "Context": context, "Extension": exten},
        )

    def attended_transfer(
        self,
        first: tuple[Channel, Bridge],
        second: tuple[Channel, Bridge],
        transferee: Channel,
        target: Channel,
        *,
        external: bool,
    ) -> None:
        (orig, orig_bridge), (consult, consult_bridge) = first, second
        self.emit(
            "AttendedTransfer",
            PRIVILEGE_CALL,
            {"Result": "Success"},
            snapshot(orig, "OrigTransferer"),
            bridge_fields(orig_bridge, "Orig"),
            snapshot(consult, "SecondTransferer"),
            bridge_fields(consult_bridge, "Second"),
            {"DestType": "Bridge", "DestBridgeUniqueid": consult_bridge.uniqueid},
            snapshot(transferee, "Transferee"),
            snapshot(target, "TransferTarget"),
            {"IsExternal": "Yes" if external else "No"},
        )

    def originate_response(
        self,
        action_id: str,
        *,
        success: bool,
        channel: str,
        context: str,
        exten: str,
        reason: int,
        uniqueid: str,
        caller: Party,
    ) -> None:
        fields = {"ActionID": action_id} if action_id else {}
        fields |= {
            "Response": "Success" if success else "Failure",
            "Channel": channel,
            "Context": context,
            "Exten": exten,
            "Reason": str(reason),
            "Uniqueid": uniqueid,
            "CallerIDNum": caller[0] or UNKNOWN,
            "CallerIDName": caller[1] or UNKNOWN,
        }
        self.emit("OriginateResponse", PRIVILEGE_CALL, fields)

    # -- tearing a call down from outside ---------------------------------------------

    def tear_down(self, call: Call, origin: Channel, cause: int = CAUSE_NORMAL) -> None:
        """End every leg of a call at once, as an AMI Hangup of `origin` makes Asterisk do."""
        call.cancelled = True
        self.hangup_request(origin, cause, soft=True)
        if self.queues.waited(origin) is not None:
            for caller, dest in list(self._dials.values()):
                if caller is origin:
                    self.dial_end(caller, dest, "CANCEL")
                    self.hangup(dest, cause)
            self.queues.abandon(origin)
        link = call.queue_link
        if link is not None:
            self.queues.agent_complete(call, "caller" if origin is link.caller else "agent")
        bridges: list[Bridge] = []
        for channel in call.channels:
            if channel.alive and channel.bridge is not None and channel.bridge not in bridges:
                bridges.append(channel.bridge)
        if origin.bridge is not None:
            self.bridge_leave(origin.bridge, origin)
        for bridge in bridges:
            for member in list(bridge.channels):
                self.hangup_request(member, cause, soft=True)
                self.bridge_leave(bridge, member)
            self.bridge_destroy(bridge)
        self.hangup(origin, cause)
        for channel in list(call.channels):
            self.hangup(channel, cause)
