"""Use cases of client import and export: preview an upload, run an import, export a list.

An import is kept between requests by files under <var_dir>/imports (no table needed):
- <token>.json: the parsed upload (headers and cell strings only) and the guessed mapping;
- <token>.options.json: the mapping and options chosen when the import started;
- <token>.progress.jsonl: one line per committed chunk (rows done, what happened to them);
- <token>.result.json: the final report, read by the report page and the rejected-rows file.

Rows are imported chunk by chunk, each chunk one unit of work with one savepoint per row,
and each request imports at most IMPORT_STEP_ROWS rows (create_client costs about a dozen
statements per row): the page shows the progress and asks for the next step, so no request
outlives a proxy's timeout and no task runs without an owner. A step re-sent after the end
finds the result and imports nothing twice; a step that died resumes after the last
committed chunk. Files older than IMPORT_FILES_MAX_AGE_S go.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import logging
import os
import re
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import column, select, table, text
from sqlalchemy.exc import SQLAlchemyError

from kompas_cc.clients import access, classifier_service, importing, listing, repo, service
from kompas_cc.clients.classifier import Tree
from kompas_cc.clients.importing import (
    ClientKind,
    ImportReport,
    Lookups,
    RejectedRow,
    RowError,
    Table,
)
from kompas_cc.clients.listing import ListSources
from kompas_cc.clients.models import Client, ClientCategory
from kompas_cc.clients.schemas import ClientListQuery
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import Conflict, Forbidden, KompasError, NotFound, ValidationFailed
from kompas_cc.db.uow import UnitOfWork, UowFactory

logger = logging.getLogger(__name__)

IMPORT_CHUNK_ROWS = 500
IMPORT_STEP_ROWS = 2_000
EXPORT_CHUNK_ROWS = 500
IMPORT_FILES_MAX_AGE_S = 2 * 24 * 3600
IMPORT_LOCK_STALE_S = 3600
TOKEN_RE = re.compile(r"[0-9a-f]{32}")
IMPORTERS = frozenset({Role.ADMIN, Role.MANAGER})
MSG_DATABASE_REFUSED = "The database refused this row"

#: The users table seen through the columns an import resolves managers by. repo.users has
#: no login column and this change may not edit repo.py; see the note in the report.
_users = table(
    "users", column("id"), column("login"), column("name"), column("role"), column("is_active")
)


#: Told (rows done so far, that chunk's report) after each chunk's commit.
ChunkSink = Callable[[int, ImportReport], Awaitable[None]]


class ImportRunning(Conflict):
    error_id = "import-running"


class NoSuchImport(NotFound):
    error_id = "no-such-import"


@dataclass(frozen=True, slots=True)
class ImportPlace:
    """Where the files of imports live and how large an upload may be."""

    directory: Path
    upload_max_bytes: int


@dataclass(frozen=True, slots=True)
class ImportOptions:
    mapping: list[str]
    kind: ClientKind = "legal"
    allow_duplicate: bool = False


@dataclass(frozen=True, slots=True)
class ImportPreview:
    token: str
    filename: str
    headers: list[str]
    sample: list[tuple[int, list[str]]]  # (row number in the file, cells)
    rows: int
    first_row: int
    file_format: str
    encoding: str
    delimiter: str
    options: ImportOptions
    progress: ImportReport | None = None  # None: not started yet


@dataclass(frozen=True, slots=True)
class ImportProgress:
    report: ImportReport  # the rows done so far
    rows: int
    finished: bool


def require_importer(actor: Actor) -> None:
    if actor.role not in IMPORTERS:
        raise Forbidden("Only managers and admins import clients")


# -- files of an import -----------------------------------------------------------------


def _path(place: ImportPlace, token: str, suffix: str) -> Path:
    if not TOKEN_RE.fullmatch(token):
        raise NoSuchImport("No such import")
    return place.directory / f"{token}{suffix}"


def _write(path: Path, text_: str, now: datetime) -> None:
    """Write atomically; the file's time is the clock's, so purging follows the same clock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(path.suffix + ".tmp")
    temp.write_text(text_, encoding="utf-8")
    os.utime(temp, (now.timestamp(), now.timestamp()))
    temp.replace(path)


