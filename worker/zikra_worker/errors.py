"""The worker's one error type and the one JSON shape every error takes (SPEC §6)."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error that becomes an HTTP response: status, a stable code and a message.

    ``field`` names the request field at fault, for 400s.
    """

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


class BadRequest(ApiError):
    """A 400 that names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(400, "invalid_request", message, field)


class NotFound(ApiError):
    """A 404."""

    def __init__(self, message: str):
        super().__init__(404, "not_found", message)


class Unavailable(ApiError):
    """A 503 that names the dependency that is down."""

    def __init__(self, dependency: str, message: str):
        super().__init__(503, f"{dependency}_unavailable", message)
        self.dependency = dependency


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """Build SPEC §6's error object; every error response goes through here."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}
