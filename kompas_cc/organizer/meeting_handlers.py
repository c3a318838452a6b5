"""Pages of meetings: the list, the form, the card with its small forms (status, minutes,
preparation, decisions), the decisions report with its CSV export, and the block on a
task's card that names the meeting whose decision the task carries out.

Dealers take no part in meetings: every route here is for staff only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from aiohttp import web

from kompas_cc.core.actor import STAFF_ROLES
from kompas_cc.core.errors import ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import (
    decisions_report,
    forms,
    meeting_decisions,
    meeting_forms,
    meeting_prep,
    meeting_service,
)
from kompas_cc.organizer.handlers import back_with_error, labels, policy, zone_context
from kompas_cc.organizer.meeting_schemas import (
    DECISION_FILTER_LABELS,
    MEETING_STATUS_LABELS,
    DecisionIn,
    DecisionReportQuery,
    DecisionRow,
    MeetingIn,
    MeetingListQuery,
    MeetingNew,
    MeetingOut,
    MeetingPatch,
    PrepItemIn,
    PrepItemPatch,
)
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp import keys
from kompas_cc.webapp.panels import Panel
from kompas_cc.webapp.routing import Routes, id_param
from kompas_cc.webapp.tables import table_response
from kompas_cc.webapp.templates import formatter, gettext, render

routes = Routes(tag="organizer")
MEETING = "/organizer/meetings/" + id_param("meeting_id")


def meeting_id(request: web.Request) -> int:
    return int(request.match_info["meeting_id"])


def card_url(request: web.Request, anchor: str = "") -> str:
    return f"/organizer/meetings/{meeting_id(request)}" + (f"#{anchor}" if anchor else "")


def meeting_labels() -> dict[str, Any]:
    return {
        **labels(),
        "meeting_status_labels": MEETING_STATUS_LABELS,
        "decision_labels": DECISION_FILTER_LABELS,
    }


# -- the list ----------------------------------------------------------------------------


@routes.get("/organizer/meetings", roles=STAFF_ROLES, name="organizer_meetings")
async def meetings_page(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, MeetingListQuery)
    async with ctx.uow(request) as uow:
        page = await meeting_service.list_meetings(uow, ctx.actor(request), query, ctx.now(request))
        people = await meeting_service.staff_choices(uow)
    filtered = any(
        (query.since, query.until, query.person_id, query.status, query.client_id, query.q)
    )
    context = {
        "page": page,
        "query": query,
        "people": people,
        "filtered": filtered,
        **meeting_labels(),
    }
    return render(request, "organizer/meetings.html", context)


# -- the form ----------------------------------------------------------------------------


def _local(moment: datetime, zone: ZoneInfo) -> tuple[str, str]:
    local = moment.astimezone(zone)
    return local.date().isoformat(), local.strftime("%H:%M")


def form_values(meeting: MeetingOut, zone: ZoneInfo) -> dict[str, Any]:
    start_day, start_time = _local(meeting.starts_at, zone)
    end_day, end_time = _local(meeting.ends_at, zone)
    return {
        "title": meeting.title,
        "start_day": start_day,
        "start_time": start_time,
        "end_day": end_day,
        "end_time": end_time,
        "place": meeting.place or "",
        "link": meeting.link or "",
        "organiser_id": meeting.organiser_id,
        "participant": meeting.participant_ids,
        "client_id": meeting.client_id or "",
        "client_name": meeting.client,
        "status": meeting.status,
        "minutes": meeting.minutes or "",
        "agenda": [{"title": a.title, "speaker_id": a.speaker_id} for a in meeting.agenda],
    }


def posted_values(form: Any) -> dict[str, Any]:
    return {
        "title": forms.text(form, "title"),
        "start_day": forms.text(form, "start_day"),
        "start_time": forms.text(form, "start_time"),
        "end_day": forms.text(form, "end_day"),
        "end_time": forms.text(form, "end_time"),
        "place": forms.text(form, "place"),
        "link": forms.text(form, "link"),
        "organiser_id": forms.text(form, "organiser_id"),
        "participant": forms.ids(form, "participant"),
        "client_id": forms.text(form, "client_id"),
        "client_name": None,
        "status": forms.text(form, "status") or "planned",
        "minutes": forms.text(form, "minutes"),
        "agenda": meeting_forms.agenda_rows(form),
    }


async def _meeting_form(
    request: web.Request,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    editing: int | None,
    status: int = 200,
) -> web.Response:
    async with ctx.uow(request) as uow:
        users = await meeting_service.staff_choices(uow)
        client = str(values.get("client_id") or "")
        if values.get("client_name") is None and client.isdigit() and len(client) < 10:
            values["client_name"] = await meeting_service.client_name(
                uow, ctx.actor(request), policy(request), int(client)
            )
    rows = (
        list(values["agenda"])
        + [{"title": "", "speaker_id": None}] * meeting_forms.BLANK_AGENDA_ROWS
    )
    context = {
        "values": values,
        "agenda_rows": rows,
        "errors": forms.grouped_errors(errors),
        "meeting_id": editing,
        "users": users,
        **meeting_labels(),
    }
    return render(request, "organizer/meeting_form.html", context, status=status)


@routes.get("/organizer/meetings/new", roles=STAFF_ROLES, name="organizer_meeting_new")
async def meeting_new(request: web.Request) -> web.Response:
    who = ctx.actor(request)
    client = request.query.get("client_id", "")
    values: dict[str, Any] = {
        "title": "",
        "start_day": "",
        "start_time": "",
        "end_day": "",
        "end_time": "",
        "place": "",
        "link": "",
        "organiser_id": who.id,
        "participant": [],
        "client_id": client if client.isdigit() and len(client) < 10 else "",
        "client_name": None,
        "status": "planned",
        "minutes": "",
        "agenda": [],
    }
    return await _meeting_form(request, values, {}, editing=None)


@routes.post("/organizer/meetings/new", roles=STAFF_ROLES)
async def meeting_create(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        data = validate_model(
            MeetingNew, meeting_forms.meeting_data(form), "The meeting", zone_context(request)
        )
        async with ctx.uow(request) as uow:
            meeting = await meeting_service.create_meeting(
                uow, ctx.actor(request), policy(request), data, ctx.now(request)
            )
    except ValidationFailed as exc:
        values = posted_values(form)
        return await _meeting_form(request, values, exc.fields, editing=None, status=422)
    ctx.flash(request, gettext(request, "The meeting was set up"), "success")
    raise web.HTTPFound(f"/organizer/meetings/{meeting.id}")


@routes.get(MEETING + "/edit", roles=STAFF_ROLES, name="organizer_meeting_edit")
async def meeting_edit(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        meeting = await meeting_service.meeting_to_edit(
            uow, ctx.actor(request), meeting_id(request), ctx.now(request)
        )
    values = form_values(meeting, ZoneInfo(ctx.actor(request).timezone))
    return await _meeting_form(request, values, {}, editing=meeting.id)


@routes.post(MEETING + "/edit", roles=STAFF_ROLES)
async def meeting_update(request: web.Request) -> web.Response:
    form = await request.post()
    mid = meeting_id(request)
    try:
        data = validate_model(
            MeetingIn, meeting_forms.meeting_data(form), "The meeting", zone_context(request)
        )
        async with ctx.uow(request) as uow:
            await meeting_service.update_meeting(
                uow, ctx.actor(request), policy(request), mid, data, ctx.now(request)
            )
    except ValidationFailed as exc:
        values = posted_values(form)
        return await _meeting_form(request, values, exc.fields, editing=mid, status=422)
    ctx.flash(request, gettext(request, "The meeting was saved"), "success")
    raise web.HTTPFound(card_url(request))


# -- the card ----------------------------------------------------------------------------


@routes.get(MEETING, roles=STAFF_ROLES, name="organizer_meeting")
async def meeting_card(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        view = await meeting_service.meeting_view(
            uow, ctx.actor(request), meeting_id(request), ctx.now(request)
        )
        users = await meeting_service.staff_choices(uow) if view.may_edit else []
    attending = {view.meeting.organiser_id, *view.meeting.participant_ids}
    context = {
        "view": view,
        "meeting": view.meeting,
        "users": users,
        "attendees": [(u, name) for u, name in users if u in attending],
        **meeting_labels(),
    }
    return render(request, "organizer/meeting.html", context)


async def _patch(request: web.Request, patch: MeetingPatch, anchor: str, done: str) -> NoReturn:
    """Change some fields from a small form of the card, then back to the card."""
    try:
        async with ctx.uow(request) as uow:
            await meeting_service.patch_meeting(
                uow,
                ctx.actor(request),
                policy(request),
                meeting_id(request),
                patch,
                ctx.now(request),
            )
    except ValidationFailed as exc:
        back_with_error(request, exc, card_url(request, anchor))
    ctx.flash(request, gettext(request, done), "success")
    raise web.HTTPFound(card_url(request, anchor))


@routes.post(MEETING + "/status", roles=STAFF_ROLES, name="organizer_meeting_status")
async def meeting_status(request: web.Request) -> web.Response:
    form = await request.post()
    value = forms.text(form, "status")
    patch = validate_model(MeetingPatch, {"status": value}, "The meeting")
    await _patch(request, patch, "", "The status was changed")


@routes.post(MEETING + "/minutes", roles=STAFF_ROLES, name="organizer_meeting_minutes")
async def meeting_minutes(request: web.Request) -> web.Response:
    form = await request.post()
    patch = validate_model(
        MeetingPatch, {"minutes": forms.text(form, "minutes") or None}, "The meeting"
    )
    await _patch(request, patch, "minutes", "The minutes were saved")


@routes.post(MEETING + "/delete", roles=STAFF_ROLES, name="organizer_meeting_delete")
async def meeting_delete(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await meeting_service.delete_meeting(
            uow, ctx.actor(request), policy(request), meeting_id(request)
        )
    ctx.flash(request, gettext(request, "The meeting was deleted"), "success")
    raise web.HTTPFound("/organizer/meetings")


# -- preparation -------------------------------------------------------------------------

PREP_ITEM = MEETING + "/preparation/" + id_param("item_id")


@routes.post(MEETING + "/preparation", roles=STAFF_ROLES, name="organizer_meeting_prep_add")
async def prep_add(request: web.Request) -> web.Response:
    form = await request.post()
    back = card_url(request, "preparation")
    try:
        data = validate_model(
            PrepItemIn, meeting_forms.prep_item_data(form), "The item", zone_context(request)
        )
        async with ctx.uow(request) as uow:
            await meeting_prep.add_prep_item(
                uow, ctx.actor(request), meeting_id(request), data, ctx.now(request)
            )
    except ValidationFailed as exc:
        back_with_error(request, exc, back)
    raise web.HTTPFound(back)


@routes.post(PREP_ITEM, roles=STAFF_ROLES, name="organizer_meeting_prep_tick")
async def prep_tick(request: web.Request) -> web.Response:
    form = await request.post()
    async with ctx.uow(request) as uow:
        await meeting_prep.update_prep_item(
            uow,
            ctx.actor(request),
            meeting_id(request),
            int(request.match_info["item_id"]),
            PrepItemPatch(done=form.get("done") == "on"),
            ctx.now(request),
        )
    raise web.HTTPFound(card_url(request, "preparation"))


@routes.post(PREP_ITEM + "/delete", roles=STAFF_ROLES, name="organizer_meeting_prep_delete")
async def prep_delete(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await meeting_prep.delete_prep_item(
            uow,
            ctx.actor(request),
            meeting_id(request),
            int(request.match_info["item_id"]),
            ctx.now(request),
        )
    raise web.HTTPFound(card_url(request, "preparation"))


# -- decisions ---------------------------------------------------------------------------

DECISION = MEETING + "/decisions/" + id_param("decision_id")


@routes.post(MEETING + "/decisions", roles=STAFF_ROLES, name="organizer_meeting_decision_add")
async def decision_add(request: web.Request) -> web.Response:
    form = await request.post()
    back = card_url(request, "decisions")
    try:
        data = validate_model(DecisionIn, meeting_forms.decision_data(form), "The decision")
        async with ctx.uow(request) as uow:
            await meeting_decisions.record_decision(
                uow,
                ctx.actor(request),
                policy(request),
                meeting_id(request),
                data,
                ctx.now(request),
            )
    except ValidationFailed as exc:
        back_with_error(request, exc, back)
    ctx.flash(request, gettext(request, "The decision was recorded and its task set"), "success")
    raise web.HTTPFound(back)


@routes.post(DECISION, roles=STAFF_ROLES, name="organizer_meeting_decision")
async def decision_change(request: web.Request) -> web.Response:
    form = await request.post()
    back = card_url(request, "decisions")
    try:
        data = validate_model(DecisionIn, meeting_forms.decision_data(form), "The decision")
        async with ctx.uow(request) as uow:
            await meeting_decisions.change_decision(
                uow,
                ctx.actor(request),
                policy(request),
                meeting_id(request),
                int(request.match_info["decision_id"]),
                data,
                ctx.now(request),
            )
    except ValidationFailed as exc:
        back_with_error(request, exc, back)
    ctx.flash(request, gettext(request, "The decision was saved"), "success")
    raise web.HTTPFound(back)


@routes.post(DECISION + "/delete", roles=STAFF_ROLES, name="organizer_meeting_decision_delete")
async def decision_delete(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await meeting_decisions.delete_decision(
            uow,
            ctx.actor(request),
            policy(request),
            meeting_id(request),
            int(request.match_info["decision_id"]),
            ctx.now(request),
        )
    ctx.flash(request, gettext(request, "The decision was deleted with its task"), "success")
    raise web.HTTPFound(card_url(request, "decisions"))


# -- the decisions report ----------------------------------------------------------------


@routes.get("/organizer/decisions", roles=STAFF_ROLES, name="organizer_decisions")
async def decisions_page(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, DecisionReportQuery)
    async with ctx.uow(request) as uow:
        report = await decisions_report.decisions_report(
            uow, ctx.actor(request), query, ctx.now(request)
        )
        people = await meeting_service.staff_choices(uow)
    filtered = any((query.since, query.until, query.responsible_id, query.status))
    export = "/organizer/decisions.csv" + (
        "?" + request.query_string if request.query_string else ""
    )
    context = {
        "report": report,
        "query": query,
        "people": people,
        "filtered": filtered,
        "export": export,
        **meeting_labels(),
    }
    return render(request, "organizer/decisions.html", context)


def _state_label(request: web.Request, row: DecisionRow) -> str:
    if row.state == "open":
        key = "Overdue" if row.late else DECISION_FILTER_LABELS["open"]
    elif row.state == "done":
        key = "Fulfilled late" if row.late else DECISION_FILTER_LABELS["done"]
    else:
        key = DECISION_FILTER_LABELS["cancelled"]
    return gettext(request, key)


@routes.get("/organizer/decisions.csv", roles=STAFF_ROLES, name="organizer_decisions_csv")
async def decisions_export(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, DecisionReportQuery)
    async with ctx.uow(request) as uow:
        rows = await decisions_report.report_rows(uow, ctx.actor(request), query, ctx.now(request))
    fmt = formatter(request)
    base = f"{request.scheme}://{request.host}"
    columns = [gettext(request, c) for c in decisions_report.REPORT_COLUMNS]
    cells = [
        [
            r.meeting,
            fmt.datetime(r.meeting_at),
            r.text,
            r.responsible,
            fmt.date(r.deadline),
            _state_label(request, r),
            r.days_late or "",
            fmt.datetime(r.done_at) if r.done_at else "",
            f"{base}/organizer/tasks/{r.task_id}" if r.task_id else "",
        ]
        for r in rows
    ]
    name = f"decisions-{ctx.now(request).date().isoformat()}"
    return table_response(name, columns, cells, "csv")


# -- the block on a task's card ---------------------------------------------------------


async def task_card_panel(request: web.Request, params: dict[str, Any]) -> Panel | None:
    who = ctx.actor(request)
    if who.role not in STAFF_ROLES:
        return None
    async with ctx.uow(request) as uow:
        link = await meeting_service.decision_of_task(uow, who, int(params["task_id"]))
    if link is None:
        return None
    return Panel("organizer/_meeting_task_panel.html", {"link": link})


def register_panels(app: web.Application) -> None:
    app[keys.PANELS].register("task_card", task_card_panel)
