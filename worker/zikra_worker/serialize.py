"""Turning database rows into JSON-ready dicts (timestamps as ISO 8601, UUIDs as strings)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

MEMORY_COLUMNS = ("id, project, title, content_md, memory_type, tags, source, created_by, "
                  "created_at, updated_at, last_accessed_at, access_count, confidence, archived_at")


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """Copy a row with datetimes and UUIDs made into strings."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        elif isinstance(value, uuid.UUID):
            value = str(value)
        out[key] = value
    return out