def _purge(directory: Path, now: datetime) -> None:
    if not directory.is_dir():
        return
    limit = now.timestamp() - IMPORT_FILES_MAX_AGE_S
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:  # removed by another process meanwhile
            continue


def _job_json(table_: Table, filename: str, user_id: int, options: ImportOptions) -> str:
    return json.dumps(
        {
            "user_id": user_id,
            "filename": filename,
            "headers": table_.headers,
            "rows": table_.rows,
            "first_row": table_.first_row,
            "file_format": table_.file_format,
            "encoding": table_.encoding,
            "delimiter": table_.delimiter,
            "mapping": options.mapping,
            "kind": options.kind,
            "allow_duplicate": options.allow_duplicate,
        },
        ensure_ascii=False,
    )


@dataclass(frozen=True, slots=True)
class _Job:
    user_id: int
    filename: str
    table: Table
    options: ImportOptions


def _read_job(place: ImportPlace, actor: Actor, token: str) -> _Job | None:
    """The stored upload, None once the import finished; someone else's upload is not found."""
    path = _path(place, token, ".json")
    if not path.is_file():
        if _path(place, token, ".result.json").is_file():
            _read_result(place, actor, token)  # raises for someone else's import
            return None
        raise NoSuchImport("No such import: it may have expired; upload the file again")
    raw = json.loads(path.read_text(encoding="utf-8"))
    if raw["user_id"] != actor.id:
        raise NoSuchImport("No such import")
    return _Job(
        user_id=raw["user_id"],
        filename=raw["filename"],
        table=Table(
            headers=raw["headers"],
            rows=raw["rows"],
            first_row=raw["first_row"],
            file_format=raw["file_format"],
            encoding=raw["encoding"],
            delimiter=raw["delimiter"],
        ),
        options=ImportOptions(
            mapping=raw["mapping"], kind=raw["kind"], allow_duplicate=raw["allow_duplicate"]
        ),
    )


def _read_result(place: ImportPlace, actor: Actor, token: str) -> ImportReport:
    path = _path(place, token, ".result.json")
    if not path.is_file():
        raise NoSuchImport("No such import report: it may have expired")
    raw = json.loads(path.read_text(encoding="utf-8"))
    if raw.get("user_id") != actor.id:
        raise NoSuchImport("No such import report")
    return ImportReport.model_validate(raw["report"])


def _preview_of(token: str, job: _Job) -> ImportPreview:
    table_ = job.table
    width = len(table_.headers)
    filled = ((table_.first_row + i, row) for i, row in enumerate(table_.rows) if row)
    sample = [
        (number, importing.padded(row, width))
        for number, row in itertools.islice(filled, importing.PREVIEW_ROWS)
    ]
    return ImportPreview(
        token=token,
        filename=job.filename,
        headers=table_.headers,
        sample=sample,
        rows=len(table_.rows),
        first_row=table_.first_row,
        file_format=table_.file_format,
        encoding=table_.encoding,
        delimiter=table_.delimiter,
        options=job.options,
    )


# -- step 1: upload ---------------------------------------------------------------------


async def store_upload(
    actor: Actor,
    place: ImportPlace,
    filename: str,
    content: bytes,
    kind: ClientKind,
    allow_duplicate: bool,
    now: datetime,
) -> ImportPreview:
    """Parse the uploaded table, keep it under a fresh token, guess the mapping."""
    require_importer(actor)
    if len(content) > place.upload_max_bytes:
        raise importing.UnreadableFile(importing.MSG_TOO_LARGE)
    # Parsing 50 000 rows of XLSX takes seconds of CPU: off the event loop.
    table_ = await asyncio.to_thread(importing.read_table, filename, content)
    options = ImportOptions(importing.guess_mapping(table_.headers), kind, allow_duplicate)
    safe_name = Path(filename.replace("\\", "/")).name[:200]
    token = secrets.token_hex(16)
    job = _Job(user_id=actor.id, filename=safe_name, table=table_, options=options)

    def save() -> None:
        _purge(place.directory, now)
        _write(_path(place, token, ".json"), _job_json(table_, safe_name, actor.id, options), now)

    await asyncio.to_thread(save)
    return _preview_of(token, job)


