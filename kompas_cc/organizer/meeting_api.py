"""JSON API v1 of meetings: meetings with their agenda, preparation items and decisions,
and the decisions report. For staff only: dealers take no part in meetings."""

from __future__ import annotations

from aiohttp import web

from kompas_cc.core.actor import STAFF_ROLES
from kompas_cc.organizer import decisions_report, meeting_decisions, meeting_prep, meeting_service
from kompas_cc.organizer.api import Ok
from kompas_cc.organizer.handlers import policy, zone_context
from kompas_cc.organizer.meeting_schemas import (
    DecisionIn,
    DecisionOut,
    DecisionPatch,
    DecisionReport,
    DecisionReportQuery,
    MeetingIn,
    MeetingListQuery,
    MeetingNew,
    MeetingOut,
    MeetingPage,
    MeetingPatch,
    PrepItemIn,
    PrepItemOut,
    PrepItemPatch,
)
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp.routing import Routes, id_param

routes = Routes(tag="organizer")
MEETINGS = "/api/v1/meetings"
MEETING = f"{MEETINGS}/{id_param('meeting_id')}"
PREP_ITEM = f"{MEETING}/preparation/{id_param('item_id')}"
DECISION = f"{MEETING}/decisions/{id_param('decision_id')}"


def _mid(request: web.Request) -> int:
    return int(request.match_info["meeting_id"])


# -- meetings ----------------------------------------------------------------------------


@routes.get(
    MEETINGS,
    roles=STAFF_ROLES,
    query=MeetingListQuery,
    response=MeetingPage,
    summary="Meetings the user sees, newest first",
)
async def list_meetings(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, MeetingListQuery)
    async with ctx.uow(request) as uow:
        page = await meeting_service.list_meetings(uow, ctx.actor(request), query, ctx.now(request))
    return ctx.json_response(page)


@routes.post(
    MEETINGS,
    roles=STAFF_ROLES,
    body=MeetingNew,
    response=MeetingOut,
    status=201,
    summary="Set up a meeting with its agenda and preparation items (with reminders)",
)
async def create_meeting(request: web.Request) -> web.Response:
    data = await ctx.parse_json(request, MeetingNew, zone_context(request))
    async with ctx.uow(request) as uow:
        meeting = await meeting_service.create_meeting(
            uow, ctx.actor(request), policy(request), data, ctx.now(request)
        )
    return ctx.json_response(meeting, status=201)


