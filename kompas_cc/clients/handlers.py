"""Pages of the client dossier, the classifier editor and the statuses list."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any, NoReturn
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from aiohttp import web

from kompas_cc.clients import access, classifier_service, dossier, forms, listing, service
from kompas_cc.clients.audit import AUDIT_FIELD_LABELS
from kompas_cc.clients.facet_store import FacetStore
from kompas_cc.clients.lookup_cache import LookupCache
from kompas_cc.clients.schemas import (
    ClientIn,
    ClientListQuery,
    ContactPersonIn,
    NodeIn,
    NoteIn,
    StatusIn,
)
from kompas_cc.clients.timeline import TimelineRegistry, TimelineWindow
from kompas_cc.core.actor import STAFF_ROLES, Role
from kompas_cc.core.errors import KompasError, ValidationFailed
from kompas_cc.core.uploads import attachment_header
from kompas_cc.core.validation import validate_model
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp import keys
from kompas_cc.webapp.routing import Routes, id_param
from kompas_cc.webapp.tables import table_response
from kompas_cc.webapp.templates import formatter, gettext, render

POLICY = web.AppKey("clients_policy", access.ClientsPolicy)
TIMELINE = web.AppKey("clients_timeline", TimelineRegistry)
LOOKUP_CACHE = web.AppKey("clients_lookup_cache", LookupCache)
TREES = web.AppKey("clients_trees", classifier_service.TreeCache)
FACETS = web.AppKey("clients_facets", FacetStore)

routes = Routes(tag="clients")
READERS = STAFF_ROLES | {Role.DEALER}
EDITORS = {Role.ADMIN, Role.MANAGER}
ADMIN = {Role.ADMIN}
CLIENT_ID = id_param("client_id")


def policy(request: web.Request) -> access.ClientsPolicy:
    return request.app[POLICY]


def list_sources(request: web.Request) -> listing.ListSources:
    app = request.app
    return listing.ListSources(facets=app[FACETS], reader=app[keys.READER], trees=app[TREES])


def opener(request: web.Request) -> listing.UowOpener:
    return lambda: ctx.uow(request)


def client_id(request: web.Request) -> int:
    return int(request.match_info["client_id"])


def _region(request: web.Request) -> dict[str, Any]:
    return {"region": request.app[keys.SETTINGS].default_region}


async def _choices(request: web.Request) -> dict[str, Any]:
    async with ctx.uow(request) as uow:
        statuses = await service.list_statuses(uow)
        managers = await service.list_user_choices(uow)
        tree = await classifier_service.load_tree(uow)
    return {"statuses": statuses, "managers": managers, "tree": tree}


# -- list --------------------------------------------------------------------------------


@routes.get("/clients", roles=READERS, name="clients")
async def clients_list(request: web.Request) -> web.Response:
    who = ctx.actor(request)
    query = ctx.parse_query(request, ClientListQuery)
    uows = opener(request)
    page = await listing.list_clients(uows, list_sources(request), who, policy(request), query)
    counts = await listing.node_counts(uows, list_sources(request), who, policy(request))
    choices = await _choices(request)
    context = {"page": page, "query": query, "counts": counts, **choices}
    return render(request, "clients/list.html", context)


# -- create and edit ---------------------------------------------------------------------


def _blank(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = {name: "" for name in service.AUDITED_FIELDS}
    data["kind"] = kind if kind in ("legal", "individual") else "legal"
    data["phones"] = []
    data["emails"] = []
    return data


async def _form(
    request: web.Request,
    data: dict[str, Any],
    errors: dict[str, str],
    *,
    client: int | None,
    duplicates: list[Any] | None = None,
    node_ids: list[int] | None = None,
    status: int = 200,
) -> web.Response:
    context = {
        "data": data,
        "errors": forms.grouped_errors(errors),
        "client_id": client,
        "duplicates": duplicates or [],
        "node_ids": node_ids or [],
        **(await _choices(request)),
    }
    return render(request, "clients/form.html", context, status=status)


@routes.get("/clients/new", roles=STAFF_ROLES, name="client_new")
async def client_new(request: web.Request) -> web.Response:
    return await _form(request, _blank(request.query.get("kind", "legal")), {}, client=None)


@routes.post("/clients/new", roles=STAFF_ROLES)
async def client_create(request: web.Request) -> web.Response:
    form = await request.post()
    data = forms.client_data(form)
    node_ids = forms.node_ids(form)
    try:
        parsed = validate_model(ClientIn, data, "The client", _region(request))
        async with ctx.uow(request) as uow:
            created = await service.create_client(
                uow,
                ctx.actor(request),
                policy(request),
                parsed,
                ctx.now(request),
                allow_duplicate=form.get("allow_duplicate") == "on",
                node_ids=node_ids,
            )
    except service.DuplicateClient as exc:
        return await _form(
            request,
            data,
            {},
            client=None,
            duplicates=exc.duplicates,
            node_ids=node_ids,
            status=409,
        )
    except ValidationFailed as exc:
        return await _form(request, data, exc.fields, client=None, node_ids=node_ids, status=422)
    ctx.flash(request, gettext(request, "The client was created"), "success")
    raise web.HTTPFound(f"/clients/{created.id}")


@routes.get(f"/clients/{CLIENT_ID}/edit", roles=STAFF_ROLES, name="client_edit")
async def client_edit(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        client = await service.get_client(
            uow, ctx.actor(request), policy(request), client_id(request)
        )
    data = service.client_in_from(client)
    return await _form(request, data, {}, client=client.id)


@routes.post(f"/clients/{CLIENT_ID}/edit", roles=STAFF_ROLES)
async def client_update(request: web.Request) -> web.Response:
    form = await request.post()
    data = forms.client_data(form)
    cid = client_id(request)
    try:
        parsed = validate_model(ClientIn, data, "The client", _region(request))
        async with ctx.uow(request) as uow:
            await service.update_client(
                uow, ctx.actor(request), policy(request), cid, parsed, ctx.now(request)
            )
    except ValidationFailed as exc:
        return await _form(request, data, exc.fields, client=cid, status=422)
    ctx.flash(request, gettext(request, "The client was saved"), "success")
    raise web.HTTPFound(f"/clients/{cid}")


# -- the card ----------------------------------------------------------------------------


def _back_with_error(request: web.Request, exc: KompasError, location: str) -> NoReturn:
    """A form on the card failed: back to the card with the reason shown at the top."""
    details = "; ".join(gettext(request, m) for m in exc.fields.values())
    message = gettext(request, exc.message) + (f": {details}" if details else "")
    ctx.flash(request, message, "error")
    raise web.HTTPFound(location)


def _day_bound(value: str | None, zone: Any, end: bool) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        field = "until" if end else "since"
        raise ValidationFailed(
            "A date is needed here", fields={field: "A date is needed here"}
        ) from None
    moment = datetime.combine(day, time.max if end else time.min, tzinfo=zone)
    return moment.astimezone(UTC)


async def _timeline(request: web.Request, cid: int) -> tuple[list[Any], dict[str, Any]]:
    fmt_zone = ZoneInfo(ctx.actor(request).timezone)
    kinds = [k for k in request.query.getall("kind", []) if k]
    since = _day_bound(request.query.get("since"), fmt_zone, end=False)
    until = _day_bound(request.query.get("until"), fmt_zone, end=True)
    window = TimelineWindow(client_id=cid, since=since, until=until, limit=500)
    async with ctx.uow(request) as uow:
        await dossier.require_visible(uow, ctx.actor(request), policy(request), cid)
        entries = await request.app[TIMELINE].collect(uow, window, set(kinds) or None)
    filters = {
        "kinds": kinds,
        "all_kinds": request.app[TIMELINE].kinds,
        "since": request.query.get("since", ""),
        "until": request.query.get("until", ""),
    }
    return entries, filters


@routes.get(f"/clients/{CLIENT_ID}", roles=READERS, name="client")
async def client_card(request: web.Request) -> web.Response:
    who = ctx.actor(request)
    cid = client_id(request)
    async with ctx.uow(request) as uow:
        client = await service.get_client(uow, who, policy(request), cid)
        people = await dossier.list_contact_persons(uow, who, policy(request), cid)
        notes = await dossier.list_notes(uow, who, policy(request), cid)
        files = await dossier.list_files(uow, who, policy(request), cid)
        audit = await dossier.list_audit(uow, who, policy(request), cid)
        tree = await classifier_service.load_tree(uow)
    entries, timeline_filters = await _timeline(request, cid)
    panels = await request.app[keys.PANELS].collect("client_card", request, client_id=cid)
    context = {
        "client": client,
        "panels": panels,
        "people": people,
        "notes": notes,
        "files": files,
        "audit": audit,
        "tree": tree,
        "timeline": entries,
        "timeline_filters": timeline_filters,
        "may_edit": who.role is not Role.DEALER,
        "may_merge": who.role in EDITORS,
        "upload_max_mb": policy(request).upload_max_bytes // (1024 * 1024),
        "errors": {},
    }
    return render(request, "clients/card.html", context)


@routes.get(f"/clients/{CLIENT_ID}/timeline.csv", roles=READERS, name="client_timeline_csv")
async def client_timeline_export(request: web.Request) -> web.StreamResponse:
    entries, _filters = await _timeline(request, client_id(request))
    fmt = formatter(request)

    def _(text: str) -> str:
        return gettext(request, text)

    columns = (_("When"), _("Kind"), _("What"), _("Details"), _("Who"))
    rows = [
        [
            fmt.datetime(e.at),
            _(e.kind),
            _(AUDIT_FIELD_LABELS.get(e.title, e.title)) if e.kind == "change" else e.title,
            e.body or "",
            e.author or "",
        ]
        for e in entries
    ]
    return table_response(f"client-{client_id(request)}-timeline", columns, rows, "csv")


@routes.post(f"/clients/{CLIENT_ID}/notes", roles=READERS, name="client_note")
async def client_note(request: web.Request) -> web.Response:
    form = await request.post()
    cid = client_id(request)
    try:
        data = validate_model(NoteIn, {"text": str(form.get("text", ""))}, "The note")
        async with ctx.uow(request) as uow:
            await dossier.add_note(
                uow, ctx.actor(request), policy(request), cid, data, ctx.now(request)
            )
    except ValidationFailed as exc:
        _back_with_error(request, exc, f"/clients/{cid}#notes")
    ctx.flash(request, gettext(request, "The note was added"), "success")
    raise web.HTTPFound(f"/clients/{cid}#notes")


@routes.post(f"/clients/{CLIENT_ID}/files", roles=READERS, name="client_file")
async def client_file_upload(request: web.Request) -> web.Response:
    cid = client_id(request)
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        raise ValidationFailed(
            gettext(request, "Choose a file to upload"), fields={"file": "missing"}
        )
    content = upload.file.read()
    try:
        async with ctx.uow(request) as uow:
            await dossier.add_file(
                uow,
                ctx.actor(request),
                policy(request),
                cid,
                # Some clients (aiohttp among them) percent-encode non-ASCII file names.
                unquote(upload.filename),
                content,
                ctx.now(request),
            )
    except dossier.BadUpload as exc:
        _back_with_error(request, exc, f"/clients/{cid}#files")
    ctx.flash(request, gettext(request, "The file was attached"), "success")
    raise web.HTTPFound(f"/clients/{cid}#files")


@routes.get(
    f"/clients/{CLIENT_ID}/files/{id_param('file_id')}", roles=READERS, name="client_file_get"
)
async def client_file_download(request: web.Request) -> web.StreamResponse:
    async with ctx.uow(request) as uow:
        meta, path = await dossier.open_file(
            uow,
            ctx.actor(request),
            policy(request),
            client_id(request),
            int(request.match_info["file_id"]),
        )
    response = web.FileResponse(path)
    response.content_type = meta.content_type
    response.headers["Content-Disposition"] = attachment_header(meta.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@routes.post(f"/clients/{CLIENT_ID}/categories", roles=STAFF_ROLES, name="client_categories")
async def client_categories(request: web.Request) -> web.Response:
    form = await request.post()
    cid = client_id(request)
    async with ctx.uow(request) as uow:
        await classifier_service.place_client(
            uow, ctx.actor(request), policy(request), cid, forms.node_ids(form), ctx.now(request)
        )
    ctx.flash(request, gettext(request, "The classification was saved"), "success")
    raise web.HTTPFound(f"/clients/{cid}#classifier")


@routes.post(f"/clients/{CLIENT_ID}/archive", roles=EDITORS, name="client_archive")
async def client_archive(request: web.Request) -> web.Response:
    cid = client_id(request)
    async with ctx.uow(request) as uow:
        await service.archive_client(
            uow, ctx.actor(request), policy(request), cid, ctx.now(request)
        )
    ctx.flash(request, gettext(request, "The client was archived"), "success")
    raise web.HTTPFound(f"/clients/{cid}")


@routes.post(f"/clients/{CLIENT_ID}/restore", roles=EDITORS, name="client_restore")
async def client_restore(request: web.Request) -> web.Response:
    cid = client_id(request)
    async with ctx.uow(request) as uow:
        await service.restore_client(
            uow, ctx.actor(request), policy(request), cid, ctx.now(request)
        )
    ctx.flash(request, gettext(request, "The client was restored"), "success")
    raise web.HTTPFound(f"/clients/{cid}")


@routes.post(f"/clients/{CLIENT_ID}/merge", roles=EDITORS, name="client_merge")
async def client_merge(request: web.Request) -> web.Response:
    form = await request.post()
    cid = client_id(request)
    other = str(form.get("other_id", "")).lstrip("#").strip()
    try:
        if not other.isdigit() or len(other) > 9:
            raise ValidationFailed("Give the number of the client to merge")
        async with ctx.uow(request) as uow:
            await service.merge_clients(
                uow, ctx.actor(request), policy(request), cid, int(other), ctx.now(request)
            )
    except KompasError as exc:
        _back_with_error(request, exc, f"/clients/{cid}#merge")
    ctx.flash(request, gettext(request, "The clients were merged"), "success")
    raise web.HTTPFound(f"/clients/{cid}")


@routes.post(f"/clients/{CLIENT_ID}/contacts", roles=STAFF_ROLES, name="client_contact_new")
async def contact_create(request: web.Request) -> web.Response:
    return await _save_contact(request, None)


@routes.post(
    f"/clients/{CLIENT_ID}/contacts/{id_param('person_id')}",
    roles=STAFF_ROLES,
    name="client_contact",
)
async def contact_update(request: web.Request) -> web.Response:
    return await _save_contact(request, int(request.match_info["person_id"]))


async def _save_contact(request: web.Request, person_id: int | None) -> web.Response:
    form = await request.post()
    cid = client_id(request)
    try:
        data = validate_model(
            ContactPersonIn, forms.person_data(form), "The contact person", _region(request)
        )
        async with ctx.uow(request) as uow:
            await dossier.save_contact_person(
                uow, ctx.actor(request), policy(request), cid, data, ctx.now(request), person_id
            )
    except ValidationFailed as exc:
        _back_with_error(request, exc, f"/clients/{cid}#people")
    ctx.flash(request, gettext(request, "The contact person was saved"), "success")
    raise web.HTTPFound(f"/clients/{cid}#people")


@routes.post(
    f"/clients/{CLIENT_ID}/contacts/{id_param('person_id')}/delete",
    roles=STAFF_ROLES,
    name="client_contact_delete",
)
async def contact_delete(request: web.Request) -> web.Response:
    cid = client_id(request)
    async with ctx.uow(request) as uow:
        await dossier.remove_contact_person(
            uow,
            ctx.actor(request),
            policy(request),
            cid,
            int(request.match_info["person_id"]),
            ctx.now(request),
        )
    ctx.flash(request, gettext(request, "The contact person was removed"), "success")
    raise web.HTTPFound(f"/clients/{cid}#people")


# -- classifier editor -------------------------------------------------------------------


@routes.get("/classifier", roles=STAFF_ROLES, name="classifier")
async def classifier_page(request: web.Request) -> web.Response:
    who = ctx.actor(request)
    async with ctx.uow(request) as uow:
        counts = await listing.node_counts(
            opener(request), list_sources(request), who, policy(request)
        )
        tree = await classifier_service.load_tree(uow)
    context = {
        "tree": tree,
        "counts": counts,
        "may_edit": who.role in EDITORS,
        "errors": {},
    }
    return render(request, "clients/classifier.html", context)


def _node_data(form: Any) -> NodeIn:
    position = str(form.get("position", "0")) or "0"
    return validate_model(
        NodeIn,
        {
            "name": str(form.get("name", "")),
            "parent_ids": forms.node_ids(form, "parent"),
            "position": position if position.isdigit() else -1,
        },
        "The category",
    )


@routes.post("/classifier/nodes", roles=EDITORS, name="classifier_node_new")
async def node_create(request: web.Request) -> web.Response:
    data = _node_data(await request.post())
    async with ctx.uow(request) as uow:
        await classifier_service.create_node(uow, ctx.actor(request), data)
    ctx.flash(request, gettext(request, "The category was created"), "success")
    raise web.HTTPFound("/classifier")


@routes.post("/classifier/nodes/" + id_param("node_id"), roles=EDITORS, name="classifier_node")
async def node_update(request: web.Request) -> web.Response:
    data = _node_data(await request.post())
    async with ctx.uow(request) as uow:
        await classifier_service.update_node(
            uow, ctx.actor(request), int(request.match_info["node_id"]), data
        )
    ctx.flash(request, gettext(request, "The category was saved"), "success")
    raise web.HTTPFound("/classifier")


@routes.post(
    "/classifier/nodes/" + id_param("node_id") + "/delete",
    roles=EDITORS,
    name="classifier_node_delete",
)
async def node_delete(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await classifier_service.delete_node(
            uow, ctx.actor(request), int(request.match_info["node_id"])
        )
    ctx.flash(request, gettext(request, "The category was deleted"), "success")
    raise web.HTTPFound("/classifier")


# -- statuses ----------------------------------------------------------------------------


@routes.get("/admin/statuses", roles=ADMIN, name="admin_statuses")
async def statuses_page(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        statuses = await service.list_statuses(uow)
    return render(request, "clients/statuses.html", {"statuses": statuses, "errors": {}})


def _status_data(form: Any) -> StatusIn:
    position = str(form.get("position", "0")) or "0"
    return validate_model(
        StatusIn,
        {
            "name": str(form.get("name", "")),
            "position": position if position.isdigit() else -1,
            "is_default": form.get("is_default") == "on",
        },
        "The status",
    )


@routes.post("/admin/statuses", roles=ADMIN, name="admin_status_new")
async def status_create(request: web.Request) -> web.Response:
    data = _status_data(await request.post())
    async with ctx.uow(request) as uow:
        await service.save_status(uow, ctx.actor(request), data)
    ctx.flash(request, gettext(request, "The status was saved"), "success")
    raise web.HTTPFound("/admin/statuses")


@routes.post("/admin/statuses/" + id_param("status_id"), roles=ADMIN, name="admin_status")
async def status_update(request: web.Request) -> web.Response:
    data = _status_data(await request.post())
    async with ctx.uow(request) as uow:
        await service.save_status(
            uow, ctx.actor(request), data, int(request.match_info["status_id"])
        )
    ctx.flash(request, gettext(request, "The status was saved"), "success")
    raise web.HTTPFound("/admin/statuses")
