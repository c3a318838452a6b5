"""Per-request helpers for handlers: who is asking, the unit of work, parsing, JSON."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, TypeAdapter

from kompas_cc.core.actor import Actor
from kompas_cc.core.errors import NotAuthenticated, ValidationFailed
from kompas_cc.core.validation import validate_model
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.webapp import keys
from kompas_cc.webapp.sessions import Session

M = TypeVar("M", bound=BaseModel)


def current_actor(request: web.Request) -> Actor | None:
    return request.get(keys.ACTOR)


def actor(request: web.Request) -> Actor:
    who = current_actor(request)
    if who is None:
        raise NotAuthenticated("Log in first")
    return who


def session(request: web.Request) -> Session:
    return request[keys.SESSION]


def uow(request: web.Request) -> UnitOfWork:
    """The request's unit of work; GET and HEAD only read."""
    return request.app[keys.UOW](write=request.method not in ("GET", "HEAD"))


def now(request: web.Request) -> datetime:
    return request.app[keys.CLOCK].now()


def flash(request: web.Request, message: str, category: str = "info") -> None:
    session(request).flash(message, category)


async def parse_json(
    request: web.Request, model: type[M], context: dict[str, Any] | None = None
) -> M:
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationFailed("The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValidationFailed("The request body must be a JSON object")
    return validate_model(model, data, "The request body", context)


def parse_query(request: web.Request, model: type[M]) -> M:
    """Validate the query string; blank values (an untouched select of a GET form) are absent."""
    data: dict[str, Any] = {}
    lists = _list_fields(model)
    for key in request.query:
        values = [v for v in request.query.getall(key) if v.strip()]
        if not values:
            continue
        data[key] = values if key in lists else values[-1]
    return validate_model(model, data, "The query")


@cache
def _list_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of a query model that take repeated parameters (?node=1&node=2)."""
    return frozenset(
        name for name, field in model.model_fields.items() if "list" in str(field.annotation)
    )


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False)


@cache
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def json_response(value: Any, status: int = 200) -> web.Response:
    """JSON of a pydantic model, a list of them (serialised in one call), or plain data."""
    if isinstance(value, BaseModel):
        body = value.__pydantic_serializer__.to_json(value)
    elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
        body = _list_adapter(type(value[0])).dump_json(value)
    else:
        body = dumps(value).encode()
    return web.Response(body=body, status=status, content_type="application/json")
