"""The simulated PBX's things: channels, bridges, calls, and how AMI events show them.

A channel snapshot lists Channel ... Linkedid in the order Asterisk 13-20 writes them; events
about two channels repeat it with a prefix ("Dest", "Transferer", ...). Channel names are
PJSIP/<endpoint>-<8 hex digits>; a Uniqueid is "<epoch seconds>.<counter>".
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "CAUSE_BUSY",
    "CAUSE_CONGESTION",
    "CAUSE_NORMAL",
    "CAUSE_NO_ANSWER",
    "CAUSE_TEXT",
    "DOWN",
    "PRIVILEGE_AGENT",
    "PRIVILEGE_CALL",
    "PRIVILEGE_DIALPLAN",
    "RING",
    "RINGING",
    "STATE_NAMES",
    "UNKNOWN",
    "UP",
    "Bridge",
    "Call",
    "Channel",
    "Event",
    "Party",
    "QueueLink",
    "bridge_fields",
    "snapshot",
    "uniqueid_sequence",
]

Party = tuple[str, str]
Event = dict[str, str]

UNKNOWN = "<unknown>"
DOWN, RING, RINGING, UP = 0, 4, 5, 6
STATE_NAMES = {
    0: "Down",
    1: "Rsrvd",
    2: "OffHook",
    3: "Dialing",
    4: "Ring",
    5: "Ringing",
    6: "Up",
    7: "Busy",
    8: "Dialing Offhook",
    9: "Pre-ring",
    10: "Unknown",
}
CAUSE_NORMAL, CAUSE_BUSY, CAUSE_NO_ANSWER, CAUSE_CONGESTION = 16, 17, 19, 34
CAUSE_TEXT = {
    0: "Unknown",
    16: "Normal Clearing",
    17: "User busy",
    19: "User alerting, no answer",
    21: "Call Rejected",
    26: "Answered elsewhere",
    34: "Circuit/channel congestion",
}
PRIVILEGE_CALL = "call,all"
PRIVILEGE_DIALPLAN = "dialplan,all"
PRIVILEGE_AGENT = "agent,all"
PRIVILEGE_REPORTING = "reporting,all"


@dataclass(eq=False)
class Call:
    """The channels one scenario owns; the scenario of a cancelled call is never resumed."""

    channels: list[Channel] = field(default_factory=list)
    cancelled: bool = False
    queue_link: QueueLink | None = None


@dataclass(eq=False)
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    endpoint: str
    state: int
    caller: Party
    connected: Party
    context: str
    exten: str
    priority: int
    created_at: float
    call: Call
    language: str = "ru"
    application: str = ""
    app_data: str = ""
    bridge: Bridge | None = None
    alive: bool = True


@dataclass(eq=False)
class Bridge:
    uniqueid: str
    channels: list[Channel] = field(default_factory=list)
    alive: bool = True


@dataclass(frozen=True, slots=True)
class QueueLink:
    """A queue caller connected to a member, remembered for AgentComplete."""

    queue: str
    caller: Channel
    member: Channel
    interface: str
    member_name: str
    joined_at: float
    connected_at: float


def uniqueid_sequence(uniqueid: str) -> int:
    """The counter part of a Uniqueid: it orders channels by creation."""
    _, _, sequence = uniqueid.rpartition(".")
    return int(sequence) if sequence.isdigit() else 0


def snapshot(channel: Channel, prefix: str = "") -> dict[str, str]:
    return {
        f"{prefix}Channel": channel.name,
        f"{prefix}ChannelState": str(channel.state),
        f"{prefix}ChannelStateDesc": STATE_NAMES[channel.state],
        f"{prefix}CallerIDNum": channel.caller[0] or UNKNOWN,
        f"{prefix}CallerIDName": channel.caller[1] or UNKNOWN,
        f"{prefix}ConnectedLineNum": channel.connected[0] or UNKNOWN,
        f"{prefix}ConnectedLineName": channel.connected[1] or UNKNOWN,
        f"{prefix}Language": channel.language,
        f"{prefix}AccountCode": "",
        f"{prefix}Context": channel.context,
        f"{prefix}Exten": channel.exten,
        f"{prefix}Priority": str(channel.priority),
        f"{prefix}Uniqueid": channel.uniqueid,
        f"{prefix}Linkedid": channel.linkedid,
    }


def bridge_fields(bridge: Bridge, prefix: str = "") -> dict[str, str]:
    return {
        f"{prefix}BridgeUniqueid": bridge.uniqueid,
        f"{prefix}BridgeType": "basic",
        f"{prefix}BridgeTechnology": "simple_bridge",
        f"{prefix}BridgeCreator": UNKNOWN,
        f"{prefix}BridgeName": UNKNOWN,
        f"{prefix}BridgeNumChannels": str(len(bridge.channels)),
        f"{prefix}BridgeVideoSourceMode": "none",
    }
