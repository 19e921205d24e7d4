"""Health: is the database answering, and which embedder is loaded."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from .db import transaction
from .errors import ApiError
from .runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> tuple[dict[str, Any], int]:
    """200 when the database answers; 503 naming the database otherwise. Needs no secret."""
    rt = runtime()
    embedder = {"provider": rt.embedder.provider, "model": rt.embedder.model, "dim": rt.embedder.dim}
    try:
        rt.ensure_ready()
        with transaction(rt.pool) as conn:
            conn.execute("SELECT 1")
    except ApiError as exc:
        return {"status": "unavailable", "database": "unavailable", "embedder": embedder,
                "error": {"code": exc.code, "message": exc.message}}, exc.status
    return {"status": "ok", "database": "ok", "embedder": embedder}, 200
