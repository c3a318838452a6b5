"""Work plans: whose plans a user may see and set, month plans, days set by hand, and the
control reports of plan against fact (an employee's month, the team's month).

Whose: the organizer's team rule (`access.team_roles`). Admins plan for every employee,
managers for operators and managers, and everybody reads their own; dealers have none.
Days are days of the employee's time zone. docs/work-plans.md tells the rules.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import Forbidden, NotFound, ValidationFailed
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.organizer import access, plan_repo, plan_rules, repo
from kompas_cc.organizer.plan_events import DayPlanSet, WorkPlanSet
from kompas_cc.organizer.plan_models import WorkPlan
from kompas_cc.organizer.plan_rules import DayCell
from kompas_cc.organizer.plan_schemas import (
    KIND_BY_NAME,
    MONTH_PATTERN,
    PLAN_KINDS,
    ClientKindOut,
    ClientRowOut,
    ClientTargetOut,
    DayKindOut,
    DayOut,
    DayPlanIn,
    KindTotalOut,
    MonthPlanIn,
    MonthPlanOut,
    MonthReportOut,
    MonthTargets,
    PlanKind,
    TeamReportOut,
    TeamRowOut,
)
from kompas_cc.organizer.timing import local_day, task_overdue
from kompas_cc.organizer.workdays import WorkCalendar

#: Plans are set for months at most this far back and ahead of the current one.
MAX_MONTHS_BACK = 36
MAX_MONTHS_AHEAD = 24
#: Rows are read this much around the month's UTC days, so that every zone's days are in.
ZONE_MARGIN = timedelta(hours=15)
#: Clients without a plan that the per-client table lists at most (by the most fact).
MAX_UNPLANNED_CLIENTS = 300
STAFF = frozenset({Role.ADMIN.value, Role.MANAGER.value, Role.OPERATOR.value})

MSG_MONTH = "Give the month as YYYY-MM"
MSG_MONTH_FAR = "Plans are set from 36 months back to 24 months ahead"
MSG_NO_CLIENT = "No such client"
MSG_TWICE = "This client and kind are planned twice"


class NoSuchEmployee(NotFound):
    error_id = "no-such-employee"


class NotInTeam(Forbidden):
    error_id = "not-in-your-team"


# -- months and people -------------------------------------------------------------------


def parse_month(text: str | None, today: date) -> date:
    """The first day of a month written "2026-01"; this month when None."""
    if text is None:
        return today.replace(day=1)
    if not re.fullmatch(MONTH_PATTERN, text):
        raise ValidationFailed("The month has invalid fields", fields={"month": MSG_MONTH})
    return date(int(text[:4]), int(text[5:7]), 1)


def month_key(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def month_days(first: date) -> list[date]:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [first + timedelta(days=n) for n in range((following - first).days)]


def shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _check_reach(first: date, today: date, name: str = "month") -> None:
    distance = (first.year - today.year) * 12 + first.month - today.month
    if not -MAX_MONTHS_BACK <= distance <= MAX_MONTHS_AHEAD:
        raise ValidationFailed("The month is out of reach", fields={name: MSG_MONTH_FAR})


def today_of(actor: Actor, now: datetime) -> date:
    return local_day(now, ZoneInfo(actor.timezone))


async def employees(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str]]:
    """Whose plans this user may look at: themselves first, then the team, by name."""
    if actor.role is Role.DEALER:
        return []
    roles = access.team_roles(actor)
    others = [] if roles is not None and not roles else await repo.list_users(uow.session, roles)
    return [(actor.id, actor.name)] + [
        (u.id, u.name) for u in others if u.id != actor.id and u.role in STAFF
    ]


async def _employee(
    uow: UnitOfWork, actor: Actor, user_id: int | None, *, write: bool
) -> repo.UserRow:
    """The employee a request is about, after the team rule: operators reach only
    themselves (anybody else is unknown to them), managers their team."""
    if write and actor.role not in (Role.ADMIN, Role.MANAGER):
        raise Forbidden("Only managers and admins set plans")
    wanted = actor.id if user_id is None else user_id
    if actor.role not in (Role.ADMIN, Role.MANAGER) and wanted != actor.id:
        raise NoSuchEmployee("No such employee")
    row = (await repo.user_rows(uow.session, [wanted])).get(wanted)
    if row is None or row.role not in STAFF or (write and not row.is_active):
        raise NoSuchEmployee("No such employee")
    if actor.role is Role.MANAGER and row.role not in access.TEAM_ROLES:
        raise NotInTeam("This employee is not in your team")
    return row


# -- month plans -------------------------------------------------------------------------


async def get_month_plan(
    uow: UnitOfWork, actor: Actor, user_id: int | None, month: str | None, now: datetime
) -> MonthPlanOut:
    first = parse_month(month, today_of(actor, now))
    employee = await _employee(uow, actor, user_id, write=False)
    return await _month_plan_out(uow, employee, first)


async def set_month_plan(
    uow: UnitOfWork,
    actor: Actor,
    user_id: int | None,
    month: str | None,
    data: MonthPlanIn,
    now: datetime,
) -> MonthPlanOut:
    """Replace an employee's month plan (numbers by kind, and per client)."""
    today = today_of(actor, now)
    first = parse_month(month, today)
    employee = await _employee(uow, actor, user_id, write=True)
    _check_reach(first, today)
    client_amounts: dict[tuple[int, str], int] = {}
    errors: dict[str, str] = {}
    for n, target in enumerate(data.clients):
        key = (target.client_id, target.kind)
        if key in client_amounts:
            errors[f"clients.{n}.kind"] = MSG_TWICE
        client_amounts[key] = target.amount
    known = await repo.client_names(uow.session, [c.client_id for c in data.clients])
    for n, target in enumerate(data.clients):
        if target.client_id not in known:
            errors[f"clients.{n}.client_id"] = MSG_NO_CLIENT
    if errors:
        raise ValidationFailed("The plan has invalid fields", fields=errors)
    plan = await _plan_for(uow, employee.id, first, now, actor.id)
    plan.updated_at = now
    plan.updated_by_id = actor.id
    await plan_repo.replace_targets(uow.session, plan.id, data.targets.amounts(), client_amounts)
    uow.emit(WorkPlanSet(user_id=employee.id, month=first, by_user_id=actor.id))
    return await _month_plan_out(uow, employee, first)


