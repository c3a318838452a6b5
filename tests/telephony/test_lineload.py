"""Line load on hand-computed days: a Moscow office (UTC+3) and a Berlin DST change."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kompas_cc.telephony.erlang import erlang_b
from kompas_cc.telephony.lineload import (
    CallSummary,
    ChannelSpan,
    attempts_heatmap,
    busy_hour,
    concurrency_steps,
    daily_load,
    hourly_load,
    load_heatmap,
    max_concurrency,
    queue_stats,
    trunk_sizing,
)

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def msk(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Moscow wall-clock moment in January 2024 (15 January is a Monday)."""
    return datetime(2024, 1, day, hour, minute, second, tzinfo=MOSCOW)


def span(start: datetime, end: datetime, trunk: str = "trunk") -> ChannelSpan:
    return ChannelSpan(start=start, end=end, trunk=trunk)


def call(
    started: datetime,
    *,
    talk_s: float = 0.0,
    answered: bool = True,
    wait_s: float = 0.0,
    queue: str | None = None,
) -> CallSummary:
    answered_at = started + timedelta(seconds=wait_s) if answered else None
    return CallSummary(
        started_at=started,
        answered_at=answered_at,
        ended_at=started + timedelta(seconds=wait_s + talk_s),
        disposition="answered" if answered else "abandoned",
        queue=queue,
        wait_seconds=wait_s,
        talk_seconds=talk_s,
        direction="inbound",
    )


# -- concurrency ------------------------------------------------------------------------


def test_concurrency_is_a_step_series_with_half_open_intervals() -> None:
    """A channel ending at 10:10 and one starting at 10:10 never overlap: no step there."""
    spans = [
        span(msk(15, 10, 0), msk(15, 10, 10)),
        span(msk(15, 10, 5), msk(15, 10, 20)),
        span(msk(15, 10, 10), msk(15, 10, 15)),
        span(msk(15, 10, 7), msk(15, 10, 7)),
        span(msk(15, 10, 6), msk(15, 10, 8), trunk="backup"),
    ]

    steps = concurrency_steps(spans, trunk="trunk")

    assert [(step.at, step.channels) for step in steps] == [
        (msk(15, 10, 0), 1),
        (msk(15, 10, 5), 2),
        (msk(15, 10, 15), 1),
        (msk(15, 10, 20), 0),
    ]
    assert all(step.at.tzinfo is UTC for step in steps)
    assert max_concurrency(spans, trunk="trunk") == 2
    assert max_concurrency(spans) == 3
    assert max_concurrency([]) == 0


# -- hourly and daily -------------------------------------------------------------------


MORNING_CALLS = [
    call(msk(15, 9, 10), talk_s=120),
    call(msk(15, 9, 40), answered=False),
    call(msk(15, 10, 5), talk_s=60),
]
MORNING_SPANS = [
    span(msk(15, 9, 10), msk(15, 9, 40)),
    span(msk(15, 9, 30), msk(15, 10, 30)),
]


def test_hourly_load_of_a_moscow_morning() -> None:
    """09:00: 30 + 30 busy minutes = 1 E, two lines at 09:30-09:40; 10:00: 30 minutes = 0.5 E."""
    nine, ten = hourly_load(MORNING_CALLS, MORNING_SPANS, MOSCOW)

    assert (nine.start, nine.end) == (msk(15, 9), msk(15, 10))
    assert (nine.attempts, nine.answered, nine.asr, nine.acd_s) == (2, 1, 0.5, 120.0)
    assert nine.traffic_erlangs == pytest.approx(1.0)
    assert nine.max_concurrency == 2
    assert (ten.attempts, ten.answered, ten.asr, ten.acd_s) == (1, 1, 1.0, 60.0)
    assert ten.traffic_erlangs == pytest.approx(0.5)
    assert ten.max_concurrency == 1
    assert nine.start.tzinfo is MOSCOW


def test_daily_load_sums_the_day() -> None:
    (day,) = daily_load(MORNING_CALLS, MORNING_SPANS, "Europe/Moscow")

    assert day.start == msk(15, 0)
    assert day.end == msk(16, 0)
    assert (day.attempts, day.answered) == (3, 2)
    assert day.asr == pytest.approx(2 / 3)
    assert day.acd_s == pytest.approx(90.0)
    assert day.traffic_erlangs == pytest.approx(5400 / 86400)
    assert day.max_concurrency == 2


