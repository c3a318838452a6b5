"""JSON API v1 of the call log."""

from __future__ import annotations

from aiohttp import web

from kompas_cc.clients.handlers import POLICY
from kompas_cc.core.actor import STAFF_ROLES, Role
from kompas_cc.telephony import load_report, service
from kompas_cc.telephony.load_schemas import LineLoadOut, LineLoadQuery
from kompas_cc.telephony.schemas import CallListQuery, CallOut, CallPage
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp import keys
from kompas_cc.webapp.routing import Routes, id_param

routes = Routes(tag="telephony")
BASE = "/api/v1/calls"


@routes.get(
    BASE,
    roles=STAFF_ROLES,
    query=CallListQuery,
    response=CallPage,
    summary="The call log, filtered and paginated, newest first",
)
async def list_calls(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, CallListQuery)
    async with ctx.uow(request) as uow:
        page = await service.list_calls(uow, ctx.actor(request), request.app[POLICY], query)
    return ctx.json_response(page)


@routes.get(
    f"{BASE}/{id_param('call_id')}", roles=STAFF_ROLES, response=CallOut, summary="One call"
)
async def get_call(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        call = await service.get_call(
            uow, ctx.actor(request), request.app[POLICY], int(request.match_info["call_id"])
        )
    return ctx.json_response(call)


@routes.get(
    "/api/v1/telephony/line-load",
    roles={Role.ADMIN, Role.MANAGER},
    query=LineLoadQuery,
    response=LineLoadOut,
    summary="Trunk concurrency, traffic, busy hour, Erlang B and queue figures of a period",
)
async def line_load(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, LineLoadQuery)
    actor = ctx.actor(request)
    settings = request.app[keys.SETTINGS]
    async with ctx.uow(request) as uow:
        report = await load_report.line_load(
            uow, actor, query, settings.trunks, actor.timezone, ctx.now(request)
        )
    return ctx.json_response(report)
