"""Traffic: a discrete-event scheduler running call scenarios, Poisson arrivals, and a pure
generator of whole event streams for tests and demos.

The scheduler keeps scenarios in a heap by the simulated instant they asked to be resumed at;
`run_until` resumes them in order, so events come out with non-decreasing timestamps no matter
how many calls overlap. The same scheduler serves the live AMI server, which only decides how
fast simulated time passes.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from kompas_cc.telephony.simulator_config import TrafficConfig
from kompas_cc.telephony.simulator_dial import Scenario
from kompas_cc.telephony.simulator_model import Call, Event
from kompas_cc.telephony.simulator_pbx import Pbx
from kompas_cc.telephony.simulator_scenarios import (
    inbound_to_extension,
    inbound_to_queue,
    outbound_call,
)

__all__ = [
    "CALL_KINDS",
    "Scheduler",
    "arrivals",
    "generate_traffic",
    "start_call",
]

CallScenario = Callable[[Pbx, Call, TrafficConfig, random.Random], Scenario]

CALL_KINDS: dict[str, CallScenario] = {
    "inbound_extension": inbound_to_extension,
    "inbound_queue": inbound_to_queue,
    "outbound": outbound_call,
}


class Scheduler:
    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx
        self._heap: list[tuple[float, int, Scenario, Call | None]] = []
        self._order = itertools.count()

    def spawn(self, scenario: Scenario, call: Call | None = None, delay: float = 0.0) -> None:
        """Start `scenario` `delay` simulated seconds from now; `call` cancels it when set."""
        heapq.heappush(self._heap, (self.pbx.now + delay, next(self._order), scenario, call))

    @property
    def next_at(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)

    def run_until(self, moment: float) -> None:
        """Resume every scenario due by `moment`, in time order; then "now" is `moment`."""
        while self._heap and self._heap[0][0] <= moment:
            at, _, scenario, call = heapq.heappop(self._heap)
            if call is not None and call.cancelled:
                scenario.close()
                continue
            self.pbx.now = max(self.pbx.now, at)
            try:
                delay = next(scenario)
            except StopIteration:
                continue
            heapq.heappush(
                self._heap, (self.pbx.now + max(0.0, delay), next(self._order), scenario, call)
            )
        self.pbx.now = max(self.pbx.now, moment)

    def run_all(self) -> None:
        """Run until every scenario has finished."""
        while self._heap:
            self.run_until(self._heap[0][0])

    def clear(self) -> None:
        for _, _, scenario, _ in self._heap:
            scenario.close()
        self._heap.clear()


def start_call(scheduler: Scheduler, config: TrafficConfig, rng: random.Random, kind: str) -> Call:
    """Start one call of a kind in CALL_KINDS now."""
    try:
        scenario = CALL_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown call kind {kind!r}; known: {', '.join(CALL_KINDS)}") from None
    call = Call()
    scheduler.spawn(scenario(scheduler.pbx, call, config, rng), call)
    return call


def rtcp_reports(pbx: Pbx, interval: float) -> Scenario:
    """Asterisk's RTCP statistics of every talking channel, every `interval` seconds, for as
    long as the simulator runs (live traffic only: a generated stream would never end)."""
    while True:
        yield interval
        pbx.rtcp_reports()


def arrivals(
    scheduler: Scheduler, config: TrafficConfig, rng: random.Random, until: float | None
) -> Scenario:
    """Calls arriving as a Poisson process at config.calls_per_minute, mixed by weight."""
    if config.calls_per_minute <= 0:
        return
    mix = config.mix
    kinds = list(CALL_KINDS)
    weights = [mix.inbound_extension, mix.inbound_queue, mix.outbound]
    rate_per_s = config.calls_per_minute / 60.0
    while True:
        gap = rng.expovariate(rate_per_s)
        if until is not None and scheduler.pbx.now + gap > until:
            return
        yield gap
        start_call(scheduler, config, rng, rng.choices(kinds, weights)[0])


def generate_traffic(
    config: TrafficConfig, start: datetime, duration: timedelta, seed: int = 0
) -> list[Event]:
    """Every AMI event of the calls arriving in [start, start + duration), played to the end.

    Pure and deterministic: the same config, start, duration and seed give the same events.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    rng = random.Random(seed)
    pbx = Pbx(
        rng,
        start.timestamp(),
        language=config.language,
        operators=config.operator_names(),
        queues=config.queues,
    )
    scheduler = Scheduler(pbx)
    scheduler.spawn(arrivals(scheduler, config, rng, start.timestamp() + duration.total_seconds()))
    scheduler.run_all()
    return pbx.take_events()
