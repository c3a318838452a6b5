"""JSON API v1 of the files of a task: list, upload (multipart), content, delete."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from kompas_cc.core.actor import ALL_ROLES
from kompas_cc.organizer import task_files
from kompas_cc.organizer.file_handlers import file_id, file_response, uploaded
from kompas_cc.organizer.handlers import policy, task_id
from kompas_cc.organizer.schemas import TaskFileOut
from kompas_cc.webapp import context as ctx
from kompas_cc.webapp.routing import Routes, id_param

routes = Routes(tag="organizer")
FILES = f"/api/v1/tasks/{id_param('task_id')}/files"
FILE = f"{FILES}/{id_param('file_id')}"


class Ok(BaseModel):
    ok: bool = True


@routes.get(
    FILES, roles=ALL_ROLES, response=TaskFileOut, response_list=True, summary="Files of a task"
)
async def list_files(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        files = await task_files.list_files(
            uow, ctx.actor(request), policy(request), task_id(request)
        )
    return ctx.json_response(files)


@routes.post(
    FILES,
    roles=ALL_ROLES,
    upload="file",
    response=TaskFileOut,
    status=201,
    summary="Attach a file to a task (its participants and their managers; size and type "
    "limits as for clients' files)",
)
async def add_file(request: web.Request) -> web.Response:
    name, content = await uploaded(request)
    async with ctx.uow(request) as uow:
        added = await task_files.add_file(
            uow,
            ctx.actor(request),
            policy(request),
            task_id(request),
            name,
            content,
            ctx.now(request),
        )
    return ctx.json_response(added, status=201)


@routes.get(FILE, roles=ALL_ROLES, binary=True, summary="The content of a file of a task")
async def get_file(request: web.Request) -> web.StreamResponse:
    async with ctx.uow(request) as uow:
        meta, path = await task_files.open_file(
            uow, ctx.actor(request), policy(request), task_id(request), file_id(request)
        )
    return file_response(meta, path)


@routes.delete(
    FILE,
    roles=ALL_ROLES,
    response=Ok,
    summary="Delete a file of a task (its uploader, the task's author or an admin)",
)
async def delete_file(request: web.Request) -> web.Response:
    async with ctx.uow(request) as uow:
        await task_files.delete_file(
            uow,
            ctx.actor(request),
            policy(request),
            task_id(request),
            file_id(request),
            ctx.now(request),
        )
    return ctx.json_response(Ok())
