"""The line-load report: trunk concurrency, traffic, the busy hour, Erlang B, queues.

Computed from the call log (every stored call with its trunk is one busy trunk line from its
start to its end) by the pure functions of telephony.lineload and telephony.erlang.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import Forbidden
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.settings_ami import Trunk
from kompas_cc.telephony import lineload, repo
from kompas_cc.telephony.load_schemas import (
    DEFAULT_PERIOD,
    BusyHourOut,
    ConcurrencyPoint,
    ErlangBOut,
    LineLoadOut,
    LineLoadQuery,
    PeriodOut,
    QueueOut,
)

#: Erlang B's grade of service: the share of calls a trunk may refuse at the busy hour.
TARGET_BLOCKING = 0.01
#: The concurrency series is thinned to at most this many points (the peaks are kept).
MAX_POINTS = 2000


def trunk_of(device: str | None, trunks: Sequence[Trunk]) -> Trunk | None:
    """The configured trunk a call's trunk device (`PJSIP/trunk`) belongs to: its channels
    (`PJSIP/trunk-0000001a`) match the trunk's pattern."""
    if not device:
        return None
    channel = f"{device}-00000000"
    return next((t for t in trunks if fnmatchcase(channel, t.pattern)), None)


def _selected(device: str | None, wanted: str | None, trunks: Sequence[Trunk]) -> bool:
    if wanted is None:
        return True
    trunk = trunk_of(device, trunks)
    return device == wanted or (trunk is not None and trunk.pattern == wanted)


async def line_load(
    uow: UnitOfWork,
    actor: Actor,
    query: LineLoadQuery,
    trunks: Sequence[Trunk],
    time_zone: str,
    now: datetime,
) -> LineLoadOut:
    if actor.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden("Only managers and admins see the line load")
    until = query.until or now
    since = query.since or until - DEFAULT_PERIOD
    rows = await repo.calls_overlapping(uow.session, since, until)
    rows = [row for row in rows if _selected(row[8], query.trunk, trunks)]
    calls = [_summary(row) for row in rows if since <= row[0] < until]
    spans = [_span(row, since, until, trunks) for row in rows if row[8]]
    return LineLoadOut(
        since=since,
        until=until,
        time_zone=time_zone,
        trunk=query.trunk,
        calls=len(calls),
        max_concurrent=lineload.max_concurrency(spans),
        traffic_erlangs=_traffic(spans, since, until),
        busy_hour=_busy_hour(spans, time_zone),
        erlang_b=_erlang_b(spans, trunks, query.trunk, time_zone),
        concurrency=_thinned(lineload.concurrency_steps(spans)),
        hourly=[_period(p) for p in lineload.hourly_load(calls, spans, time_zone)],
        daily=[_period(p) for p in lineload.daily_load(calls, spans, time_zone)],
        queues=[_queue(q) for q in lineload.queue_stats(calls, query.answer_within_s)],
        heatmap=[[round(v, 3) for v in row] for row in lineload.load_heatmap(spans, time_zone)],
    )


def _summary(row: Sequence[Any]) -> lineload.CallSummary:
    started, answered, ended, disposition, queue, wait, talk, direction, _trunk = row
    return lineload.CallSummary(
        started_at=started,
        answered_at=answered,
        ended_at=ended,
        disposition=disposition,
        queue=queue,
        wait_seconds=float(wait or 0),
        talk_seconds=float(talk or 0),
        direction=direction,
    )


def _span(
    row: Sequence[Any], since: datetime, until: datetime, trunks: Sequence[Trunk]
) -> lineload.ChannelSpan:
    """The call's trunk line, cut to the period; named after its configured trunk."""
    trunk = trunk_of(row[8], trunks)
    return lineload.ChannelSpan(
        start=max(row[0], since),
        end=max(min(row[2], until), max(row[0], since)),
        trunk=trunk.pattern if trunk else row[8],
    )


def _traffic(spans: Sequence[lineload.ChannelSpan], since: datetime, until: datetime) -> float:
    """Carried traffic: busy line-seconds over the period's seconds."""
    seconds = (until - since).total_seconds()
    busy = sum((s.end - s.start).total_seconds() for s in spans)
    return round(busy / seconds, 4) if seconds > 0 else 0.0


def _busy_hour(spans: Sequence[lineload.ChannelSpan], time_zone: str) -> BusyHourOut | None:
    hour = lineload.busy_hour(spans, time_zone)
    if hour is None:
        return None
    return BusyHourOut(
        start=hour.start,
        end=hour.end,
        traffic_erlangs=round(hour.traffic_erlangs, 4),
        max_concurrent=hour.max_concurrency,
    )


def _erlang_b(
    spans: Sequence[lineload.ChannelSpan],
    trunks: Sequence[Trunk],
    wanted: str | None,
    time_zone: str,
) -> list[ErlangBOut]:
    out = []
    for trunk in trunks:
        if wanted is not None and wanted != trunk.pattern:
            continue
        sizing = lineload.trunk_sizing(
            spans, time_zone, trunk.lines, trunk=trunk.pattern, target_blocking=TARGET_BLOCKING
        )
        if sizing is None:
            continue
        out.append(
            ErlangBOut(
                trunk=trunk.pattern,
                lines=trunk.lines,
                busy_hour_erlangs=round(sizing.busy_hour.traffic_erlangs, 4),
                blocking=round(sizing.blocking, 6),
                target_blocking=sizing.target_blocking,
                lines_needed=sizing.lines_needed,
            )
        )
    return out


def _thinned(steps: Sequence[lineload.ConcurrencyStep]) -> list[ConcurrencyPoint]:
    """At most MAX_POINTS steps: each bucket of steps keeps its highest."""
    if len(steps) <= MAX_POINTS:
        return [ConcurrencyPoint(at=s.at, channels=s.channels) for s in steps]
    size = -(-len(steps) // MAX_POINTS)
    out = []
    for start in range(0, len(steps), size):
        bucket = steps[start : start + size]
        peak = max(bucket, key=lambda s: s.channels)
        out.append(ConcurrencyPoint(at=bucket[0].at, channels=peak.channels))
    return out


def _period(load: lineload.PeriodLoad) -> PeriodOut:
    return PeriodOut(
        start=load.start,
        end=load.end,
        attempts=load.attempts,
        answered=load.answered,
        asr=None if load.asr is None else round(load.asr, 4),
        acd_seconds=None if load.acd_s is None else round(load.acd_s, 1),
        traffic_erlangs=round(load.traffic_erlangs, 4),
        max_concurrent=load.max_concurrency,
    )


def _queue(stats: lineload.QueueStats) -> QueueOut:
    return QueueOut(
        queue=stats.queue,
        offered=stats.offered,
        answered=stats.answered,
        abandoned=stats.abandoned,
        service_level=None if stats.service_level is None else round(stats.service_level, 4),
        average_wait_seconds=None
        if stats.average_wait_s is None
        else round(stats.average_wait_s, 1),
        longest_wait_seconds=round(stats.longest_wait_s, 1),
    )