@routes.get(
    MEETING,
    roles=STAFF_ROLES,
    response=MeetingOut,
    summary="One meeting with its agenda, preparation and decisions (with their tasks' state)",
)
async def get_meeting(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        meeting = await meeting_service.get_meeting(
            uow, ctx.actor(request), _mid(request), ctx.now(request)
        )
    return ctx.json_response(meeting)


@routes.patch(
    MEETING,
    roles=STAFF_ROLES,
    body=MeetingPatch,
    response=MeetingOut,
    summary="Change some fields of a meeting (status, minutes ...; lists replace the old)",
)
async def patch_meeting(request: web.Request) -> web.Response:
    patch = await ctx.parse_json(request, MeetingPatch, zone_context(request))
    async with ctx.uow(request) as uow:
        meeting = await meeting_service.patch_meeting(
            uow, ctx.actor(request), policy(request), _mid(request), patch, ctx.now(request)
        )
    return ctx.json_response(meeting)


@routes.route(
    "PUT",
    MEETING,
    roles=STAFF_ROLES,
    body=MeetingIn,
    response=MeetingOut,
    summary="Replace the fields and the agenda of a meeting",
)
async def put_meeting(request: web.Request) -> web.Response:
    data = await ctx.parse_json(request, MeetingIn, zone_context(request))
    async with ctx.uow(request) as uow:
        meeting = await meeting_service.update_meeting(
            uow, ctx.actor(request), policy(request), _mid(request), data, ctx.now(request)
        )
    return ctx.json_response(meeting)


@routes.delete(
    MEETING,
    roles=STAFF_ROLES,
    response=Ok,
    summary="Delete a meeting with its preparation and decisions (and the decisions' tasks)",
)
async def delete_meeting(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await meeting_service.delete_meeting(
            uow, ctx.actor(request), policy(request), _mid(request)
        )
    return ctx.json_response(Ok())


# -- preparation -------------------------------------------------------------------------


@routes.get(
    f"{MEETING}/preparation",
    roles=STAFF_ROLES,
    response=PrepItemOut,
    response_list=True,
    summary="The preparation checklist of a meeting",
)
async def list_prep_items(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        items = await meeting_prep.list_prep_items(uow, ctx.actor(request), _mid(request))
    return ctx.json_response(items)


@routes.post(
    f"{MEETING}/preparation",
    roles=STAFF_ROLES,
    body=PrepItemIn,
    response=PrepItemOut,
    status=201,
    summary="Add a preparation item: who prepares what by when, with reminders",
)
async def add_prep_item(request: web.Request) -> web.Response:
    data = await ctx.parse_json(request, PrepItemIn, zone_context(request))
    async with ctx.uow(request) as uow:
        item = await meeting_prep.add_prep_item(
            uow, ctx.actor(request), _mid(request), data, ctx.now(request)
        )
    return ctx.json_response(item, status=201)


@routes.patch(
    PREP_ITEM,
    roles=STAFF_ROLES,
    body=PrepItemPatch,
    response=PrepItemOut,
    summary="Tick a preparation item (also its preparer), or change it (reminders replace)",
)
async def patch_prep_item(request: web.Request) -> web.Response:
    patch = await ctx.parse_json(request, PrepItemPatch, zone_context(request))
    async with ctx.uow(request) as uow:
        item = await meeting_prep.update_prep_item(
            uow,
            ctx.actor(request),
            _mid(request),
            int(request.match_info["item_id"]),
            patch,
            ctx.now(request),
        )
    return ctx.json_response(item)


@routes.delete(PREP_ITEM, roles=STAFF_ROLES, response=Ok, summary="Remove a preparation item")
async def delete_prep_item(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await meeting_prep.delete_prep_item(
            uow,
            ctx.actor(request),
            _mid(request),
            int(request.match_info["item_id"]),
            ctx.now(request),
        )
    return ctx.json_response(Ok())


# -- decisions ---------------------------------------------------------------------------


@routes.post(
    f"{MEETING}/decisions",
    roles=STAFF_ROLES,
    body=DecisionIn,
    response=DecisionOut,
    status=201,
    summary="Record a decision; a task is set for the responsible person by the deadline",
)
async def record_decision(request: web.Request) -> web.Response:
    data = await ctx.parse_json(request, DecisionIn)
    async with ctx.uow(request) as uow:
        decision = await meeting_decisions.record_decision(
            uow, ctx.actor(request), policy(request), _mid(request), data, ctx.now(request)
        )
    return ctx.json_response(decision, status=201)


@routes.patch(
    DECISION,
    roles=STAFF_ROLES,
    body=DecisionPatch,
    response=DecisionOut,
    summary="Change a decision; its task follows the new responsible person and deadline",
)
async def patch_decision(request: web.Request) -> web.Response:
    patch = await ctx.parse_json(request, DecisionPatch)
    async with ctx.uow(request) as uow:
        decision = await meeting_decisions.patch_decision(
            uow,
            ctx.actor(request),
            policy(request),
            _mid(request),
            int(request.match_info["decision_id"]),
            patch,
            ctx.now(request),
        )
    return ctx.json_response(decision)


@routes.delete(DECISION, roles=STAFF_ROLES, response=Ok, summary="Delete a decision with its task")
async def delete_decision(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await meeting_decisions.delete_decision(
            uow,
            ctx.actor(request),
            policy(request),
            _mid(request),
            int(request.match_info["decision_id"]),
            ctx.now(request),
        )
    return ctx.json_response(Ok())


@routes.get(
    f"{MEETINGS}/decisions",
    roles=STAFF_ROLES,
    query=DecisionReportQuery,
    response=DecisionReport,
    summary="The decisions report: decided where, who answers, the deadline, done, open or late",
)
async def decisions(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, DecisionReportQuery)
    async with ctx.uow(request) as uow:
        report = await decisions_report.decisions_report(
            uow, ctx.actor(request), query, ctx.now(request)
        )
    return ctx.json_response(report)
