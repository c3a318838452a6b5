"""JSON API v1 of the organizer: tasks (with status, checklist, comments, reminders),
contacts (with completion), reminders, and the current user's default reminders."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from kompas_cc.core.actor import ALL_ROLES, STAFF_ROLES
from kompas_cc.core.validation import validate_model
from kompas_cc.organizer import checklist, contacts, reminder_service, service
from kompas_cc.organizer.handlers import policy, zone_context
from kompas_cc.organizer.schemas import (
    ChecklistItemIn,
    ChecklistItemOut,
    ChecklistItemPatch,
    CommentIn,
    CommentOut,
    CompleteIn,
    CompleteOut,
    ContactIn,
    ContactListQuery,
    ContactOut,
    ContactPage,
    ContactPatch,
    DefaultReminderOut,
    DefaultRemindersIn,
    ReminderIn,
    ReminderOut,
    StatusIn,
    TaskIn,
    TaskListQuery,
    TaskOut,
    TaskPage,
    TaskPatch,
)
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp.routing import Routes, id_param

routes = Routes(tag="organizer")
TASKS = "/api/v1/tasks"
TASK = f"{TASKS}/{id_param('task_id')}"
CONTACTS = "/api/v1/contacts"
CONTACT = f"{CONTACTS}/{id_param('contact_id')}"


class Ok(BaseModel):
    ok: bool = True


def _tid(request: web.Request) -> int:
    return int(request.match_info["task_id"])


def _cid(request: web.Request) -> int:
    return int(request.match_info["contact_id"])


# -- tasks -------------------------------------------------------------------------------


@routes.get(TASKS, roles=ALL_ROLES, query=TaskListQuery, response=TaskPage, summary="Tasks")
async def list_tasks(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, TaskListQuery)
    async with ctx.uow(request) as uow:
        page = await service.list_tasks(
            uow, ctx.actor(request), policy(request), query, ctx.now(request)
        )
    return ctx.json_response(page)


@routes.post(
    TASKS,
    roles=STAFF_ROLES,
    body=TaskIn,
    response=TaskOut,
    status=201,
    summary="Create a task (reminders inline; without them, the user's default reminders)",
)
async def create_task(request: web.Request) -> web.Response:
    data = await ctx.parse_json(request, TaskIn, zone_context(request))
    async with ctx.uow(request) as uow:
        task = await service.create_task(
            uow, ctx.actor(request), policy(request), data, ctx.now(request)
        )
    return ctx.json_response(task, status=201)


@routes.get(TASK, roles=ALL_ROLES, response=TaskOut, summary="One task")
async def get_task(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        task = await service.get_task(
            uow, ctx.actor(request), policy(request), _tid(request), ctx.now(request)
        )
    return ctx.json_response(task)


@routes.patch(
    TASK,
    roles=ALL_ROLES,
    body=TaskPatch,
    response=TaskOut,
    summary="Change some fields of a task (reminders, when given, replace them all)",
)
async def patch_task(request: web.Request) -> web.Response:
    patch = await ctx.parse_json(request, TaskPatch, zone_context(request))
    changes = patch.model_dump(exclude_unset=True)
    async with ctx.uow(request) as uow:
        who, rules, now = ctx.actor(request), policy(request), ctx.now(request)
        current = service.task_in_from(await service.get_task(uow, who, rules, _tid(request), now))
        current.update(changes)
        data = validate_model(TaskIn, current, "The task", zone_context(request))
        task = await service.update_task(uow, who, rules, _tid(request), data, now)
    return ctx.json_response(task)


@routes.delete(TASK, roles=ALL_ROLES, response=Ok, summary="Delete a task")
async def delete_task(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await service.delete_task(uow, ctx.actor(request), policy(request), _tid(request))
    return ctx.json_response(Ok())


@routes.post(
    f"{TASK}/status",
    roles=ALL_ROLES,
    body=StatusIn,
    response=TaskOut,
    summary="Move a task to a status (closing a repeating one creates the next occurrence)",
)
async def set_status(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, StatusIn)
    async with ctx.uow(request) as uow:
        task = await service.set_status(
            uow, ctx.actor(request), policy(request), _tid(request), body.status, ctx.now(request)
        )
    return ctx.json_response(task)


@routes.get(
    f"{TASK}/checklist",
    roles=ALL_ROLES,
    response=ChecklistItemOut,
    response_list=True,
    summary="The checklist of a task",
)
async def list_checklist(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        items = await checklist.list_checklist(
            uow, ctx.actor(request), policy(request), _tid(request), ctx.now(request)
        )
    return ctx.json_response(items)


@routes.post(
    f"{TASK}/checklist",
    roles=ALL_ROLES,
    body=ChecklistItemIn,
    response=ChecklistItemOut,
    status=201,
    summary="Add a checklist item",
)
async def add_checklist_item(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, ChecklistItemIn)
    async with ctx.uow(request) as uow:
        item = await checklist.add_checklist_item(
            uow, ctx.actor(request), policy(request), _tid(request), body, ctx.now(request)
        )
    return ctx.json_response(item, status=201)


@routes.patch(
    f"{TASK}/checklist/{id_param('item_id')}",
    roles=ALL_ROLES,
    body=ChecklistItemPatch,
    response=ChecklistItemOut,
    summary="Tick, untick or rename a checklist item",
)
async def patch_checklist_item(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, ChecklistItemPatch)
    async with ctx.uow(request) as uow:
        item = await checklist.update_checklist_item(
            uow,
            ctx.actor(request),
            policy(request),
            _tid(request),
            int(request.match_info["item_id"]),
            body,
            ctx.now(request),
        )
    return ctx.json_response(item)


@routes.delete(
    f"{TASK}/checklist/{id_param('item_id')}",
    roles=ALL_ROLES,
    response=Ok,
    summary="Remove a checklist item",
)
async def delete_checklist_item(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await checklist.delete_checklist_item(
            uow,
            ctx.actor(request),
            policy(request),
            _tid(request),
            int(request.match_info["item_id"]),
            ctx.now(request),
        )
    return ctx.json_response(Ok())


@routes.get(
    f"{TASK}/comments",
    roles=ALL_ROLES,
    response=CommentOut,
    response_list=True,
    summary="The discussion of a task",
)
async def list_comments(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        comments = await service.list_comments(
            uow, ctx.actor(request), policy(request), _tid(request)
        )
    return ctx.json_response(comments)


@routes.post(
    f"{TASK}/comments",
    roles=ALL_ROLES,
    body=CommentIn,
    response=CommentOut,
    status=201,
    summary="Comment on a task (its author and executors only)",
)
async def add_comment(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, CommentIn)
    async with ctx.uow(request) as uow:
        comment = await service.add_comment(
            uow, ctx.actor(request), policy(request), _tid(request), body, ctx.now(request)
        )
    return ctx.json_response(comment, status=201)


@routes.get(
    f"{TASK}/reminders",
    roles=ALL_ROLES,
    response=ReminderOut,
    response_list=True,
    summary="The reminders of a task",
)
async def list_task_reminders(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        task = await service.get_task(
            uow, ctx.actor(request), policy(request), _tid(request), ctx.now(request)
        )
    return ctx.json_response(task.reminders)


@routes.post(
    f"{TASK}/reminders",
    roles=ALL_ROLES,
    body=ReminderIn,
    response=ReminderOut,
    status=201,
    summary="Add a reminder to a task",
)
async def add_task_reminder(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, ReminderIn, zone_context(request))
    async with ctx.uow(request) as uow:
        reminder = await reminder_service.add_task_reminder(
            uow, ctx.actor(request), policy(request), _tid(request), body, ctx.now(request)
        )
    return ctx.json_response(reminder, status=201)


# -- contacts ----------------------------------------------------------------------------


@routes.get(
    CONTACTS,
    roles=ALL_ROLES,
    query=ContactListQuery,
    response=ContactPage,
    summary="Contacts with clients, newest first",
)
async def list_contacts(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, ContactListQuery)
    async with ctx.uow(request) as uow:
        page = await contacts.list_contacts(
            uow, ctx.actor(request), policy(request), query, ctx.now(request)
        )
    return ctx.json_response(page)


@routes.post(
    CONTACTS,
    roles=STAFF_ROLES,
    body=ContactIn,
    response=ContactOut,
    status=201,
    summary="Plan a contact with a client, or record one that took place",
)
async def create_contact(request: web.Request) -> web.Response:
    data = await ctx.parse_json(request, ContactIn, zone_context(request))
    async with ctx.uow(request) as uow:
        contact = await contacts.create_contact(
            uow, ctx.actor(request), policy(request), data, ctx.now(request)
        )
    return ctx.json_response(contact, status=201)


@routes.get(CONTACT, roles=ALL_ROLES, response=ContactOut, summary="One contact")
async def get_contact(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        contact = await contacts.get_contact(
            uow, ctx.actor(request), policy(request), _cid(request), ctx.now(request)
        )
    return ctx.json_response(contact)


@routes.patch(
    CONTACT,
    roles=ALL_ROLES,
    body=ContactPatch,
    response=ContactOut,
    summary="Change some fields of a contact",
)
async def patch_contact(request: web.Request) -> web.Response:
    patch = await ctx.parse_json(request, ContactPatch, zone_context(request))
    changes = patch.model_dump(exclude_unset=True)
    async with ctx.uow(request) as uow:
        who, rules, now = ctx.actor(request), policy(request), ctx.now(request)
        current = contacts.contact_in_from(
            await contacts.get_contact(uow, who, rules, _cid(request), now)
        )
        current.update(changes)
        data = validate_model(ContactIn, current, "The contact", zone_context(request))
        contact = await contacts.update_contact(uow, who, rules, _cid(request), data, now)
    return ctx.json_response(contact)


@routes.delete(CONTACT, roles=ALL_ROLES, response=Ok, summary="Delete a contact")
async def delete_contact(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await contacts.delete_contact(uow, ctx.actor(request), policy(request), _cid(request))
    return ctx.json_response(Ok())


@routes.post(
    f"{CONTACT}/complete",
    roles=ALL_ROLES,
    body=CompleteIn,
    response=CompleteOut,
    summary="Record the result of a planned contact; `next` plans the following one",
)
async def complete_contact(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, CompleteIn, zone_context(request))
    async with ctx.uow(request) as uow:
        done = await contacts.complete_contact(
            uow, ctx.actor(request), policy(request), _cid(request), body, ctx.now(request)
        )
    return ctx.json_response(done)


@routes.post(
    f"{CONTACT}/reminders",
    roles=ALL_ROLES,
    body=ReminderIn,
    response=ReminderOut,
    status=201,
    summary="Add a reminder to a planned contact",
)
async def add_contact_reminder(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, ReminderIn, zone_context(request))
    async with ctx.uow(request) as uow:
        reminder = await reminder_service.add_contact_reminder(
            uow, ctx.actor(request), policy(request), _cid(request), body, ctx.now(request)
        )
    return ctx.json_response(reminder, status=201)


# -- reminders ---------------------------------------------------------------------------


@routes.get(
    "/api/v1/reminders",
    roles=ALL_ROLES,
    response=ReminderOut,
    response_list=True,
    summary="The reminders still to come for the current user, soonest first",
)
async def list_reminders(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        items = await reminder_service.list_upcoming(uow, ctx.actor(request), ctx.now(request))
    return ctx.json_response(items)


@routes.delete(
    "/api/v1/reminders/" + id_param("reminder_id"),
    roles=ALL_ROLES,
    response=Ok,
    summary="Delete a reminder",
)
async def delete_reminder(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await reminder_service.delete_reminder(
            uow,
            ctx.actor(request),
            policy(request),
            int(request.match_info["reminder_id"]),
            ctx.now(request),
        )
    return ctx.json_response(Ok())


@routes.get(
    "/api/v1/me/default-reminders",
    roles=ALL_ROLES,
    response=DefaultReminderOut,
    response_list=True,
    summary="The reminders new tasks of the current user get",
)
async def get_defaults(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        items = await reminder_service.get_defaults(uow, ctx.actor(request))
    return ctx.json_response(items)


@routes.route(
    "PUT",
    "/api/v1/me/default-reminders",
    roles=ALL_ROLES,
    body=DefaultRemindersIn,
    response=DefaultReminderOut,
    response_list=True,
    summary="Replace the current user's default reminders",
)
async def put_defaults(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, DefaultRemindersIn)
    async with ctx.uow(request) as uow:
        items = await reminder_service.set_defaults(
            uow, ctx.actor(request), [r.before_seconds for r in body.reminders]
        )
    return ctx.json_response(items)