async def _plan_for(
    uow: UnitOfWork, user_id: int, first: date, now: datetime, by_user_id: int
) -> WorkPlan:
    """The month's plan row, created when missing. Two first saves at once (PostgreSQL)
    meet at the unique key: the loser reads the winner's row."""
    plan = await plan_repo.get_plan(uow.session, user_id, first)
    if plan is not None:
        return plan
    try:
        async with uow.savepoint():
            return await plan_repo.add_plan(
                uow.session,
                WorkPlan(user_id=user_id, month=first, updated_at=now, updated_by_id=by_user_id),
            )
    except IntegrityError:
        plan = await plan_repo.get_plan(uow.session, user_id, first)
        if plan is None:
            raise
        return plan


async def _month_plan_out(uow: UnitOfWork, employee: repo.UserRow, first: date) -> MonthPlanOut:
    session = uow.session
    plan = await plan_repo.get_plan(session, employee.id, first)
    plan_ids = [plan.id] if plan is not None else []
    amounts = {t.kind: t.amount for t in await plan_repo.targets_of(session, plan_ids)}
    targets = await plan_repo.client_targets_of(session, plan_ids)
    names = await repo.client_names(session, [t.client_id for t in targets])
    updated_by = None
    if plan is not None and plan.updated_by_id is not None:
        author = (await repo.user_rows(session, [plan.updated_by_id])).get(plan.updated_by_id)
        updated_by = author.name if author else None
    clients = [
        ClientTargetOut(
            client_id=t.client_id,
            client=names.get(t.client_id, ""),
            kind=KIND_BY_NAME[t.kind],
            amount=t.amount,
        )
        for t in targets
    ]
    clients.sort(key=lambda c: (c.client.casefold(), c.client_id, PLAN_KINDS.index(c.kind)))
    return MonthPlanOut(
        user_id=employee.id,
        user=employee.name,
        month=month_key(first),
        targets=MonthTargets(**{k: amounts.get(k, 0) for k in PLAN_KINDS}),
        clients=clients,
        updated_at=plan.updated_at if plan is not None else None,
        updated_by=updated_by,
    )


