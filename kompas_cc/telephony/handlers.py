"""Pages of the call log: the filtered list, one call, and the list's CSV and XLSX exports."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web

from kompas_cc.clients.handlers import POLICY
from kompas_cc.core.actor import STAFF_ROLES
from kompas_cc.core.errors import KompasError, ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.telephony import originate, service
from kompas_cc.telephony.display import format_duration, format_party
from kompas_cc.telephony.originate_schemas import OriginateIn
from kompas_cc.telephony.schemas import DIRECTIONS, DISPOSITIONS, CallListQuery, CallOut
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp import keys
from kompas_cc.webapp.routing import Routes, id_param
from kompas_cc.webapp.tables import TableFormat, table_response
from kompas_cc.webapp.templates import formatter, gettext, render

routes = Routes(tag="telephony")
CALL_ID = id_param("call_id")

DIRECTION_LABELS = {"inbound": "Inbound", "outbound": "Outbound", "internal": "Internal"}
DISPOSITION_LABELS = {
    "answered": "Answered",
    "no_answer": "No answer",
    "busy": "Busy",
    "abandoned": "Abandoned",
    "failed": "Failed",
}
TRANSFER_LABELS = {"blind": "Blind transfer", "attended": "Attended transfer"}
#: Export columns, English source text translated per request.
CALL_EXPORT_COLUMNS = (
    "ID", "Start", "Direction", "Result", "Caller", "Called party", "Queue", "Extension",
    "Operator", "Client", "Ringing", "Waiting", "Talk", "Hold", "Voicemail", "Incomplete",
)  # fmt: skip
#: The query parameters of the page's filter form, as typed.
FILTER_FIELDS = ("since", "until", "direction", "disposition", "extension", "client_id")
MSG_DATE_NEEDED = "A date is needed here"
MSG_DIALLING = "Your phone is ringing: pick it up to call %(number)s"


def extension_of(call: CallOut) -> str | None:
    """Our side of the call: the extension that answered, else the one that dialled."""
    if call.answered_by:
        return call.answered_by
    return call.caller if call.direction != "inbound" else None


def _day_start(value: str, zone: ZoneInfo, field: str, *, next_day: bool = False) -> datetime:
    """Midnight (in the user's zone) at the start of a typed day, or of the day after."""
    try:
        day = date.fromisoformat(value)
        if next_day:
            day += timedelta(days=1)
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationFailed(
            "The call filter has invalid fields", fields={field: MSG_DATE_NEEDED}
        ) from None


def _typed(request: web.Request) -> dict[str, str]:
    return {name: request.query.get(name, "").strip() for name in FILTER_FIELDS}


def _query(request: web.Request, typed: dict[str, str]) -> CallListQuery:
    """The filters as typed into the form: days in the user's zone, the "to" day included."""
    zone = ZoneInfo(ctx.actor(request).timezone)
    data: dict[str, Any] = {
        key: value for key, value in typed.items() if value and key not in ("since", "until")
    }
    for key in ("page", "per_page"):
        if request.query.get(key, "").strip():
            data[key] = request.query[key].strip()
    if typed["since"]:
        data["since"] = _day_start(typed["since"], zone, "since")
    if typed["until"]:
        data["until"] = _day_start(typed["until"], zone, "until", next_day=True)
    return validate_model(CallListQuery, data, "The call filter")


def _labels(request: web.Request) -> dict[str, Any]:
    region = request.app[POLICY].region
    zone = formatter(request).zone
    return {
        "seconds": lambda moment: moment.astimezone(zone).strftime("%H:%M:%S"),
        "directions": {k: gettext(request, v) for k, v in DIRECTION_LABELS.items()},
        "dispositions": {k: gettext(request, v) for k, v in DISPOSITION_LABELS.items()},
        "transfer_kinds": {k: gettext(request, v) for k, v in TRANSFER_LABELS.items()},
        "party": lambda value: format_party(value, region),
        "duration": format_duration,
        "extension_of": extension_of,
    }


@routes.get("/calls", roles=STAFF_ROLES, name="calls")
async def calls_page(request: web.Request) -> web.Response:
    """The log; filters that do not parse are shown back with their errors."""
    typed = _typed(request)
    who, policy = ctx.actor(request), request.app[POLICY]
    page, names, errors = None, service.CallNames({}, {}), {}
    try:
        query = _query(request, typed)
    except ValidationFailed as exc:
        query, errors = None, exc.fields
    if query is not None:
        async with ctx.uow(request) as uow:
            page = await service.list_calls(uow, who, policy, query)
            names = await service.call_names(uow, who, policy, page.items)
    context = {
        "log": page,
        "names": names,
        "typed": typed,
        "errors": errors,
        "direction_choices": DIRECTIONS,
        "disposition_choices": DISPOSITIONS,
        **_labels(request),
    }
    return render(request, "telephony/calls.html", context, status=422 if errors else 200)


@routes.get(f"/calls/{CALL_ID}", roles=STAFF_ROLES, name="call")
async def call_page(request: web.Request) -> web.Response:
    who, policy = ctx.actor(request), request.app[POLICY]
    async with ctx.uow(request) as uow:
        call = await service.get_call(uow, who, policy, int(request.match_info["call_id"]))
        names = await service.call_names(uow, who, policy, [call])
    context = {"call": call, "names": names, **_labels(request)}
    return render(request, "telephony/call.html", context)


async def _export(request: web.Request, fmt: TableFormat) -> web.Response:
    query = _query(request, _typed(request))
    who, policy = ctx.actor(request), request.app[POLICY]
    async with ctx.uow(request) as uow:
        page = await service.export_calls(uow, who, policy, query)
        names = await service.call_names(uow, who, policy, page.items)
    formats = formatter(request)

    def _(text: str) -> str:
        return gettext(request, text)

    def cells(call: CallOut) -> list[Any]:
        started: Any = formats.datetime(call.started_at)
        if fmt == "xlsx":  # a real date cell; Excel has no time zones, so the user's local time
            started = call.started_at.astimezone(formats.zone).replace(tzinfo=None)
        operator = names.operators.get(call.operator_id) if call.operator_id else None
        client = names.clients.get(call.client_id) if call.client_id else None
        return [
            call.id,
            started,
            _(DIRECTION_LABELS[call.direction]),
            _(DISPOSITION_LABELS[call.disposition]),
            call.caller,
            call.callee,
            call.queue,
            extension_of(call),
            operator,
            client,
            format_duration(call.ring_seconds),
            format_duration(call.wait_seconds),
            format_duration(call.talk_seconds),
            format_duration(call.hold_seconds),
            _("Yes") if call.voicemail else _("No"),
            _("Yes") if call.incomplete else _("No"),
        ]

    columns = [_(c) for c in CALL_EXPORT_COLUMNS]
    name = f"calls-{ctx.now(request).date().isoformat()}"
    return table_response(name, columns, (cells(c) for c in page.items), fmt)


@routes.get("/calls/export.csv", roles=STAFF_ROLES, name="calls_export_csv")
async def export_csv(request: web.Request) -> web.Response:
    return await _export(request, "csv")


@routes.get("/calls/export.xlsx", roles=STAFF_ROLES, name="calls_export_xlsx")
async def export_xlsx(request: web.Request) -> web.Response:
    return await _export(request, "xlsx")


def _local_path(value: str) -> str:
    """Where a form may send the user back to: a path of this site, never another site."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/calls"
    return value


@routes.post("/calls/dial", roles=STAFF_ROLES, name="calls_dial")
async def dial(request: web.Request) -> web.Response:
    """The "Call" button beside a phone number: rings the user's own phone, then dials the
    number from it; back to the page the button was on, with the outcome shown there."""
    form = await request.post()
    back = _local_path(str(form.get("back", "")))
    settings = request.app[keys.SETTINGS]
    try:
        data = validate_model(
            OriginateIn,
            {"number": str(form.get("number", ""))},
            "The call",
            {"region": settings.default_region},
        )
        placed = await originate.click_to_call(
            request.app[keys.UOW],
            ctx.actor(request),
            request.app.get(keys.AMI),
            data,
            context=settings.originate_context,
        )
    except KompasError as exc:
        details = "; ".join(gettext(request, m) for m in exc.fields.values())
        message = gettext(request, exc.message) + (f": {details}" if details else "")
        ctx.flash(request, message, "error")
        raise web.HTTPFound(back) from None
    number = formatter(request).phone(placed.number)
    ctx.flash(request, gettext(request, MSG_DIALLING, number=number), "success")
    raise web.HTTPFound(back)
