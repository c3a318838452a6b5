"""Request and response shapes of the call log; the API and the page validate with them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kompas_cc.core.validation import DbId

#: The call tracker's values (telephony.callrecord), spelled out here so that pydantic's
#: messages about them ("Input should be 'inbound', ...") reach the translation catalogs.
Direction = Literal["inbound", "outbound", "internal"]
Disposition = Literal["answered", "no_answer", "busy", "abandoned", "failed"]
TransferKind = Literal["blind", "attended"]

DIRECTIONS: tuple[Direction, ...] = ("inbound", "outbound", "internal")
DISPOSITIONS: tuple[Disposition, ...] = ("answered", "no_answer", "busy", "abandoned", "failed")
#: Inbound calls ending so want a call back.
MISSED: frozenset[str] = frozenset({"no_answer", "busy", "abandoned"})


class LegOut(BaseModel):
    party_a: str | None
    party_b: str | None
    started_at: datetime
    ended_at: datetime


class TransferOut(BaseModel):
    """`from` is a Python keyword: the field is `from_` in code and `from` in JSON."""

    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    kind: TransferKind
    from_: str | None = Field(alias="from")
    to: str | None
    at: datetime


class CallOut(BaseModel):
    """A call of the log. Times are UTC; durations whole seconds."""

    id: int
    linkedid: str
    direction: Direction
    caller: str | None
    callee: str | None
    queue: str | None
    answered_by: str | None
    operator_id: int | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    ring_seconds: int
    wait_seconds: int | None
    talk_seconds: int
    hold_seconds: int
    disposition: Disposition
    voicemail: bool
    hangup_by: str | None
    transfers: list[TransferOut]
    legs: list[LegOut]
    client_id: int | None
    incomplete: bool


class CallPage(BaseModel):
    """One page of the log, newest first; `total` counts every call the filters match."""

    items: list[CallOut]
    page: int
    per_page: int
    total: int
    has_more: bool


class CallListQuery(BaseModel):
    """Filters of the call log. `since` and `until` bound the start of a call (`until`
    excluded); a time without a zone is UTC. `extension` finds the calls it answered or
    dialled."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    since: datetime | None = None
    until: datetime | None = None
    direction: Direction | None = None
    disposition: Disposition | None = None
    extension: str | None = Field(default=None, max_length=32, pattern=r"^[0-9*#]*$")
    client_id: DbId | None = None
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=500)

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
    def _ordered(self) -> CallListQuery:
        if self.since and self.until and self.since > self.until:
            raise ValueError("The end of the period is before its start")
        return self
