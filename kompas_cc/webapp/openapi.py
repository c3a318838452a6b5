"""OpenAPI 3.1 document built from the route declarations and their pydantic schemas.

The handlers validate with the very models named here, so the document and the
behaviour cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from kompas_cc.webapp.routing import RouteSpec, spec_of

REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error_id", "message", "fields"],
    "properties": {
        "error_id": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def _schema_ref(model: type[BaseModel], components: dict[str, Any], mode: str) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode=mode)  # type: ignore[arg-type]
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    components.setdefault(model.__name__, schema)
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k != "title"}
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if prop.get("type") == "array":
            param["style"] = "form"
            param["explode"] = True
        params.append(param)
    return params


def _operation(spec: RouteSpec, path_params: list[str], components: dict[str, Any]) -> Any:
    operation: dict[str, Any] = {"summary": spec.summary, "tags": [spec.tag] if spec.tag else []}
    params: list[dict[str, Any]] = [
        {
            "name": p,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999},
        }
        if p.endswith("id")
        else {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in path_params
    ]
    if spec.query is not None:
        params.extend(_query_parameters(spec.query))
    if params:
        operation["parameters"] = params
    if spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": _schema_ref(spec.body, components, "validation")}
            },
        }
    if spec.upload is not None:
        form = {
            "type": "object",
            "required": [spec.upload],
            "properties": {spec.upload: {"type": "string", "format": "binary"}},
        }
        operation["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": form}},
        }
    responses: dict[str, Any] = {}
    if spec.binary:
        responses[str(spec.status)] = {
            "description": "The file's content",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    elif spec.response is not None:
        ref = _schema_ref(spec.response, components, "serialization")
        schema = {"type": "array", "items": ref} if spec.response_list else ref
        responses[str(spec.status)] = {
            "description": "OK",
            "content": {"application/json": {"schema": schema}},
        }
    else:
        responses[str(spec.status)] = {"description": "OK"}
    error = {
        "description": "Error",
        "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="Error")}}},
    }
    for status in ("401", "403", "404", "409", "422", *map(str, spec.errors)):
        responses[status] = error
    operation["responses"] = responses
    if spec.roles is not None:
        operation["security"] = [{"bearer": []}]
        operation["description"] = "Roles: " + ", ".join(sorted(r.value for r in spec.roles))
    return operation


def build_openapi(app: web.Application, title: str, version: str) -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("formatter") or info.get("path")
        if not path or not path.startswith("/api/") or route.method == "HEAD":
            continue
        spec = spec_of(route.handler)
        if spec is None:
            continue
        path = re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", path)
        path_params = re.findall(r"\{(\w+)\}", path)
        paths.setdefault(path, {})[route.method.lower()] = _operation(spec, path_params, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
