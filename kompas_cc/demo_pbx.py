"""The demo's simulated PBX: the AMI simulator with the demo's operators, called by its clients.

The simulator (`telephony/simulator.py`) draws every outside number at random, so on its own
no caller would ever be a client. Here each number it draws for a new call (a customer
calling in, or the number an operator dials out) is replaced on the wire: by one of the demo
clients' numbers for `known_share` of the calls, otherwise by the drawn number itself in
E.164, an unknown caller who becomes a lead. The replacement happens where events leave the
model (`Pbx.emit`, and the CoreShowChannels listing), so the simulated exchange keeps working
with its own numbers, and the numbers of an Originate sent by KOMPAS (click-to-call) are
never touched: only drawn numbers are replaced.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kompas_cc.demo_data import DEMO_USERS
from kompas_cc.telephony.simulator import ControlFactory
from kompas_cc.telephony.simulator_config import Operator, Timings, TrafficConfig
from kompas_cc.telephony.simulator_control import CallControl
from kompas_cc.telephony.simulator_dial import is_outside_number
from kompas_cc.telephony.simulator_model import RING, UNKNOWN, Call, Channel, Event, Party
from kompas_cc.telephony.simulator_pbx import Pbx
from kompas_cc.telephony.simulator_traffic import Scheduler, arrivals
from kompas_cc.telephony.simulator_wire import Frame

__all__ = [
    "DEMO_TIMINGS",
    "DemoCallers",
    "DemoTraffic",
    "demo_control",
    "demo_traffic_config",
    "generate_demo_traffic",
]

#: Shorter talks than a real call centre's, so that a viewer sees calls end in the log.
DEMO_TIMINGS = Timings(talk_median_s=45.0, consult_median_s=15.0, patience_mean_s=60.0)
#: Drawn numbers remembered at most (a call lasts minutes; this is hours of traffic).
MAX_REMEMBERED_NUMBERS = 10_000
#: A run of digits long enough to be an outside number (simulator_dial.is_outside_number).
_DIGIT_RUN = re.compile(r"\d{5,}")


@dataclass(frozen=True, slots=True)
class DemoTraffic:
    """How busy the demo's exchange is. `seed` None: different calls at every start."""

    calls_per_minute: float = 2.0
    speed: float = 1.0
    known_share: float = 0.7
    seed: int | None = None
    timings: Timings = DEMO_TIMINGS

    def __post_init__(self) -> None:
        if not 0 <= self.known_share <= 1:
            raise ValueError(f"known_share must be between 0 and 1, got {self.known_share}")


def demo_traffic_config(traffic: DemoTraffic) -> TrafficConfig:
    """The simulated site: the demo operators' phones (their extensions), caller names left
    to KOMPAS (the simulator's sample names would not match the numbers)."""
    operators = tuple(Operator(u.extension, u.name) for u in DEMO_USERS if u.extension)
    return TrafficConfig(
        calls_per_minute=traffic.calls_per_minute,
        operators=operators,
        client_names=(),
        timings=traffic.timings,
    )


class DemoCallers:
    """Which number each drawn number shows as: a client's, or itself in E.164."""

    def __init__(self, numbers: Sequence[str], known_share: float, seed: int) -> None:
        self.numbers = tuple(
            number if number.startswith("+") else f"+{number}" for number in numbers
        )
        self.known_share = known_share if self.numbers else 0.0
        self._rng = random.Random(seed)
        self._shown: dict[str, str] = {}

    def draw(self, number: str) -> None:
        """Decide what the number the simulator just drew for a new call shows as."""
        if number in self._shown:
            return
        if len(self._shown) >= MAX_REMEMBERED_NUMBERS:
            del self._shown[next(iter(self._shown))]
        known = self._rng.random() < self.known_share
        self._shown[number] = self._rng.choice(self.numbers) if known else f"+{number}"

    def shown(self, number: str) -> str:
        return self._shown.get(number, number)

    def rewrite(self, event: Event) -> Event:
        """The event with every drawn number replaced, in place."""
        if not self._shown:
            return event
        for key, value in event.items():
            if _DIGIT_RUN.search(value):
                event[key] = _DIGIT_RUN.sub(lambda match: self.shown(match[0]), value)
        return event


class DemoPbx(Pbx):
    """The simulated PBX, telling `callers` about every number drawn for a new call."""

    def __init__(
        self,
        rng: random.Random,
        now: float,
        *,
        config: TrafficConfig,
        callers: DemoCallers,
    ) -> None:
        self.config = config
        self.callers = callers
        super().__init__(
            rng,
            now,
            language=config.language,
            operators=config.operator_names(),
            queues=config.queues,
        )

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
        drawn = self._drawn_number(endpoint, state, caller, context, exten)
        if drawn is not None:
            self.callers.draw(drawn)
        return super().new_channel(
            call,
            endpoint,
            state=state,
            caller=caller,
            context=context,
            exten=exten,
            linkedid=linkedid,
            connected=connected,
        )

    def _drawn_number(
        self, endpoint: str, state: int, caller: Party, context: str, exten: str
    ) -> str | None:
        """The drawn number a new channel starts a call with (simulator_scenarios): a caller
        on the trunk with no name yet, or an operator's phone ringing out to an outside
        number. Originate starts its channel Down at "s", and is never taken."""
        config = self.config
        if endpoint == config.trunk and context == config.inbound_context and caller[1] == UNKNOWN:
            return caller[0]
        outbound = state == RING and context == config.internal_context
        if outbound and config.operator(endpoint) is not None and is_outside_number(exten):
            return exten
        return None

    def emit(self, name: str, privilege: str, *parts: dict[str, str]) -> Event:
        event = super().emit(name, privilege, *parts)
        self.callers.rewrite(event)
        return event


class DemoCallControl(CallControl):
    def __init__(self, config: TrafficConfig, seed: int, now: float, callers: DemoCallers) -> None:
        super().__init__(config, seed, now)
        self.pbx = DemoPbx(self.rng, now, config=config, callers=callers)
        self.scheduler = Scheduler(self.pbx)
        self.callers = callers

    def core_show_channels(self, frame: Frame) -> list[Event]:
        return [self.callers.rewrite(event) for event in super().core_show_channels(frame)]


def demo_control(callers: DemoCallers) -> ControlFactory:
    """The simulator's call control with the demo's callers (AmiSimulator's `control`)."""

    def build(config: TrafficConfig, seed: int, now: float) -> CallControl:
        return DemoCallControl(config, seed, now, callers)

    return build


def generate_demo_traffic(
    config: TrafficConfig, callers: DemoCallers, start: datetime, duration: timedelta, seed: int
) -> list[Event]:
    """Every AMI event of the demo calls arriving in [start, start + duration), played to the
    end (as simulator_traffic.generate_traffic, with the demo's callers)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    rng = random.Random(seed)
    pbx = DemoPbx(rng, start.timestamp(), config=config, callers=callers)
    scheduler = Scheduler(pbx)
    scheduler.spawn(arrivals(scheduler, config, rng, start.timestamp() + duration.total_seconds()))
    scheduler.run_all()
    return pbx.take_events()
