"""Bearer tokens: created at random and shown once, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import psycopg
from flask import Blueprint

from . import validation as v
from .db import transaction
from .errors import ApiError, NotFound
from .runtime import runtime
from .serialize import jsonable

bp = Blueprint("tokens", __name__, url_prefix="/tokens")

TOKEN_PREFIX = "zk_"
MAX_TOKEN_CHARS = 256

INSERT = """
INSERT INTO access_tokens (token_hash, prefix, owner, role, projects)
VALUES (%(token_hash)s, %(prefix)s, %(owner)s, %(role)s, %(projects)s)
RETURNING id, owner, role, projects, created_at
"""

# last_used_at is written at most once a minute per token, not on every request.
VERIFY = """
WITH found AS (
    SELECT id, owner, role, projects, last_used_at
    FROM access_tokens
    WHERE token_hash = %(token_hash)s AND revoked_at IS NULL
),
touched AS (
    UPDATE access_tokens t SET last_used_at = now()
    FROM found
    WHERE t.id = found.id
      AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 minute')
)
SELECT id, owner, role, projects FROM found
"""

LIST = """
SELECT id, owner, role, projects, prefix, created_at, last_used_at, revoked_at
FROM access_tokens
ORDER BY created_at
"""

REVOKE = """
UPDATE access_tokens SET revoked_at = COALESCE(revoked_at, now())
WHERE id = %(id)s
RETURNING id, revoked_at
"""


def hash_token(token: str) -> bytes:
    """The stored form of a token. Tokens carry 256 random bits, so a plain SHA-256 is enough;
    the lookup compares hashes, which reveals nothing usable about the token."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def new_token() -> str:
    """A fresh random token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_token(conn: psycopg.Connection[Any], owner: str, role: str,
                 projects: list[str] | None) -> dict[str, Any]:
    """Insert a token and return its row plus the token itself, the only time it exists in clear."""
    token = new_token()
    row = conn.execute(INSERT, {"token_hash": hash_token(token), "prefix": token[:8], "owner": owner,
                                "role": role, "projects": projects}).fetchone()
    return {**jsonable(row), "token": token}


@bp.post("/verify")
def verify() -> dict[str, Any]:
    """Owner, role and projects of a bearer token; 401 when unknown or revoked."""
    token = v.text(v.json_object(), "token", required=True, max_chars=MAX_TOKEN_CHARS)
    assert token is not None
    with transaction(runtime().pool) as conn:
        row = conn.execute(VERIFY, {"token_hash": hash_token(token)}).fetchone()
    if row is None:
        raise ApiError(401, "unauthorized", "The bearer token is unknown or revoked.")
    return jsonable(row)


@bp.post("/create")
def create() -> tuple[dict[str, Any], int]:
    """Create a token; the response is the only place the token is ever shown."""
    body = v.json_object()
    owner = v.text(body, "owner", required=True, max_chars=v.MAX_NAME_CHARS)
    role = v.choice(body, "role", v.ROLES)
    projects = v.string_list(body, "projects", nullable=True, max_items=1000)
    with transaction(runtime().pool) as conn:
        return create_token(conn, owner or "", role, projects or None), 201


@bp.post("/list")
def list_tokens() -> dict[str, Any]:
    """Every token, revoked ones included, without the tokens themselves."""
    with transaction(runtime().pool) as conn:
        rows = conn.execute(LIST).fetchall()
    return {"tokens": [jsonable(row) for row in rows]}


@bp.post("/revoke")
def revoke() -> dict[str, Any]:
    """Revoke a token by id; revoking twice keeps the first time."""
    token_id = v.uuid_field(v.json_object(), "id")
    if token_id is None:
        raise v.BadRequest("id", "id is required.")
    with transaction(runtime().pool) as conn:
        row = conn.execute(REVOKE, {"id": token_id}).fetchone()
    if row is None:
        raise NotFound(f"No token with id {token_id}.")
    return jsonable(row)
