"""Request and response shapes of the organizer; the API and the forms validate with them.

Times sent without a zone are read in the zone given as validation context ("timezone",
the user's zone; UTC when absent). Dates and times are kept within 2000-2100: a task due in
the year 1 is a typing error, and such values would overflow time-zone arithmetic.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kompas_cc.core.validation import DbId

TaskStatus = Literal["new", "in_progress", "done", "cancelled"]
Priority = Literal["low", "normal", "high"]
ContactKind = Literal["call", "meeting", "letter", "email", "visit"]
ContactState = Literal["planned", "done"]

OPEN_STATUSES = ("new", "in_progress")
CLOSED_STATUSES = ("done", "cancelled")
FIRST_YEAR = 2000
LAST_YEAR = 2100
MAX_REMINDERS = 20

STATUS_LABELS: dict[str, str] = {
    "new": "Not started",
    "in_progress": "In progress",
    "done": "Completed",
    "cancelled": "Cancelled",
}
PRIORITY_LABELS: dict[str, str] = {"low": "Low", "normal": "Normal", "high": "High"}
CONTACT_KIND_LABELS: dict[str, str] = {
    "call": "Call",
    "meeting": "Meeting",
    "letter": "Letter",
    "email": "E-mail",
    "visit": "Visit",
}
CONTACT_STATE_LABELS: dict[str, str] = {"planned": "Planned", "done": "Took place"}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        """PostgreSQL cannot store the NUL character in text: refuse it with a 422."""
        if isinstance(data, dict) and any(
            isinstance(v, str) and "\x00" in v for v in data.values()
        ):
            raise ValueError("Text must not contain the NUL character")
        return data


class InputModel(_In):
    """The base of request shapes in the organizer's other schema modules."""


def aware(value: datetime, info: ValidationInfo) -> datetime:
    """A time in UTC: one without a zone is read in the context's zone."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError("The date is out of range")
    if value.tzinfo is None:
        zone = ZoneInfo((info.context or {}).get("timezone", "UTC"))
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def in_range(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError("The date is out of range")
    return value


#: A moment, kept in UTC (see `aware`).
Moment = Annotated[datetime, AfterValidator(aware)]
#: A day within the years the organizer accepts.
Day = Annotated[date, AfterValidator(in_range)]


class ReminderIn(_In):
    """`before_seconds` ahead of the due or planned time (0: at that time), or `at` a moment."""

    # At most a year (366 days) before; written out so that the catalog script finds
    # pydantic's message for the limit.
    before_seconds: int | None = Field(default=None, ge=0, le=31_622_400)
    at: Moment | None = None

    @model_validator(mode="after")
    def _one(self) -> ReminderIn:
        if (self.before_seconds is None) == (self.at is None):
            raise ValueError("Give either the time before or the exact moment of the reminder")
        return self


class TaskIn(_In):
    """A task as the form or the API gives it.

    `executor_ids`: the first is the responsible executor, the others co-executors; empty
    means the author. `due_at` is a moment, `due_date` a whole day (all-day task); at most
    one of them. `reminders` None takes the author's default reminders. A due time already
    past is refused unless `allow_past_due` says it is meant.
    """

    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    executor_ids: list[DbId] = Field(default_factory=list, max_length=50)
    watcher_ids: list[DbId] = Field(default_factory=list, max_length=50)
    client_id: DbId | None = None
    due_at: Moment | None = None
    due_date: Day | None = None
    priority: Priority = "normal"
    status: TaskStatus = "new"
    rrule: str | None = Field(default=None, max_length=500)
    reminders: list[ReminderIn] | None = Field(default=None, max_length=MAX_REMINDERS)
    checklist: list[str] = Field(default_factory=list, max_length=100)
    allow_past_due: bool = False

    @field_validator("description", "rrule")
    @classmethod
    def _blank(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("checklist")
    @classmethod
    def _items(cls, value: list[str]) -> list[str]:
        items = [item.strip() for item in value if item.strip()]
        if any(len(item) > 500 or "\x00" in item for item in items):
            raise ValueError("A checklist item may have at most 500 characters")
        return items

    @model_validator(mode="after")
    def _one_due(self) -> TaskIn:
        if self.due_at is not None and self.due_date is not None:
            raise ValueError("Give either a due time or an all-day date, not both")
        return self


class TaskPatch(_In):
    """Any fields of TaskIn; what is absent stays as it is."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    executor_ids: list[DbId] | None = Field(default=None, max_length=50)
    watcher_ids: list[DbId] | None = Field(default=None, max_length=50)
    client_id: DbId | None = None
    due_at: Moment | None = None
    due_date: Day | None = None
    priority: Priority | None = None
    status: TaskStatus | None = None
    rrule: str | None = Field(default=None, max_length=500)
    reminders: list[ReminderIn] | None = Field(default=None, max_length=MAX_REMINDERS)
    allow_past_due: bool = False


