"""After an answer: the conversation, blind and attended transfers, and redirected channels.

Transfers follow the AMI v2 bridging model: BlindTransfer or AttendedTransfer reports the
outcome, then BridgeLeave/BridgeEnter show who talks to whom. A blind transfer sends the
transferee to the new extension and hangs up the transferer; an attended transfer moves the
transferee into the bridge of the consultation call (DestType Bridge) and the transferer's
two channels go away.
"""

from __future__ import annotations

import random

from kompas_cc.telephony.simulator_config import TrafficConfig
from kompas_cc.telephony.simulator_dial import (
    DIALPLAN_STEP_S,
    OPERATOR_PATIENCE_S,
    Scenario,
    dial,
    dial_data,
    end_talk,
    free_operator,
    hang_up_after_dial,
)
from kompas_cc.telephony.simulator_model import CAUSE_NORMAL, RING, Bridge, Call, Channel
from kompas_cc.telephony.simulator_pbx import Pbx

__all__ = [
    "attended_transfer_by_features",
    "attended_transfer_tail",
    "blind_transfer_tail",
    "conversation",
    "redirected",
]


def conversation(
    pbx: Pbx,
    call: Call,
    config: TrafficConfig,
    rng: random.Random,
    customer: Channel,
    agent: Channel,
    bridge: Bridge,
) -> Scenario:
    roll = rng.random()
    can_transfer = config.operator(agent.endpoint) is not None
    if can_transfer and roll < config.mix.blind_transfer:
        yield from _blind_transfer(pbx, call, config, rng, customer, agent, bridge)
    elif can_transfer and roll < config.mix.blind_transfer + config.mix.attended_transfer:
        yield from _attended_transfer(pbx, call, config, rng, customer, agent, bridge)
    else:
        yield config.timings.talk(rng)
        end_talk(pbx, call, rng, bridge, customer, agent)


def _blind_transfer(
    pbx: Pbx,
    call: Call,
    config: TrafficConfig,
    rng: random.Random,
    customer: Channel,
    agent: Channel,
    bridge: Bridge,
) -> Scenario:
    yield config.timings.talk(rng) / 2
    target = free_operator(pbx, config, rng, exclude=(agent.endpoint,))
    if target is None:
        yield config.timings.talk(rng) / 2
        end_talk(pbx, call, rng, bridge, customer, agent)
        return
    pbx.hold(agent)
    yield 3.0
    yield from blind_transfer_tail(
        pbx, call, config, rng, agent, customer, bridge, target.extension, external=True
    )


def blind_transfer_tail(
    pbx: Pbx,
    call: Call,
    config: TrafficConfig,
    rng: random.Random,
    transferer: Channel,
    transferee: Channel,
    bridge: Bridge,
    exten: str,
    *,
    external: bool,
) -> Scenario:
    """The transferee leaves the bridge for `exten`; the transferer hangs up."""
    pbx.blind_transfer(
        transferer, transferee, bridge, config.internal_context, exten, external=external
    )
    pbx.queues.agent_complete(call, "transfer")
    pbx.bridge_leave(bridge, transferee)
    pbx.bridge_leave(bridge, transferer)
    pbx.bridge_destroy(bridge)
    pbx.hangup_request(transferer, CAUSE_NORMAL)
    pbx.hangup(transferer, CAUSE_NORMAL)
    yield from redirected(pbx, call, config, rng, transferee, config.internal_context, exten, 1)


