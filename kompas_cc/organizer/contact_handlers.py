"""Pages of contacts with clients: the list, the card, the form, and completing a planned
contact with its result (and the next contact planned in the same form)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from kompas_cc.core.actor import ALL_ROLES, STAFF_ROLES
from kompas_cc.core.errors import ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import agenda, contacts, forms, reminder_service, service
from kompas_cc.organizer.handlers import (
    back_with_error,
    form_people,
    labels,
    policy,
    zone_context,
)
from kompas_cc.organizer.schemas import (
    CONTACT_KIND_LABELS,
    CONTACT_STATE_LABELS,
    CompleteIn,
    ContactIn,
    ContactListQuery,
    ContactOut,
    ReminderIn,
)
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp.routing import Routes, id_param
from kompas_cc.webapp.templates import gettext, render

routes = Routes(tag="organizer")
CONTACT = "/organizer/contacts/" + id_param("contact_id")


def contact_id(request: web.Request) -> int:
    return int(request.match_info["contact_id"])


def _labels() -> dict[str, Any]:
    return {**labels(), "state_labels": CONTACT_STATE_LABELS}


@routes.get("/organizer/contacts", roles=ALL_ROLES, name="organizer_contacts")
async def contacts_page(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, ContactListQuery)
    who = ctx.actor(request)
    async with ctx.uow(request) as uow:
        page = await contacts.list_contacts(uow, who, policy(request), query, ctx.now(request))
        people = await agenda.people_choices(uow, who)
    filtered = any(
        (query.client_id, query.user_id, query.state, query.kind, query.since, query.until)
    )
    context = {"page": page, "query": query, "people": people, "filtered": filtered, **_labels()}
    return render(request, "organizer/contacts.html", context)


@routes.get(CONTACT, roles=ALL_ROLES, name="organizer_contact")
async def contact_card(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        view = await contacts.contact_view(
            uow, ctx.actor(request), policy(request), contact_id(request), ctx.now(request)
        )
    context = {"view": view, "contact": view.contact, **_labels()}
    return render(request, "organizer/contact.html", context)


# -- the form ----------------------------------------------------------------------------


def _local(moment: datetime | None, zone: ZoneInfo) -> tuple[str, str]:
    if moment is None:
        return "", ""
    local = moment.astimezone(zone)
    return local.date().isoformat(), local.strftime("%H:%M")


def form_values(contact: ContactOut, zone: ZoneInfo) -> dict[str, Any]:
    planned_day, planned_time = _local(contact.planned_at, zone)
    done_day, done_time = _local(contact.done_at, zone)
    return {
        "client_id": contact.client_id,
        "client_name": contact.client,
        "kind": contact.kind,
        "state": contact.state,
        "subject": contact.subject,
        "notes": contact.notes or "",
        "result": contact.result or "",
        "user_id": contact.user_id,
        "planned_day": planned_day,
        "planned_time": planned_time,
        "done_day": done_day,
        "done_time": done_time,
        "remind": [r.before_seconds for r in contact.reminders if r.before_seconds is not None],
        "remind_at": [r.at.isoformat() for r in contact.reminders if r.at is not None],
    }


def posted_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: forms.text(form, key)
        for key in (
            "client_id", "kind", "state", "subject", "notes", "result", "user_id", "planned_day",
            "planned_time", "done_day", "done_time", "remind_amount", "remind_unit",
        )
    }  # fmt: skip
    values["client_name"] = None
    values["remind"] = forms.ids(form, "remind")
    values["remind_at"] = [str(v) for v in form.getall("remind_at", [])]
    return values


async def _contact_form(
    request: web.Request,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    editing: int | None,
    status: int = 200,
) -> web.Response:
    users = await form_people(request, values)
    context = {
        "values": values,
        "errors": forms.grouped_errors(errors),
        "contact_id": editing,
        "users": users,
        **_labels(),
    }
    return render(request, "organizer/contact_form.html", context, status=status)


@routes.get("/organizer/contacts/new", roles=STAFF_ROLES, name="organizer_contact_new")
async def contact_new(request: web.Request) -> web.Response:
    client = request.query.get("client_id", "")
    state = request.query.get("state", "planned")
    kind = request.query.get("kind", "call")
    values: dict[str, Any] = {
        "client_id": client if client.isdigit() and len(client) < 10 else "",
        "client_name": None,
        "kind": kind if kind in CONTACT_KIND_LABELS else "call",
        "state": state if state in CONTACT_STATE_LABELS else "planned",
        "subject": "",
        "notes": "",
        "result": "",
        "user_id": ctx.actor(request).id,
        "planned_day": "",
        "planned_time": "",
        "done_day": "",
        "done_time": "",
        "remind": [],
        "remind_at": [],
    }
    return await _contact_form(request, values, {}, editing=None)


@routes.post("/organizer/contacts/new", roles=STAFF_ROLES)
async def contact_create(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        data = validate_model(
            ContactIn, forms.contact_data(form), "The contact", zone_context(request)
        )
        async with ctx.uow(request) as uow:
            contact = await contacts.create_contact(
                uow, ctx.actor(request), policy(request), data, ctx.now(request)
            )
    except ValidationFailed as exc:
        values = posted_values(form)
        return await _contact_form(request, values, exc.fields, editing=None, status=422)
    ctx.flash(request, gettext(request, "The contact was saved"), "success")
    raise web.HTTPFound(f"/organizer/contacts/{contact.id}")


@routes.get(CONTACT + "/edit", roles=ALL_ROLES, name="organizer_contact_edit")
async def contact_edit(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        contact = await contacts.get_contact(
            uow, ctx.actor(request), policy(request), contact_id(request), ctx.now(request)
        )
    values = form_values(contact, ZoneInfo(ctx.actor(request).timezone))
    return await _contact_form(request, values, {}, editing=contact.id)


@routes.post(CONTACT + "/edit", roles=ALL_ROLES)
async def contact_update(request: web.Request) -> web.Response:
    form = await request.post()
    cid = contact_id(request)
    try:
        data = validate_model(
            ContactIn, forms.contact_data(form), "The contact", zone_context(request)
        )
        async with ctx.uow(request) as uow:
            await contacts.update_contact(
                uow, ctx.actor(request), policy(request), cid, data, ctx.now(request)
            )
    except ValidationFailed as exc:
        values = posted_values(form)
        return await _contact_form(request, values, exc.fields, editing=cid, status=422)
    ctx.flash(request, gettext(request, "The contact was saved"), "success")
    raise web.HTTPFound(f"/organizer/contacts/{cid}")


# -- completing --------------------------------------------------------------------------


async def _complete_form(
    request: web.Request, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> web.Response:
    async with ctx.uow(request) as uow:
        view = await contacts.contact_view(
            uow, ctx.actor(request), policy(request), contact_id(request), ctx.now(request)
        )
        users = await service.user_choices(uow)
    context = {
        "contact": view.contact,
        "values": values,
        "errors": forms.grouped_errors(errors),
        "users": users,
        **_labels(),
    }
    return render(request, "organizer/contact_complete.html", context, status=status)


@routes.get(CONTACT + "/complete", roles=ALL_ROLES, name="organizer_contact_complete")
async def contact_complete_form(request: web.Request) -> web.Response:
    zone = ZoneInfo(ctx.actor(request).timezone)
    done_day, done_time = _local(ctx.now(request), zone)
    values = {
        "result": "",
        "done_day": done_day,
        "done_time": done_time,
        "next_kind": "call",
        "next_day": "",
        "next_time": "",
        "next_subject": "",
        "next_user_id": "",
    }
    return await _complete_form(request, values, {})


@routes.post(CONTACT + "/complete", roles=ALL_ROLES)
async def contact_complete(request: web.Request) -> web.Response:
    form = await request.post()
    cid = contact_id(request)
    try:
        data = validate_model(
            CompleteIn, forms.complete_data(form), "The contact", zone_context(request)
        )
        async with ctx.uow(request) as uow:
            done = await contacts.complete_contact(
                uow, ctx.actor(request), policy(request), cid, data, ctx.now(request)
            )
    except ValidationFailed as exc:
        values = {
            key: forms.text(form, key)
            for key in (
                "result", "done_day", "done_time", "next_kind", "next_day", "next_time",
                "next_subject", "next_user_id",
            )
        }  # fmt: skip
        return await _complete_form(request, values, exc.fields, status=422)
    ctx.flash(request, gettext(request, "The contact was completed"), "success")
    if done.next_id is not None:
        ctx.flash(request, gettext(request, "The next contact was planned"), "info")
        raise web.HTTPFound(f"/organizer/contacts/{done.next_id}")
    raise web.HTTPFound(f"/organizer/contacts/{cid}")


@routes.post(CONTACT + "/delete", roles=ALL_ROLES, name="organizer_contact_delete")
async def contact_delete(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await contacts.delete_contact(uow, ctx.actor(request), policy(request), contact_id(request))
    ctx.flash(request, gettext(request, "The contact was deleted"), "success")
    raise web.HTTPFound("/organizer/contacts")


@routes.post(CONTACT + "/reminders", roles=ALL_ROLES, name="organizer_contact_reminder")
async def contact_reminder_add(request: web.Request) -> web.Response:
    form = await request.post()
    cid = contact_id(request)
    try:
        wanted = forms.reminders(form)
        if len(wanted) != 1:
            raise ValidationFailed(
                "Choose one reminder", fields={"reminders": "Choose one reminder"}
            )
        data = validate_model(ReminderIn, wanted[0], "The reminder", zone_context(request))
        async with ctx.uow(request) as uow:
            await reminder_service.add_contact_reminder(
                uow, ctx.actor(request), policy(request), cid, data, ctx.now(request)
            )
    except ValidationFailed as exc:
        back_with_error(request, exc, f"/organizer/contacts/{cid}#reminders")
    ctx.flash(request, gettext(request, "The reminder was added"), "success")
    raise web.HTTPFound(f"/organizer/contacts/{cid}#reminders")