def test_empty_hours_between_activity_are_listed_with_no_ratios() -> None:
    rows = hourly_load(
        [call(msk(15, 9, 0), talk_s=10), call(msk(15, 12, 0), talk_s=10)], [], MOSCOW
    )

    assert [row.start.hour for row in rows] == [9, 10, 11, 12]
    assert (rows[1].attempts, rows[1].asr, rows[1].acd_s) == (0, None, None)
    assert rows[1].traffic_erlangs == 0.0


def test_a_channel_ending_on_the_hour_adds_no_empty_hour() -> None:
    """The end of a channel is exclusive: 09:00-10:00 is one hour of load, not two rows."""
    (row,) = hourly_load([], [span(msk(15, 9), msk(15, 10))], MOSCOW)

    assert (row.start, row.traffic_erlangs, row.max_concurrency) == (msk(15, 9), 1.0, 1)


def test_nothing_to_measure_gives_nothing() -> None:
    assert hourly_load([], [], MOSCOW) == []
    assert daily_load([], [], MOSCOW) == []
    assert busy_hour([], MOSCOW) is None
    assert trunk_sizing([], MOSCOW, lines=30) is None


def test_a_dst_day_in_berlin_is_twenty_three_hours_long() -> None:
    """31 March 2024: clocks jump 02:00 -> 03:00; a line busy all day still carries 1 E."""
    start = datetime(2024, 3, 30, 12, tzinfo=UTC)
    spans = [span(start, start + timedelta(days=2))]

    days = daily_load([], spans, BERLIN)
    hours = hourly_load([], spans, BERLIN)

    assert [row.start.day for row in days] == [30, 31, 1]
    assert days[1].end.timestamp() - days[1].start.timestamp() == 23 * 3600
    assert days[1].traffic_erlangs == pytest.approx(1.0)
    assert sum(1 for row in hours if row.start.date() == date(2024, 3, 31)) == 23
    assert all(row.end.timestamp() - row.start.timestamp() == 3600 for row in hours)


# -- busy hour and sizing ---------------------------------------------------------------


BUSY_SPANS = [
    span(msk(15, 9, 30), msk(15, 10, 30)),
    span(msk(15, 9, 45), msk(15, 10, 15)),
]


def test_busy_hour_on_clock_hours_takes_the_earliest_of_a_tie() -> None:
    """Both 09:00 and 10:00 carry 45 busy minutes (0.75 E); 09:00 comes first."""
    hour = busy_hour(BUSY_SPANS, MOSCOW)

    assert hour is not None
    assert (hour.start, hour.end) == (msk(15, 9), msk(15, 10))
    assert hour.traffic_erlangs == pytest.approx(0.75)
    assert hour.max_concurrency == 2


def test_busy_hour_on_quarter_hours_finds_the_real_peak() -> None:
    """09:30-10:30 holds the whole first line and the whole second: 1.5 E."""
    hour = busy_hour(BUSY_SPANS, MOSCOW, align_minutes=15)

    assert hour is not None
    assert (hour.start, hour.end) == (msk(15, 9, 30), msk(15, 10, 30))
    assert hour.traffic_erlangs == pytest.approx(1.5)


def test_busy_hour_alignment_must_divide_the_hour() -> None:
    with pytest.raises(ValueError, match="align_minutes must divide 60"):
        busy_hour(BUSY_SPANS, MOSCOW, align_minutes=7)


def test_trunk_sizing_uses_erlang_b_at_the_busy_hour() -> None:
    """Ten lines busy for the whole 09:00 hour: 10 E, 3.65 % blocked on 15 lines, 18 needed."""
    spans = [span(msk(15, 9), msk(15, 10)) for _ in range(10)]
    spans.append(span(msk(15, 14), msk(15, 14, 30)))

    sizing = trunk_sizing(spans, MOSCOW, lines=15)

    assert sizing is not None
    assert sizing.busy_hour.start == msk(15, 9)
    assert sizing.busy_hour.traffic_erlangs == pytest.approx(10.0)
    assert sizing.blocking == pytest.approx(erlang_b(10, 15))
    assert sizing.lines_needed == 18
    assert sizing.target_blocking == 0.01