# -- days set by hand --------------------------------------------------------------------


async def set_day_plan(
    uow: UnitOfWork,
    actor: Actor,
    user_id: int | None,
    day: date,
    data: DayPlanIn,
    now: datetime,
    calendar: WorkCalendar,
) -> DayOut:
    """Set a day's numbers by hand (null kinds follow the month again)."""
    employee = await _employee(uow, actor, user_id, write=True)
    _check_reach(day.replace(day=1), today_of(actor, now), "day")
    amounts = data.targets.amounts()
    await plan_repo.replace_day(uow.session, employee.id, day, amounts, now, actor.id)
    uow.emit(DayPlanSet(user_id=employee.id, day=day, kinds=tuple(amounts), by_user_id=actor.id))
    return await _day_out(uow, employee, day, now, calendar)


async def get_day_plan(
    uow: UnitOfWork,
    actor: Actor,
    user_id: int | None,
    day: date,
    now: datetime,
    calendar: WorkCalendar,
) -> DayOut:
    employee = await _employee(uow, actor, user_id, write=False)
    return await _day_out(uow, employee, day, now, calendar)


async def _day_out(
    uow: UnitOfWork, employee: repo.UserRow, day: date, now: datetime, calendar: WorkCalendar
) -> DayOut:
    (report,) = await _reports(uow, [employee], day.replace(day=1), now, calendar, clients=False)
    return next(d for d in report.days if d.day == day)


# -- control reports ---------------------------------------------------------------------


async def month_report(
    uow: UnitOfWork,
    actor: Actor,
    user_id: int | None,
    month: str | None,
    now: datetime,
    calendar: WorkCalendar,
) -> MonthReportOut:
    """Plan against fact of one employee over a month: by day, by kind, per client."""
    first = parse_month(month, today_of(actor, now))
    employee = await _employee(uow, actor, user_id, write=False)
    (report,) = await _reports(uow, [employee], first, now, calendar, clients=True)
    return report


async def team_report(
    uow: UnitOfWork, actor: Actor, month: str | None, now: datetime, calendar: WorkCalendar
) -> TeamReportOut:
    """One row per employee the user may look at: plan against fact by kind, overall."""
    first = parse_month(month, today_of(actor, now))
    ids = [user_id for user_id, _name in await employees(uow, actor)]
    rows = await repo.user_rows(uow.session, ids)
    people = [rows[i] for i in ids if i in rows]
    reports = await _reports(uow, people, first, now, calendar, clients=False)
    return TeamReportOut(
        month=month_key(first),
        rows=[
            TeamRowOut(
                user_id=r.user_id,
                user=r.user,
                role=person.role,
                has_plan=r.has_plan,
                totals=r.totals,
                fulfilment=r.fulfilment,
                pace=r.pace,
                overdue_tasks=r.overdue_tasks,
                days_under=r.days_under,
            )
            for r, person in zip(reports, people, strict=True)
        ],
    )


@dataclass
class _Ledger:
    """One employee's rows of a month, placed on the days of their zone."""

    done: Counter[tuple[str, date]] = field(default_factory=Counter)
    by_client: Counter[tuple[int, str]] = field(default_factory=Counter)
    scheduled: Counter[tuple[str, date]] = field(default_factory=Counter)
    late_by_day: Counter[date] = field(default_factory=Counter)
    late: int = 0
    amounts: dict[str, int] = field(default_factory=dict)
    client_amounts: dict[tuple[int, str], int] = field(default_factory=dict)
    overrides: dict[str, dict[date, int]] = field(default_factory=lambda: defaultdict(dict))
    has_plan: bool = False