class StatusIn(_In):
    status: TaskStatus


class ChecklistItemIn(_In):
    text: str = Field(min_length=1, max_length=500)


class ChecklistItemPatch(_In):
    text: str | None = Field(default=None, min_length=1, max_length=500)
    done: bool | None = None


class CommentIn(_In):
    text: str = Field(min_length=1, max_length=20_000)


class ContactIn(_In):
    """A contact with a client: planned (`planned_at` required) or done (`result` required;
    `done_at` defaults to now). `user_id` is who makes it (default: the author)."""

    client_id: DbId
    kind: ContactKind
    state: ContactState = "planned"
    subject: str = Field(default="", max_length=300)
    notes: str | None = Field(default=None, max_length=20_000)
    result: str | None = Field(default=None, max_length=20_000)
    user_id: DbId | None = None
    planned_at: Moment | None = None
    done_at: Moment | None = None
    reminders: list[ReminderIn] | None = Field(default=None, max_length=MAX_REMINDERS)

    @field_validator("notes", "result")
    @classmethod
    def _blank(cls, value: str | None) -> str | None:
        return value or None


class ContactPatch(_In):
    """Any fields of ContactIn; what is absent stays as it is."""

    client_id: DbId | None = None
    kind: ContactKind | None = None
    state: ContactState | None = None
    subject: str | None = Field(default=None, max_length=300)
    notes: str | None = Field(default=None, max_length=20_000)
    result: str | None = Field(default=None, max_length=20_000)
    user_id: DbId | None = None
    planned_at: Moment | None = None
    done_at: Moment | None = None
    reminders: list[ReminderIn] | None = Field(default=None, max_length=MAX_REMINDERS)


class NextContactIn(_In):
    """The next contact planned while completing one (same client)."""

    kind: ContactKind
    planned_at: Moment
    subject: str = Field(default="", max_length=300)
    notes: str | None = Field(default=None, max_length=20_000)
    user_id: DbId | None = None


class CompleteIn(_In):
    result: str = Field(min_length=1, max_length=20_000)
    done_at: Moment | None = None
    next: NextContactIn | None = None


class DefaultReminderIn(_In):
    before_seconds: int = Field(ge=0, le=31_622_400)


class DefaultRemindersIn(_In):
    reminders: list[DefaultReminderIn] = Field(max_length=MAX_REMINDERS)


# -- answers ----------------------------------------------------------------------------


class MemberOut(BaseModel):
    user_id: int
    name: str
    role: str


class ChecklistItemOut(BaseModel):
    id: int
    text: str
    done: bool
    done_at: datetime | None
    done_by: str | None


class CommentOut(BaseModel):
    id: int
    task_id: int
    author_id: int
    author: str
    text: str
    created_at: datetime


class TaskFileOut(BaseModel):
    """A file of a task; its content is at GET /api/v1/tasks/{task_id}/files/{id}."""

    id: int
    task_id: int
    name: str
    content_type: str
    size: int
    uploader_id: int
    uploader: str
    uploaded_at: datetime
    may_delete: bool


class ReminderOut(BaseModel):
    """`fires_at` is when it goes off (None while its task has no due time)."""

    id: int
    task_id: int | None
    contact_id: int | None
    before_seconds: int | None
    at: datetime | None
    fires_at: datetime | None
    title: str


