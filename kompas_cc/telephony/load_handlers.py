"""The line-load page: charts of trunk load and queue service, and its CSV export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from kompas_cc.core.actor import Role
from kompas_cc.core.errors import ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.telephony import load_report
from kompas_cc.telephony.display import format_duration
from kompas_cc.telephony.load_schemas import ConcurrencyPoint, LineLoadOut, LineLoadQuery
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp import keys
from kompas_cc.webapp.routing import Routes
from kompas_cc.webapp.tables import table_response
from kompas_cc.webapp.templates import formatter, gettext, render

routes = Routes(tag="telephony")
MANAGERS = {Role.ADMIN, Role.MANAGER}
FIELDS = ("since", "until", "trunk", "answer_within_s")
MSG_DAY = "Enter a day as DD.MM.YYYY"
#: The concurrency chart's drawing box (SVG user units).
CHART_W, CHART_H = 960, 180
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    day, _, rest = value.partition(".")
    month, _, year = rest.partition(".")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        pass
    raise ValidationFailed("The report's period has invalid fields", fields={field: MSG_DAY})


def _query(request: web.Request, typed: dict[str, str]) -> LineLoadQuery:
    """Days typed in the user's zone; the "to" day is included."""
    zone = ZoneInfo(ctx.actor(request).timezone)
    data: dict[str, Any] = {}
    if typed["since"]:
        start = datetime.combine(_day(typed["since"], "since"), time.min, tzinfo=zone)
        data["since"] = start.astimezone(UTC)
    if typed["until"]:
        end = datetime.combine(_day(typed["until"], "until"), time.min, tzinfo=zone)
        data["until"] = (end + timedelta(days=1)).astimezone(UTC)
    for key in ("trunk", "answer_within_s"):
        if typed[key]:
            data[key] = typed[key]
    return validate_model(LineLoadQuery, data, "The report's period")


async def _report(request: web.Request, query: LineLoadQuery) -> LineLoadOut:
    actor = ctx.actor(request)
    settings = request.app[keys.SETTINGS]
    async with ctx.uow(request) as uow:
        return await load_report.line_load(
            uow, actor, query, settings.trunks, actor.timezone, ctx.now(request)
        )


def step_path(points: Sequence[ConcurrencyPoint], since: datetime, until: datetime) -> str:
    """An SVG path of the busy lines over the period, scaled to CHART_W x CHART_H."""
    span = (until - since).total_seconds()
    top = max((p.channels for p in points), default=0)
    if span <= 0 or top == 0:
        return f"M0 {CHART_H} H{CHART_W}"

    def x(moment: datetime) -> float:
        return round(min(max((moment - since).total_seconds() / span, 0), 1) * CHART_W, 1)

    def y(channels: int) -> float:
        return round(CHART_H - channels / top * CHART_H, 1)

    path = [f"M0 {CHART_H}"]
    for point in points:
        path.append(f"H{x(point.at)} V{y(point.channels)}")
    path.append(f"H{CHART_W}")
    return " ".join(path)


@routes.get("/telephony/line-load", roles=MANAGERS, name="line_load")
async def line_load_page(request: web.Request) -> web.Response:
    typed = {name: request.query.get(name, "").strip() for name in FIELDS}
    report, errors = None, {}
    try:
        report = await _report(request, _query(request, typed))
    except ValidationFailed as exc:
        errors = exc.fields
    top = max((max(row) for row in report.heatmap), default=0.0) if report else 0.0
    context = {
        "report": report,
        "typed": typed,
        "errors": errors,
        "trunks": [t.pattern for t in request.app[keys.SETTINGS].trunks],
        "heat_top": top,
        "weekdays": [gettext(request, day) for day in WEEKDAYS],
        "chart": {"w": CHART_W, "h": CHART_H},
        "path": step_path(report.concurrency, report.since, report.until) if report else "",
        "duration": format_duration,
    }
    return render(request, "telephony/line_load.html", context, status=422 if errors else 200)


@routes.get("/telephony/line-load.csv", roles=MANAGERS, name="line_load_csv")
async def line_load_csv(request: web.Request) -> web.Response:
    typed = {name: request.query.get(name, "").strip() for name in FIELDS}
    report = await _report(request, _query(request, typed))
    fmt = formatter(request)
    columns = [
        gettext(request, "Hour"),
        gettext(request, "Attempts"),
        gettext(request, "Answered"),
        gettext(request, "ASR, %"),
        gettext(request, "ACD"),
        gettext(request, "Traffic, Erl"),
        gettext(request, "Max lines busy"),
    ]
    rows = (
        [
            fmt.datetime(hour.start),
            hour.attempts,
            hour.answered,
            "" if hour.asr is None else round(hour.asr * 100, 1),
            "" if hour.acd_seconds is None else format_duration(round(hour.acd_seconds)),
            hour.traffic_erlangs,
            hour.max_concurrent,
        ]
        for hour in report.hourly
    )
    return table_response("line-load", columns, rows, "csv")
