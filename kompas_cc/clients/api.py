"""JSON API v1 of clients, contact persons, phones, notes and the classifier."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, create_model

from kompas_cc.clients import access, classifier_service, dossier, listing, service
from kompas_cc.clients.handlers import (
    LOOKUP_CACHE,
    POLICY,
    READERS,
    TIMELINE,
    list_sources,
    opener,
)
from kompas_cc.clients.schemas import (
    ClientCount,
    ClientIn,
    ClientListQuery,
    ClientOut,
    ClientPage,
    ContactPersonIn,
    ContactPersonOut,
    LookupMatch,
    LookupQuery,
    NodeIn,
    NodeOut,
    NoteIn,
    NoteOut,
    PhoneIn,
    PlacementIn,
    StatusOut,
    TimelineItem,
    TimelineQuery,
)
from kompas_cc.clients.timeline import TimelineWindow
from kompas_cc.core.actor import STAFF_ROLES, Role
from kompas_cc.core.validation import DbId, validate_model
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp import keys
from kompas_cc.webapp.routing import Routes, id_param

routes = Routes(tag="clients")
EDITORS = {Role.ADMIN, Role.MANAGER}
BASE = "/api/v1/clients"
CID = id_param("client_id")


def _patch_model() -> type[BaseModel]:
    """Every field of ClientIn, none required: a PATCH sends only what changes."""
    fields: dict[str, Any] = {
        name: (field.annotation | None, None)  # type: ignore[operator]
        for name, field in ClientIn.model_fields.items()
    }
    return create_model("ClientPatch", __config__=ClientIn.model_config, **fields)


ClientPatch = _patch_model()


class CreateQuery(BaseModel):
    allow_duplicate: bool = False


class IdOut(BaseModel):
    id: int


class Ok(BaseModel):
    ok: bool = True


class PhoneAdd(PhoneIn):
    contact_person_id: DbId | None = None


def _policy(request: web.Request) -> access.ClientsPolicy:
    return request.app[POLICY]


def _cid(request: web.Request) -> int:
    return int(request.match_info["client_id"])


def _context(request: web.Request) -> dict[str, Any]:
    return {"region": request.app[keys.SETTINGS].default_region}


@routes.get(
    BASE,
    roles=READERS,
    query=ClientListQuery,
    response=ClientPage,
    summary="Clients, filtered, sorted and paginated",
)
async def list_clients(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, ClientListQuery)
    page = await listing.list_clients(
        opener(request), list_sources(request), ctx.actor(request), _policy(request), query
    )
    return ctx.json_response(page)


@routes.get(
    f"{BASE}/count",
    roles=READERS,
    query=ClientListQuery,
    response=ClientCount,
    summary="How many clients match the list's filters",
)
async def count_clients(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, ClientListQuery)
    counted = await listing.count_clients(
        opener(request), list_sources(request), ctx.actor(request), _policy(request), query
    )
    return ctx.json_response(counted)


@routes.get(
    f"{BASE}/lookup",
    roles=READERS,
    query=LookupQuery,
    response=LookupMatch,
    response_list=True,
    summary="Clients and contact persons with a phone number",
)
async def lookup(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, LookupQuery)
    reader = request.app[keys.READER]
    cache = request.app[LOOKUP_CACHE]
    matches = await service.lookup_phone(
        reader, cache, ctx.actor(request), _policy(request), query.phone
    )
    return ctx.json_response(matches)


@routes.post(
    BASE,
    roles=STAFF_ROLES,
    body=ClientIn,
    query=CreateQuery,
    response=ClientOut,
    status=201,
    summary="Create a client (409 when the INN or a phone exists)",
)
async def create_client(request: web.Request) -> web.Response:
    data = await ctx.parse_json(request, ClientIn, _context(request))
    query = ctx.parse_query(request, CreateQuery)
    async with ctx.uow(request) as uow:
        client = await service.create_client(
            uow,
            ctx.actor(request),
            _policy(request),
            data,
            ctx.now(request),
            allow_duplicate=query.allow_duplicate,
        )
    return ctx.json_response(client, status=201)


@routes.get(f"{BASE}/{CID}", roles=READERS, response=ClientOut, summary="One client")
async def get_client(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        client = await service.get_client(uow, ctx.actor(request), _policy(request), _cid(request))
    return ctx.json_response(client)


@routes.patch(
    f"{BASE}/{CID}",
    roles=STAFF_ROLES,
    body=ClientPatch,
    response=ClientOut,
    summary="Change some fields of a client",
)
async def patch_client(request: web.Request) -> web.Response:
    patch = await ctx.parse_json(request, ClientPatch, _context(request))
    changes = patch.model_dump(exclude_unset=True)
    async with ctx.uow(request) as uow:
        who, policy, cid = ctx.actor(request), _policy(request), _cid(request)
        current = service.client_in_from(await service.get_client(uow, who, policy, cid))
        current.update(changes)
        data = validate_model(ClientIn, current, "The client", _context(request))
        client = await service.update_client(uow, who, policy, cid, data, ctx.now(request))
    return ctx.json_response(client)


@routes.post(f"{BASE}/{CID}/archive", roles=EDITORS, response=Ok, summary="Archive a client")
async def archive_client(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await service.archive_client(
            uow, ctx.actor(request), _policy(request), _cid(request), ctx.now(request)
        )
    return ctx.json_response(Ok())


@routes.post(
    f"{BASE}/{CID}/phones",
    roles=STAFF_ROLES,
    body=PhoneAdd,
    response=ClientOut,
    status=201,
    summary="Add a phone to a client or one of its contact persons",
)
async def add_phone(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, PhoneAdd, _context(request))
    async with ctx.uow(request) as uow:
        client = await service.add_phone(
            uow,
            ctx.actor(request),
            _policy(request),
            _cid(request),
            body,
            body.contact_person_id,
            ctx.now(request),
        )
    return ctx.json_response(client, status=201)


@routes.delete(
    f"{BASE}/{CID}/phones/{id_param('phone_id')}",
    roles=STAFF_ROLES,
    response=Ok,
    summary="Remove a phone",
)
async def remove_phone(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await service.remove_phone(
            uow,
            ctx.actor(request),
            _policy(request),
            _cid(request),
            int(request.match_info["phone_id"]),
            ctx.now(request),
        )
    return ctx.json_response(Ok())


@routes.get(
    f"{BASE}/{CID}/contacts",
    roles=READERS,
    response=ContactPersonOut,
    response_list=True,
    summary="Contact persons of a client",
)
async def list_contacts(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        people = await dossier.list_contact_persons(
            uow, ctx.actor(request), _policy(request), _cid(request)
        )
    return ctx.json_response(people)


@routes.post(
    f"{BASE}/{CID}/contacts",
    roles=STAFF_ROLES,
    body=ContactPersonIn,
    response=IdOut,
    status=201,
    summary="Add a contact person",
)
async def create_contact(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, ContactPersonIn, _context(request))
    async with ctx.uow(request) as uow:
        person_id = await dossier.save_contact_person(
            uow, ctx.actor(request), _policy(request), _cid(request), body, ctx.now(request)
        )
    return ctx.json_response(IdOut(id=person_id), status=201)


@routes.patch(
    f"{BASE}/{CID}/contacts/{id_param('person_id')}",
    roles=STAFF_ROLES,
    body=ContactPersonIn,
    response=IdOut,
    summary="Replace a contact person's data",
)
async def update_contact(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, ContactPersonIn, _context(request))
    async with ctx.uow(request) as uow:
        person_id = await dossier.save_contact_person(
            uow,
            ctx.actor(request),
            _policy(request),
            _cid(request),
            body,
            ctx.now(request),
            int(request.match_info["person_id"]),
        )
    return ctx.json_response(IdOut(id=person_id))


@routes.delete(
    f"{BASE}/{CID}/contacts/{id_param('person_id')}",
    roles=STAFF_ROLES,
    response=Ok,
    summary="Remove a contact person",
)
async def delete_contact(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await dossier.remove_contact_person(
            uow,
            ctx.actor(request),
            _policy(request),
            _cid(request),
            int(request.match_info["person_id"]),
            ctx.now(request),
        )
    return ctx.json_response(Ok())


@routes.get(
    f"{BASE}/{CID}/notes",
    roles=READERS,
    response=NoteOut,
    response_list=True,
    summary="Notes of a client",
)
async def list_notes(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        notes = await dossier.list_notes(uow, ctx.actor(request), _policy(request), _cid(request))
    return ctx.json_response(notes)


@routes.post(
    f"{BASE}/{CID}/notes",
    roles=READERS,
    body=NoteIn,
    response=NoteOut,
    status=201,
    summary="Add a note to the dossier",
)
async def add_note(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, NoteIn)
    async with ctx.uow(request) as uow:
        note = await dossier.add_note(
            uow, ctx.actor(request), _policy(request), _cid(request), body, ctx.now(request)
        )
    return ctx.json_response(note, status=201)


@routes.route(
    "PUT",
    f"{BASE}/{CID}/categories",
    roles=STAFF_ROLES,
    body=PlacementIn,
    response=ClientOut,
    summary="Place a client in classifier nodes (replaces all)",
)
async def put_categories(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, PlacementIn)
    async with ctx.uow(request) as uow:
        who, policy, cid = ctx.actor(request), _policy(request), _cid(request)
        await classifier_service.place_client(
            uow, who, policy, cid, body.node_ids, ctx.now(request)
        )
        client = await service.get_client(uow, who, policy, cid)
    return ctx.json_response(client)


@routes.get(
    f"{BASE}/{CID}/timeline",
    roles=READERS,
    query=TimelineQuery,
    response=TimelineItem,
    response_list=True,
    summary="Everything that happened with a client, newest first",
)
async def timeline(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, TimelineQuery)
    window = TimelineWindow(_cid(request), query.since, query.until, query.limit)
    async with ctx.uow(request) as uow:
        await dossier.require_visible(uow, ctx.actor(request), _policy(request), _cid(request))
        entries = await request.app[TIMELINE].collect(uow, window, set(query.kind) or None)
    items = [
        TimelineItem(
            at=e.at, kind=e.kind, title=e.title, body=e.body, author=e.author, link=e.link
        ).model_dump(mode="json")
        for e in entries
    ]
    return ctx.json_response(items)


@routes.get(
    "/api/v1/client-statuses",
    roles=READERS,
    response=StatusOut,
    response_list=True,
    summary="The client statuses",
)
async def statuses(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        items = await service.list_statuses(uow)
    return ctx.json_response(items)


NODES = "/api/v1/classifier/nodes"


@routes.get(
    NODES,
    roles=READERS,
    response=NodeOut,
    response_list=True,
    summary="The classifier: every node with its parents and client count",
)
async def list_nodes(request: web.Request) -> web.Response:
    counts = await listing.node_counts(
        opener(request), list_sources(request), ctx.actor(request), _policy(request)
    )
    async with ctx.uow(request) as uow:
        nodes = await classifier_service.list_nodes(uow, counts)
    return ctx.json_response(nodes)


@routes.post(
    NODES,
    roles=EDITORS,
    body=NodeIn,
    response=IdOut,
    status=201,
    summary="Create a classifier node (no parents: a new dimension)",
)
async def create_node(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, NodeIn)
    async with ctx.uow(request) as uow:
        node_id = await classifier_service.create_node(uow, ctx.actor(request), body)
    return ctx.json_response(IdOut(id=node_id), status=201)


@routes.patch(
    f"{NODES}/{id_param('node_id')}",
    roles=EDITORS,
    body=NodeIn,
    response=Ok,
    summary="Rename or move a classifier node",
)
async def update_node(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, NodeIn)
    async with ctx.uow(request) as uow:
        await classifier_service.update_node(
            uow, ctx.actor(request), int(request.match_info["node_id"]), body
        )
    return ctx.json_response(Ok())


@routes.delete(
    f"{NODES}/{id_param('node_id')}",
    roles=EDITORS,
    response=Ok,
    summary="Delete a node and the nodes that hang only from it",
)
async def delete_node(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await classifier_service.delete_node(
            uow, ctx.actor(request), int(request.match_info["node_id"])
        )
    return ctx.json_response(Ok())
