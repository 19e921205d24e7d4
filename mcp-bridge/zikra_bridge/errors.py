"""SPEC §6's one error shape, built in one place: ``{"error": {"code", "message"[, "field"]}}``."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The JSON body of an error; ``field`` names the bad input of a 400."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return {"error": error}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """An HTTP error answer in SPEC §6's shape."""
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


def is_api_error(body: Any) -> bool:
    """Whether a parsed JSON body is in SPEC §6's error shape (what n8n's workflow answers)."""
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str)