class TaskOut(BaseModel):
    id: int
    title: str
    description: str | None
    author_id: int
    author: str
    executor_id: int
    executor: str
    executor_ids: list[int]
    co_executor_ids: list[int]
    watcher_ids: list[int]
    members: list[MemberOut]
    client_id: int | None
    client: str | None
    due_at: datetime | None
    due_date: date | None
    all_day: bool
    timezone: str
    priority: Priority
    status: TaskStatus
    overdue: bool
    rrule: str | None
    occurrence: int
    series_id: int | None
    previous_id: int | None
    next_id: int | None
    checklist: list[ChecklistItemOut]
    reminders: list[ReminderOut]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class TaskBrief(BaseModel):
    id: int
    title: str
    status: TaskStatus
    priority: Priority
    overdue: bool
    due_at: datetime | None
    due_date: date | None
    executor_id: int
    executor: str
    client_id: int | None
    client: str | None
    repeats: bool
    files: int = 0


class TaskPage(BaseModel):
    items: list[TaskBrief]
    page: int
    per_page: int
    total: int
    has_more: bool


class TaskListQuery(_In):
    """Filters of the task list. `due_from`/`due_to` are days of the user's zone, both
    included; `executor_id` matches the responsible executor and co-executors."""

    executor_id: DbId | None = None
    client_id: DbId | None = None
    status: list[TaskStatus] = Field(default_factory=list, max_length=4)
    overdue: bool = False
    due_from: Day | None = None
    due_to: Day | None = None
    q: str | None = Field(default=None, max_length=200)
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=500)

    @model_validator(mode="after")
    def _ordered(self) -> TaskListQuery:
        if self.due_from and self.due_to and self.due_from > self.due_to:
            raise ValueError("The end of the period is before its start")
        return self


class ContactOut(BaseModel):
    id: int
    client_id: int
    client: str
    kind: ContactKind
    state: ContactState
    user_id: int
    user: str
    author_id: int
    subject: str
    notes: str | None
    result: str | None
    planned_at: datetime | None
    done_at: datetime | None
    overdue: bool
    previous_id: int | None
    reminders: list[ReminderOut]
    created_at: datetime
    updated_at: datetime


class CompleteOut(BaseModel):
    contact: ContactOut
    next_id: int | None


class ContactPage(BaseModel):
    items: list[ContactOut]
    page: int
    per_page: int
    total: int
    has_more: bool


class ContactListQuery(_In):
    client_id: DbId | None = None
    user_id: DbId | None = None
    state: ContactState | None = None
    kind: ContactKind | None = None
    since: Day | None = None
    until: Day | None = None
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=500)

    @model_validator(mode="after")
    def _ordered(self) -> ContactListQuery:
        if self.since and self.until and self.since > self.until:
            raise ValueError("The end of the period is before its start")
        return self


class DefaultReminderOut(BaseModel):
    before_seconds: int


class ViewQuery(_In):
    """What the calendar pages show: a day (or the week or month around it), or a month
    ("2026-01"); one person (default: the user) or the whole team."""

    day: Day | None = None
    month: str | None = Field(default=None, pattern=r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")
    person: DbId | None = None
    team: bool = False


class AgendaItem(BaseModel):
    """A task, a contact or a meeting as the calendar views and the feed show it.

    `at` is its moment (None for an all-day task), `day` its day in the viewer's zone,
    `until` the end of a meeting.
    """

    kind: Literal["task", "contact", "meeting"]
    id: int
    title: str
    at: datetime | None
    day: date
    until: datetime | None = None
    status: str
    overdue: bool
    done: bool
    priority: str | None = None
    contact_kind: str | None = None
    client_id: int | None = None
    client: str | None = None
    person: str | None = None
    link: str


class ClientContactSummary(BaseModel):
    """What a client card shows of the organizer: the next planned contact, the days since
    the last done one, and the client's open tasks."""

    next_contact: ContactOut | None
    last_contact_at: datetime | None
    days_since_last: int | None
    open_tasks: list[TaskBrief]
