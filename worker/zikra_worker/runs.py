"""Logging agent runs (sessions): status, summary, tokens, duration, files changed; and listing them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from . import idempotency
from . import validation as v
from .db import transaction
from .errors import BadRequest
from .runtime import runtime
from .serialize import jsonable

bp = Blueprint("runs", __name__)

INSERT = """
INSERT INTO runs (project, status, output_summary, session_id, agent, tokens_in, tokens_out,
                  duration_s, files_changed, created_by)
VALUES (%(project)s, %(status)s, %(output_summary)s, %(session_id)s, %(agent)s, %(tokens_in)s,
        %(tokens_out)s, %(duration_s)s, %(files_changed)s, %(created_by)s)
RETURNING id
"""

MAX_TOKENS_COUNT = 10**15
MAX_LIST_LIMIT = 500
MAX_DAYS = 3650

RECENT = """
SELECT id, project, status, output_summary, session_id, agent, tokens_in, tokens_out, duration_s,
       files_changed, created_by, created_at
FROM runs
WHERE project = ANY(%(projects)s)
  AND created_at >= now() - make_interval(days => %(days)s)
ORDER BY created_at DESC, id
LIMIT %(limit)s
"""

# Every run of the window counts here, not only the listed ones. Days are UTC days.
PER_DAY = """
SELECT (created_at AT TIME ZONE 'UTC')::date AS day,
       project,
       count(*)::integer AS runs,
       COALESCE(sum(tokens_in), 0)::bigint AS tokens_in,
       COALESCE(sum(tokens_out), 0)::bigint AS tokens_out
FROM runs
WHERE project = ANY(%(projects)s)
  AND created_at >= now() - make_interval(days => %(days)s)
GROUP BY 1, 2
ORDER BY 1, 2
"""


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


@bp.post("/list_runs")
def list_runs() -> dict[str, Any]:
    """The latest runs of the given projects within ``days``, and tokens per UTC day and project."""
    body = v.json_object()
    projects = v.string_list(body, "projects", max_items=1000)
    if not projects:
        raise BadRequest("projects", "projects is required: the projects whose runs to list.")
    params = {
        "projects": projects,
        "limit": v.integer(body, "limit", default=50, minimum=1, maximum=MAX_LIST_LIMIT),
        "days": v.integer(body, "days", default=30, minimum=1, maximum=MAX_DAYS),
    }
    with transaction(runtime().pool) as conn:
        runs = conn.execute(RECENT, params).fetchall()
        per_day = conn.execute(PER_DAY, params).fetchall()
    return {"runs": [jsonable(row) for row in runs], "count": len(runs), "days": params["days"],
            "tokens_per_day": [{**row, "day": row["day"].isoformat()} for row in per_day]}
