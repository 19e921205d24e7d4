"""Browsing and hand-editing memories (the memory browser, issue 9): list with filters, edit,
archive and restore. Listing does not reinforce: a person scrolling is not an agent recalling."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import psycopg
from flask import Blueprint

from . import audit, decay_outlook
from . import validation as v
from .db import relax_commit, transaction
from .embeddings import embed_one, memory_text
from .errors import BadRequest, NotFound
from .runtime import runtime
from .serialize import MEMORY_COLUMNS, jsonable

logger = logging.getLogger(__name__)

bp = Blueprint("memory_edits", __name__)

MAX_LIST_LIMIT = 100
MAX_OFFSET = 100_000
PREVIEW_CHARS = 400
ARCHIVED = ("exclude", "include", "only")

LIST = """
SELECT id, project, title, left(content_md, %(preview)s) AS content_md,
       length(content_md) > %(preview)s AS truncated,
       memory_type, tags, source, created_by, created_at, updated_at, last_accessed_at,
       access_count, confidence, archived_at, reinforced_at,
       count(*) OVER () AS total
FROM memories
WHERE project = ANY(%(projects)s)
  AND (%(types)s::text[] IS NULL OR memory_type = ANY(%(types)s))
  AND (%(tags)s::text[] IS NULL OR tags @> %(tags)s)
  AND (%(archived)s = 'include'
       OR (%(archived)s = 'exclude' AND archived_at IS NULL)
       OR (%(archived)s = 'only' AND archived_at IS NOT NULL))
ORDER BY updated_at DESC, id
LIMIT %(limit)s OFFSET %(offset)s
"""

# The memory an edit command names: by id, within the project given (if any) and those the token may use.
WHERE_TARGET = """
WHERE id = %(id)s
  AND (%(project)s::text IS NULL OR project = %(project)s)
  AND (%(projects)s::text[] IS NULL OR project = ANY(%(projects)s))
"""

PREFIXED_COLUMNS = ", ".join("m." + name.strip() for name in MEMORY_COLUMNS.split(","))

LOCK = "SELECT id, project, title, content_md FROM memories" + WHERE_TARGET + "FOR UPDATE"

# An edit is a person vouching for the memory: its decay clock starts again, as on a save.
# Archived stays archived (restore is its own command).
UPDATE = """
UPDATE memories SET
    title = COALESCE(%(title)s, title),
    content_md = COALESCE(%(content_md)s, content_md),
    tags = COALESCE(%(tags)s::text[], tags),
    memory_type = COALESCE(%(memory_type)s, memory_type),
    embedding = COALESCE(%(embedding)s, embedding),
    updated_at = now(),
    reinforced_at = now(),
    confidence = 1