# -- queues -----------------------------------------------------------------------------


def test_queue_statistics_by_queue() -> None:
    calls = [
        call(msk(15, 9), wait_s=10, talk_s=60, queue="sales"),
        call(msk(15, 9), wait_s=30, talk_s=60, queue="sales"),
        call(msk(15, 9), wait_s=40, answered=False, queue="sales"),
        call(msk(15, 9), wait_s=5, answered=False, queue="sales"),
        call(msk(15, 9), wait_s=0, talk_s=30, queue="support"),
        call(msk(15, 9), talk_s=30),
    ]

    sales, support = queue_stats(calls, answer_within_s=20)

    assert (sales.queue, sales.offered, sales.answered, sales.abandoned) == ("sales", 4, 2, 2)
    assert sales.answered_within_target == 1
    assert sales.service_level == pytest.approx(0.25)
    assert sales.average_wait_s == pytest.approx(21.25)
    assert sales.average_answer_s == pytest.approx(20.0)
    assert sales.longest_wait_s == 40
    assert (support.queue, support.service_level, support.average_answer_s) == ("support", 1, 0)


def test_a_queue_nobody_answered_has_no_answer_speed() -> None:
    (lonely,) = queue_stats([call(msk(15, 9), wait_s=12, answered=False, queue="night")])

    assert lonely.average_answer_s is None
    assert lonely.service_level == 0.0


# -- heatmaps ---------------------------------------------------------------------------


def test_attempts_heatmap_counts_by_local_weekday_and_hour() -> None:
    calls = [call(msk(15, 9, 10)), call(msk(15, 9, 50)), call(msk(16, 10, 5))]

    matrix = attempts_heatmap(calls, MOSCOW)

    assert len(matrix) == 7
    assert all(len(row) == 24 for row in matrix)
    assert matrix[0][9] == 2
    assert matrix[1][10] == 1
    assert sum(map(sum, matrix)) == 3


def test_load_heatmap_averages_the_same_weekday_hour_over_weeks() -> None:
    """Monday 09:00 carries 1 E one week and 0.5 E the next: the cell shows 0.75 E."""
    spans = [span(msk(15, 9), msk(15, 10)), span(msk(22, 9), msk(22, 9, 30))]

    matrix = load_heatmap(spans, MOSCOW)

    assert matrix[0][9] == pytest.approx(0.75)
    assert matrix[0][10] == 0.0
    assert load_heatmap([], MOSCOW)[0][0] == 0.0


# -- refusals and scale -----------------------------------------------------------------


def test_naive_times_and_backwards_spans_are_refused() -> None:
    naive = datetime(2024, 1, 15, 9)  # noqa: DTZ001 - the refusal of naive times is the point
    with pytest.raises(ValueError, match="timezone-aware"):
        max_concurrency([span(naive, naive)])
    with pytest.raises(ValueError, match="ends before it starts"):
        max_concurrency([span(msk(15, 10), msk(15, 9))])
    with pytest.raises(ValueError, match="timezone-aware"):
        hourly_load([call(naive)], [], MOSCOW)


def test_a_month_of_two_hundred_thousand_calls_is_computed_in_seconds() -> None:
    rng = random.Random(7)
    month_s = 30 * 86400
    base = msk(1, 0)
    calls: list[CallSummary] = []
    spans: list[ChannelSpan] = []
    for _ in range(200_000):
        started = base + timedelta(seconds=rng.uniform(0, month_s))
        talk = rng.expovariate(1 / 180)
        calls.append(call(started, talk_s=talk, queue="sales", wait_s=rng.uniform(0, 60)))
        spans.append(span(started, started + timedelta(seconds=talk + 10)))

    began = time.perf_counter()
    hours = hourly_load(calls, spans, MOSCOW)
    hour = busy_hour(spans, MOSCOW, align_minutes=15)
    queue_stats(calls)
    elapsed = time.perf_counter() - began

    assert 720 <= len(hours) <= 721
    assert sum(row.attempts for row in hours) == 200_000
    assert hour is not None
    assert hour.traffic_erlangs > 0
    assert elapsed < 30, f"took {elapsed:.1f} s"
