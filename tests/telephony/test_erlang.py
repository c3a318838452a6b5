"""Erlang B and C against published table values, their edges and their refusals."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import pytest

from kompas_cc.telephony.erlang import (
    agents_for_service_level,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    lines_for_blocking,
    service_level,
    traffic_erlangs,
)

# The textbook call-centre example: 100 calls per half hour, 3 minutes each, 20 s target.
CALLS_PER_HALF_HOUR = 100
HANDLE_TIME_S = 180
TARGET_ANSWER_S = 20


def test_erlang_b_matches_the_published_table() -> None:
    """Erlang B table: 10 E on 15 lines blocks 3.65 % of calls."""
    assert erlang_b(10, 15) == pytest.approx(0.0365, abs=5e-5)


def test_lines_for_one_percent_blocking_of_ten_erlangs_is_eighteen() -> None:
    assert lines_for_blocking(10, 0.01) == 18
    assert erlang_b(10, 17) > 0.01 >= erlang_b(10, 18)


def test_traffic_of_the_textbook_example_is_ten_erlangs() -> None:
    assert traffic_erlangs(CALLS_PER_HALF_HOUR, 1800, HANDLE_TIME_S) == pytest.approx(10.0)


def test_erlang_c_matches_the_published_example() -> None:
    traffic = traffic_erlangs(CALLS_PER_HALF_HOUR, 1800, HANDLE_TIME_S)

    assert erlang_c(traffic, 14) == pytest.approx(0.1741, abs=5e-5)
    assert service_level(traffic, 14, TARGET_ANSWER_S, HANDLE_TIME_S) == pytest.approx(
        0.888, abs=5e-4
    )
    assert average_speed_of_answer(traffic, 14, HANDLE_TIME_S) == pytest.approx(7.84, abs=5e-3)


def test_agents_for_eighty_percent_in_twenty_seconds_is_fourteen() -> None:
    """13 agents answer 71.6 % within 20 s, 14 answer 88.8 %: 14 is the staffing for 80 %."""
    assert service_level(10, 13, TARGET_ANSWER_S, HANDLE_TIME_S) < 0.8
    assert agents_for_service_level(10, HANDLE_TIME_S, TARGET_ANSWER_S, 0.8) == 14


def test_no_traffic_is_never_blocked_and_never_waits() -> None:
    assert erlang_b(0, 3) == 0.0
    assert lines_for_blocking(0, 0.01) == 0
    assert erlang_c(0, 0) == 0.0
    assert erlang_c(0, 5) == 0.0
    assert service_level(0, 0, 20, 180) == 1.0
    assert average_speed_of_answer(0, 0, 180) == 0.0
    assert agents_for_service_level(0, 180, 20, 0.8) == 0


def test_no_lines_block_every_call() -> None:
    assert erlang_b(5, 0) == 1.0
    assert erlang_b(0, 0) == 1.0


def test_too_few_agents_means_everyone_waits_for_ever() -> None:
    """With N <= A the queue grows without bound: C is 1, SL is 0 and ASA is infinite."""
    for agents in (0, 5, 10):
        assert erlang_c(10, agents) == 1.0
        assert service_level(10, agents, 20, 180) == 0.0
        assert average_speed_of_answer(10, agents, 180) == math.inf


def test_thousands_of_lines_and_huge_traffic_stay_finite() -> None:
    blocking = erlang_b(5000, 5000)
    assert 0 < blocking < 0.02
    assert math.isfinite(erlang_c(4900, 5000))
    assert 0 < erlang_c(4900, 5000) < 1
    needed = lines_for_blocking(100_000, 0.01)
    assert 95_000 < needed < 100_000
    assert erlang_b(1e9, 10) == pytest.approx(1.0, abs=1e-6)


def test_blocking_falls_as_lines_are_added() -> None:
    values = [erlang_b(50, n) for n in range(0, 120)]
    assert all(a > b for a, b in itertools.pairwise(values))


def test_one_hundred_percent_blocking_target_needs_no_lines() -> None:
    assert lines_for_blocking(25, 1.0) == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: erlang_b(-1, 3), "traffic must be a finite non-negative"),
        (lambda: erlang_b(math.nan, 3), "traffic must be a finite non-negative"),
        (lambda: erlang_b(math.inf, 3), "traffic must be a finite non-negative"),
        (lambda: erlang_b(1, -1), "lines must be non-negative"),
        (lambda: erlang_b(1, 2.5), "lines must be a whole number"),  # type: ignore[arg-type]
        (lambda: erlang_c(1, -2), "agents must be non-negative"),
        (lambda: lines_for_blocking(1, 0), "target_blocking must be greater than 0"),
        (lambda: lines_for_blocking(1, 1.5), "target_blocking must be greater than 0"),
        (lambda: service_level(10, 14, -1, 180), "answer_time_s must be non-negative"),
        (lambda: service_level(10, 14, 20, 0), "handle_time_s must be positive"),
        (lambda: average_speed_of_answer(10, 14, -5), "handle_time_s must be positive"),
        (lambda: agents_for_service_level(10, 180, 20, 0), "target_level must be greater"),
        (lambda: agents_for_service_level(10, 180, 20, 1.0), "cannot be reached"),
        (lambda: traffic_erlangs(-3, 1800, 180), "calls must be non-negative"),
        (lambda: traffic_erlangs(3, 0, 180), "period_s must be positive"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call()
