"""Domain errors with stable kebab-case ids, shown to API clients as {"error_id", "message"}."""

from __future__ import annotations

from collections.abc import Mapping


class KompasError(Exception):
    """Base of every error a user may see; the HTTP layer maps `status` and `error_id`."""

    error_id = "error"
    status = 400

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})


class ValidationFailed(KompasError):
    error_id = "validation-failed"
    status = 422


class NotFound(KompasError):
    error_id = "not-found"
    status = 404


class Forbidden(KompasError):
    error_id = "forbidden"
    status = 403


class Conflict(KompasError):
    error_id = "conflict"
    status = 409


class NotAuthenticated(KompasError):
    error_id = "not-authenticated"
    status = 401