def _attended_transfer(
    pbx: Pbx,
    call: Call,
    config: TrafficConfig,
    rng: random.Random,
    customer: Channel,
    agent: Channel,
    bridge: Bridge,
) -> Scenario:
    yield config.timings.talk(rng) / 2
    target = free_operator(pbx, config, rng, exclude=(agent.endpoint,))
    if target is None:
        yield config.timings.talk(rng) / 2
        end_talk(pbx, call, rng, bridge, customer, agent)
        return
    pbx.hold(agent)
    yield 2.0
    consult = pbx.new_channel(
        call,
        agent.endpoint,
        state=RING,
        caller=agent.caller,
        context=config.internal_context,
        exten=target.extension,
    )
    data = dial_data(config, target.extension)
    pbx.newexten(consult, config.internal_context, target.extension, 1, "Dial", data)
    result = yield from dial(
        pbx, call, config, rng, consult, target.extension, patience=OPERATOR_PATIENCE_S / 2
    )
    if result.dest is None or result.bridge is None:
        if consult.alive:
            hang_up_after_dial(pbx, consult, result.status)
        pbx.unhold(agent)
        yield config.timings.talk(rng) / 2
        end_talk(pbx, call, rng, bridge, customer, agent)
        return
    yield config.timings.consult(rng)
    yield from attended_transfer_tail(
        pbx,
        call,
        config,
        rng,
        (agent, bridge),
        (consult, result.bridge),
        customer,
        result.dest,
        external=True,
    )


def attended_transfer_tail(
    pbx: Pbx,
    call: Call,
    config: TrafficConfig,
    rng: random.Random,
    first: tuple[Channel, Bridge],
    second: tuple[Channel, Bridge],
    transferee: Channel,
    target: Channel,
    *,
    external: bool,
) -> Scenario:
    """Complete an attended transfer: the transferee joins the target's bridge."""
    (orig, orig_bridge), (consult, target_bridge) = first, second
    pbx.attended_transfer(first, second, transferee, target, external=external)
    pbx.queues.agent_complete(call, "transfer")
    pbx.bridge_leave(orig_bridge, orig)
    pbx.bridge_leave(target_bridge, consult)
    pbx.bridge_leave(orig_bridge, transferee)
    pbx.bridge_enter(target_bridge, transferee)
    pbx.bridge_destroy(orig_bridge)
    pbx.set_connected(transferee, target.caller)
    pbx.set_connected(target, transferee.caller)
    for channel in (orig, consult):
        if channel.alive:
            pbx.hangup_request(channel, CAUSE_NORMAL, soft=True)
            pbx.hangup(channel, CAUSE_NORMAL)
    yield config.timings.talk(rng)
    end_talk(pbx, call, rng, target_bridge, transferee, target)


def attended_transfer_by_features(
    pbx: Pbx,
    call: Call,
    config: TrafficConfig,
    rng: random.Random,
    transferer: Channel,
    exten: str,
) -> Scenario:
    """Atxfer: the transferer steps out of the bridge, consults `exten`, then hangs up."""
    bridge = transferer.bridge
    transferee = next((c for c in bridge.channels if c is not transferer), None) if bridge else None
    if bridge is None or transferee is None:
        return
    yield DIALPLAN_STEP_S
    pbx.bridge_leave(bridge, transferer)
    result = yield from dial(pbx, call, config, rng, transferer, exten, patience=None)
    if result.dest is None or result.bridge is None:
        pbx.bridge_enter(bridge, transferer)
        yield config.timings.talk(rng)
        end_talk(pbx, call, rng, bridge, transferee, transferer)
        return
    yield config.timings.consult(rng)
    pbx.hangup_request(transferer, CAUSE_NORMAL)
    pbx.bridge_leave(result.bridge, transferer)
    yield from attended_transfer_tail(
        pbx,
        call,
        config,
        rng,
        (transferer, bridge),
        (transferer, result.bridge),
        transferee,
        result.dest,
        external=False,
    )


def redirected(
    pbx: Pbx,
    call: Call,
    config: TrafficConfig,
    rng: random.Random,
    channel: Channel,
    context: str,
    exten: str,
    priority: int,
) -> Scenario:
    """A channel sent to `exten` (transfer, Redirect) dials it and talks, or hangs up."""
    pbx.newexten(channel, context, exten, priority, "Dial", dial_data(config, exten))
    result = yield from dial(pbx, call, config, rng, channel, exten, patience=None)
    if result.status == "CANCEL":
        return
    if result.dest is None or result.bridge is None:
        hang_up_after_dial(pbx, channel, result.status)
        return
    yield from conversation(pbx, call, config, rng, channel, result.dest, result.bridge)
