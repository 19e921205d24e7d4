"""Reading fields out of a JSON request body, each failure a 400 naming the field."""

from __future__ import annotations

import uuid
from typing import Any

from .errors import BadRequest

MEMORY_TYPES: tuple[str, ...] = (
    "decision", "error", "requirement", "reference", "user", "feedback", "project")
ROLES: tuple[str, ...] = ("admin", "writer", "reader")
RUN_STATUSES: tuple[str, ...] = ("success", "failure", "partial", "cancelled")

MAX_TITLE_CHARS = 500
MAX_NAME_CHARS = 200
MAX_TAGS = 50


def text(body: dict[str, Any], field: str, *, required: bool = False,
         max_chars: int | None = None, default: str | None = None) -> str | None:
    """A string field; blank counts as missing. NUL characters are refused (PostgreSQL can't store them)."""
    value = body.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadRequest(field, f"{field} is required.")
        return default
    if not isinstance(value, str):
        raise BadRequest(field, f"{field} must be a string.")
    if "\x00" in value:
        raise BadRequest(field, f"{field} must not contain NUL characters.")
    if max_chars is not None and len(value) > max_chars:
        raise BadRequest(field, f"{field} is longer than {max_chars} characters.")
    return value


def choice(body: dict[str, Any], field: str, allowed: tuple[str, ...], *,
           default: str | None = None) -> str:
    """A string that must be one of ``allowed``; the message lists them all."""
    value = text(body, field, required=default is None, default=default)
    assert value is not None
    if value not in allowed:
        raise BadRequest(field, f"{field} must be one of: {', '.join(allowed)} (got {value!r}).")
    return value


def string_list(body: dict[str, Any], field: str, *, max_items: int = 1000,
                max_chars: int = MAX_NAME_CHARS, nullable: bool = False) -> list[str] | None:
    """A list of non-empty strings; a single string is taken as a list of one."""
    value = body.get(field)
    if value is None:
        return None if nullable else []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise BadRequest(field, f"{field} must be a list of non-empty strings.")
    if len(value) > max_items:
        raise BadRequest(field, f"{field} has more than {max_items} items.")
    for item in value:
        if len(item) > max_chars or "\x00" in item:
            raise BadRequest(field, f"each of {field} must be at most {max_chars} characters, without NUL.")
    return value


def integer(body: dict[str, Any], field: str, *, default: int | None = None,
            minimum: int | None = None, maximum: int | None = None) -> int | None:
    """An integer (not a bool, not a float) within bounds."""
    value = body.get(field)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(field, f"{field} must be an integer.")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise BadRequest(field, f"{field} must be between {minimum} and {maximum}.")
    return value


def number(body: dict[str, Any], field: str, *, minimum: float = 0.0,
           maximum: float | None = None) -> float | None:
    """A non-negative number, or None when absent."""
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise BadRequest(field, f"{field} must be a number.")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise BadRequest(field, f"{field} must be {bound}.")
    return float(value)


def boolean(body: dict[str, Any], field: str, *, default: bool = False) -> bool:
    """A JSON boolean."""
    value = body.get(field)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise BadRequest(field, f"{field} must be true or false.")
    return value


def uuid_field(body: dict[str, Any], field: str) -> str | None:
    """A UUID string, or None when absent."""
    value = text(body, field)
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise BadRequest(field, f"{field} must be a UUID.") from None


def memory_types(body: dict[str, Any], field: str = "memory_types") -> list[str] | None:
    """One memory type or a list of them; None means every type."""
    types = string_list(body, field, nullable=True)
    for value in types or []:
        if value not in MEMORY_TYPES:
            raise BadRequest(field, f"{field} must be among: {', '.join(MEMORY_TYPES)} (got {value!r}).")
    return types or None


def json_object() -> dict[str, Any]:
    """The request's JSON body, which must be an object (an empty body counts as ``{}``)."""
    from flask import request

    if not request.get_data(cache=True):
        return {}
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:  # nested deeper than the parser's recursion limit
        body = None
    if not isinstance(body, dict):
        raise BadRequest("body", "The request body must be a JSON object.")
    field = _field_with_lone_surrogate(body)
    if field is not None:
        raise BadRequest(field, f"{field} is not valid Unicode (it holds a lone surrogate escape).")
    return body


def _field_with_lone_surrogate(body: dict[str, Any]) -> str | None:
    """The top-level field of the first string holding a lone surrogate (a JSON escape such as
    \\ud800 without its pair), which no UTF-8 consumer (PostgreSQL, the tokenizer) can take."""
    for field, value in body.items():
        pending = [field, value]
        while pending:  # iterative: bodies may nest deeply
            item = pending.pop()
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return field if _encodes(field) else "body"
            elif isinstance(item, dict):
                pending.extend(item.keys())
                pending.extend(item.values())
            elif isinstance(item, list):
                pending.extend(item)
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def project(body: dict[str, Any], field: str = "project") -> str:
    """A single project name; ``default`` when absent."""
    value = text(body, field, max_chars=MAX_NAME_CHARS, default="default")
    assert value is not None
    return value
