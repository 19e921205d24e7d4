"""Per-project numbers: memory count, archived count, count per type, last save, and per type how
many memories are fresh, fading and archived under the default decay policy."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from . import decay_outlook
from . import validation as v
from .db import transaction
from .errors import BadRequest
from .runtime import runtime
from .serialize import jsonable

bp = Blueprint("stats", __name__)

STATS = """
WITH per_type AS (
    SELECT project,
           memory_type,
           count(*) FILTER (WHERE archived_at IS NULL) AS live,
           count(*) FILTER (WHERE archived_at IS NOT NULL) AS archived,
           max(updated_at) AS last_saved_at
    FROM memories
    WHERE project = ANY(%(projects)s)
    GROUP BY project, memory_type
)
SELECT project,
       sum(live)::integer AS count,
       sum(archived)::integer AS archived,
       jsonb_object_agg(memory_type, live) AS by_type,
       max(last_saved_at) AS last_saved_at
FROM per_type
GROUP BY project
ORDER BY project
"""


@bp.post("/stats")
def stats() -> dict[str, Any]:
    """Numbers for each requested project that has memories, with the decay overview per type."""
    projects = v.string_list(v.json_object(), "projects", max_items=1000)
    if not projects:
        raise BadRequest("projects", "projects is required: the projects to report on.")
    with transaction(runtime().pool) as conn:
        rows = conn.execute(STATS, {"projects": projects}).fetchall()
        decay = decay_outlook.overview(conn, projects)
    return {"projects": [{**jsonable(row), "decay": decay.get(row["project"], {})} for row in rows],
            "decay_policy": decay_outlook.policy()}