async def load_preview(actor: Actor, place: ImportPlace, token: str) -> ImportPreview | None:
    """The stored upload (to choose the mapping, or to show the progress once started);
    None when the import has finished."""
    require_importer(actor)

    def read() -> ImportPreview | None:
        job = _read_job(place, actor, token)
        if job is None:
            return None
        preview = _preview_of(token, job)
        options = _read_options(place, token)
        if options is None:
            return preview
        _, progress = _read_progress(_path(place, token, ".progress.jsonl"))
        return dataclasses.replace(preview, options=options, progress=progress)

    return await asyncio.to_thread(read)


async def load_report(actor: Actor, place: ImportPlace, token: str) -> ImportReport:
    require_importer(actor)
    return await asyncio.to_thread(_read_result, place, actor, token)


# -- step 2: run ------------------------------------------------------------------------


async def load_lookups(uow: UnitOfWork) -> Lookups:
    """Statuses, active staff (by login and name) and classifier nodes, for resolving cells."""
    statuses = await service.list_statuses(uow)
    rows = await uow.session.execute(
        select(_users.c.id, _users.c.login, _users.c.name).where(
            _users.c.is_active.is_(True), _users.c.role.in_(("admin", "manager", "operator"))
        )
    )
    tree = await classifier_service.load_tree(uow)
    return Lookups.build(
        ((s.id, s.name) for s in statuses),
        ((r[0], r[1], r[2]) for r in rows.all()),
        ((n, name, tree.label(n)) for n, name in tree.names.items()),
    )


async def _open_transaction(uow: UnitOfWork) -> None:
    """Make SAVEPOINTs nest inside a real transaction on SQLite.

    The pysqlite/aiosqlite driver opens its transaction lazily, before the first INSERT,
    UPDATE or DELETE. A SAVEPOINT sent before that starts a transaction of its own, and
    RELEASE of it commits: the chunk could not be rolled back as a whole (SQLAlchemy's
    "Serializable isolation / Savepoints / Transactional DDL" notes for pysqlite). The
    engine does not apply SQLAlchemy's recipe, so the transaction is begun here, once.
    """
    session = uow.session
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    if not getattr(raw.driver_connection, "in_transaction", True):
        await session.execute(text("BEGIN"))


async def _import_row(
    uow: UnitOfWork,
    actor: Actor,
    policy: access.ClientsPolicy,
    parsed: importing.ParsedRow,
    options: ImportOptions,
    now: datetime,
) -> tuple[int | None, dict[str, RowError]]:
    """Create one client inside a savepoint: a refused row leaves the others untouched.

    On PostgreSQL a failed statement aborts the whole transaction; rolling back to the
    savepoint is what lets the next row go on.
    """
    if parsed.client is None:
        return None, parsed.errors
    try:
        async with uow.session.begin_nested():
            created = await service.create_client(
                uow,
                actor,
                policy,
                parsed.client,
                now,
                allow_duplicate=options.allow_duplicate,
                node_ids=parsed.node_ids,
            )
    except service.DuplicateClient as exc:
        dups = [(d.client_id, d.name, d.reason) for d in exc.duplicates]
        return None, importing.duplicate_errors(dups)
    except KompasError as exc:
        errors = {
            importing.error_field(name): RowError(message=message)
            for name, message in exc.fields.items()
        }
        return None, errors or {"row": RowError(message=exc.message)}
    except SQLAlchemyError:
        logger.exception("import: the database refused a row")
        return None, {"row": RowError(message=MSG_DATABASE_REFUSED)}
    return created.id, {}


