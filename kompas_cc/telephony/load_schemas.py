"""Request and response shapes of the line-load report (API and page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: A report reads every call of its period; three months is the longest one.
MAX_PERIOD = timedelta(days=93)
DEFAULT_PERIOD = timedelta(days=7)


class LineLoadQuery(BaseModel):
    """The period (`until` excluded; without a zone a time is UTC; by default the last seven
    days), a trunk (a configured pattern such as `PJSIP/trunk-*`, or a trunk device such as
    `PJSIP/trunk`), and the answer time the queues' service level counts against."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    since: datetime | None = None
    until: datetime | None = None
    trunk: str | None = Field(default=None, max_length=100)
    answer_within_s: int = Field(default=20, ge=1, le=3600)

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("The time is out of range") from None

    @model_validator(mode="after")
    def _period(self) -> LineLoadQuery:
        if self.since and self.until:
            if self.since >= self.until:
                raise ValueError("The end of the period is before its start")
            if self.until - self.since > MAX_PERIOD:
                raise ValueError("The period is longer than 93 days")
        return self


class ConcurrencyPoint(BaseModel):
    """From `at` until the next point, `channels` trunk lines were busy."""

    at: datetime
    channels: int


class BusyHourOut(BaseModel):
    start: datetime
    end: datetime
    traffic_erlangs: float
    max_concurrent: int


class ErlangBOut(BaseModel):
    """Erlang B at the busy hour of one configured trunk."""

    trunk: str
    lines: int
    busy_hour_erlangs: float
    blocking: float
    target_blocking: float
    lines_needed: int


class PeriodOut(BaseModel):
    start: datetime
    end: datetime
    attempts: int
    answered: int
    asr: float | None
    acd_seconds: float | None
    traffic_erlangs: float
    max_concurrent: int


class QueueOut(BaseModel):
    queue: str
    offered: int
    answered: int
    abandoned: int
    service_level: float | None
    average_wait_seconds: float | None
    longest_wait_seconds: float


class LineLoadOut(BaseModel):
    """Trunk load and calls of a period. `heatmap` holds the mean Erlangs per weekday (rows,
    Monday first) and hour (columns) in the report's time zone."""

    since: datetime
    until: datetime
    time_zone: str
    trunk: str | None
    calls: int
    max_concurrent: int
    traffic_erlangs: float
    busy_hour: BusyHourOut | None
    erlang_b: list[ErlangBOut]
    concurrency: list[ConcurrencyPoint]
    hourly: list[PeriodOut]
    daily: list[PeriodOut]
    queues: list[QueueOut]
    heatmap: list[list[float]]