async def _reports(
    uow: UnitOfWork,
    people: Sequence[repo.UserRow],
    first: date,
    now: datetime,
    calendar: WorkCalendar,
    *,
    clients: bool,
) -> list[MonthReportOut]:
    """The month reports of these employees, with a handful of queries for all of them."""
    session = uow.session
    ids = [p.id for p in people]
    days = month_days(first)
    last = days[-1]
    start = datetime.combine(first, time.min, UTC) - ZONE_MARGIN
    end = datetime.combine(last + timedelta(days=1), time.min, UTC) + ZONE_MARGIN
    zones = {p.id: ZoneInfo(p.timezone) for p in people}
    ledgers = {p.id: _Ledger() for p in people}

    def on(user_id: int, moment: datetime) -> date | None:
        day = local_day(moment, zones[user_id])
        return day if first <= day <= last else None

    plans = {p.id: p.user_id for p in await plan_repo.plans_of(session, ids, first)}
    for user_id in plans.values():
        ledgers[user_id].has_plan = True
    for target in await plan_repo.targets_of(session, plans):
        ledgers[plans[target.plan_id]].amounts[target.kind] = target.amount
    if clients:
        for ct in await plan_repo.client_targets_of(session, plans):
            ledgers[plans[ct.plan_id]].client_amounts[(ct.client_id, ct.kind)] = ct.amount
    for override in await plan_repo.overrides_of(session, ids, first, last):
        ledgers[override.user_id].overrides[override.kind][override.day] = override.amount
    for contact in await plan_repo.done_contacts(session, ids, start, end):
        if (day := on(contact.user_id, contact.done_at)) is not None:
            ledgers[contact.user_id].done[(contact.kind, day)] += 1
            ledgers[contact.user_id].by_client[(contact.client_id, contact.kind)] += 1
    for planned in await plan_repo.planned_contacts(session, ids, start, end):
        if (day := on(planned.user_id, planned.planned_at)) is not None:
            ledgers[planned.user_id].scheduled[(planned.kind, day)] += 1
    for closed in await plan_repo.done_tasks(session, ids, start, end):
        if (day := on(closed.executor_id, closed.closed_at)) is not None:
            ledgers[closed.executor_id].done[("task", day)] += 1
            if closed.client_id is not None:
                ledgers[closed.executor_id].by_client[(closed.client_id, "task")] += 1
    for task in await plan_repo.due_tasks(session, ids, start, end, first, last):
        day = task.due_date if task.due_at is None else on(task.executor_id, task.due_at)
        if day is None or not first <= day <= last:
            continue
        ledger = ledgers[task.executor_id]
        ledger.scheduled[("task", day)] += 1
        if task.status != "done" and _overdue(task, now):
            ledger.late_by_day[day] += 1
    latest = now.date() + timedelta(days=1)
    for task in await plan_repo.open_tasks_due_before(session, ids, now, latest):
        if _overdue(task, now):
            ledgers[task.executor_id].late += 1
    names: dict[int, str] = {}
    if clients:
        wanted = {c for ledger in ledgers.values() for c, _k in ledger.client_amounts}
        wanted |= {c for ledger in ledgers.values() for c, _k in ledger.by_client}
        names = await repo.client_names(session, wanted)
    working = set(calendar.working_days(first, last))
    return [
        _report(person, ledgers[person.id], first, days, working, now, names if clients else None)
        for person in people
    ]


def _overdue(task: plan_repo.DueTask, now: datetime) -> bool:
    return task_overdue(True, task.due_at, task.due_date, ZoneInfo(task.timezone), now)


