"""Request and response shapes of meetings, their preparation, decisions and the decisions
report. Times without a zone are read in the user's zone (see organizer.schemas)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator

from kompas_cc.core.validation import DbId
from kompas_cc.organizer.schemas import (
    MAX_REMINDERS,
    Day,
    InputModel,
    Moment,
    ReminderIn,
    TaskStatus,
)

MeetingStatus = Literal["planned", "held", "cancelled"]
DecisionState = Literal["open", "done", "cancelled"]
#: What the decisions report filters by: the three states, and "late" across them.
DecisionFilter = Literal["open", "done", "late", "cancelled"]

MAX_PARTICIPANTS = 100
MAX_AGENDA_ITEMS = 50
MAX_PREP_ITEMS = 100
MAX_DECISION_LENGTH = 5000

MEETING_STATUS_LABELS: dict[str, str] = {
    "planned": "Scheduled",
    "held": "Held",
    "cancelled": "Called off",
}
DECISION_FILTER_LABELS: dict[str, str] = {
    "open": "Being carried out",
    "done": "Fulfilled",
    "late": "Late",
    "cancelled": "Called off",
}


def checked_link(value: str | None) -> str | None:
    """A web address people can open: http or https, with a host, without spaces."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in value:
        raise ValueError("The link must be an address starting with http:// or https://")
    return value


class AgendaItemIn(InputModel):
    title: str = Field(min_length=1, max_length=300)
    speaker_id: DbId | None = None


class MeetingIn(InputModel):
    """A meeting as the form or the API gives it. `organiser_id` defaults to the author;
    `participant_ids` are the others invited; the agenda is the whole ordered list."""

    title: str = Field(min_length=1, max_length=300)
    starts_at: Moment
    ends_at: Moment
    place: str | None = Field(default=None, max_length=300)
    link: str | None = Field(default=None, max_length=500)
    organiser_id: DbId | None = None
    participant_ids: list[DbId] = Field(default_factory=list, max_length=MAX_PARTICIPANTS)
    client_id: DbId | None = None
    status: MeetingStatus = "planned"
    minutes: str | None = Field(default=None, max_length=100_000)
    agenda: list[AgendaItemIn] = Field(default_factory=list, max_length=MAX_AGENDA_ITEMS)

    @field_validator("place", "minutes")
    @classmethod
    def _blank(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        return checked_link(value)


class PrepItemIn(InputModel):
    """Who prepares what by when (`due_at`; none: by the start of the meeting), with
    reminders counted back from that time or at exact moments."""

    text: str = Field(min_length=1, max_length=500)
    assignee_id: DbId
    due_at: Moment | None = None
    reminders: list[ReminderIn] = Field(default_factory=list, max_length=MAX_REMINDERS)


class MeetingNew(MeetingIn):
    """A new meeting, with its preparation checklist if it is known already."""

    preparation: list[PrepItemIn] = Field(default_factory=list, max_length=MAX_PREP_ITEMS)


class MeetingPatch(InputModel):
    """Any fields of MeetingIn; what is absent stays as it is (lists replace the old)."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    place: str | None = Field(default=None, max_length=300)
    link: str | None = Field(default=None, max_length=500)
    organiser_id: DbId | None = None
    participant_ids: list[DbId] | None = Field(default=None, max_length=MAX_PARTICIPANTS)
    client_id: DbId | None = None
    status: MeetingStatus | None = None
    minutes: str | None = Field(default=None, max_length=100_000)
    agenda: list[AgendaItemIn] | None = Field(default=None, max_length=MAX_AGENDA_ITEMS)


class PrepItemPatch(InputModel):
    """Any fields of a preparation item; `done` ticks it; `reminders` replace the old."""

    text: str | None = Field(default=None, min_length=1, max_length=500)
    assignee_id: DbId | None = None
    due_at: Moment | None = None
    done: bool | None = None
    reminders: list[ReminderIn] | None = Field(default=None, max_length=MAX_REMINDERS)


class DecisionIn(InputModel):
    """A decision: what, who answers for it, and the last day to carry it out."""

    text: str = Field(min_length=1, max_length=MAX_DECISION_LENGTH)
    responsible_id: DbId
    deadline: Day


class DecisionPatch(InputModel):
    text: str | None = Field(default=None, min_length=1, max_length=MAX_DECISION_LENGTH)
    responsible_id: DbId | None = None
    deadline: Day | None = None


class MeetingListQuery(InputModel):
    """Filters of the meeting list: days of the user's zone (both included), a person who
    organises or takes part, a status, a client, words of the title."""

    since: Day | None = None
    until: Day | None = None
    person_id: DbId | None = None
    status: list[MeetingStatus] = Field(default_factory=list, max_length=3)
    client_id: DbId | None = None
    q: str | None = Field(default=None, max_length=200)
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=500)

    @model_validator(mode="after")
    def _ordered(self) -> MeetingListQuery:
        if self.since and self.until and self.since > self.until:
            raise ValueError("The end of the period is before its start")
        return self


class DecisionReportQuery(InputModel):
    """Filters of the decisions report. The period (days, both included) applies to the
    deadlines, or to the meetings' days with `by=meeting`; `status` values are alternatives."""

    since: Day | None = None
    until: Day | None = None
    by: Literal["deadline", "meeting"] = "deadline"
    responsible_id: DbId | None = None
    status: list[DecisionFilter] = Field(default_factory=list, max_length=4)
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=500)

    @model_validator(mode="after")
    def _ordered(self) -> DecisionReportQuery:
        if self.since and self.until and self.since > self.until:
            raise ValueError("The end of the period is before its start")
        return self


