"""Bearer tokens: created at random and shown once, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

import psycopg
from flask import Blueprint

from . import audit
from . import validation as v
from .db import relax_commit, transaction
from .errors import ApiError, NotFound, error_body
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

# One statement on every request's hot path: find the token, note last_used_at (at most once
# a minute per token), and count the request in the token's one-minute window for rate
# limiting (fixed window, one row per token in an UNLOGGED table; %(limit)s = 0 counts
# nothing). The counter is in PostgreSQL because gunicorn runs several processes.
VERIFY = """
WITH found AS (
    SELECT id, owner, role, projects, token_hash, last_used_at
    FROM access_tokens
    WHERE token_hash = %(token_hash)s AND revoked_at IS NULL
),
touched AS (
    UPDATE access_tokens t SET last_used_at = now()
    FROM found
    WHERE t.id = found.id
      AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 minute')
),
counted AS (
    INSERT INTO token_rate_windows AS w (token_id, window_start, requests)
    SELECT id, date_trunc('minute', now()), 1 FROM found WHERE %(limit)s > 0
    ON CONFLICT (token_id) DO UPDATE SET
        requests = CASE WHEN w.window_start >= EXCLUDED.window_start THEN w.requests + 1 ELSE 1 END,
        window_start = GREATEST(w.window_start, EXCLUDED.window_start)
    RETURNING requests
)
SELECT id, owner, role, projects, token_hash,
       (SELECT requests FROM counted) AS requests,
       GREATEST(1, ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now())))::int
           AS retry_after_s
FROM found
"""

LIST = """
SELECT id, owner, role, projects, prefix, created_at, last_used_at, revoked_at
FROM access_tokens
ORDER BY created_at
"""

REVOKE = """
UPDATE access_tokens SET revoked_at = COALESCE(revoked_at, now())
WHERE id = %(id)s
RETURNING id, revoked_at, (revoked_at = now()) AS revoked_now
"""


def hash_token(token: str) -> bytes:
    """The stored form of a token. Tokens carry 256 random bits, so a plain SHA-256 is enough;
    the lookup compares hashes, which reveals nothing usable about the token."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def matches(stored_hash: bytes, token_hash: bytes) -> bool:
    """Whether two token hashes are equal, compared in constant time."""
    return hmac.compare_digest(bytes(stored_hash), token_hash)


def new_token() -> str:
    """A fresh random token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_token(conn: psycopg.Connection[Any], owner: str, role: str,
                 projects: list[str] | None, actor: str = audit.OPERATOR_ACTOR) -> dict[str, Any]:
    """Insert a token (audited as ``actor``'s) and return its row plus the token itself, the
    only time it exists in clear."""
    token = new_token()
    row = conn.execute(INSERT, {"token_hash": hash_token(token), "prefix": token[:8], "owner": owner,
                                "role": role, "projects": projects}).fetchone()
    audit.record(conn, actor, "token-created", token_id=row["id"], detail={"owner": owner, "role": role})
    return {**jsonable(row), "token": token}


def revoke_token(conn: psycopg.Connection[Any], token_id: str,
                 actor: str = audit.OPERATOR_ACTOR) -> dict[str, Any] | None:
    """Revoke a token (audited the first time only); its id and revoked_at, or None if unknown."""
    row = conn.execute(REVOKE, {"id": token_id}).fetchone()
    if row is None:
        return None
    if row["revoked_now"]:
        audit.record(conn, actor, "token-revoked", token_id=row["id"])
    return jsonable({"id": row["id"], "revoked_at": row["revoked_at"]})


def rate_limited(retry_after_s: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The 429 answer: SPEC §6's error shape plus ``retry_after_s`` (and a Retry-After header)."""
    body = error_body("rate_limited", "This token sent too many requests; retry after "
                                      f"{retry_after_s} s.")
    body["error"]["retry_after_s"] = retry_after_s
    return body, 429, {"Retry-After": str(retry_after_s)}


@bp.post("/verify")
def verify() -> Any:
    """Owner, role and projects of a bearer token; 401 when unknown or revoked, 429 when it
    went over ZIKRA_RATE_LIMIT_PER_MINUTE requests in this minute."""
    token = v.text(v.json_object(), "token", required=True, max_chars=MAX_TOKEN_CHARS)
    assert token is not None
    token_hash = hash_token(token)
    limit = runtime().settings["RATE_LIMIT_PER_MINUTE"]
    with transaction(runtime().pool) as conn:
        # Losing the last moment of last_used_at or of a counter in a crash is harmless:
        # don't wait for the WAL flush on every request.
        relax_commit(conn)
        row = conn.execute(VERIFY, {"token_hash": token_hash, "limit": limit}).fetchone()
    # The index lookup compares hashes, which tells a timing attacker nothing about the
    # token; the final check is constant-time all the same.
    if row is None or not matches(row["token_hash"], token_hash):
        raise ApiError(401, "unauthorized", "The bearer token is unknown or revoked.")
    if limit > 0 and row["requests"] > limit:
        return rate_limited(row["retry_after_s"])
    return jsonable({key: row[key] for key in ("id", "owner", "role", "projects")})


@bp.post("/create")
def create() -> tuple[dict[str, Any], int]:
    """Create a token; the response is the only place the token is ever shown."""
    body = v.json_object()
    owner = v.text(body, "owner", required=True, max_chars=v.MAX_NAME_CHARS)
    role = v.choice(body, "role", v.ROLES)
    projects = v.string_list(body, "projects", nullable=True, max_items=1000)
    actor = v.text(body, "actor", max_chars=v.MAX_NAME_CHARS, default=audit.OPERATOR_ACTOR)
    with transaction(runtime().pool) as conn:
        return create_token(conn, owner or "", role, projects or None, actor or audit.OPERATOR_ACTOR), 201


@bp.post("/list")
def list_tokens() -> dict[str, Any]:
    """Every token, revoked ones included, without the tokens themselves."""
    with transaction(runtime().pool) as conn:
        rows = conn.execute(LIST).fetchall()
    return {"tokens": [jsonable(row) for row in rows]}


@bp.post("/revoke")
def revoke() -> dict[str, Any]:
    """Revoke a token by id; revoking twice keeps the first time (and audits it once)."""
    body = v.json_object()
    token_id = v.uuid_field(body, "id")
    if token_id is None:
        raise v.BadRequest("id", "id is required.")
    actor = v.text(body, "actor", max_chars=v.MAX_NAME_CHARS, default=audit.OPERATOR_ACTOR)
    with transaction(runtime().pool) as conn:
        row = revoke_token(conn, token_id, actor or audit.OPERATOR_ACTOR)
    if row is None:
        raise NotFound(f"No token with id {token_id}.")
    return row
