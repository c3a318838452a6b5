"""Request and response shapes of notifications; the API and the forms validate with them."""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SnoozeMinutes = Literal[15, 60]
SnoozeUntil = Literal["tomorrow-9"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    link: str | None
    task_id: int | None
    due_at: datetime | None
    delivered_at: datetime
    late: bool
    read: bool
    read_at: datetime | None


class NotificationPage(BaseModel):
    """One page, newest first; `total` counts every match."""

    items: list[NotificationOut]
    total: int
    unread: int
    page: int
    per_page: int
    has_more: bool


class NotificationQuery(_In):
    unread: bool = False
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=200)


class UnreadCount(BaseModel):
    unread: int


class ReadOut(BaseModel):
    """How many notifications this call marked read, and how many stay unread."""

    marked: int
    unread: int


class SnoozeIn(_In):
    """Remind again in 15 or 60 minutes, or tomorrow at 9:00 in the user's time zone."""

    minutes: SnoozeMinutes | None = None
    until: SnoozeUntil | None = None

    @model_validator(mode="after")
    def _one_choice(self) -> SnoozeIn:
        if (self.minutes is None) == (self.until is None):
            raise ValueError("Give either minutes or until")
        return self


class SnoozeOut(BaseModel):
    job_id: int
    due_at: datetime
    unread: int


class SettingsOut(BaseModel):
    digest_at: time | None


class SettingsIn(_In):
    """The local time of the daily digest; null turns the digest off."""

    digest_at: time | None = None

    @field_validator("digest_at")
    @classmethod
    def _local_minutes(cls, value: time | None) -> time | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            raise ValueError("Give the local time without a time zone")
        return value.replace(second=0, microsecond=0)
