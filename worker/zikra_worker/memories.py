"""Saving (upsert by project + title, near-duplicate report) and fetching one memory."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from . import audit, idempotency
from . import decay_outlook
from . import validation as v
from .db import relax_commit, transaction
from .embeddings import embed_one, memory_text
from .errors import BadRequest, NotFound
from .runtime import runtime
from .serialize import MEMORY_COLUMNS, jsonable

bp = Blueprint("memories", __name__)

# Saving again under the same project + title replaces the content and revives the memory.
# A new row has created_at = updated_at (both this transaction's now()); an update moves
# updated_at on. (xmax = 0, the usual test, cannot be read from a partitioned table.)
UPSERT = """
INSERT INTO memories (project, title, content_md, memory_type, tags, source, created_by, embedding)
VALUES (%(project)s, %(title)s, %(content_md)s, %(memory_type)s, %(tags)s, %(source)s,
        %(created_by)s, %(embedding)s)
ON CONFLICT (project, title) DO UPDATE SET
    content_md = EXCLUDED.content_md,
    memory_type = EXCLUDED.memory_type,
    tags = EXCLUDED.tags,
    source = COALESCE(EXCLUDED.source, memories.source),
    embedding = EXCLUDED.embedding,
    updated_at = now(),
    reinforced_at = now(),
    confidence = 1,
    archived_at = NULL
RETURNING id, (created_at = updated_at) AS inserted
"""

SIMILAR = """
SELECT id, title, similarity FROM (
    SELECT id, title, 1 - (embedding <=> %(embedding)s) AS similarity
    FROM memories
    WHERE project = %(project)s AND id <> %(id)s AND archived_at IS NULL
    ORDER BY embedding <=> %(embedding)s
    LIMIT 5
) nearest
WHERE similarity >= %(threshold)s
ORDER BY similarity DESC
"""

# Being read (get_memory) or returned (search) reinforces a memory: one more access, and
# its decay clock starts again.
REINFORCE = """
UPDATE memories SET
    access_count = access_count + 1,
    last_accessed_at = now(),
    reinforced_at = now(),
    confidence = 1
WHERE id = ANY(%(ids)s::uuid[])
  AND project = ANY(%(projects)s)
RETURNING """ + MEMORY_COLUMNS

# Search's reinforcement of what it returned, as one statement in its own transaction (the
# search runs in autocommit): committed without waiting for the WAL flush, as relax_commit
# does, and returning nothing. A crash may forget the last moments of this bookkeeping.
REINFORCE_RETURNED = """
WITH relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
UPDATE memories SET
    access_count = access_count + 1,
    last_accessed_at = now(),
    reinforced_at = now(),
    confidence = 1
FROM relaxed
WHERE id = ANY(%(ids)s::uuid[])
  AND project = ANY(%(projects)s)
"""

FIND_BY_ID = """
SELECT id, project FROM memories
WHERE id = %(id)s
  AND (%(project)s::text IS NULL OR project = %(project)s)
  AND (%(projects)s::text[] IS NULL OR project = ANY(%(projects)s))
"""

FIND_BY_TITLE = """
SELECT id, project FROM memories
WHERE project = %(project)s
  AND title = %(title)s
  AND (%(projects)s::text[] IS NULL OR project = ANY(%(projects)s))
"""


def _save_params(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "project": v.project(body),
        "title": v.text(body, "title", required=True, max_chars=v.MAX_TITLE_CHARS),
        "content_md": v.text(body, "content_md", required=True),
        "memory_type": v.choice(body, "memory_type", v.MEMORY_TYPES, default="decision"),
        "tags": v.string_list(body, "tags", max_items=v.MAX_TAGS, max_chars=100),
        "source": v.text(body, "source", max_chars=v.MAX_NAME_CHARS),
        "created_by": v.text(body, "created_by", max_chars=v.MAX_NAME_CHARS),
    }


def _upsert(conn: Any, params: dict[str, Any], threshold: float) -> tuple[dict[str, Any], int]:
    saved = conn.execute(UPSERT, params).fetchone()
    audit.record(conn, params["created_by"], "created" if saved["inserted"] else "updated",
                 memory_id=saved["id"], project=params["project"])
    # The pool's sessions scan HNSW with ef_search >= 100 (db.make_pool): enough for 5.
    similar = conn.execute(SIMILAR, {**params, "id": saved["id"], "threshold": threshold}).fetchall()
    body = {
        "id": str(saved["id"]),
        "status": "created" if saved["inserted"] else "updated",
        "similar_to": [{**jsonable(row), "similarity": round(float(row["similarity"]), 4)}
                       for row in similar],
    }
    return body, 201 if saved["inserted"] else 200


@bp.post("/save_memory")
def save_memory() -> tuple[dict[str, Any], int]:
    """Embed and upsert a memory; report other memories of the project it nearly duplicates."""
    rt = runtime()
    body = v.json_object()
    params = _save_params(body)
    key = idempotency.key_of(body)
    params["embedding"] = embed_one(rt.embedder, memory_text(params["title"], params["content_md"]))
    with transaction(rt.pool) as conn:
        return idempotency.once(conn, params["created_by"], key,
                                lambda: _upsert(conn, params, rt.settings["SIMILAR_THRESHOLD"]))


@bp.post("/get_memory")
def get_memory() -> dict[str, Any]:
    """One memory by id or by project + title, content whole; reading it reinforces it."""
    body = v.json_object()
    params = {
        "id": v.uuid_field(body, "id"),
        "title": v.text(body, "title", max_chars=v.MAX_TITLE_CHARS),
        "project": v.text(body, "project", max_chars=v.MAX_NAME_CHARS),
        "projects": v.string_list(body, "projects", nullable=True),
    }
    if params["id"] is None and params["title"] is None:
        raise BadRequest("id", "id or title is required.")
    statement = FIND_BY_ID
    if params["id"] is None:
        statement, params["project"] = FIND_BY_TITLE, params["project"] or "default"
    with transaction(runtime().pool) as conn:
        relax_commit(conn)
        found = conn.execute(statement, params).fetchone()
        row = found and conn.execute(REINFORCE, {"ids": [found["id"]], "projects": [found["project"]]}).fetchone()
    if not row:
        raise NotFound("No memory matches that id or title in the projects this token may read.")
    # Just reinforced: its decay clock restarted at last_accessed_at (this transaction's now()).
    return {**jsonable(row), "decay": decay_outlook.outlook(row["memory_type"], row["last_accessed_at"],
                                                             row["last_accessed_at"])}
