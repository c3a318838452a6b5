"""Line load: trunk concurrency, hourly and daily traffic, the busy hour, queues, heatmaps, sizing.

Input is plain data: the lifetimes of trunk channels (each one occupies a line from creation to
hangup, ringing included) and call summaries. All times are timezone-aware; periods (hours, days,
weekday-hour cells) are cut in the time zone given by the caller, so a Moscow office sees its
own 9:00-10:00 even though everything is stored in UTC.

Everything is computed with a sweep over sorted start/end instants and one pass over the period
boundaries, never with per-second arrays: a month of 200 000 calls takes a second or two.
Intervals are half-open: a channel that ends at 10:00:00 and one that starts at 10:00:00 never
overlap, and a channel of zero length occupies nothing.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import TypeVar
from zoneinfo import ZoneInfo

from kompas_cc.telephony.erlang import erlang_b, lines_for_blocking

__all__ = [
    "BusyHour",
    "CallSummary",
    "ChannelSpan",
    "ConcurrencyStep",
    "PeriodLoad",
    "QueueStats",
    "TrunkSizing",
    "attempts_heatmap",
    "busy_hour",
    "concurrency_steps",
    "daily_load",
    "hourly_load",
    "load_heatmap",
    "max_concurrency",
    "queue_stats",
    "trunk_sizing",
]

HOUR_S = 3600.0
WEEKDAYS = 7
HOURS_PER_DAY = 24

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ChannelSpan:
    """One trunk channel from creation to hangup: one line of the trunk is busy meanwhile."""

    start: datetime
    end: datetime
    trunk: str


@dataclass(frozen=True, slots=True)
class CallSummary:
    """One call as the call log keeps it; a call counts as answered when answered_at is set."""

    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    disposition: str
    queue: str | None
    wait_seconds: float
    talk_seconds: float
    direction: str


@dataclass(frozen=True, slots=True)
class ConcurrencyStep:
    """From `at` until the next step, `channels` lines are busy."""

    at: datetime
    channels: int


@dataclass(frozen=True, slots=True)
class PeriodLoad:
    """Load of one hour or one day; ratios are None when there is nothing to divide by."""

    start: datetime
    end: datetime
    attempts: int
    answered: int
    asr: float | None
    acd_s: float | None
    traffic_erlangs: float
    max_concurrency: int


@dataclass(frozen=True, slots=True)
class BusyHour:
    """The 60 minutes carrying the most traffic, and the most lines busy at once within them."""

    start: datetime
    end: datetime
    traffic_erlangs: float
    max_concurrency: int


@dataclass(frozen=True, slots=True)
class QueueStats:
    """A queue's calls: service level = answered within the target / offered."""

    queue: str
    offered: int
    answered: int
    abandoned: int
    answered_within_target: int
    service_level: float | None
    average_wait_s: float | None
    average_answer_s: float | None
    longest_wait_s: float


@dataclass(frozen=True, slots=True)
class TrunkSizing:
    """Erlang B at the busy hour: blocking with the lines there are, and the lines needed."""

    busy_hour: BusyHour
    lines: int
    blocking: float
    target_blocking: float
    lines_needed: int


# -- validation and time helpers -------------------------------------------------------


def _timestamp(moment: datetime, what: str) -> float:
    if moment.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.timestamp()


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _span_bounds(spans: Iterable[ChannelSpan], trunk: str | None) -> list[tuple[float, float]]:
    bounds: list[tuple[float, float]] = []
    append = bounds.append
    for span in spans:
        if trunk is not None and span.trunk != trunk:
            continue
        start_at, end_at = span.start, span.end
        if start_at.tzinfo is None or end_at.tzinfo is None:
            _timestamp(start_at, "span start")
            _timestamp(end_at, "span end")
        start, end = start_at.timestamp(), end_at.timestamp()
        if end < start:
            raise ValueError(f"span of trunk {span.trunk!r} ends before it starts at {span.start}")
        append((start, end))
    return bounds


