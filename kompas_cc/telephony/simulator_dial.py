"""Dialing in the simulated PBX: Dial() to an operator or through the trunk, and hanging up.

Event order follows Asterisk 16-20 traces: DialBegin, the callee ringing (Newstate Ringing,
DialState RINGING), then DialEnd; on answer DialEnd ANSWER comes before the caller is
answered and both enter a new bridge, the callee first. When a bridged party hangs up:
HangupRequest, AgentComplete for queue calls, BridgeLeave, then the other party is hung up.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from dataclasses import dataclass

from kompas_cc.telephony.simulator_config import Operator, TrafficConfig
from kompas_cc.telephony.simulator_model import (
    CAUSE_BUSY,
    CAUSE_CONGESTION,
    CAUSE_NO_ANSWER,
    CAUSE_NORMAL,
    DOWN,
    RINGING,
    UP,
    Bridge,
    Call,
    Channel,
)
from kompas_cc.telephony.simulator_pbx import Pbx

__all__ = [
    "DIALPLAN_STEP_S",
    "OPERATOR_PATIENCE_S",
    "DialResult",
    "Scenario",
    "dial",
    "dial_data",
    "end_talk",
    "free_operator",
    "hang_up_after_dial",
    "hang_up_bridged",
    "is_outside_number",
    "mobile_number",
    "trunk_full",
]

#: A scenario yields the seconds until it wants to be resumed.
Scenario = Generator[float, None, None]

#: Seconds the dialplan takes between steps (AGI lookups, Answer, announcements).
DIALPLAN_STEP_S = 0.5
#: An outside number: anything this long is routed to the trunk.
OUTSIDE_NUMBER_MIN_DIGITS = 5
#: How long an operator lets an outgoing or consultation call ring before giving up.
OPERATOR_PATIENCE_S = 30.0

HANGUP_CAUSE_BY_STATUS = {"BUSY": CAUSE_BUSY, "CONGESTION": CAUSE_CONGESTION}


@dataclass(frozen=True, slots=True)
class DialResult:
    """How a Dial ended; dest and bridge are set only when the callee answered."""

    status: str
    dest: Channel | None = None
    bridge: Bridge | None = None


def mobile_number(rng: random.Random) -> str:
    return "79" + "".join(str(rng.randrange(10)) for _ in range(9))


def is_outside_number(exten: str) -> bool:
    return exten.isdigit() and len(exten) >= OUTSIDE_NUMBER_MIN_DIGITS


def free_operator(
    pbx: Pbx, config: TrafficConfig, rng: random.Random, exclude: tuple[str, ...] = ()
) -> Operator | None:
    """A random operator whose phone is idle (no channel on it), or None."""
    idle = [
        operator
        for operator in config.operators
        if operator.extension not in exclude and pbx.endpoint_channels(operator.extension) == 0
    ]
    return rng.choice(idle) if idle else None


def trunk_full(pbx: Pbx, config: TrafficConfig) -> bool:
    return pbx.endpoint_channels(config.trunk) >= config.trunk_lines


def dial_data(config: TrafficConfig, exten: str) -> str:
    """The Dial() argument the dialplan would run for an extension or an outside number."""
    timeout = int(config.timings.dial_timeout_s)
    if config.operator(exten) is not None:
        return f"PJSIP/{exten},{timeout}"
    return f"PJSIP/{exten}@{config.trunk},{int(OPERATOR_PATIENCE_S * 2)}"


def _new_dest(pbx: Pbx, call: Call, config: TrafficConfig, caller: Channel, exten: str) -> Channel:
    operator = config.operator(exten)
    if operator is not None:
        dest = pbx.new_channel(
            call,
            operator.extension,
            state=DOWN,
            caller=(operator.extension, operator.name),
            context=config.internal_context,
            exten="s",
            linkedid=caller.linkedid,
        )
    else:
        dest = pbx.new_channel(
            call,
            config.trunk,
            state=DOWN,
            caller=(config.did, ""),
            context=config.internal_context,
            exten="s",
            linkedid=caller.linkedid,
        )
    dest.application, dest.app_data = "AppDial", "(Outgoing Line)"
    pbx.set_connected(dest, caller.caller)
    return dest


def _answer_and_bridge(pbx: Pbx, caller: Channel, dest: Channel) -> Bridge:
    pbx.set_state(dest, UP)
    pbx.dial_end(caller, dest, "ANSWER")
    pbx.set_connected(caller, dest.caller)
    pbx.set_state(caller, UP)
    pbx.varset(caller, "DIALSTATUS", "ANSWER")
    bridge = pbx.bridge_create()
    pbx.bridge_enter(bridge, dest)
    pbx.bridge_enter(bridge, caller)
    return bridge


def hang_up_bridged(pbx: Pbx, call: Call, bridge: Bridge, first: Channel, second: Channel) -> None:
    """`first` hangs up; the bridge dissolves and `second` is hung up after it."""
    pbx.hangup_request(first, CAUSE_NORMAL)
    link = call.queue_link
    if link is not None:
        pbx.queues.agent_complete(call, "caller" if first is link.caller else "agent")
    pbx.bridge_leave(bridge, first)
    pbx.hangup_request(second, CAUSE_NORMAL, soft=True)
    pbx.bridge_leave(bridge, second)
    pbx.bridge_destroy(bridge)
    pbx.hangup(first, CAUSE_NORMAL)
    pbx.hangup(second, CAUSE_NORMAL)


def hang_up_after_dial(pbx: Pbx, channel: Channel, status: str) -> None:
    """The dialplan gives up after a failed Dial: DIALSTATUS, Hangup(), the channel is gone."""
    cause = HANGUP_CAUSE_BY_STATUS.get(status, CAUSE_NORMAL)
    pbx.varset(channel, "DIALSTATUS", status)
    pbx.newexten(channel, channel.context, channel.exten, channel.priority + 1, "Hangup", "")
    pbx.hangup_request(channel, cause, soft=True)
    pbx.hangup(channel, cause)


def end_talk(
    pbx: Pbx, call: Call, rng: random.Random, bridge: Bridge, a: Channel, b: Channel
) -> None:
    first, second = (a, b) if rng.random() < 0.5 else (b, a)
    hang_up_bridged(pbx, call, bridge, first, second)


# -- dialing ----------------------------------------------------------------------------


def dial(
    pbx: Pbx,
    call: Call,
    config: TrafficConfig,
    rng: random.Random,
    caller: Channel,
    exten: str,
    *,
    patience: float | None,
) -> Generator[float, None, DialResult]:
    """Dial an operator or an outside number from `caller`, as Dial() in the dialplan would.

    With `patience` shorter than the ringing, the caller hangs up (status CANCEL) and is gone;
    on any other failure the caller stays up for the dialplan to continue.
    """
    mix, timings = config.mix, config.timings
    operator = config.operator(exten)
    if operator is None and not is_outside_number(exten):
        return DialResult("CHANUNAVAIL")
    if operator is None and trunk_full(pbx, config):
        return DialResult("CONGESTION")
    dest = _new_dest(pbx, call, config, caller, exten)
    dial_string = exten if operator is not None else f"{exten}@{config.trunk}"
    pbx.dial_begin(caller, dest, dial_string)
    yield 0.2
    roll = rng.random()
    if operator is None and roll < mix.failed:
        pbx.dial_end(caller, dest, "CONGESTION")
        pbx.hangup(dest, CAUSE_CONGESTION)
        return DialResult("CONGESTION")
    line_busy = operator is not None and pbx.endpoint_channels(operator.extension) > 1
    if line_busy or roll < mix.failed + mix.busy:
        yield 0.3
        pbx.dial_end(caller, dest, "BUSY")
        pbx.hangup(dest, CAUSE_BUSY)
        return DialResult("BUSY")
    pbx.set_state(dest, RINGING)
    pbx.dial_state(caller, dest, "RINGING")
    answers = roll >= mix.failed + mix.busy + mix.no_answer
    ring = timings.ring(rng, timings.dial_timeout_s) if answers else timings.dial_timeout_s
    if patience is not None and patience < ring:
        yield patience
        pbx.hangup_request(caller, CAUSE_NORMAL)
        pbx.dial_end(caller, dest, "CANCEL")
        pbx.hangup(dest, CAUSE_NORMAL)
        pbx.hangup(caller, CAUSE_NORMAL)
        return DialResult("CANCEL")
    yield ring
    if not answers:
        pbx.dial_end(caller, dest, "NOANSWER")
        pbx.hangup(dest, CAUSE_NO_ANSWER)
        return DialResult("NOANSWER")
    return DialResult("ANSWER", dest, _answer_and_bridge(pbx, caller, dest))
