"""JSON API v1 of work plans: an employee's month plan, their days (plan and fact) and a
day set by hand, the team's month. Admins and managers write; everybody on the staff
reads what the team rule lets them see (operators: their own)."""

from __future__ import annotations

import re
from datetime import date

from aiohttp import web

from kompas_cc.core.actor import STAFF_ROLES
from kompas_cc.core.errors import ValidationFailed
from kompas_cc.organizer import plan_service
from kompas_cc.organizer.plan_handlers import MANAGERS, calendar
from kompas_cc.organizer.plan_schemas import (
    DayOut,
    DayPlanIn,
    MonthPlanIn,
    MonthPlanOut,
    MonthReportOut,
    TeamReportOut,
)
from kompas_cc.organizer.schemas import FIRST_YEAR, LAST_YEAR
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp.routing import Routes, id_param

routes = Routes(tag="organizer")
PLANS = "/api/v1/work-plans"
EMPLOYEE = f"{PLANS}/{id_param('user_id')}"
MSG_DAY = "Give the day as YYYY-MM-DD"


def _user_id(request: web.Request) -> int:
    return int(request.match_info["user_id"])


def _day(request: web.Request) -> date:
    text = request.match_info["day"]
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        day = date.fromisoformat(text)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(text)
    except ValueError:
        raise ValidationFailed("The day has invalid fields", fields={"day": MSG_DAY}) from None
    return day


@routes.get(
    f"{PLANS}/team/{{month}}",
    roles=STAFF_ROLES,
    response=TeamReportOut,
    summary="The team's month: plan against fact of every employee one may look at",
)
async def get_team(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        team = await plan_service.team_report(
            uow,
            ctx.actor(request),
            request.match_info["month"],
            ctx.now(request),
            calendar(request),
        )
    return ctx.json_response(team)


@routes.get(
    f"{EMPLOYEE}/{{month}}",
    roles=STAFF_ROLES,
    response=MonthPlanOut,
    summary="An employee's month plan (month as YYYY-MM)",
)
async def get_plan(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        plan = await plan_service.get_month_plan(
            uow,
            ctx.actor(request),
            _user_id(request),
            request.match_info["month"],
            ctx.now(request),
        )
    return ctx.json_response(plan)


@routes.route(
    "PUT",
    f"{EMPLOYEE}/{{month}}",
    roles=MANAGERS,
    body=MonthPlanIn,
    response=MonthPlanOut,
    summary="Set an employee's month plan: numbers by kind and per client (replaces it)",
)
async def put_plan(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, MonthPlanIn)
    async with ctx.uow(request) as uow:
        plan = await plan_service.set_month_plan(
            uow,
            ctx.actor(request),
            _user_id(request),
            request.match_info["month"],
            body,
            ctx.now(request),
        )
    return ctx.json_response(plan)


@routes.get(
    f"{EMPLOYEE}/{{month}}/days",
    roles=STAFF_ROLES,
    response=MonthReportOut,
    summary="An employee's month day by day: plan, fact, days set by hand, per client",
)
async def get_days(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        report = await plan_service.month_report(
            uow,
            ctx.actor(request),
            _user_id(request),
            request.match_info["month"],
            ctx.now(request),
            calendar(request),
        )
    return ctx.json_response(report)


@routes.route(
    "PUT",
    f"{EMPLOYEE}/days/{{day}}",
    roles=MANAGERS,
    body=DayPlanIn,
    response=DayOut,
    summary="Set a day's plan by hand (day as YYYY-MM-DD; a null kind follows the month)",
)
async def put_day(request: web.Request) -> web.Response:
    day = _day(request)
    body = await ctx.parse_json(request, DayPlanIn)
    async with ctx.uow(request) as uow:
        out = await plan_service.set_day_plan(
            uow,
            ctx.actor(request),
            _user_id(request),
            day,
            body,
            ctx.now(request),
            calendar(request),
        )
    return ctx.json_response(out)
