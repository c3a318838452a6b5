"""Repeat rules (RFC 5545 RRULE): checking them and stepping to the next occurrence."""

from __future__ import annotations

import time as wallclock
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from kompas_cc.organizer.recurrence import (
    MSG_COUNT,
    MSG_FREQUENCY,
    MSG_INTERVAL,
    MSG_INVALID,
    MSG_PART,
    MSG_UNTIL,
    InvalidRule,
    next_day,
    next_occurrence,
    parse_rule,
)

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def wall(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A wall-clock time without a zone: rules are stepped in those."""
    return datetime.combine(date(year, month, day), time(hour, minute))


def test_rule_is_normalised_with_prefix_and_case() -> None:
    rule = parse_rule(" rrule:freq=weekly;byday=mo,we ")
    assert rule.text == "FREQ=WEEKLY;BYDAY=MO,WE"
    assert rule.count is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", MSG_INVALID),
        ("FREQ", MSG_INVALID),
        ("FREQ=WEEKLY;FREQ=DAILY", MSG_INVALID),
        ("FREQ=HOURLY", MSG_FREQUENCY),
        ("FREQ=SECONDLY;BYMONTH=2", MSG_FREQUENCY),
        ("BYDAY=MO", MSG_FREQUENCY),
        ("FREQ=WEEKLY;BYHOUR=9", MSG_PART),
        ("FREQ=WEEKLY;DTSTART=20260101", MSG_PART),
        ("FREQ=WEEKLY;INTERVAL=0", MSG_INTERVAL),
        ("FREQ=WEEKLY;INTERVAL=-2", MSG_INTERVAL),
        ("FREQ=WEEKLY;COUNT=0", MSG_COUNT),
        ("FREQ=WEEKLY;COUNT=-1", MSG_COUNT),
        ("FREQ=WEEKLY;UNTIL=2026-01-01", MSG_UNTIL),
        ("FREQ=WEEKLY;UNTIL=20261301", MSG_UNTIL),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20270101", MSG_INVALID),
        ("FREQ=WEEKLY;BYDAY=XX", MSG_INVALID),
        ("FREQ=WEEKLY\nFREQ=DAILY", MSG_INVALID),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(InvalidRule) as caught:
        parse_rule(text)
    assert caught.value.message == message


def test_weekly_rule_steps_to_the_next_weekday() -> None:
    rule = parse_rule("FREQ=WEEKLY;BYDAY=MO,TH")
    thursday = wall(2026, 1, 15, 10, 0)
    assert next_occurrence(rule, thursday, 1, MOSCOW) == wall(2026, 1, 19, 10, 0)


def test_endless_rule_is_fine_far_into_the_series() -> None:
    rule = parse_rule("FREQ=DAILY")
    assert next_occurrence(rule, wall(2099, 12, 31, 9, 0), 30_000, MOSCOW) == wall(2100, 1, 1, 9, 0)


def test_count_ends_the_series_at_its_last_occurrence() -> None:
    rule = parse_rule("FREQ=DAILY;COUNT=3")
    start = wall(2026, 1, 15, 9, 0)
    assert next_occurrence(rule, start, 2, MOSCOW) is not None
    assert next_occurrence(rule, start, 3, MOSCOW) is None


def test_until_date_includes_its_whole_day() -> None:
    rule = parse_rule("FREQ=DAILY;UNTIL=20260117")
    assert next_occurrence(rule, wall(2026, 1, 16, 18, 0), 2, MOSCOW) == wall(2026, 1, 17, 18, 0)
    assert next_occurrence(rule, wall(2026, 1, 17, 18, 0), 3, MOSCOW) is None


def test_until_in_utc_is_compared_in_the_task_zone() -> None:
    # 2026-01-17 06:30 UTC is 09:30 in Moscow: the 09:00 occurrence of that day still counts.
    rule = parse_rule("FREQ=DAILY;UNTIL=20260117T063000Z")
    assert next_occurrence(rule, wall(2026, 1, 16, 9, 0), 2, MOSCOW) == wall(2026, 1, 17, 9, 0)


def test_wall_clock_time_is_kept_across_daylight_saving() -> None:
    """Berlin moves its clocks on 29 March 2026; the task stays at 9:00 local time."""
    rule = parse_rule("FREQ=WEEKLY")
    assert next_occurrence(rule, wall(2026, 3, 23, 9, 0), 1, BERLIN) == wall(2026, 3, 30, 9, 0)


def test_monthly_rule_on_the_last_friday() -> None:
    rule = parse_rule("FREQ=MONTHLY;BYDAY=-1FR")
    assert next_day(rule, date(2026, 1, 30), 1, MOSCOW) == date(2026, 2, 27)


def test_leap_day_rule_finds_the_next_leap_year() -> None:
    rule = parse_rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29")
    assert next_day(rule, date(2096, 2, 29), 1, MOSCOW) == date(2104, 2, 29)


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;INTERVAL=7;BYDAY=MO",
        "FREQ=MONTHLY;BYMONTH=13",
    ],
)
def test_rule_that_never_matches_gives_up_quickly(text: str) -> None:
    """dateutil alone walks to the year 9999 for these (7 s for the daily one); the search on
    a calendar moved by 400-year cycles stops within a few hundred years."""
    rule = parse_rule(text)
    started = wallclock.perf_counter()
    # 2026-01-15 is a Thursday, so a rule stepping whole weeks never reaches a Monday.
    assert next_occurrence(rule, wall(2026, 1, 15, 9, 0), 1, MOSCOW) is None
    assert wallclock.perf_counter() - started < 2.0