def _report(
    person: repo.UserRow,
    ledger: _Ledger,
    first: date,
    days: list[date],
    working: set[date],
    now: datetime,
    names: dict[int, str] | None,
) -> MonthReportOut:
    today = local_day(now, ZoneInfo(person.timezone))
    cells: dict[str, dict[date, DayCell]] = {
        kind: plan_rules.day_cells(
            ledger.amounts.get(kind, 0),
            days,
            working,
            ledger.overrides.get(kind, {}),
            {day: ledger.scheduled[(kind, day)] for day in days},
        )
        for kind in PLAN_KINDS
    }
    day_rows = []
    for day in days:
        over = day < today
        kinds: dict[PlanKind, DayKindOut] = {}
        for kind in PLAN_KINDS:
            cell = cells[kind][day]
            fact = ledger.done[(kind, day)]
            kinds[kind] = DayKindOut(
                plan=cell.plan,
                fact=fact,
                share=cell.share,
                scheduled=cell.scheduled,
                override=cell.override,
                under=over and fact < cell.plan,
            )
        day_rows.append(
            DayOut(
                day=day,
                working=day in working,
                edited=any(k.override is not None for k in kinds.values()),
                over=over,
                plan=sum(k.plan for k in kinds.values()),
                fact=sum(k.fact for k in kinds.values()),
                kinds=kinds,
                overdue_tasks=ledger.late_by_day[day],
            )
        )
    totals = []
    for kind in PLAN_KINDS:
        plan = ledger.amounts.get(kind, 0)
        to_date = sum(d.kinds[kind].plan for d in day_rows if d.over)
        fact = sum(ledger.done[(kind, day)] for day in days)
        totals.append(
            KindTotalOut(
                kind=kind,
                plan=plan,
                day_plans=sum(d.kinds[kind].plan for d in day_rows),
                plan_to_date=to_date,
                fact=fact,
                percent=plan_rules.percent(fact, plan),
                pace=plan_rules.pace(fact, plan, to_date),
            )
        )
    capped_fact = sum(min(t.fact, t.plan) for t in totals)
    capped_due = sum(min(t.plan_to_date, t.plan) for t in totals)
    over_working = sum(1 for day in days if day < today and day in working)
    return MonthReportOut(
        user_id=person.id,
        user=person.name,
        month=month_key(first),
        time_zone=person.timezone,
        today=today,
        working_days=len(working),
        has_plan=ledger.has_plan,
        totals=totals,
        fulfilment=plan_rules.fulfilment((t.fact, t.plan) for t in totals),
        pace=plan_rules.pace(capped_fact, sum(t.plan for t in totals), capped_due),
        overdue_tasks=ledger.late,
        days_under=sum(1 for d in day_rows if any(k.under for k in d.kinds.values())),
        days=day_rows,
        clients=[] if names is None else _client_rows(ledger, names, over_working, len(working)),
    )


def _client_rows(
    ledger: _Ledger, names: dict[int, str], working_over: int, working_days: int
) -> list[ClientRowOut]:
    """Planned clients by name, then up to MAX_UNPLANNED_CLIENTS others by the most fact."""
    planned = {c for c, _k in ledger.client_amounts}
    facts: Counter[int] = Counter()
    for (client_id, _kind), count in ledger.by_client.items():
        if client_id not in planned:
            facts[client_id] += count
    others = [c for c, _n in facts.most_common(MAX_UNPLANNED_CLIENTS)]

    def row(client_id: int) -> ClientRowOut:
        kinds: dict[PlanKind, ClientKindOut] = {}
        for kind in PLAN_KINDS:
            plan = ledger.client_amounts.get((client_id, kind), 0)
            fact = ledger.by_client[(client_id, kind)]
            due = plan_rules.prorated(plan, working_over, working_days)
            kinds[kind] = ClientKindOut(
                plan=plan,
                fact=fact,
                percent=plan_rules.percent(fact, plan),
                pace=plan_rules.pace(fact, plan, due),
            )
        return ClientRowOut(
            client_id=client_id,
            client=names.get(client_id, ""),
            planned=client_id in planned,
            kinds=kinds,
        )

    def by_name(client_id: int) -> tuple[str, int]:
        return (names.get(client_id, "").casefold(), client_id)

    return [row(c) for c in sorted(planned, key=by_name)] + [
        row(c) for c in sorted(others, key=by_name)
    ]


async def move_client_targets(uow: UnitOfWork, merged_id: int, kept_id: int) -> None:
    """Plans with a client folded into another now plan with the client kept."""
    await plan_repo.move_client_targets(uow.session, merged_id, kept_id)