def _level_changes(bounds: Sequence[tuple[float, float]]) -> list[tuple[float, int]]:
    """(instant, lines busy from that instant on), only where the level changes."""
    starts = sorted(start for start, _ in bounds)
    ends = sorted(end for _, end in bounds)
    total = len(starts)
    changes: list[tuple[float, int]] = []
    level = next_start = next_end = 0
    while next_end < total:
        if next_start < total and starts[next_start] < ends[next_end]:
            instant = starts[next_start]
        else:
            instant = ends[next_end]
        net = 0
        while next_start < total and starts[next_start] == instant:
            net += 1
            next_start += 1
        while next_end < total and ends[next_end] == instant:
            net -= 1
            next_end += 1
        if net:
            level += net
            changes.append((instant, level))
    return changes


def _floor(moment: datetime, minutes: int) -> datetime:
    """The local wall-clock start of the slot of `minutes` (60 = the hour, 1440 = the day)."""
    if minutes >= 24 * 60:
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    minute = moment.hour * 60 + moment.minute
    minute -= minute % minutes
    return moment.replace(hour=minute // 60, minute=minute % 60, second=0, microsecond=0)


def _boundaries(
    first: float, zone: tzinfo, minutes: int, *, through: float | None, until: float | None
) -> list[float]:
    """UTC instants cutting time into local slots from the one holding `first` on.

    The slots cover `through` (an instant that belongs to a slot, such as a call start) and
    reach `until` (an instant where activity stops, such as a channel's end, which needs no
    slot of its own). Hours and shorter slots step in absolute time, so a DST change gives one
    23- or 25-slot day; days step on the local calendar and may be 23 or 25 hours long.
    """
    start = _floor(datetime.fromtimestamp(first, zone), minutes)
    bounds = [start.timestamp()]

    def short(last: float) -> bool:
        return (through is not None and last <= through) or (until is not None and last < until)

    if minutes >= 24 * 60:
        day = start.date()
        while short(bounds[-1]):
            day += timedelta(days=1)
            bounds.append(datetime.combine(day, time(0), tzinfo=zone).timestamp())
    else:
        step = minutes * 60.0
        while short(bounds[-1]):
            bounds.append(bounds[-1] + step)
    return bounds


def _profile(
    changes: Sequence[tuple[float, int]], bounds: Sequence[float]
) -> tuple[list[float], list[int]]:
    """Busy line-seconds and the peak level of each slot between consecutive boundaries."""
    slots = len(bounds) - 1
    busy = [0.0] * slots
    peak = [0] * slots
    index = 0
    for (start, level), (end, _) in itertools.pairwise(changes):
        if level == 0:
            continue
        while index < slots and bounds[index + 1] <= start:
            index += 1
        slot = index
        while slot < slots and bounds[slot] < end:
            overlap = min(end, bounds[slot + 1]) - max(start, bounds[slot])
            if overlap > 0:
                busy[slot] += level * overlap
                peak[slot] = max(peak[slot], level)
            slot += 1
    return busy, peak


# -- concurrency ------------------------------------------------------------------------


def concurrency_steps(
    spans: Iterable[ChannelSpan], trunk: str | None = None
) -> list[ConcurrencyStep]:
    """The busy-line count as a step series (UTC instants), optionally for one trunk."""
    return [
        ConcurrencyStep(at=datetime.fromtimestamp(instant, UTC), channels=level)
        for instant, level in _level_changes(_span_bounds(spans, trunk))
    ]


def max_concurrency(spans: Iterable[ChannelSpan], trunk: str | None = None) -> int:
    """The most lines busy at the same instant."""
    return max((level for _, level in _level_changes(_span_bounds(spans, trunk))), default=0)


# -- hourly and daily load --------------------------------------------------------------


def _period_load(
    calls: Iterable[CallSummary],
    spans: Iterable[ChannelSpan],
    tz: tzinfo | str,
    trunk: str | None,
    minutes: int,
) -> list[PeriodLoad]:
    zone = _zone(tz)
    bounds_by_span = _span_bounds(spans, trunk)
    call_rows: list[tuple[float, bool, float]] = []
    for call in calls:
        started = _timestamp(call.started_at, "call started_at")
        answered = call.answered_at is not None
        call_rows.append((started, answered, call.talk_seconds if answered else 0.0))
    if not call_rows and not bounds_by_span:
        return []
    first = min(
        min((started for started, _, _ in call_rows), default=math.inf),
        min((start for start, _ in bounds_by_span), default=math.inf),
    )
    bounds = _boundaries(
        first,
        zone,
        minutes,
        through=max((started for started, _, _ in call_rows), default=None),
        until=max((end for _, end in bounds_by_span), default=None),
    )
    busy, peak = _profile(_level_changes(bounds_by_span), bounds)
    slots = len(bounds) - 1
    attempts = [0] * slots
    answered_count = [0] * slots
    talk = [0.0] * slots
    for started, answered, talk_s in call_rows:
        slot = bisect_right(bounds, started) - 1
        attempts[slot] += 1
        if answered:
            answered_count[slot] += 1
            talk[slot] += talk_s
    loads: list[PeriodLoad] = []
    for slot in range(slots):
        length = bounds[slot + 1] - bounds[slot]
        loads.append(
            PeriodLoad(
                start=datetime.fromtimestamp(bounds[slot], zone),
                end=datetime.fromtimestamp(bounds[slot + 1], zone),
                attempts=attempts[slot],
                answered=answered_count[slot],
                asr=answered_count[slot] / attempts[slot] if attempts[slot] else None,
                acd_s=talk[slot] / answered_count[slot] if answered_count[slot] else None,
                traffic_erlangs=busy[slot] / length,
                max_concurrency=peak[slot],
            )
        )
    return loads


def hourly_load(
    calls: Iterable[CallSummary],
    spans: Iterable[ChannelSpan],
    tz: tzinfo | str,
    trunk: str | None = None,
) -> list[PeriodLoad]:
    """Every local clock hour from the first activity to the last, empty hours included.

    Attempts, answered calls, ASR and ACD come from the calls (by the hour they started);
    traffic and peak concurrency come from the trunk channels (optionally of one trunk).
    """
    return _period_load(calls, spans, tz, trunk, 60)


def daily_load(
    calls: Iterable[CallSummary],
    spans: Iterable[ChannelSpan],
    tz: tzinfo | str,
    trunk: str | None = None,
) -> list[PeriodLoad]:
    """Every local calendar day from the first activity to the last; see hourly_load."""
    return _period_load(calls, spans, tz, trunk, 24 * 60)


# -- busy hour and sizing ---------------------------------------------------------------


def busy_hour(
    spans: Iterable[ChannelSpan],
    tz: tzinfo | str,
    trunk: str | None = None,
    align_minutes: int = 60,
) -> BusyHour | None:
    """The 60-minute window with the most carried traffic; the earliest one wins a tie.

    With align_minutes=60 windows are clock hours; 15 also considers windows starting at
    quarter hours (the ITU-T definition of the busy hour). None when there is no traffic.
    """
    if align_minutes <= 0 or 60 % align_minutes:
        raise ValueError(f"align_minutes must divide 60, got {align_minutes}")
    zone = _zone(tz)
    bounds_by_span = _span_bounds(spans, trunk)
    changes = _level_changes(bounds_by_span)
    if not changes:
        return None
    bounds = _boundaries(changes[0][0], zone, align_minutes, through=None, until=changes[-1][0])
    busy, peak = _profile(changes, bounds)
    width = 60 // align_minutes
    best: tuple[float, int] | None = None
    for first in range(len(busy)):
        window = busy[first : first + width]
        carried = sum(window) / HOUR_S
        if carried > 0 and (best is None or carried > best[0]):
            best = (carried, first)
    if best is None:
        return None
    carried, first = best
    start = bounds[first]
    return BusyHour(
        start=datetime.fromtimestamp(start, zone),
        end=datetime.fromtimestamp(start + HOUR_S, zone),
        traffic_erlangs=carried,
        max_concurrency=max(peak[first : first + width]),
    )


def trunk_sizing(
    spans: Iterable[ChannelSpan],
    tz: tzinfo | str,
    lines: int,
    trunk: str | None = None,
    target_blocking: float = 0.01,
    align_minutes: int = 60,
) -> TrunkSizing | None:
    """Erlang B figures for the busy-hour traffic (taken as offered traffic) of a trunk."""
    hour = busy_hour(spans, tz, trunk=trunk, align_minutes=align_minutes)
    if hour is None:
        return None
    return TrunkSizing(
        busy_hour=hour,
        lines=lines,
        blocking=erlang_b(hour.traffic_erlangs, lines),
        target_blocking=target_blocking,
        lines_needed=lines_for_blocking(hour.traffic_erlangs, target_blocking),
    )


# -- queues -----------------------------------------------------------------------------


def queue_stats(calls: Iterable[CallSummary], answer_within_s: float = 20.0) -> list[QueueStats]:
    """Per queue (by name): offered, answered, abandoned (offered but not answered), waits.

    average_wait_s is over every offered call, average_answer_s over the answered ones only.
    """
    if answer_within_s < 0:
        raise ValueError(f"answer_within_s must be non-negative, got {answer_within_s}")
    groups: dict[str, list[CallSummary]] = {}
    for call in calls:
        if call.queue is not None:
            groups.setdefault(call.queue, []).append(call)
    result: list[QueueStats] = []
    for name in sorted(groups):
        members = groups[name]
        answered = [call for call in members if call.answered_at is not None]
        within = sum(1 for call in answered if call.wait_seconds <= answer_within_s)
        waits = [call.wait_seconds for call in members]
        result.append(
            QueueStats(
                queue=name,
                offered=len(members),
                answered=len(answered),
                abandoned=len(members) - len(answered),
                answered_within_target=within,
                service_level=within / len(members),
                average_wait_s=sum(waits) / len(waits),
                average_answer_s=(
                    sum(call.wait_seconds for call in answered) / len(answered)
                    if answered
                    else None
                ),
                longest_wait_s=max(waits),
            )
        )
    return result


# -- heatmaps ---------------------------------------------------------------------------


def _weekday_hour_matrix(factory: Callable[[], _T]) -> list[list[_T]]:
    return [[factory() for _ in range(HOURS_PER_DAY)] for _ in range(WEEKDAYS)]


def load_heatmap(
    spans: Iterable[ChannelSpan], tz: tzinfo | str, trunk: str | None = None
) -> list[list[float]]:
    """Mean carried Erlangs per [weekday][hour] (Monday = 0) over the hours the data covers."""
    zone = _zone(tz)
    bounds_by_span = _span_bounds(spans, trunk)
    changes = _level_changes(bounds_by_span)
    total = _weekday_hour_matrix(float)
    seen = _weekday_hour_matrix(int)
    if not changes:
        return total
    bounds = _boundaries(changes[0][0], zone, 60, through=None, until=changes[-1][0])
    busy, _ = _profile(changes, bounds)
    for slot, busy_s in enumerate(busy):
        local = datetime.fromtimestamp(bounds[slot], zone)
        total[local.weekday()][local.hour] += busy_s / (bounds[slot + 1] - bounds[slot])
        seen[local.weekday()][local.hour] += 1
    return [
        [cell / count if count else 0.0 for cell, count in zip(row, counts, strict=True)]
        for row, counts in zip(total, seen, strict=True)
    ]


def attempts_heatmap(calls: Iterable[CallSummary], tz: tzinfo | str) -> list[list[int]]:
    """Call attempts per [weekday][hour] (Monday = 0) by the local hour the call started."""
    zone = _zone(tz)
    counts = _weekday_hour_matrix(int)
    started = sorted(_timestamp(call.started_at, "call started_at") for call in calls)
    if not started:
        return counts
    bounds = _boundaries(started[0], zone, 60, through=started[-1], until=None)
    cells = [
        (local.weekday(), local.hour)
        for local in (datetime.fromtimestamp(bound, zone) for bound in bounds[:-1])
    ]
    for instant in started:
        weekday, hour = cells[bisect_right(bounds, instant) - 1]
        counts[weekday][hour] += 1
    return counts
