"""Request and response shapes of work plans; the API and the pages validate with them.

A plan counts six kinds: the five kinds of contacts with clients, and "task" for tasks
done. Months are written "2026-01", days "2026-01-15".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from kompas_cc.core.validation import DbId
from kompas_cc.organizer.plan_rules import Pace
from kompas_cc.organizer.schemas import Day

PlanKind = Literal["call", "meeting", "letter", "email", "visit", "task"]
PLAN_KINDS: tuple[PlanKind, ...] = ("call", "meeting", "letter", "email", "visit", "task")
#: A stored kind name as the type the answers declare.
KIND_BY_NAME: dict[str, PlanKind] = {kind: kind for kind in PLAN_KINDS}
PLAN_KIND_LABELS: dict[str, str] = {
    "call": "Calls",
    "meeting": "Client meetings",
    "letter": "Letters",
    "email": "E-mails",
    "visit": "Visits",
    "task": "Tasks done",
}
PACE_LABELS: dict[str, str] = {
    "none": "No plan",
    "ok": "On plan",
    "behind": "Behind plan",
    "under": "Under plan",
}
MONTH_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"
#: The most of one kind a month, or a day, may plan: more is a typing error.
MAX_MONTH_AMOUNT = 100_000
MAX_DAY_AMOUNT = 10_000
MAX_CLIENT_TARGETS = 500

MSG_NEGATIVE = "A plan cannot be negative"
MSG_MONTH_TOO_MANY = "A month plans at most 100000 of a kind"
MSG_DAY_TOO_MANY = "A day plans at most 10000 of a kind"


def _month_amount(value: int) -> int:
    if value < 0:
        raise ValueError(MSG_NEGATIVE)
    if value > MAX_MONTH_AMOUNT:
        raise ValueError(MSG_MONTH_TOO_MANY)
    return value


def _day_amount(value: int) -> int:
    if value < 0:
        raise ValueError(MSG_NEGATIVE)
    if value > MAX_DAY_AMOUNT:
        raise ValueError(MSG_DAY_TOO_MANY)
    return value


#: How many of a kind a month plans: checked with a sentence of our own, bounds documented.
MonthAmount = Annotated[
    int,
    AfterValidator(_month_amount),
    Field(json_schema_extra={"minimum": 0, "maximum": MAX_MONTH_AMOUNT}),
]
DayAmount = Annotated[
    int,
    AfterValidator(_day_amount),
    Field(json_schema_extra={"minimum": 0, "maximum": MAX_DAY_AMOUNT}),
]


class _PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MonthTargets(_PlanIn):
    """How many of each kind the month plans; an absent kind plans none."""

    call: MonthAmount = 0
    meeting: MonthAmount = 0
    letter: MonthAmount = 0
    email: MonthAmount = 0
    visit: MonthAmount = 0
    task: MonthAmount = 0

    def amounts(self) -> dict[str, int]:
        return {kind: int(getattr(self, kind)) for kind in PLAN_KINDS}


class ClientTargetIn(_PlanIn):
    client_id: DbId
    kind: PlanKind
    amount: MonthAmount


class MonthPlanIn(_PlanIn):
    """The whole month plan of an employee: it replaces what was planned before.
    `clients` plans some kinds with particular clients (a client and kind at most once)."""

    targets: MonthTargets = Field(default_factory=MonthTargets)
    clients: list[ClientTargetIn] = Field(default_factory=list, max_length=MAX_CLIENT_TARGETS)


class DayTargets(_PlanIn):
    """A day's numbers set by hand; an absent or null kind follows the month (automatic)."""

    call: DayAmount | None = None
    meeting: DayAmount | None = None
    letter: DayAmount | None = None
    email: DayAmount | None = None
    visit: DayAmount | None = None
    task: DayAmount | None = None

    def amounts(self) -> dict[str, int]:
        return {kind: v for kind in PLAN_KINDS if (v := getattr(self, kind)) is not None}


class DayPlanIn(_PlanIn):
    """The day's plan set by hand: it replaces the day's earlier hand-set numbers."""

    targets: DayTargets = Field(default_factory=DayTargets)


class PlanQuery(_PlanIn):
    """What the plan pages show: a month (default: this one), one employee (default: the
    user), and the kind the chart draws (default: all kinds together)."""

    month: str | None = Field(default=None, pattern=MONTH_PATTERN)
    person: DbId | None = None
    kind: PlanKind | None = None


class DayQuery(_PlanIn):
    person: DbId | None = None
    day: Day


# -- answers ----------------------------------------------------------------------------


class ClientTargetOut(BaseModel):
    client_id: int
    client: str
    kind: PlanKind
    amount: int


class MonthPlanOut(BaseModel):
    """An employee's month plan; `updated_at` None means nothing was planned yet."""

    user_id: int
    user: str
    month: str
    targets: MonthTargets
    clients: list[ClientTargetOut]
    updated_at: datetime | None
    updated_by: str | None


class DayKindOut(BaseModel):
    """One kind on one day. `plan` is `override` when set by hand, otherwise the larger of
    `share` (the day's part of the month) and `scheduled` (contacts planned, tasks due).
    `under`: the day is over and `fact` stayed below `plan`."""

    plan: int
    fact: int
    share: int
    scheduled: int
    override: int | None
    under: bool


class DayOut(BaseModel):
    """A day of the month; `edited` when a number of it was set by hand, `over` once it has
    passed, `overdue_tasks` the open tasks due on it whose time has passed."""

    day: date
    working: bool
    edited: bool
    over: bool
    plan: int
    fact: int
    kinds: dict[PlanKind, DayKindOut]
    overdue_tasks: int


class KindTotalOut(BaseModel):
    """A kind over the month: `plan` as the month plan says, `day_plans` the sum of the day
    plans, `plan_to_date` that of the days already over, `pace` fact against the latter."""

    kind: PlanKind
    plan: int
    day_plans: int
    plan_to_date: int
    fact: int
    percent: float | None
    pace: Pace


class ClientKindOut(BaseModel):
    plan: int
    fact: int
    percent: float | None
    pace: Pace


class ClientRowOut(BaseModel):
    """A client the month plans with, or one the employee had contacts or tasks with."""

    client_id: int
    client: str
    planned: bool
    kinds: dict[PlanKind, ClientKindOut]


class MonthReportOut(BaseModel):
    """Plan and fact of one employee over a month, day by day and per client. Days are days
    of the employee's time zone; `fulfilment` is the share of the month plan done, each kind
    counted up to its plan; `days_under` counts the days over with some kind under plan."""

    user_id: int
    user: str
    month: str
    time_zone: str
    today: date
    working_days: int
    has_plan: bool
    totals: list[KindTotalOut]
    fulfilment: float | None
    pace: Pace
    overdue_tasks: int
    days_under: int
    days: list[DayOut]
    clients: list[ClientRowOut]


class TeamRowOut(BaseModel):
    user_id: int
    user: str
    role: str
    has_plan: bool
    totals: list[KindTotalOut]
    fulfilment: float | None
    pace: Pace
    overdue_tasks: int
    days_under: int


class TeamReportOut(BaseModel):
    """One row per employee the user may look at (themselves first)."""

    month: str
    rows: list[TeamRowOut]
