"""Validating plain data with pydantic models, errors reported field by field."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from kompas_cc.core.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)

#: A row id as clients may send it: positive and within a 32-bit INTEGER column.
DbId = Annotated[int, Field(ge=1, le=2_147_483_647)]


def fields_from_pydantic(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"]) or "body"
        message = str(error["msg"])
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        fields.setdefault(loc, message)
    return fields


def validate_model(
    model: type[M], data: Any, what: str = "The request", context: dict[str, Any] | None = None
) -> M:
    """`model.model_validate(data)`, or ValidationFailed naming every bad field."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ValidationFailed(
            f"{what} has invalid fields", fields=fields_from_pydantic(exc)
        ) from None