async def import_rows(
    uows: UowFactory,
    actor: Actor,
    policy: access.ClientsPolicy,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    options: ImportOptions,
    now: datetime,
    *,
    first_row: int = 1,
    start: int = 0,
    on_chunk: ChunkSink | None = None,
) -> ImportReport:
    """Import `rows[start:]`, one unit of work per chunk of IMPORT_CHUNK_ROWS rows.

    Every row ends up counted once: imported, rejected (with its values and reasons) or
    empty. `on_chunk` sees each chunk's report after its commit (progress, resumption).
    """
    require_importer(actor)
    problems = importing.check_mapping(options.mapping, len(headers))
    if problems:
        raise ValidationFailed("The column mapping is not usable", fields=problems)
    async with uows() as uow:
        lookups = await load_lookups(uow)
    width = len(headers)
    report = ImportReport(headers=list(headers))
    for chunk_start in range(start, len(rows), IMPORT_CHUNK_ROWS):
        chunk = rows[chunk_start : chunk_start + IMPORT_CHUNK_ROWS]
        part = ImportReport(total=len(chunk))
        async with uows() as uow:
            await _open_transaction(uow)
            for offset, cells in enumerate(chunk):
                number = first_row + chunk_start + offset
                if not any(c.strip() for c in cells):
                    part.empty += 1
                    continue
                parsed = importing.parse_row(
                    cells, options.mapping, headers, options.kind, lookups, policy.region
                )
                client_id, errors = await _import_row(uow, actor, policy, parsed, options, now)
                if client_id is not None:
                    part.imported += 1
                    part.created_ids.append(client_id)
                else:
                    values = importing.padded([str(c) for c in cells], width)
                    part.rejected.append(RejectedRow(row=number, values=values, errors=errors))
        if on_chunk is not None:
            await on_chunk(chunk_start + len(chunk), part)
        report.add(part)
    return report


class _ChunkSink:
    """Appends each committed chunk to the progress file of a stored import."""

    def __init__(self, path: Path, now: datetime) -> None:
        self.path = path
        self.now = now

    async def __call__(self, done: int, part: ImportReport) -> None:
        line = json.dumps({"done": done, "part": part.model_dump()}, ensure_ascii=False)

        def append() -> None:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
            os.utime(self.path, (self.now.timestamp(), self.now.timestamp()))

        await asyncio.to_thread(append)


def _read_progress(path: Path) -> tuple[int, ImportReport]:
    """Rows done and their report from the progress file; a torn last line is ignored."""
    done, report = 0, ImportReport()
    if not path.is_file():
        return done, report
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            break
        done = int(entry["done"])
        report.add(ImportReport.model_validate(entry["part"]))
    return done, report


