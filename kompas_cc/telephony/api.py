"""JSON API v1 of the call log."""

from __future__ import annotations

from aiohttp import web

from kompas_cc.clients.handlers import POLICY
from kompas_cc.core.actor import STAFF_ROLES, Role
from kompas_cc.telephony import load_report, originate, service
from kompas_cc.telephony.load_schemas import LineLoadOut, LineLoadQuery
from kompas_cc.telephony.originate_schemas import OriginateIn, OriginateOut
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


@routes.post(
    f"{BASE}/originate",
    roles=STAFF_ROLES,
    body=OriginateIn,
    response=OriginateOut,
    status=202,
    errors=(502, 503, 504),
    summary="Click-to-call: ring the extension, then dial the number from it",
)
async def originate_call(request: web.Request) -> web.Response:
    """Operators ring only their own extension. 503 `ami-unavailable` while the exchange is
    not connected (or AMI is off); 502, 503 and 504 are the connection's errors
    (docs/telephony-ami.md)."""
    settings = request.app[keys.SETTINGS]
    data = await ctx.parse_json(request, OriginateIn, {"region": settings.default_region})
    placed = await originate.click_to_call(
        request.app[keys.UOW],
        ctx.actor(request),
        request.app.get(keys.AMI),
        data,
        context=settings.originate_context,
    )
    return ctx.json_response(placed, status=202)


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