WHERE id = %(id)s AND project = %(found_project)s
RETURNING """ + MEMORY_COLUMNS + ", reinforced_at"

# Archive and restore lock the row first, so ``changed`` (for the audit trail) compares with the
# state before this request: archiving an archived memory keeps its date and records nothing.
ARCHIVE = """
WITH target AS (
    SELECT id, project, archived_at FROM memories""" + WHERE_TARGET + """FOR UPDATE
)
UPDATE memories m SET archived_at = COALESCE(m.archived_at, now())
FROM target t
WHERE m.id = t.id AND m.project = t.project
RETURNING """ + PREFIXED_COLUMNS + """, m.reinforced_at, t.archived_at IS NULL AS changed"""

# Restoring starts the decay clock again; otherwise the next decay run would archive it at once.
RESTORE = """
WITH target AS (
    SELECT id, project, archived_at FROM memories""" + WHERE_TARGET + """FOR UPDATE
)
UPDATE memories m SET archived_at = NULL, reinforced_at = now(), confidence = 1
FROM target t
WHERE m.id = t.id AND m.project = t.project
RETURNING """ + PREFIXED_COLUMNS + """, m.reinforced_at, t.archived_at IS NOT NULL AS changed"""


def with_decay(row: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """A memory row as JSON, with ``decay``: its outlook under the default policy."""
    now = now or dt.datetime.now(dt.UTC)
    out = jsonable(row)
    out["decay"] = decay_outlook.outlook(row["memory_type"], row["reinforced_at"], now)
    return out


def _target(body: dict[str, Any]) -> dict[str, Any]:
    memory_id = v.uuid_field(body, "id")
    if memory_id is None:
        raise BadRequest("id", "id is required.")
    return {
        "id": memory_id,
        "project": v.text(body, "project", max_chars=v.MAX_NAME_CHARS),
        "projects": v.string_list(body, "projects", nullable=True),
        "actor": v.text(body, "actor", max_chars=v.MAX_NAME_CHARS),
    }


def _not_found() -> NotFound:
    return NotFound("No memory has that id in the projects this token may use.")


@bp.post("/list_memories")
def list_memories() -> dict[str, Any]:
    """Memories of the given projects, newest change first, content cut to a preview; no reinforcement."""
    body = v.json_object()
    projects = v.string_list(body, "projects", max_items=1000)
    if not projects:
        raise BadRequest("projects", "projects is required: the projects to list.")
    archived = v.choice(body, "archived", ARCHIVED, default="exclude")
    params = {
        "projects": projects,
        "types": v.memory_types(body, "memory_types"),
        "tags": v.string_list(body, "tags", max_items=v.MAX_TAGS, max_chars=100, nullable=True) or None,
        "archived": archived,
        "limit": v.integer(body, "limit", default=20, minimum=1, maximum=MAX_LIST_LIMIT),
        "offset": v.integer(body, "offset", default=0, minimum=0, maximum=MAX_OFFSET),
        "preview": PREVIEW_CHARS,
    }
    with transaction(runtime().pool) as conn:
        relax_commit(conn)
        rows = conn.execute(LIST, params).fetchall()
    total = rows[0]["total"] if rows else 0
    now = dt.datetime.now(dt.UTC)
    memories = [with_decay({k: val for k, val in row.items() if k != "total"}, now) for row in rows]
    return {"memories": memories, "count": len(memories), "total": total,
            "limit": params["limit"], "offset": params["offset"]}


def _changes(body: dict[str, Any]) -> dict[str, Any]:
    changes = {
        "title": v.text(body, "title", max_chars=v.MAX_TITLE_CHARS),
        "content_md": v.text(body, "content_md"),
        "tags": v.string_list(body, "tags", max_items=v.MAX_TAGS, max_chars=100, nullable=True),
        "memory_type": None,
    }
    if body.get("memory_type") is not None:
        changes["memory_type"] = v.choice(body, "memory_type", v.MEMORY_TYPES)
    if all(value is None for value in changes.values()):
        raise BadRequest("title", "Nothing to change: give title, content_md, tags or memory_type.")
    return changes


@bp.post("/update_memory")
def update_memory() -> dict[str, Any]:
    """Change a memory's title, content, tags or type (null = unchanged); re-embeds a new text."""
    rt = runtime()
    body = v.json_object()
    target, changes = _target(body), _changes(body)
    with transaction(rt.pool) as conn:
        found = conn.execute(LOCK, target).fetchone()
        if not found:
            raise _not_found()
        embedding = None
        if changes["title"] is not None or changes["content_md"] is not None:
            embedding = embed_one(rt.embedder, memory_text(changes["title"] or found["title"],
                                                           changes["content_md"] or found["content_md"]))
        try:
            with conn.transaction():
                row = conn.execute(UPDATE, {**changes, "embedding": embedding, "id": target["id"],
                                            "found_project": found["project"]}).fetchone()
        except psycopg.errors.UniqueViolation:
            raise BadRequest("title", f"title is taken: another memory of project {found['project']!r} "
                                      "has that title.") from None
        fields = [name for name, value in changes.items() if value is not None]
        audit.record(conn, target["actor"], "updated", memory_id=row["id"], project=row["project"],
                     detail={"fields": fields})
    logger.info("memory updated", extra={"memory_id": target["id"], "actor": target["actor"], "fields": fields})
    return {**with_decay(row), "status": "updated"}


def _set_archived(statement: str, status: str) -> dict[str, Any]:
    target = _target(v.json_object())
    with transaction(runtime().pool) as conn:
        row = conn.execute(statement, target).fetchone()
        if not row:
            raise _not_found()
        changed = row.pop("changed")
        if changed:
            audit.record(conn, target["actor"], status, memory_id=row["id"], project=row["project"])
    logger.info(f"memory {status}", extra={"memory_id": target["id"], "actor": target["actor"], "changed": changed})
    return {**with_decay(row), "status": status}


@bp.post("/archive_memory")
def archive_memory() -> dict[str, Any]:
    """Archive a memory now (kept, hidden from search); archiving an archived one keeps its date."""
    return _set_archived(ARCHIVE, "archived")


@bp.post("/restore_memory")
def restore_memory() -> dict[str, Any]:
    """Bring an archived memory back, with its decay clock started again."""
    return _set_archived(RESTORE, "restored")