def _take_lock(path: Path, now: datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.stat().st_mtime < now.timestamp() - IMPORT_LOCK_STALE_S:
            path.unlink(missing_ok=True)  # left by a process that died
    except FileNotFoundError:
        pass
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        raise ImportRunning("This import is already running") from None
    os.close(fd)
    os.utime(path, (now.timestamp(), now.timestamp()))


def _read_options(place: ImportPlace, token: str) -> ImportOptions | None:
    path = _path(place, token, ".options.json")
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    return ImportOptions(raw["mapping"], raw["kind"], raw["allow_duplicate"])


def _options_json(options: ImportOptions) -> str:
    return json.dumps(
        {
            "mapping": options.mapping,
            "kind": options.kind,
            "allow_duplicate": options.allow_duplicate,
        },
        ensure_ascii=False,
    )


async def run_import(
    uows: UowFactory,
    actor: Actor,
    policy: access.ClientsPolicy,
    place: ImportPlace,
    token: str,
    options: ImportOptions | None,
    now: datetime,
    *,
    step_rows: int | None = None,
) -> ImportProgress:
    """Import the next `step_rows` rows (None: all the rest) of a stored upload.

    The first step fixes `options`; later steps go on with those (the `options` they are
    given are ignored), so the mapping cannot change half-way. A step after the end only
    returns the result.
    """
    require_importer(actor)
    lock = _path(place, token, ".lock")
    progress = _path(place, token, ".progress.jsonl")
    await asyncio.to_thread(_take_lock, lock, now)
    try:
        # Read under the lock: a step that finished meanwhile has removed the upload.
        job = await asyncio.to_thread(_read_job, place, actor, token)
        if job is None:
            report = await asyncio.to_thread(_read_result, place, actor, token)
            return ImportProgress(report, report.total, finished=True)
        rows = job.table.rows
        chosen = await asyncio.to_thread(_read_options, place, token)
        if chosen is None:
            chosen = options or ImportOptions(mapping=[])
            problems = importing.check_mapping(chosen.mapping, len(job.table.headers))
            if problems:
                raise ValidationFailed("The column mapping is not usable", fields=problems)
            text_ = _options_json(chosen)
            await asyncio.to_thread(_write, _path(place, token, ".options.json"), text_, now)
        done, report = await asyncio.to_thread(_read_progress, progress)
        stop = len(rows) if step_rows is None else min(len(rows), done + step_rows)
        report.add(
            await import_rows(
                uows,
                actor,
                policy,
                job.table.headers,
                rows[:stop],
                chosen,
                now,
                first_row=job.table.first_row,
                start=done,
                on_chunk=_ChunkSink(progress, now),
            )
        )
        report.filename = job.filename
        report.headers = job.table.headers
        if stop < len(rows):
            return ImportProgress(report, len(rows), finished=False)
        stored = {"user_id": actor.id, "report": report.model_dump()}
        result = json.dumps(stored, ensure_ascii=False)

        def finish() -> None:
            _write(_path(place, token, ".result.json"), result, now)
            for suffix in (".json", ".options.json", ".progress.jsonl"):
                _path(place, token, suffix).unlink(missing_ok=True)

        await asyncio.to_thread(finish)
        return ImportProgress(report, len(rows), finished=True)
    finally:
        await asyncio.to_thread(lock.unlink, True)


def rejected_rows(report: ImportReport) -> list[RejectedRow]:
    return sorted(report.rejected, key=lambda r: r.row)


# -- export -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportRow:
    id: int
    kind: str
    name: str
    inn: str | None
    kpp: str | None
    ogrn: str | None
    phones: list[str]
    emails: list[str]
    status: str | None
    manager: str | None
    legal_address: str | None
    nodes: list[str]
    created_at: datetime


async def export_clients(
    uow: UnitOfWork,
    sources: ListSources,
    actor: Actor,
    policy: access.ClientsPolicy,
    query: ClientListQuery,
) -> list[ExportRow]:
    """Every client the list shows for `query` (all pages), with the columns of the export.

    Filtering, visibility and order are the list's own (clients.listing gives the ids); the
    remaining columns are read in batches of ids.
    """
    tree = await classifier_service.load_tree(uow)
    ids = await listing.all_ids(listing.reusing(uow), sources, actor, policy, query)
    out: list[ExportRow] = []
    for start in range(0, len(ids), EXPORT_CHUNK_ROWS):
        out.extend(await _export_page(uow, ids[start : start + EXPORT_CHUNK_ROWS], tree))
    return out


async def _export_page(uow: UnitOfWork, ids: list[int], tree: Tree) -> list[ExportRow]:
    session = uow.session
    rows = (await session.execute(repo.client_list_stmt([Client.id.in_(ids)]))).all()
    by_id = {client.id: (client, status, manager) for client, status, manager in rows}
    phones: dict[int, list[str]] = {}
    for phone in await repo.list_phones(session, ids):
        if phone.contact_person_id is None:
            phones.setdefault(phone.client_id, []).append(phone.number)
    emails: dict[int, list[str]] = {}
    for email in await repo.list_emails(session, ids):
        if email.contact_person_id is None:
            emails.setdefault(email.client_id, []).append(email.address)
    nodes: dict[int, list[str]] = {}
    if tree.names:
        # One query per page instead of repo.list_category_ids per client (see the report).
        placements = await session.execute(
            select(ClientCategory.client_id, ClientCategory.node_id).where(
                ClientCategory.client_id.in_(ids)
            )
        )
        for client_id, node_id in placements.all():
            if node_id in tree.names:
                nodes.setdefault(client_id, []).append(tree.label(node_id))
    result = []
    for client_id in ids:  # the list's order
        if client_id not in by_id:
            continue
        client, status, manager = by_id[client_id]
        result.append(
            ExportRow(
                id=client.id,
                kind=client.kind,
                name=client.name,
                inn=client.inn,
                kpp=client.kpp,
                ogrn=client.ogrn,
                phones=phones.get(client_id, []),
                emails=emails.get(client_id, []),
                status=status,
                manager=manager,
                legal_address=client.legal_address,
                nodes=sorted(nodes.get(client_id, [])),
                created_at=client.created_at,
            )
        )
    return result
