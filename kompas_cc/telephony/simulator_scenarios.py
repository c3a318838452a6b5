"""Whole calls: a customer calling an operator or a queue, an operator calling out, Originate.

Each scenario is a generator that drives the PBX model and yields the seconds until its next
step; a scheduler resumes it at that simulated time, so many calls interleave as on a real PBX
while each scenario reads as the story of one call. Who answers, how long phones ring and
people talk, and whether a call is transferred all come from the seeded random generator.

Queue calls follow app_queue: QueueCallerJoin, then for each member tried AgentCalled before
DialBegin; on answer QueueCallerLeave before AgentConnect; a caller giving up raises
QueueCallerAbandon then QueueCallerLeave; a member not answering, AgentRingNoAnswer.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from kompas_cc.telephony.simulator_config import TrafficConfig
from kompas_cc.telephony.simulator_dial import (
    DIALPLAN_STEP_S,
    Scenario,
    dial,
    dial_data,
    free_operator,
    hang_up_after_dial,
    mobile_number,
    trunk_full,
)
from kompas_cc.telephony.simulator_model import (
    CAUSE_BUSY,
    CAUSE_NO_ANSWER,
    CAUSE_NORMAL,
    DOWN,
    RING,
    RINGING,
    UNKNOWN,
    UP,
    Call,
    Channel,
    Party,
    QueueLink,
)
from kompas_cc.telephony.simulator_pbx import Pbx
from kompas_cc.telephony.simulator_transfers import conversation, redirected

__all__ = [
    "OriginateRequest",
    "inbound_to_extension",
    "inbound_to_queue",
    "originate",
    "outbound_call",
]


@dataclass(frozen=True, slots=True)
class OriginateRequest:
    """The parts of an AMI Originate the simulator acts on."""

    action_id: str
    channel: str
    context: str
    exten: str
    priority: int
    caller: Party | None
    timeout_s: float
    application: str
    data: str
    asynchronous: bool


_PRELUDE_CONTEXT = "macro-user-callerid"
#: Variables a generated dialplan sets on a new call (a few of FreePBX's), in turn.
_PRELUDE_VARIABLES = (
    "__FROM_DID",
    "__DIRECTION",
    "CDR(did)",
    "__CALLINGNAMEPRES_SV",
    "__CALLINGNUMPRES_SV",
    "CHANNEL(language)",
    "__MOHCLASS",
    "__REC_POLICY_MODE",
    "__REC_STATUS",
    "__MON_FMT",
    "__TIMESTR",
    "__FROMEXTEN",
    "__CALLFILENAME",
    "__MIXMON_ID",
    "AMPUSER",
    "__TTL",
)


def prelude(pbx: Pbx, channel: Channel, config: TrafficConfig) -> None:
    """The call's first `config.dialplan_prelude` dialplan steps, each setting a variable, in
    a macro as generated dialplans run them; the channel then returns where it was."""
    where = channel.context, channel.exten, channel.priority
    for step in range(config.dialplan_prelude):
        variable = _PRELUDE_VARIABLES[step % len(_PRELUDE_VARIABLES)]
        value = where[1] if step % 3 else channel.language
        pbx.newexten(channel, _PRELUDE_CONTEXT, "s", step + 1, "Set", f"{variable}={value}")
        pbx.varset(channel, variable.lstrip("_"), value)
    channel.context, channel.exten, channel.priority = where


def _inbound_leg(pbx: Pbx, call: Call, config: TrafficConfig, rng: random.Random) -> Channel | None:
    """A customer's call arriving on the trunk; None when every trunk line is busy."""
    if trunk_full(pbx, config):
        pbx.blocked_calls += 1
        return None
    number = mobile_number(rng)
    channel = pbx.new_channel(
        call,
        config.trunk,
        state=RING,
        caller=(number, UNKNOWN),
        context=config.inbound_context,
        exten=config.did,
    )
    pbx.newexten(channel, config.inbound_context, config.did, 1, "NoOp", f"Incoming {number}")
    prelude(pbx, channel, config)
    if config.client_names and rng.random() < config.mix.known_client:
        pbx.set_callerid(channel, (number, rng.choice(config.client_names)))
    return channel


def inbound_to_extension(
    pbx: Pbx, call: Call, config: TrafficConfig, rng: random.Random
) -> Scenario:
    """A customer calls an operator's direct number."""
    customer = _inbound_leg(pbx, call, config, rng)
    if customer is None:
        return
    yield DIALPLAN_STEP_S
    operator = rng.choice(config.operators)
    data = dial_data(config, operator.extension)
    pbx.newexten(customer, config.inbound_context, config.did, 2, "Dial", data)
    patience = config.timings.patience(rng)
    result = yield from dial(
        pbx, call, config, rng, customer, operator.extension, patience=patience
    )
    if result.status == "CANCEL":
        return
    if result.dest is None or result.bridge is None:
        hang_up_after_dial(pbx, customer, result.status)
        return
    yield from conversation(pbx, call, config, rng, customer, result.dest, result.bridge)


def _abandon_queue(pbx: Pbx, customer: Channel, member: Channel | None) -> None:
    pbx.hangup_request(customer, CAUSE_NORMAL)
    if member is not None:
        pbx.dial_end(customer, member, "CANCEL")
        pbx.hangup(member, CAUSE_NORMAL)
    pbx.queues.abandon(customer)
    pbx.queues.leave(customer)
    pbx.hangup_request(customer, CAUSE_NORMAL, soft=True)
    pbx.hangup(customer, CAUSE_NORMAL)


