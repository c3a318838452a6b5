"""Repeat rules of tasks: RFC 5545 RRULE text, checked and stepped with python-dateutil.

Only the next occurrence after a given one is ever computed, so an endless rule
("FREQ=WEEKLY") costs nothing. Rules are stepped in the task's own time zone on wall-clock
times, so "every day at 9:00" stays at 9:00 across daylight-saving changes.

Each occurrence is the start of the rule for the next one: the rule's phase and its implicit
parts (the weekday of a weekly rule, the day of a monthly one) follow the occurrence, so
moving one occurrence by hand moves the rest of the series with it. COUNT is counted by the
caller (the number of the occurrence in its series); UNTIL is compared here.

A rule that can never match again ("every 30 February") would make dateutil walk the
calendar to the year 9999, seconds of CPU. The Gregorian calendar repeats itself exactly
every 400 years (146,097 days, a whole number of weeks), so the search runs on dates moved
forward by a multiple of 400 years to just before that end: the answer is the same, and a
rule that never matches gives up after at most SEARCH_YEARS + 400 years of calendar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
RULE_PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "BYDAY",
        "BYMONTHDAY",
        "BYMONTH",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYSETPOS",
        "WKST",
    }
)
MAX_RULE_LENGTH = 500
MAX_INTERVAL = 99
MAX_COUNT = 10_000
#: The next occurrence is looked for at least this far ahead of the current one.
SEARCH_YEARS = 100
CALENDAR_CYCLE_YEARS = 400
_LAST_YEAR = 9999

MSG_INVALID = "The repeat rule is not valid"
MSG_FREQUENCY = "The repeat rule must repeat daily, weekly, monthly or yearly"
MSG_PART = "The repeat rule has a part that is not supported"
MSG_INTERVAL = "The repeat interval must be a whole number from 1 to 99"
MSG_COUNT = "The number of repetitions must be a whole number from 1 to 10000"
MSG_UNTIL = "The end date of the repeat rule is not valid"
MSG_NEVER = "The repeat rule gives no date after the due date"

_UNTIL = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")


class InvalidRule(ValueError):
    """A repeat rule that cannot be used; `message` is a constant, translatable sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Rule:
    """A checked rule: `text` as stored, `body` without COUNT and UNTIL (handled here)."""

    text: str
    body: str
    count: int | None
    until: str | None


def parse_rule(text: str) -> Rule:
    """Check a rule typed by a person or sent to the API and give it back in a normal form.

    Accepts "FREQ=WEEKLY;BYDAY=MO,WE" and the same with an "RRULE:" prefix, in any case.
    DTSTART is not part of it: the task's due time starts the series.
    """
    cleaned = text.strip().upper().removeprefix("RRULE:")
    if not cleaned or len(cleaned) > MAX_RULE_LENGTH or "\n" in cleaned or "\r" in cleaned:
        raise InvalidRule(MSG_INVALID)
    parts: dict[str, str] = {}
    for chunk in cleaned.strip(";").split(";"):
        name, sep, value = chunk.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value or name in parts:
            raise InvalidRule(MSG_INVALID)
        if name not in RULE_PARTS:
            raise InvalidRule(MSG_PART)
        parts[name] = value
    if parts.get("FREQ") not in FREQUENCIES:
        raise InvalidRule(MSG_FREQUENCY)
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or not 1 <= int(interval) <= MAX_INTERVAL:
        raise InvalidRule(MSG_INTERVAL)
    count = parts.pop("COUNT", None)
    if count is not None and not (count.isdigit() and 1 <= int(count) <= MAX_COUNT):
        raise InvalidRule(MSG_COUNT)
    until = parts.pop("UNTIL", None)
    if until is not None:
        if count is not None:
            raise InvalidRule(MSG_INVALID)
        _until_local(until, ZoneInfo("UTC"))
    body = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        rrulestr(body, dtstart=datetime.combine(date(2026, 1, 1), time.min))
    except (ValueError, TypeError, IndexError, KeyError, OverflowError):
        raise InvalidRule(MSG_INVALID) from None
    ordered = [body]
    if count is not None:
        ordered.append(f"COUNT={int(count)}")
    if until is not None:
        ordered.append(f"UNTIL={until}")
    return Rule(
        text=";".join(ordered),
        body=body,
        count=int(count) if count is not None else None,
        until=until,
    )


def _until_local(value: str, zone: ZoneInfo) -> datetime:
    """UNTIL as a wall-clock time of `zone`. A bare date means the whole of that day."""
    match = _UNTIL.match(value)
    if match is None:
        raise InvalidRule(MSG_UNTIL)
    day_text, time_text, utc = match.groups()
    try:
        day = date(int(day_text[:4]), int(day_text[4:6]), int(day_text[6:]))
        if time_text is None:
            return datetime.combine(day, time.max)
        moment = datetime.combine(
            day, time(int(time_text[:2]), int(time_text[2:4]), int(time_text[4:]))
        )
    except ValueError:
        raise InvalidRule(MSG_UNTIL) from None
    if utc:
        return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    return moment


def next_occurrence(rule: Rule, current: datetime, number: int, zone: ZoneInfo) -> datetime | None:
    """The wall-clock time of the occurrence after `current` (a naive wall-clock time of
    `zone`, occurrence `number` of its series, counting from 1), or None when the rule
    ends there or gives no date within SEARCH_YEARS."""
    if rule.count is not None and number >= rule.count:
        return None
    cycles = max(0, (_LAST_YEAR - SEARCH_YEARS - current.year) // CALENDAR_CYCLE_YEARS)
    shift = cycles * CALENDAR_CYCLE_YEARS
    start = current.replace(year=current.year + shift, microsecond=0, tzinfo=None)
    found = rrulestr(rule.body, dtstart=start).after(start)
    if found is None:
        return None
    result: datetime = found.replace(year=found.year - shift)
    if rule.until is not None and result > _until_local(rule.until, zone):
        return None
    return result


def next_day(rule: Rule, current: date, number: int, zone: ZoneInfo) -> date | None:
    """`next_occurrence` for an all-day series: dates instead of times."""
    found = next_occurrence(rule, datetime.combine(current, time.min), number, zone)
    return found.date() if found is not None else None
