"""Pages of work plans: an employee's month (plan against fact by day, by kind and per
client, with the chart), the team's month, and the forms of the month plan and of a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from kompas_cc.core.actor import STAFF_ROLES, Role
from kompas_cc.core.errors import ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import forms, plan_service
from kompas_cc.organizer.plan_chart import ChartDay, month_chart
from kompas_cc.organizer.plan_schemas import (
    MAX_CLIENT_TARGETS,
    PACE_LABELS,
    PLAN_KIND_LABELS,
    PLAN_KINDS,
    DayOut,
    DayPlanIn,
    DayQuery,
    MonthPlanIn,
    MonthPlanOut,
    MonthReportOut,
    PlanKind,
    PlanQuery,
)
from kompas_cc.organizer.workdays import WorkCalendar
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp.routing import Routes
from kompas_cc.webapp.templates import gettext, render

CALENDAR = web.AppKey("work_calendar", WorkCalendar)
MANAGERS = frozenset({Role.ADMIN, Role.MANAGER})
#: Empty client rows the month form offers below the planned ones.
BLANK_CLIENT_ROWS = 3

routes = Routes(tag="organizer")


def calendar(request: web.Request) -> WorkCalendar:
    return request.app[CALENDAR]


def _labels() -> dict[str, Any]:
    return {
        "plan_kinds": PLAN_KINDS,
        "plan_kind_labels": PLAN_KIND_LABELS,
        "pace_labels": PACE_LABELS,
    }


def _month_links(month: str) -> dict[str, str]:
    first = date(int(month[:4]), int(month[5:7]), 1)
    return {
        "previous": plan_service.month_key(plan_service.shift_month(first, -1)),
        "next": plan_service.month_key(plan_service.shift_month(first, 1)),
    }


def _active_kinds(report: MonthReportOut) -> list[PlanKind]:
    """The kinds the month plans or did; all of them when it has none."""
    active = [t.kind for t in report.totals if t.plan or t.day_plans or t.fact]
    return active or list(PLAN_KINDS)


# -- an employee's month -----------------------------------------------------------------


@routes.get("/organizer/plans", roles=STAFF_ROLES, name="organizer_plans")
async def month_page(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, PlanQuery)
    who = ctx.actor(request)
    async with ctx.uow(request) as uow:
        report = await plan_service.month_report(
            uow, who, query.person, query.month, ctx.now(request), calendar(request)
        )
        people = await plan_service.employees(uow, who)
    kind = query.kind
    points = [
        ChartDay(
            day=d.day,
            plan=d.kinds[kind].plan if kind else d.plan,
            fact=d.kinds[kind].fact if kind else d.fact,
            under=d.kinds[kind].under if kind else any(k.under for k in d.kinds.values()),
            working=d.working,
        )
        for d in report.days
    ]
    first = report.days[0].day
    fact_until = report.today if report.today >= first else None
    context = {
        "report": report,
        "people": people,
        "person": report.user_id,
        "kind": kind,
        "kinds": _active_kinds(report),
        "client_kinds": [
            k
            for k in PLAN_KINDS
            if any(row.kinds[k].plan or row.kinds[k].fact for row in report.clients)
        ],
        "chart": month_chart(points, fact_until),
        "first": first,
        "can_edit": who.role in MANAGERS,
        **_month_links(report.month),
        **_labels(),
    }
    return render(request, "organizer/plan.html", context)


@routes.get("/organizer/plans/team", roles=MANAGERS, name="organizer_plans_team")
async def team_page(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, PlanQuery)
    async with ctx.uow(request) as uow:
        team = await plan_service.team_report(
            uow, ctx.actor(request), query.month, ctx.now(request), calendar(request)
        )
    first = date(int(team.month[:4]), int(team.month[5:7]), 1)
    active = [
        kind
        for kind in PLAN_KINDS
        if any(t.kind == kind and (t.plan or t.fact) for row in team.rows for t in row.totals)
    ]
    context = {
        "team": team,
        "first": first,
        "kinds": active or list(PLAN_KINDS),
        **_month_links(team.month),
        **_labels(),
    }
    return render(request, "organizer/plan_team.html", context)


# -- the month plan form -----------------------------------------------------------------


def _plan_values(plan: MonthPlanOut) -> dict[str, Any]:
    return {
        "targets": {kind: str(getattr(plan.targets, kind) or "") for kind in PLAN_KINDS},
        "clients": [
            {"client_id": c.client_id, "kind": c.kind, "amount": c.amount, "client": c.client}
            for c in plan.clients
        ],
    }


def _posted_plan(form: forms.FormData) -> tuple[dict[str, Any], dict[str, Any], dict[int, int]]:
    """The form as MonthPlanIn data, as values to show again, and which form row each
    client of the data came from (blank rows are left out)."""
    targets = {k: v for k in PLAN_KINDS if (v := forms.text(form, f"targets.{k}"))}
    shown: list[dict[str, Any]] = []
    clients: list[dict[str, Any]] = []
    rows: dict[int, int] = {}
    for n in range(MAX_CLIENT_TARGETS + BLANK_CLIENT_ROWS):
        if f"clients.{n}.client_id" not in form:
            break
        client_id = forms.one_id(form, f"clients.{n}.client_id")
        kind = forms.text(form, f"clients.{n}.kind")
        amount = forms.text(form, f"clients.{n}.amount")
        shown.append({"client_id": client_id or "", "kind": kind, "amount": amount, "client": ""})
        if client_id is None and not amount:
            continue
        rows[len(clients)] = n
        clients.append({"client_id": client_id, "kind": kind, "amount": amount or 0})
    data = {"targets": targets, "clients": clients}
    return data, {"targets": targets, "clients": shown}, rows


def _row_errors(errors: dict[str, str], rows: dict[int, int]) -> dict[str, str]:
    """Errors of "clients.<n>..." named after the form's row instead of the data's."""
    out = {}
    for key, message in errors.items():
        parts = key.split(".")
        if len(parts) > 2 and parts[0] == "clients" and parts[1].isdigit():
            parts[1] = str(rows.get(int(parts[1]), parts[1]))
        out[".".join(parts)] = message
    return out


async def _plan_form(
    request: web.Request,
    plan: MonthPlanOut,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> web.Response:
    first = date(int(plan.month[:4]), int(plan.month[5:7]), 1)
    last = plan_service.month_days(first)[-1]
    context = {
        "plan": plan,
        "values": values,
        "errors": errors,
        "first": first,
        "working_days": len(calendar(request).working_days(first, last)),
        "blank_rows": BLANK_CLIENT_ROWS,
        **_labels(),
    }
    return render(request, "organizer/plan_form.html", context, status=status)


@routes.get("/organizer/plans/edit", roles=MANAGERS, name="organizer_plan_edit")
async def plan_edit(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, PlanQuery)
    async with ctx.uow(request) as uow:
        plan = await plan_service.get_month_plan(
            uow, ctx.actor(request), query.person, query.month, ctx.now(request)
        )
    return await _plan_form(request, plan, _plan_values(plan), {})


@routes.post("/organizer/plans/edit", roles=MANAGERS)
async def plan_save(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, PlanQuery)
    form = await request.post()
    data, shown, rows = _posted_plan(form)
    who, now = ctx.actor(request), ctx.now(request)
    try:
        body = validate_model(MonthPlanIn, data, "The plan")
        async with ctx.uow(request) as uow:
            plan = await plan_service.set_month_plan(uow, who, query.person, query.month, body, now)
    except ValidationFailed as exc:
        async with ctx.uow(request) as uow:
            plan = await plan_service.get_month_plan(uow, who, query.person, query.month, now)
        errors = forms.grouped_errors(_row_errors(exc.fields, rows))
        return await _plan_form(request, plan, shown, errors, status=422)
    ctx.flash(request, gettext(request, "The plan was saved"), "success")
    raise web.HTTPFound(f"/organizer/plans?person={plan.user_id}&month={plan.month}")


# -- a day set by hand -------------------------------------------------------------------


async def _day_form(
    request: web.Request,
    day: DayOut,
    person: int,
    employee: str,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> web.Response:
    context = {
        "day": day,
        "person": person,
        "employee": employee,
        "values": values,
        "errors": errors,
        "month": plan_service.month_key(day.day.replace(day=1)),
        **_labels(),
    }
    return render(request, "organizer/plan_day.html", context, status=status)


@routes.get("/organizer/plans/day", roles=MANAGERS, name="organizer_plan_day")
async def day_edit(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, DayQuery)
    who = ctx.actor(request)
    async with ctx.uow(request) as uow:
        day = await plan_service.get_day_plan(
            uow, who, query.person, query.day, ctx.now(request), calendar(request)
        )
        names = dict(await plan_service.employees(uow, who))
    person = query.person or who.id
    values: dict[str, str] = {
        kind: "" if cell.override is None else str(cell.override)
        for kind, cell in day.kinds.items()
    }
    return await _day_form(request, day, person, names.get(person, ""), values, {})


@routes.post("/organizer/plans/day", roles=MANAGERS)
async def day_save(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, DayQuery)
    form = await request.post()
    values: dict[str, str] = {k: forms.text(form, f"targets.{k}") for k in PLAN_KINDS}
    who, now = ctx.actor(request), ctx.now(request)
    person = query.person or who.id
    try:
        body = validate_model(
            DayPlanIn, {"targets": {k: v for k, v in values.items() if v}}, "The day's plan"
        )
        async with ctx.uow(request) as uow:
            await plan_service.set_day_plan(
                uow, who, person, query.day, body, now, calendar(request)
            )
    except ValidationFailed as exc:
        async with ctx.uow(request) as uow:
            day = await plan_service.get_day_plan(
                uow, who, person, query.day, now, calendar(request)
            )
            names = dict(await plan_service.employees(uow, who))
        employee = names.get(person, "")
        return await _day_form(request, day, person, employee, values, exc.fields, status=422)
    ctx.flash(request, gettext(request, "The day's plan was saved"), "success")
    month = plan_service.month_key(query.day.replace(day=1))
    raise web.HTTPFound(f"/organizer/plans?person={person}&month={month}")
