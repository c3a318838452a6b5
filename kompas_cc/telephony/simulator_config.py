"""What the simulated PBX looks like and how its callers behave: operators, trunk, mix, timings."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, fields

__all__ = [
    "DEFAULT_OPERATORS",
    "Operator",
    "Timings",
    "TrafficConfig",
    "TrafficMix",
]


@dataclass(frozen=True, slots=True)
class Operator:
    """An operator's phone: a PJSIP endpoint named after the extension."""

    extension: str
    name: str


DEFAULT_OPERATORS = (
    Operator("101", "Анна Смирнова"),
    Operator("102", "Борис Иванов"),
    Operator("103", "Вера Кузнецова"),
    Operator("104", "Глеб Орлов"),
)

DEFAULT_CLIENT_NAMES = (
    "ООО «Ромашка»",
    "АО «Вектор»",
    "Иван Сидоров",
    "Елена Павлова",
    "ИП Григорьев",
)


def _check_probability(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")


def _check_positive(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {value}")


@dataclass(frozen=True, slots=True)
class Timings:
    """Medians of log-normal durations (ring, talk, consultation) and the fixed timeouts.

    Callers' patience is exponential with the given mean: most give up early, a few wait long.
    """

    ring_median_s: float = 6.0
    dial_timeout_s: float = 20.0
    queue_ring_timeout_s: float = 15.0
    queue_retry_s: float = 5.0
    talk_median_s: float = 120.0
    consult_median_s: float = 20.0
    patience_mean_s: float = 90.0
    #: Asterisk reports RTP statistics (RTCPSent, RTCPReceived) of every bridged channel this
    #: often while it talks; None: no reports (generated and recorded streams stay lean).
    rtcp_interval_s: float | None = None

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None:
                _check_positive(item.name, value)

    @staticmethod
    def _lognormal(rng: random.Random, median: float) -> float:
        return median * math.exp(0.6 * rng.gauss(0.0, 1.0))

    def ring(self, rng: random.Random, limit: float) -> float:
        return min(max(1.0, self._lognormal(rng, self.ring_median_s)), limit)

    def talk(self, rng: random.Random) -> float:
        return min(max(5.0, self._lognormal(rng, self.talk_median_s)), 3600.0)

    def consult(self, rng: random.Random) -> float:
        return min(max(3.0, self._lognormal(rng, self.consult_median_s)), 600.0)

    def patience(self, rng: random.Random) -> float:
        return rng.expovariate(1.0 / self.patience_mean_s)


@dataclass(frozen=True, slots=True)
class TrafficMix:
    """Relative weights of the kinds of calls, and the chances of each outcome."""

    inbound_extension: float = 2.0
    inbound_queue: float = 5.0
    outbound: float = 3.0
    no_answer: float = 0.15
    busy: float = 0.05
    failed: float = 0.02
    blind_transfer: float = 0.08
    attended_transfer: float = 0.07
    known_client: float = 0.5

    def __post_init__(self) -> None:
        weights = (self.inbound_extension, self.inbound_queue, self.outbound)
        if any(weight < 0 for weight in weights) or sum(weights) <= 0:
            raise ValueError("call kind weights must be non-negative and not all zero")
        for name in ("no_answer", "busy", "failed", "blind_transfer", "attended_transfer"):
            _check_probability(name, getattr(self, name))
        _check_probability("known_client", self.known_client)
        if self.blind_transfer + self.attended_transfer > 1:
            raise ValueError("blind_transfer + attended_transfer must not exceed 1")
        if self.no_answer + self.busy + self.failed > 1:
            raise ValueError("no_answer + busy + failed must not exceed 1")


@dataclass(frozen=True, slots=True)
class TrafficConfig:
    """The simulated site: who answers, which trunk carries calls, and how many arrive."""

    calls_per_minute: float = 2.0
    operators: tuple[Operator, ...] = DEFAULT_OPERATORS
    queues: tuple[str, ...] = ("sales", "support")
    trunk: str = "trunk"
    trunk_lines: int = 30
    did: str = "74951234567"
    inbound_context: str = "from-trunk"
    internal_context: str = "from-internal"
    language: str = "ru"
    client_names: tuple[str, ...] = DEFAULT_CLIENT_NAMES
    #: Dialplan steps a call runs before it is routed, each a Set (Newexten and VarSet), as
    #: generated dialplans do: FreePBX's run dozens per call through its macros. 0: a lean
    #: hand-written dialplan.
    dialplan_prelude: int = 0
    mix: TrafficMix = field(default_factory=TrafficMix)
    timings: Timings = field(default_factory=Timings)

    def __post_init__(self) -> None:
        if not math.isfinite(self.calls_per_minute) or self.calls_per_minute < 0:
            raise ValueError(f"calls_per_minute must be non-negative, got {self.calls_per_minute}")
        if not self.operators:
            raise ValueError("at least one operator is needed")
        extensions = [operator.extension for operator in self.operators]
        if len(set(extensions)) != len(extensions):
            raise ValueError("operator extensions must be unique")
        if self.trunk in extensions:
            raise ValueError(f"trunk name {self.trunk!r} clashes with an operator extension")
        if self.trunk_lines < 0:
            raise ValueError(f"trunk_lines must be non-negative, got {self.trunk_lines}")
        if self.dialplan_prelude < 0:
            raise ValueError(f"dialplan_prelude must be non-negative, got {self.dialplan_prelude}")
        if self.mix.inbound_queue > 0 and not self.queues:
            raise ValueError("queue calls are in the mix but no queue is configured")

    def operator_names(self) -> dict[str, str]:
        """The operators' names by extension."""
        return {op.extension: op.name for op in self.operators}

    def operator(self, extension: str) -> Operator | None:
        return next((op for op in self.operators if op.extension == extension), None)