# -- answers ----------------------------------------------------------------------------


class PersonOut(BaseModel):
    id: int
    name: str


class AgendaItemOut(BaseModel):
    id: int
    position: int
    title: str
    speaker_id: int | None
    speaker: str | None


class PrepReminderOut(BaseModel):
    """`fires_at`: when it goes off."""

    id: int
    before_seconds: int | None
    at: datetime | None
    fires_at: datetime | None


class PrepItemOut(BaseModel):
    id: int
    meeting_id: int
    position: int
    text: str
    assignee_id: int
    assignee: str
    due_at: datetime | None
    done: bool
    done_at: datetime | None
    done_by: str | None
    reminders: list[PrepReminderOut]


class DecisionOut(BaseModel):
    """A decision with the state of its task: `state` open, done or cancelled; `late` when
    it is not done after its deadline, or was done after it."""

    id: int
    meeting_id: int
    position: int
    text: str
    responsible_id: int
    responsible: str
    deadline: date
    task_id: int | None
    task_status: TaskStatus | None
    state: DecisionState
    late: bool
    done_at: datetime | None
    created_at: datetime
    updated_at: datetime


class MeetingOut(BaseModel):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    link: str | None
    organiser_id: int
    organiser: str
    participants: list[PersonOut]
    participant_ids: list[int]
    client_id: int | None
    client: str | None
    status: MeetingStatus
    minutes: str | None
    timezone: str
    author_id: int
    agenda: list[AgendaItemOut]
    preparation: list[PrepItemOut]
    decisions: list[DecisionOut]
    created_at: datetime
    updated_at: datetime


class MeetingBrief(BaseModel):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    status: MeetingStatus
    organiser_id: int
    organiser: str
    client_id: int | None
    client: str | None
    participants: int
    decisions: int
    late_decisions: int


class MeetingPage(BaseModel):
    items: list[MeetingBrief]
    page: int
    per_page: int
    total: int
    has_more: bool


class DecisionRow(BaseModel):
    """One line of the decisions report. `days_late`: days past the deadline, until today
    for an open decision, until it was done for a done one."""

    id: int
    meeting_id: int
    meeting: str
    meeting_at: datetime
    text: str
    responsible_id: int
    responsible: str
    deadline: date
    task_id: int | None
    task_status: TaskStatus | None
    state: DecisionState
    late: bool
    days_late: int
    done_at: datetime | None


class DecisionCounts(BaseModel):
    """How many decisions of the period and person are in each state (status aside)."""

    total: int
    open: int
    done: int
    late: int
    cancelled: int


class DecisionReport(BaseModel):
    items: list[DecisionRow]
    counts: DecisionCounts
    page: int
    per_page: int
    total: int
    has_more: bool
