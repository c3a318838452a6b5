"""Pages and API of client import (upload, mapping, report) and export of filtered lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from kompas_cc.clients import access, import_service, importing
from kompas_cc.clients.handlers import POLICY, READERS, list_sources
from kompas_cc.clients.import_service import ExportRow, ImportOptions, ImportPlace
from kompas_cc.clients.importing import FIELD_LABELS, TARGETS, ClientKind, ImportReport, RowError
from kompas_cc.clients.schemas import ClientListQuery
from kompas_cc.core.actor import Role
from kompas_cc.core.errors import ValidationFailed
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp import keys
from kompas_cc.webapp.routing import Routes
from kompas_cc.webapp.tables import TableFormat, table_response
from kompas_cc.webapp.templates import formatter, gettext, render

routes = Routes(tag="clients")
IMPORTERS = {Role.ADMIN, Role.MANAGER}
#: Any segment: the service refuses a malformed token with a 404 after the role check.
TOKEN = "{token}"
REPORT_SHOWN_ROWS = 1000

#: Export columns, English source text translated per request.
EXPORT_COLUMNS = (
    "ID", "Kind", "Name", "INN", "KPP", "OGRN", "Phones", "E-mails", "Status", "Manager",
    "Legal address", "Classifier", "Created",
)  # fmt: skip
KIND_LABELS = {"legal": "Legal entity", "individual": "Individual"}


# -- API shapes -------------------------------------------------------------------------


class ExportQuery(ClientListQuery):
    """The filters of GET /api/v1/clients plus the file format; page and per_page are ignored."""

    format: TableFormat = "csv"


class ImportRequest(BaseModel):
    """Rows of a table with its column headers; `mapping` names the field of each header.

    Without `mapping` the fields are guessed from the headers, in Russian or English
    ("ИНН", "Телефон", "name", "inn", "phone" ...). A header left out of `mapping` is not
    imported. Targets: kind, name, legal_form, inn, kpp, ogrn, legal_address, actual_address,
    bank_name, bik, bank_account, corr_account, website, industry, last_name, first_name,
    middle_name, birth_date, phone, email, status, manager, source, notes, node, ignore.
    """

    model_config = ConfigDict(extra="forbid")

    columns: list[str] = Field(min_length=1, max_length=importing.MAX_COLUMNS)
    rows: list[list[str | int | float | None]] = Field(max_length=importing.MAX_ROWS)
    mapping: dict[str, str] | None = None
    kind: ClientKind = "legal"
    allow_duplicate: bool = False


class RejectedOut(BaseModel):
    row: int = Field(description="1-based index of the row in `rows`")
    errors: dict[str, str]


class ImportResultOut(BaseModel):
    imported: int
    rejected: list[RejectedOut]
    empty: int
    total: int
    created_ids: list[int]


# -- helpers ----------------------------------------------------------------------------


def _policy(request: web.Request) -> access.ClientsPolicy:
    return request.app[POLICY]


def _place(request: web.Request) -> ImportPlace:
    settings = request.app[keys.SETTINGS]
    return ImportPlace(settings.var_dir / "imports", settings.upload_max_bytes)


def _token(request: web.Request) -> str:
    return request.match_info["token"]


def _kind(value: Any) -> ClientKind:
    return "individual" if value == "individual" else "legal"


def error_text(request: web.Request, error: RowError) -> str:
    message = gettext(request, error.message)
    return f"{message} {error.detail}" if error.detail else message


def errors_text(request: web.Request, errors: dict[str, RowError]) -> str:
    return "; ".join(
        f"{gettext(request, FIELD_LABELS.get(name, name))}: {error_text(request, error)}"
        for name, error in errors.items()
    )


# -- export -----------------------------------------------------------------------------


def _export_cells(request: web.Request, row: ExportRow, fmt: TableFormat) -> list[Any]:
    formats = formatter(request)
    created: Any = formats.datetime(row.created_at)
    if fmt == "xlsx":  # a real date cell; Excel has no time zones, so the user's local time
        created = row.created_at.astimezone(formats.zone).replace(tzinfo=None)
    return [
        row.id,
        gettext(request, KIND_LABELS.get(row.kind, row.kind)),
        row.name,
        row.inn,
        row.kpp,
        row.ogrn,
        ", ".join(row.phones),
        ", ".join(row.emails),
        row.status,
        row.manager,
        row.legal_address,
        "; ".join(row.nodes),
        created,
    ]


async def _export(request: web.Request, query: ClientListQuery, fmt: TableFormat) -> web.Response:
    async with ctx.uow(request) as uow:
        rows = await import_service.export_clients(
            uow, list_sources(request), ctx.actor(request), _policy(request), query
        )
    columns = [gettext(request, c) for c in EXPORT_COLUMNS]
    name = f"clients-{ctx.now(request).date().isoformat()}"
    return table_response(name, columns, (_export_cells(request, r, fmt) for r in rows), fmt)


@routes.get("/clients/export.csv", roles=READERS, name="clients_export_csv")
async def export_csv(request: web.Request) -> web.Response:
    return await _export(request, ctx.parse_query(request, ClientListQuery), "csv")


@routes.get("/clients/export.xlsx", roles=READERS, name="clients_export_xlsx")
async def export_xlsx(request: web.Request) -> web.Response:
    return await _export(request, ctx.parse_query(request, ClientListQuery), "xlsx")


@routes.get(
    "/api/v1/clients/export",
    roles=READERS,
    query=ExportQuery,
    summary="Every client matching the list filters, as a CSV (UTF-8 with BOM, ';') or XLSX file",
)
async def api_export(request: web.Request) -> web.Response:
    query = ctx.parse_query(request, ExportQuery)
    return await _export(request, query, query.format)


# -- import: upload ---------------------------------------------------------------------


def _upload_page(
    request: web.Request,
    errors: dict[str, str],
    kind: ClientKind = "legal",
    allow_duplicate: bool = False,
    status: int = 200,
) -> web.Response:
    settings = request.app[keys.SETTINGS]
    context = {
        "errors": errors,
        "kind": kind,
        "allow_duplicate": allow_duplicate,
        "max_rows": importing.MAX_ROWS,
        "max_mb": f"{settings.upload_max_bytes / (1024 * 1024):g}",
    }
    return render(request, "clients/import.html", context, status=status)


@routes.get("/clients/import", roles=IMPORTERS, name="clients_import")
async def import_form(request: web.Request) -> web.Response:
    return _upload_page(request, {})


@routes.post("/clients/import", roles=IMPORTERS)
async def import_upload(request: web.Request) -> web.Response:
    form = await request.post()
    kind = _kind(form.get("kind"))
    allow_duplicate = form.get("duplicates") == "import"
    upload = form.get("file")
    if not isinstance(upload, web.FileField) or not upload.filename:
        errors = {"file": "Choose a file to upload"}
        return _upload_page(request, errors, kind, allow_duplicate, status=422)
    content = upload.file.read()
    try:
        preview = await import_service.store_upload(
            ctx.actor(request),
            _place(request),
            upload.filename,
            content,
            kind,
            allow_duplicate,
            ctx.now(request),
        )
    except importing.UnreadableFile as exc:
        return _upload_page(request, {"file": exc.message}, kind, allow_duplicate, status=422)
    raise web.HTTPFound(f"/clients/import/{preview.token}")


# -- import: mapping and run ------------------------------------------------------------


def _preview_page(
    request: web.Request,
    preview: import_service.ImportPreview,
    options: ImportOptions,
    errors: dict[str, str],
    status: int = 200,
) -> web.Response:
    context = {
        "preview": preview,
        "options": options,
        "targets": [(t, gettext(request, FIELD_LABELS[t])) for t in TARGETS],
        "errors": errors,
    }
    return render(request, "clients/import_preview.html", context, status=status)


@routes.get(f"/clients/import/{TOKEN}", roles=IMPORTERS, name="clients_import_preview")
async def import_preview(request: web.Request) -> web.Response:
    preview = await import_service.load_preview(
        ctx.actor(request), _place(request), _token(request)
    )
    if preview is None:
        raise web.HTTPFound(f"/clients/import/{_token(request)}/report")
    return _preview_page(request, preview, preview.options, {})


def _mapping(form: Any) -> list[str]:
    mapping: list[str] = []
    while f"map_{len(mapping)}" in form and len(mapping) < importing.MAX_COLUMNS:
        mapping.append(str(form[f"map_{len(mapping)}"]))
    return mapping


@routes.post(f"/clients/import/{TOKEN}", roles=IMPORTERS)
async def import_run(request: web.Request) -> web.Response:
    """One step of the import: at most IMPORT_STEP_ROWS rows, then the progress page, which
    sends the next step (by itself with JavaScript, by a button without)."""
    form = await request.post()
    token = _token(request)
    mapping = _mapping(form)
    options = None
    if mapping:
        options = ImportOptions(
            mapping=mapping,
            kind=_kind(form.get("kind")),
            allow_duplicate=form.get("duplicates") == "import",
        )
    try:
        progress = await import_service.run_import(
            request.app[keys.UOW],
            ctx.actor(request),
            _policy(request),
            _place(request),
            token,
            options,
            ctx.now(request),
            step_rows=import_service.IMPORT_STEP_ROWS,
        )
    except import_service.ImportRunning:
        ctx.flash(request, gettext(request, "This import is already running"), "warning")
        raise web.HTTPFound(f"/clients/import/{token}") from None
    except ValidationFailed as exc:
        preview = await import_service.load_preview(ctx.actor(request), _place(request), token)
        if preview is None:
            raise web.HTTPFound(f"/clients/import/{token}/report") from None
        shown = options or preview.options
        return _preview_page(request, preview, shown, exc.fields, status=422)
    if not progress.finished:
        raise web.HTTPFound(f"/clients/import/{token}")
    report = progress.report
    ctx.flash(
        request,
        gettext(
            request,
            "Imported: %(imported)s, rejected: %(rejected)s, empty rows: %(empty)s",
            imported=report.imported,
            rejected=len(report.rejected),
            empty=report.empty,
        ),
        "success" if not report.rejected else "warning",
    )
    raise web.HTTPFound(f"/clients/import/{token}/report")


# -- import: report ---------------------------------------------------------------------


@routes.get(f"/clients/import/{TOKEN}/report", roles=IMPORTERS, name="clients_import_report")
async def import_report(request: web.Request) -> web.Response:
    report = await import_service.load_report(ctx.actor(request), _place(request), _token(request))
    rejected = import_service.rejected_rows(report)
    context = {
        "token": _token(request),
        "report": report,
        "rejected": rejected[:REPORT_SHOWN_ROWS],
        "hidden": max(0, len(rejected) - REPORT_SHOWN_ROWS),
        "labels": {k: gettext(request, v) for k, v in FIELD_LABELS.items()},
        "error_text": lambda error: error_text(request, error),
    }
    return render(request, "clients/import_report.html", context)


@routes.get(
    f"/clients/import/{TOKEN}/rejected.csv", roles=IMPORTERS, name="clients_import_rejected"
)
async def import_rejected(request: web.Request) -> web.Response:
    """The rejected rows as they came, plus an error column: fix them and import this file."""
    report = await import_service.load_report(ctx.actor(request), _place(request), _token(request))
    width = len(report.headers)
    rows = (
        [*importing.padded(r.values, width)[:width], errors_text(request, r.errors)]
        for r in import_service.rejected_rows(report)
    )
    columns = [*report.headers, gettext(request, "Error")]
    return table_response(f"rejected-{_token(request)[:8]}", columns, rows, "csv")


# -- import: API ------------------------------------------------------------------------


def _api_mapping(body: ImportRequest) -> list[str]:
    if body.mapping is None:
        return importing.guess_mapping(body.columns)
    return [body.mapping.get(c, importing.IGNORE) for c in body.columns]


def _api_result(report: ImportReport) -> ImportResultOut:
    return ImportResultOut(
        imported=report.imported,
        rejected=[
            RejectedOut(row=r.row, errors={k: e.text() for k, e in r.errors.items()})
            for r in import_service.rejected_rows(report)
        ],
        empty=report.empty,
        total=report.total,
        created_ids=report.created_ids,
    )


def _column_errors(fields: dict[str, str], columns: Sequence[str]) -> dict[str, str]:
    out = {}
    for key, message in fields.items():
        index = key.removeprefix("map_")
        column = columns[int(index)] if index.isdigit() and int(index) < len(columns) else key
        out[f"mapping.{column}" if column != key else key] = message
    return out


@routes.post(
    "/api/v1/clients/import",
    roles=IMPORTERS,
    body=ImportRequest,
    response=ImportResultOut,
    summary="Import clients from table rows; each row is imported or rejected with reasons",
)
async def api_import(request: web.Request) -> web.Response:
    body = await ctx.parse_json(request, ImportRequest)
    options = ImportOptions(_api_mapping(body), body.kind, body.allow_duplicate)
    rows = [[importing.cell_text(v) for v in row] for row in body.rows]
    try:
        report = await import_service.import_rows(
            request.app[keys.UOW],
            ctx.actor(request),
            _policy(request),
            body.columns,
            rows,
            options,
            ctx.now(request),
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, fields=_column_errors(exc.fields, body.columns)
        ) from None
    return ctx.json_response(_api_result(report))
