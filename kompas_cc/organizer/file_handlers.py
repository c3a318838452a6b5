"""The files of a task on its card: the list with the upload form (a panel of the card),
upload, download and delete. The JSON API of the same is in file_api.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from kompas_cc.core.actor import ALL_ROLES
from kompas_cc.core.errors import ValidationFailed
from kompas_cc.core.uploads import attachment_header
from kompas_cc.organizer import task_files
from kompas_cc.organizer.handlers import TASK, back_with_error, policy, task_id
from kompas_cc.organizer.schemas import TaskFileOut
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp import keys
from kompas_cc.webapp.panels import Panel
from kompas_cc.webapp.routing import Routes, id_param
from kompas_cc.webapp.templates import gettext

routes = Routes(tag="organizer")
FILE = TASK + "/files/" + id_param("file_id")


def file_id(request: web.Request) -> int:
    return int(request.match_info["file_id"])


async def uploaded(request: web.Request) -> tuple[str, bytes]:
    """The name and content of the "file" field of a multipart form."""
    try:
        form = await request.post()
    except (HttpProcessingError, ValueError):
        # A malformed multipart body (a broken part header, a bad boundary) is bad input.
        raise ValidationFailed("Choose a file to upload", fields={"file": "missing"}) from None
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        raise ValidationFailed("Choose a file to upload", fields={"file": "missing"})
    # Some clients (aiohttp among them) percent-encode non-ASCII file names.
    return unquote(upload.filename), upload.file.read()


def file_response(meta: TaskFileOut, path: Path) -> web.FileResponse:
    """The content, offered for saving under its own name; never rendered as a page."""
    response = web.FileResponse(path)
    response.content_type = meta.content_type
    response.headers["Content-Disposition"] = attachment_header(meta.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


async def files_panel(request: web.Request, params: dict[str, Any]) -> Panel:
    async with ctx.uow(request) as uow:
        view = await task_files.task_files(
            uow, ctx.actor(request), policy(request), int(params["task_id"])
        )
    max_mb = round(policy(request).uploads.max_bytes / (1024 * 1024), 1)
    return Panel(
        "organizer/_task_files.html",
        {"files": view.files, "may_attach": view.may_attach, "max_mb": max_mb},
    )


def register_panels(app: web.Application) -> None:
    app[keys.PANELS].register("task_card", files_panel)


@routes.post(TASK + "/files", roles=ALL_ROLES, name="organizer_task_file")
async def file_upload(request: web.Request) -> web.Response:
    tid = task_id(request)
    back = f"/organizer/tasks/{tid}#files"
    try:
        name, content = await uploaded(request)
        async with ctx.uow(request) as uow:
            await task_files.add_file(
                uow, ctx.actor(request), policy(request), tid, name, content, ctx.now(request)
            )
    except ValidationFailed as exc:
        back_with_error(request, exc, back)
    ctx.flash(request, gettext(request, "The file was attached"), "success")
    raise web.HTTPFound(back)


@routes.get(FILE, roles=ALL_ROLES, name="organizer_task_file_get")
async def file_download(request: web.Request) -> web.StreamResponse:
    async with ctx.uow(request) as uow:
        meta, path = await task_files.open_file(
            uow, ctx.actor(request), policy(request), task_id(request), file_id(request)
        )
    return file_response(meta, path)


@routes.post(FILE + "/delete", roles=ALL_ROLES, name="organizer_task_file_delete")
async def file_delete(request: web.Request) -> web.Response:
    tid = task_id(request)
    async with ctx.uow(request) as uow:
        await task_files.delete_file(
            uow, ctx.actor(request), policy(request), tid, file_id(request), ctx.now(request)
        )
    ctx.flash(request, gettext(request, "The file was deleted"), "success")
    raise web.HTTPFound(f"/organizer/tasks/{tid}#files")
