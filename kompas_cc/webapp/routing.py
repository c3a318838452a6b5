"""Route declarations that state who may call them and what they take and give.

Every route is declared through `Routes`; the auth middleware refuses a route that did
not state its roles, and the OpenAPI document is built from the same declarations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from kompas_cc.core.actor import Role

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)

SPEC_ATTR = "__kompas_route__"
#: Ids in paths have at most nine digits, so a huge number is a 404, never an overflow.
ID_PATTERN = r"\d{1,9}"


def id_param(name: str) -> str:
    """A path placeholder for a numeric id: id_param("client_id") -> "{client_id:\\d{1,9}}"."""
    return "{" + name + ":" + ID_PATTERN + "}"


@dataclass(frozen=True, slots=True)
class RouteSpec:
    """What the route needs: `roles` None means public (login page, static files)."""

    roles: frozenset[Role] | None
    summary: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    response_list: bool = False
    status: int = 200
    tag: str = ""
    #: Error statuses beyond the usual ones the route may answer (503 when a peer is down).
    errors: tuple[int, ...] = ()
    #: The file field of a multipart/form-data body the route takes instead of JSON.
    upload: str | None = None
    #: The route answers with a file's own bytes (of its own media type), not with JSON.
    binary: bool = False


def spec_of(handler: Any) -> RouteSpec | None:
    return getattr(handler, SPEC_ATTR, None)


class Routes:
    """A RouteTableDef whose every entry carries a RouteSpec."""

    def __init__(self, tag: str = "") -> None:
        self.table = web.RouteTableDef()
        self._tag = tag

    def route(
        self,
        method: str,
        path: str,
        *,
        roles: Collection[Role] | None,
        name: str | None = None,
        summary: str = "",
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        response_list: bool = False,
        status: int = 200,
        errors: Collection[int] = (),
        upload: str | None = None,
        binary: bool = False,
    ) -> Callable[[H], H]:
        spec = RouteSpec(
            roles=None if roles is None else frozenset(roles),
            summary=summary,
            body=body,
            query=query,
            response=response,
            response_list=response_list,
            status=status,
            tag=self._tag,
            errors=tuple(sorted(errors)),
            upload=upload,
            binary=binary,
        )

        def register(handler: H) -> H:
            setattr(handler, SPEC_ATTR, spec)
            kwargs: dict[str, Any] = {}
            if name:
                kwargs["name"] = name
            self.table.route(method, path, **kwargs)(handler)
            return handler

        return register

    def get(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route("DELETE", path, **kw)
