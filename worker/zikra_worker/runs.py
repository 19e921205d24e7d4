"""Logging agent runs (sessions): status, summary, tokens, duration, files changed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from . import idempotency
from . import validation as v
from .db import transaction
from .runtime import runtime

bp = Blueprint("runs", __name__)

INSERT = """
INSERT INTO runs (project, status, output_summary, session_id, agent, tokens_in, tokens_out,
                  duration_s, files_changed, created_by)
VALUES (%(project)s, %(status)s, %(output_summary)s, %(session_id)s, %(agent)s, %(tokens_in)s,
        %(tokens_out)s, %(duration_s)s, %(files_changed)s, %(created_by)s)
RETURNING id
"""

MAX_TOKENS_COUNT = 10**15


@bp.post("/log_run")
def log_run() -> tuple[dict[str, Any], int]:
    """Record one agent session."""
    body = v.json_object()
    params = {
        "project": v.project(body),
        "status": v.choice(body, "status", v.RUN_STATUSES),
        "output_summary": v.text(body, "output_summary"),
        "session_id": v.text(body, "session_id", max_chars=v.MAX_NAME_CHARS),
        "agent": v.text(body, "agent", max_chars=v.MAX_NAME_CHARS),
        "tokens_in": v.integer(body, "tokens_in", minimum=0, maximum=MAX_TOKENS_COUNT),
        "tokens_out": v.integer(body, "tokens_out", minimum=0, maximum=MAX_TOKENS_COUNT),
        "duration_s": v.number(body, "duration_s", maximum=10.0**9),
        "files_changed": v.string_list(body, "files_changed", max_items=10_000, max_chars=4096),
        "created_by": v.text(body, "created_by", max_chars=v.MAX_NAME_CHARS),
    }
    key = idempotency.key_of(body)
    with transaction(runtime().pool) as conn:
        return idempotency.once(conn, params["created_by"], key,
                                lambda: ({"id": str(conn.execute(INSERT, params).fetchone()["id"])}, 201))
