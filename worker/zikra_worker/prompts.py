"""Saved prompts: runbooks and instruction sets, stored and fetched by name."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from . import validation as v
from .db import transaction
from .errors import NotFound
from .runtime import runtime
from .serialize import jsonable

bp = Blueprint("prompts", __name__)

SAVE = """
INSERT INTO prompts (project, prompt_name, content_md, description, created_by)
VALUES (%(project)s, %(prompt_name)s, %(content_md)s, %(description)s, %(created_by)s)
ON CONFLICT (project, prompt_name) DO UPDATE SET
    content_md = EXCLUDED.content_md,
    description = COALESCE(EXCLUDED.description, prompts.description),
    updated_at = now()
RETURNING prompt_name, project, (xmax = 0) AS inserted
"""

GET = """
SELECT prompt_name, content_md, description, project, updated_at
FROM prompts
WHERE project = %(project)s AND prompt_name = %(prompt_name)s
"""


@bp.post("/save_prompt")
def save_prompt() -> tuple[dict[str, Any], int]:
    """Store a prompt, or replace the one of the same name in the project."""
    body = v.json_object()
    params = {
        "project": v.project(body),
        "prompt_name": v.text(body, "prompt_name", required=True, max_chars=v.MAX_NAME_CHARS),
        "content_md": v.text(body, "content_md", required=True),
        "description": v.text(body, "description", max_chars=2000),
        "created_by": v.text(body, "created_by", max_chars=v.MAX_NAME_CHARS),
    }
    with transaction(runtime().pool) as conn:
        row = conn.execute(SAVE, params).fetchone()
    inserted = row.pop("inserted")
    return {**row, "status": "created" if inserted else "replaced"}, 201 if inserted else 200


@bp.post("/get_prompt")
def get_prompt() -> dict[str, Any]:
    """One prompt by name."""
    body = v.json_object()
    params = {"project": v.project(body),
              "prompt_name": v.text(body, "prompt_name", required=True, max_chars=v.MAX_NAME_CHARS)}
    with transaction(runtime().pool) as conn:
        row = conn.execute(GET, params).fetchone()
    if row is None:
        raise NotFound(f"No prompt named {params['prompt_name']!r} in project {params['project']!r}.")
    return jsonable(row)
