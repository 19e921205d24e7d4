"""Exactly-once writes: a repeated idempotency key returns the first answer instead of writing again."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from . import validation as v

MAX_KEY_CHARS = 200
KEEP_DAYS = 30

# A second request with the same key waits here on the primary key until the first commits,
# then finds its answer.
CLAIM = """
INSERT INTO idempotency_keys (scope, key) VALUES (%(scope)s, %(key)s)
ON CONFLICT (scope, key) DO NOTHING
RETURNING key
"""
ANSWER = "SELECT status, response FROM idempotency_keys WHERE scope = %(scope)s AND key = %(key)s"
RECORD = """
UPDATE idempotency_keys SET status = %(status)s, response = %(response)s
WHERE scope = %(scope)s AND key = %(key)s
"""
PRUNE = "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(days => %(days)s)"

Answer = tuple[dict[str, Any], int]


def key_of(body: dict[str, Any]) -> str | None:
    """The request's ``idempotency_key``, if any."""
    return v.text(body, "idempotency_key", max_chars=MAX_KEY_CHARS)


def once(conn: psycopg.Connection[Any], scope: str | None, key: str | None, write: Callable[[], Answer]) -> Answer:
    """Run ``write`` in the caller's transaction unless ``key`` was seen; then replay its answer."""
    if key is None:
        return write()
    params = {"scope": scope or "", "key": key}
    if conn.execute(CLAIM, params).fetchone() is None:
        row = conn.execute(ANSWER, params).fetchone()
        return row["response"], row["status"]
    body, status = write()
    conn.execute(RECORD, {**params, "status": status, "response": Jsonb(json.loads(json.dumps(body)))})
    return body, status


def prune(conn: psycopg.Connection[Any], days: int = KEEP_DAYS) -> int:
    """Forget keys older than ``days``; return how many."""
    return conn.execute(PRUNE, {"days": days}).rowcount
