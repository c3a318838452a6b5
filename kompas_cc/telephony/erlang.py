"""Erlang B and Erlang C: blocking on trunks, waiting in queues, and the staff or lines they need.

Traffic is measured in Erlangs: calls per second times the average holding time in seconds
(one line busy all the time carries one Erlang).

Erlang B is computed by the recursion B(0) = 1, B(n) = A*B(n-1) / (n + A*B(n-1)), which never
forms a factorial or a power, stays within [0, 1] at every step and therefore works for
thousands of lines and huge traffic alike. Erlang C is derived from it:
C = N*B / (N - A*(1 - B)) for N > A. With N <= A the queue grows without bound: every caller
waits (C = 1), the service level is 0 and the average speed of answer is infinite (math.inf).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

__all__ = [
    "agents_for_service_level",
    "average_speed_of_answer",
    "erlang_b",
    "erlang_c",
    "lines_for_blocking",
    "service_level",
    "traffic_erlangs",
]


def _check_traffic(traffic: float) -> float:
    if isinstance(traffic, bool) or not isinstance(traffic, int | float):
        raise ValueError(f"traffic must be a number of Erlangs, got {traffic!r}")
    if not math.isfinite(traffic) or traffic < 0:
        raise ValueError(f"traffic must be a finite non-negative number of Erlangs, got {traffic}")
    return float(traffic)


def _check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {value}")
    return value


def _check_seconds(name: str, value: float, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number of seconds, got {value!r}")
    if value < 0 or (positive and value == 0):
        bound = "positive" if positive else "non-negative"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return float(value)


def _check_fraction(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a fraction between 0 and 1, got {value!r}")
    if not 0 < value <= 1:
        raise ValueError(f"{name} must be greater than 0 and at most 1, got {value}")
    return float(value)


def _blocking_by_lines(traffic: float) -> Iterator[tuple[int, float]]:
    """Yield (n, B(n)) for n = 0, 1, 2, ... using the stable recursion."""
    blocking = 1.0
    n = 0
    yield n, blocking
    while True:
        n += 1
        carried = traffic * blocking
        blocking = carried / (n + carried)
        yield n, blocking


def traffic_erlangs(calls: float, period_s: float, handle_time_s: float) -> float:
    """Offered traffic of `calls` arriving in `period_s` seconds, each held `handle_time_s`."""
    if isinstance(calls, bool) or not isinstance(calls, int | float) or not math.isfinite(calls):
        raise ValueError(f"calls must be a finite number, got {calls!r}")
    if calls < 0:
        raise ValueError(f"calls must be non-negative, got {calls}")
    period = _check_seconds("period_s", period_s, positive=True)
    handle = _check_seconds("handle_time_s", handle_time_s, positive=False)
    return calls * handle / period


def erlang_b(traffic: float, lines: int) -> float:
    """Probability that a call offered to `lines` trunks carrying `traffic` Erlangs is blocked."""
    offered = _check_traffic(traffic)
    count = _check_count("lines", lines)
    if offered == 0:
        return 1.0 if count == 0 else 0.0
    for n, blocking in _blocking_by_lines(offered):
        if n == count:
            return blocking
    raise AssertionError("unreachable")  # pragma: no cover


def lines_for_blocking(traffic: float, target_blocking: float) -> int:
    """The fewest lines whose Erlang B blocking does not exceed `target_blocking`."""
    offered = _check_traffic(traffic)
    target = _check_fraction("target_blocking", target_blocking)
    if offered == 0:
        return 0
    for n, blocking in _blocking_by_lines(offered):
        if blocking <= target:
            return n
    raise AssertionError("unreachable")  # pragma: no cover


def _waiting_probability(traffic: float, agents: int, blocking: float) -> float:
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a caller has to wait when `agents` serve `traffic` Erlangs."""
    offered = _check_traffic(traffic)
    count = _check_count("agents", agents)
    if offered == 0:
        return 0.0
    if count <= offered:
        return 1.0
    return _waiting_probability(offered, count, erlang_b(offered, count))


def _service_level(
    traffic: float, agents: int, waiting: float, answer_s: float, aht: float
) -> float:
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return 1.0 - waiting * math.exp(-(agents - traffic) * answer_s / aht)


def service_level(traffic: float, agents: int, answer_time_s: float, handle_time_s: float) -> float:
    """Share of callers answered within `answer_time_s` seconds (0..1)."""
    offered = _check_traffic(traffic)
    count = _check_count("agents", agents)
    answer = _check_seconds("answer_time_s", answer_time_s, positive=False)
    aht = _check_seconds("handle_time_s", handle_time_s, positive=True)
    return _service_level(offered, count, erlang_c(offered, count), answer, aht)


def average_speed_of_answer(traffic: float, agents: int, handle_time_s: float) -> float:
    """Mean wait in seconds over all callers; math.inf when the agents cannot keep up."""
    offered = _check_traffic(traffic)
    count = _check_count("agents", agents)
    aht = _check_seconds("handle_time_s", handle_time_s, positive=True)
    if offered == 0:
        return 0.0
    if count <= offered:
        return math.inf
    return erlang_c(offered, count) * aht / (count - offered)


def agents_for_service_level(
    traffic: float, handle_time_s: float, answer_time_s: float, target_level: float
) -> int:
    """The fewest agents answering `target_level` of callers within `answer_time_s` seconds.

    A target of 1.0 can only be met without traffic (the Erlang C service level approaches 1
    but never reaches it), so with traffic it is refused rather than searched for forever.
    """
    offered = _check_traffic(traffic)
    aht = _check_seconds("handle_time_s", handle_time_s, positive=True)
    answer = _check_seconds("answer_time_s", answer_time_s, positive=False)
    target = _check_fraction("target_level", target_level)
    if offered == 0:
        return 0
    if target == 1:
        raise ValueError("target_level 1.0 cannot be reached with traffic; use a value below 1")
    for n, blocking in _blocking_by_lines(offered):
        if n <= offered:
            continue
        waiting = _waiting_probability(offered, n, blocking)
        if _service_level(offered, n, waiting, answer, aht) >= target:
            return n
    raise AssertionError("unreachable")  # pragma: no cover