def inbound_to_queue(pbx: Pbx, call: Call, config: TrafficConfig, rng: random.Random) -> Scenario:
    """A customer calls the company number and waits in a queue until answered or gone."""
    customer = _inbound_leg(pbx, call, config, rng)
    if customer is None:
        return
    timings, mix = config.timings, config.mix
    queue = rng.choice(config.queues)
    yield DIALPLAN_STEP_S
    pbx.newexten(customer, config.inbound_context, config.did, 2, "Answer", "")
    pbx.set_state(customer, UP)
    yield DIALPLAN_STEP_S
    pbx.newexten(customer, config.inbound_context, config.did, 3, "Queue", f"{queue},t")
    pbx.queues.join(customer, queue)
    joined_at = pbx.now
    deadline = joined_at + timings.patience(rng)
    while True:
        agent = free_operator(pbx, config, rng)
        if agent is None:
            pause = min(timings.queue_retry_s, deadline - pbx.now)
            if pause <= 0:
                _abandon_queue(pbx, customer, None)
                return
            yield pause
            continue
        interface = f"PJSIP/{agent.extension}"
        member = pbx.new_channel(
            call,
            agent.extension,
            state=DOWN,
            caller=(agent.extension, agent.name),
            context=config.internal_context,
            exten="s",
            linkedid=customer.linkedid,
        )
        member.application, member.app_data = "AppQueue", "(Outgoing Line)"
        pbx.set_connected(member, customer.caller)
        pbx.queues.agent_called(customer, member, queue, interface, agent.name)
        pbx.dial_begin(customer, member, interface)
        yield 0.1
        pbx.set_state(member, RINGING)
        pbx.dial_state(customer, member, "RINGING")
        answers = rng.random() >= mix.no_answer
        limit = timings.queue_ring_timeout_s
        ring = timings.ring(rng, limit) if answers else limit
        if pbx.now + ring >= deadline:
            yield max(0.0, deadline - pbx.now)
            _abandon_queue(pbx, customer, member)
            return
        yield ring
        if not answers:
            ms = int(ring * 1000)
            pbx.queues.agent_ring_no_answer(customer, member, queue, interface, agent.name, ms)
            pbx.dial_end(customer, member, "NOANSWER")
            pbx.hangup(member, CAUSE_NORMAL)
            pause = min(timings.queue_retry_s, deadline - pbx.now)
            if pause <= 0:
                _abandon_queue(pbx, customer, None)
                return
            yield pause
            continue
        pbx.set_state(member, UP)
        pbx.dial_end(customer, member, "ANSWER")
        pbx.set_connected(customer, member.caller)
        pbx.queues.leave(customer)
        link = QueueLink(queue, customer, member, interface, agent.name, joined_at, pbx.now)
        call.queue_link = link
        pbx.queues.agent_connect(link, ring)
        bridge = pbx.bridge_create()
        pbx.bridge_enter(bridge, member)
        pbx.bridge_enter(bridge, customer)
        yield from conversation(pbx, call, config, rng, customer, member, bridge)
        return


def outbound_call(pbx: Pbx, call: Call, config: TrafficConfig, rng: random.Random) -> Scenario:
    """An idle operator dials a customer through the trunk."""
    operator = free_operator(pbx, config, rng)
    if operator is None:
        return
    number = mobile_number(rng)
    channel = pbx.new_channel(
        call,
        operator.extension,
        state=RING,
        caller=(operator.extension, operator.name),
        context=config.internal_context,
        exten=number,
    )
    prelude(pbx, channel, config)
    yield from redirected(pbx, call, config, rng, channel, config.internal_context, number, 1)


def originate(
    pbx: Pbx,
    call: Call,
    config: TrafficConfig,
    rng: random.Random,
    request: OriginateRequest,
    on_result: Callable[[bool], None],
) -> Scenario:
    """AMI Originate: ring the operator's phone, then dial `exten` once the operator answers.

    Asynchronous requests end their first stage with OriginateResponse (Reason 4 answered,
    3 no answer, 5 busy, 0 failed); `on_result` lets the server answer synchronous ones.
    """
    tech, _, endpoint = request.channel.partition("/")
    operator = config.operator(endpoint)
    context = request.context or config.internal_context

    def report(success: bool, reason: int, channel: Channel | None) -> None:
        if request.asynchronous:
            pbx.originate_response(
                request.action_id,
                success=success,
                channel=channel.name if channel else request.channel,
                context=context,
                exten=request.exten,
                reason=reason,
                uniqueid=channel.uniqueid if channel else UNKNOWN,
                caller=request.caller or ("", ""),
            )
        on_result(success)

    if tech.upper() != "PJSIP" or operator is None:
        report(False, 0, None)
        return
    phone = pbx.new_channel(
        call,
        operator.extension,
        state=DOWN,
        caller=request.caller or (operator.extension, operator.name),
        context=context,
        exten="s",
    )
    phone.application, phone.app_data = "AppDial2", "(Outgoing Line)"
    yield 0.2
    if pbx.endpoint_channels(operator.extension) > 1:
        pbx.hangup(phone, CAUSE_BUSY)
        report(False, 5, None)
        return
    pbx.set_state(phone, RINGING)
    answers = rng.random() >= config.mix.no_answer
    ring = config.timings.ring(rng, request.timeout_s) if answers else request.timeout_s
    yield ring
    if not answers:
        pbx.hangup(phone, CAUSE_NO_ANSWER)
        report(False, 3, None)
        return
    pbx.set_state(phone, UP)
    report(True, 4, phone)
    if request.application:
        phone.application, phone.app_data = request.application, request.data
        yield config.timings.talk(rng)
        pbx.hangup_request(phone, CAUSE_NORMAL)
        pbx.hangup(phone, CAUSE_NORMAL)
        return
    yield from redirected(pbx, call, config, rng, phone, context, request.exten, request.priority)
