"""Pages of tasks (the list, the card, the form and the card's small forms), the
organizer's settings, and its panels on the client card and the profile page. The
calendar pages and the feed are in calendar_handlers.py, contacts in contact_handlers.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from aiohttp import web

from kompas_cc.core.actor import ALL_ROLES, STAFF_ROLES
from kompas_cc.core.errors import KompasError, ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import (
    agenda,
    checklist,
    contacts,
    feeds,
    forms,
    reminder_service,
    service,
)
from kompas_cc.organizer.access import OrganizerPolicy
from kompas_cc.organizer.schemas import (
    CONTACT_KIND_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    ChecklistItemIn,
    ChecklistItemPatch,
    CommentIn,
    DefaultRemindersIn,
    ReminderIn,
    TaskIn,
    TaskListQuery,
    TaskOut,
)
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp import keys
from kompas_cc.webapp.panels import Panel
from kompas_cc.webapp.routing import Routes, id_param
from kompas_cc.webapp.templates import gettext, render

POLICY = web.AppKey("organizer_policy", OrganizerPolicy)

routes = Routes(tag="organizer")
TASK = "/organizer/tasks/" + id_param("task_id")


def policy(request: web.Request) -> OrganizerPolicy:
    return request.app[POLICY]


def zone_context(request: web.Request) -> dict[str, Any]:
    return {"timezone": ctx.actor(request).timezone}


def task_id(request: web.Request) -> int:
    return int(request.match_info["task_id"])


def back_with_error(request: web.Request, exc: KompasError, location: str) -> NoReturn:
    """A small form on a card failed: back to the card with the reason at the top."""
    details = "; ".join(gettext(request, m) for m in exc.fields.values())
    message = gettext(request, exc.message) + (f": {details}" if details else "")
    ctx.flash(request, message, "error")
    raise web.HTTPFound(location)


def labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "kind_labels": CONTACT_KIND_LABELS,
        "repeat_choices": forms.REPEAT_CHOICES,
        "reminder_choices": forms.REMINDER_CHOICES,
    }


# -- the task list -----------------------------------------------------------------------


@routes.get("/organizer/tasks", roles=ALL_ROLES, name="organizer_tasks")
async def tasks_page(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, TaskListQuery)
    who = ctx.actor(request)
    async with ctx.uow(request) as uow:
        page = await service.list_tasks(uow, who, policy(request), query, ctx.now(request))
        people = await agenda.people_choices(uow, who)
    filtered = any(
        (query.executor_id, query.client_id, query.status, query.overdue, query.due_from,
         query.due_to, query.q)
    )  # fmt: skip
    context = {"page": page, "query": query, "people": people, "filtered": filtered, **labels()}
    return render(request, "organizer/tasks.html", context)


# -- the task form -----------------------------------------------------------------------


def _local(moment: datetime | None, zone: ZoneInfo) -> tuple[str, str]:
    if moment is None:
        return "", ""
    local = moment.astimezone(zone)
    return local.date().isoformat(), local.strftime("%H:%M")


def form_values(task: TaskOut, zone: ZoneInfo) -> dict[str, Any]:
    """The form fields of a saved task."""
    due_day, due_time = _local(task.due_at, zone)
    rule = task.rrule or ""
    return {
        "title": task.title,
        "description": task.description or "",
        "executor_id": task.executor_id,
        "co_executor": task.co_executor_ids,
        "watcher": task.watcher_ids,
        "client_id": task.client_id or "",
        "client_name": task.client,
        "due_day": due_day or (task.due_date.isoformat() if task.due_date else ""),
        "due_time": due_time,
        "priority": task.priority,
        "status": task.status,
        "repeat": rule if rule in forms.REPEAT_CHOICES else ("custom" if rule else ""),
        "rrule": rule,
        "remind": [r.before_seconds for r in task.reminders if r.before_seconds is not None],
        "remind_at": [r.at.isoformat() for r in task.reminders if r.at is not None],
        "checklist": "",
        "allow_past_due": False,
    }


def posted_values(form: Any) -> dict[str, Any]:
    """The form fields as posted, to show them again with the errors."""
    return {
        "title": forms.text(form, "title"),
        "description": forms.text(form, "description"),
        "executor_id": forms.text(form, "executor_id"),
        "co_executor": forms.ids(form, "co_executor"),
        "watcher": forms.ids(form, "watcher"),
        "client_id": forms.text(form, "client_id"),
        "client_name": None,
        "due_day": forms.text(form, "due_day"),
        "due_time": forms.text(form, "due_time"),
        "priority": forms.text(form, "priority"),
        "status": forms.text(form, "status"),
        "repeat": forms.text(form, "repeat"),
        "rrule": forms.text(form, "rrule"),
        "remind": forms.ids(form, "remind"),
        "remind_at": [str(v) for v in form.getall("remind_at", [])],
        "remind_amount": forms.text(form, "remind_amount"),
        "remind_unit": forms.text(form, "remind_unit"),
        "checklist": forms.text(form, "checklist"),
        "allow_past_due": form.get("allow_past_due") == "on",
    }


async def form_people(request: web.Request, values: dict[str, Any]) -> list[tuple[int, str]]:
    """The people a task or contact form offers, and the name of a client whose number was
    typed into it (put into `values`)."""
    async with ctx.uow(request) as uow:
        users = await service.user_choices(uow)
        client_id = str(values.get("client_id") or "")
        if values.get("client_name") is None and client_id.isdigit() and len(client_id) < 10:
            values["client_name"] = await service.client_name(
                uow, ctx.actor(request), policy(request), int(client_id)
            )
    return users


async def _task_form(
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
        "task_id": editing,
        "users": users,
        **labels(),
    }
    return render(request, "organizer/task_form.html", context, status=status)


@routes.get("/organizer/tasks/new", roles=STAFF_ROLES, name="organizer_task_new")
async def task_new(request: web.Request) -> web.Response:
    who = ctx.actor(request)
    client = request.query.get("client_id", "")
    async with ctx.uow(request) as uow:
        defaults = await service.default_reminder_seconds(uow, who)
    values: dict[str, Any] = {
        "title": "",
        "description": "",
        "executor_id": who.id,
        "co_executor": [],
        "watcher": [],
        "client_id": client if client.isdigit() and len(client) < 10 else "",
        "client_name": None,
        "due_day": "",
        "due_time": "",
        "priority": "normal",
        "status": "new",
        "repeat": "",
        "rrule": "",
        "remind": defaults,
        "remind_at": [],
        "checklist": "",
        "allow_past_due": False,
    }
    return await _task_form(request, values, {}, editing=None)


@routes.post("/organizer/tasks/new", roles=STAFF_ROLES)
async def task_create(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        data = validate_model(TaskIn, forms.task_data(form), "The task", zone_context(request))
        async with ctx.uow(request) as uow:
            task = await service.create_task(
                uow, ctx.actor(request), policy(request), data, ctx.now(request)
            )
    except ValidationFailed as exc:
        return await _task_form(request, posted_values(form), exc.fields, editing=None, status=422)
    ctx.flash(request, gettext(request, "The task was created"), "success")
    raise web.HTTPFound(f"/organizer/tasks/{task.id}")


@routes.get(TASK + "/edit", roles=ALL_ROLES, name="organizer_task_edit")
async def task_edit(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        task = await service.get_task(
            uow, ctx.actor(request), policy(request), task_id(request), ctx.now(request)
        )
    values = form_values(task, ZoneInfo(ctx.actor(request).timezone))
    return await _task_form(request, values, {}, editing=task.id)


@routes.post(TASK + "/edit", roles=ALL_ROLES)
async def task_update(request: web.Request) -> web.Response:
    form = await request.post()
    tid = task_id(request)
    try:
        data = validate_model(TaskIn, forms.task_data(form), "The task", zone_context(request))
        async with ctx.uow(request) as uow:
            await service.update_task(
                uow, ctx.actor(request), policy(request), tid, data, ctx.now(request)
            )
    except ValidationFailed as exc:
        return await _task_form(request, posted_values(form), exc.fields, editing=tid, status=422)
    ctx.flash(request, gettext(request, "The task was saved"), "success")
    raise web.HTTPFound(f"/organizer/tasks/{tid}")


# -- the task card -----------------------------------------------------------------------


@routes.get(TASK, roles=ALL_ROLES, name="organizer_task")
async def task_card(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        view = await service.task_view(
            uow, ctx.actor(request), policy(request), task_id(request), ctx.now(request)
        )
    panels = await request.app[keys.PANELS].collect("task_card", request, task_id=view.task.id)
    context = {"view": view, "task": view.task, "errors": {}, "panels": panels, **labels()}
    return render(request, "organizer/task.html", context)


@routes.post(TASK + "/status", roles=ALL_ROLES, name="organizer_task_status")
async def task_status(request: web.Request) -> web.Response:
    form = await request.post()
    tid = task_id(request)
    value = forms.text(form, "status")
    if value not in STATUS_LABELS:
        raise ValidationFailed("Unknown status", fields={"status": "Unknown status"})
    async with ctx.uow(request) as uow:
        task = await service.set_status(
            uow, ctx.actor(request), policy(request), tid, value, ctx.now(request)
        )
    ctx.flash(request, gettext(request, "The status was changed"), "success")
    if task.next_id is not None and value in ("done", "cancelled"):
        ctx.flash(request, gettext(request, "The next occurrence was created"), "info")
    raise web.HTTPFound(f"/organizer/tasks/{tid}")


@routes.post(TASK + "/delete", roles=ALL_ROLES, name="organizer_task_delete")
async def task_delete(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await service.delete_task(uow, ctx.actor(request), policy(request), task_id(request))
    ctx.flash(request, gettext(request, "The task was deleted"), "success")
    raise web.HTTPFound("/organizer/tasks")


@routes.post(TASK + "/checklist", roles=ALL_ROLES, name="organizer_checklist_add")
async def checklist_add(request: web.Request) -> web.Response:
    form = await request.post()
    tid = task_id(request)
    try:
        data = validate_model(ChecklistItemIn, {"text": forms.text(form, "text")}, "The item")
        async with ctx.uow(request) as uow:
            await checklist.add_checklist_item(
                uow, ctx.actor(request), policy(request), tid, data, ctx.now(request)
            )
    except ValidationFailed as exc:
        back_with_error(request, exc, f"/organizer/tasks/{tid}#checklist")
    raise web.HTTPFound(f"/organizer/tasks/{tid}#checklist")


@routes.post(
    TASK + "/checklist/" + id_param("item_id"), roles=ALL_ROLES, name="organizer_checklist_item"
)
async def checklist_tick(request: web.Request) -> web.Response:
    form = await request.post()
    tid = task_id(request)
    async with ctx.uow(request) as uow:
        await checklist.update_checklist_item(
            uow,
            ctx.actor(request),
            policy(request),
            tid,
            int(request.match_info["item_id"]),
            ChecklistItemPatch(done=form.get("done") == "on"),
            ctx.now(request),
        )
    raise web.HTTPFound(f"/organizer/tasks/{tid}#checklist")


@routes.post(
    TASK + "/checklist/" + id_param("item_id") + "/delete",
    roles=ALL_ROLES,
    name="organizer_checklist_delete",
)
async def checklist_delete(request: web.Request) -> web.Response:
    tid = task_id(request)
    async with ctx.uow(request) as uow:
        await checklist.delete_checklist_item(
            uow,
            ctx.actor(request),
            policy(request),
            tid,
            int(request.match_info["item_id"]),
            ctx.now(request),
        )
    raise web.HTTPFound(f"/organizer/tasks/{tid}#checklist")


@routes.post(TASK + "/comments", roles=ALL_ROLES, name="organizer_comment")
async def comment_add(request: web.Request) -> web.Response:
    form = await request.post()
    tid = task_id(request)
    try:
        data = validate_model(CommentIn, {"text": forms.text(form, "text")}, "The comment")
        async with ctx.uow(request) as uow:
            await service.add_comment(
                uow, ctx.actor(request), policy(request), tid, data, ctx.now(request)
            )
    except ValidationFailed as exc:
        back_with_error(request, exc, f"/organizer/tasks/{tid}#comments")
    raise web.HTTPFound(f"/organizer/tasks/{tid}#comments")


@routes.post(TASK + "/reminders", roles=ALL_ROLES, name="organizer_task_reminder")
async def task_reminder_add(request: web.Request) -> web.Response:
    form = await request.post()
    tid = task_id(request)
    try:
        wanted = forms.reminders(form)
        if len(wanted) != 1:
            raise ValidationFailed(
                "Choose one reminder", fields={"reminders": "Choose one reminder"}
            )
        data = validate_model(ReminderIn, wanted[0], "The reminder", zone_context(request))
        async with ctx.uow(request) as uow:
            await reminder_service.add_task_reminder(
                uow, ctx.actor(request), policy(request), tid, data, ctx.now(request)
            )
    except ValidationFailed as exc:
        back_with_error(request, exc, f"/organizer/tasks/{tid}#reminders")
    ctx.flash(request, gettext(request, "The reminder was added"), "success")
    raise web.HTTPFound(f"/organizer/tasks/{tid}#reminders")


@routes.post(
    "/organizer/reminders/" + id_param("reminder_id") + "/delete",
    roles=ALL_ROLES,
    name="organizer_reminder_delete",
)
async def reminder_delete(request: web.Request) -> web.Response:
    form = await request.post()
    async with ctx.uow(request) as uow:
        await reminder_service.delete_reminder(
            uow,
            ctx.actor(request),
            policy(request),
            int(request.match_info["reminder_id"]),
            ctx.now(request),
        )
    ctx.flash(request, gettext(request, "The reminder was deleted"), "success")
    back = forms.text(form, "back")
    raise web.HTTPFound(back if back.startswith("/organizer/") else "/organizer/day")


# -- settings on the profile page --------------------------------------------------------


async def profile_panel(request: web.Request, _params: dict[str, Any]) -> Panel:
    who = ctx.actor(request)
    async with ctx.uow(request) as uow:
        defaults = await service.default_reminder_seconds(uow, who)
        token = await feeds.current_token(uow, who)
    feed = f"{request.scheme}://{request.host}/organizer/calendar/{token}.ics" if token else None
    return Panel(
        "organizer/_profile_panel.html",
        {"defaults": defaults, "feed": feed, "choices": forms.REMINDER_CHOICES},
    )


@routes.post("/organizer/settings/reminders", roles=ALL_ROLES, name="organizer_defaults")
async def defaults_save(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        wanted = [r for r in forms.reminders(form) if "at" not in r]
        data = validate_model(DefaultRemindersIn, {"reminders": wanted}, "The reminder list")
        async with ctx.uow(request) as uow:
            await reminder_service.set_defaults(
                uow, ctx.actor(request), [r.before_seconds for r in data.reminders]
            )
    except ValidationFailed as exc:
        back_with_error(request, exc, "/profile#organizer")
    ctx.flash(request, gettext(request, "The default reminders were saved"), "success")
    raise web.HTTPFound("/profile#organizer")


@routes.post("/organizer/settings/feed", roles=ALL_ROLES, name="organizer_feed_token")
async def feed_regenerate(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await feeds.regenerate_token(uow, ctx.actor(request), ctx.now(request))
    ctx.flash(request, gettext(request, "The calendar address was made anew"), "success")
    raise web.HTTPFound("/profile#organizer")


# -- the client card ---------------------------------------------------------------------


async def client_card_panel(request: web.Request, params: dict[str, Any]) -> Panel:
    async with ctx.uow(request) as uow:
        summary = await contacts.client_summary(
            uow, ctx.actor(request), policy(request), int(params["client_id"]), ctx.now(request)
        )
    return Panel(
        "organizer/_card_panel.html",
        {"summary": summary, "client_id": params["client_id"], **labels()},
    )


def register_panels(app: web.Application) -> None:
    app[keys.PANELS].register("client_card", client_card_panel)
    app[keys.PANELS].register("profile", profile_panel)
