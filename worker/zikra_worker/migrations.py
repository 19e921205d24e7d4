"""Apply db/NNN_*.sql in order, each once, each in its own transaction, recorded in schema_migrations."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import psycopg

logger = logging.getLogger(__name__)

MIGRATION_NAME = re.compile(r"^\d{3}_[a-z0-9_]+\.sql$")
# Several gunicorn workers start at once: one applies, the others wait on this lock.
LOCK_KEY = 7723001


def pending_files(folder: Path) -> list[Path]:
    """Every migration file in the folder, in order."""
    return sorted(p for p in folder.iterdir() if MIGRATION_NAME.match(p.name))


def migrate(conn: psycopg.Connection[Any], folder: Path) -> list[str]:
    """Apply the migrations not yet recorded; return the names applied now. Safe to run twice,
    and from several processes at once: the first to take the lock applies, the others wait
    and then find everything recorded."""
    # A session lock around the whole run, the bookkeeping table's creation included: two
    # processes creating it at once collide in the catalog (pg_type's unique index).
    conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
    conn.commit()
    try:
        return _apply_pending(conn, folder)
    finally:
        if not conn.closed:
            conn.rollback()  # a failed migration leaves the session in an aborted transaction
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
            conn.commit()


def _apply_pending(conn: psycopg.Connection[Any], folder: Path) -> list[str]:
    conn.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                        name TEXT PRIMARY KEY,
                        applied_at TIMESTAMPTZ NOT NULL DEFAULT now())""")
    conn.commit()
    applied_now: list[str] = []
    for path in pending_files(folder):
        with conn.transaction():
            done = conn.execute("SELECT 1 FROM schema_migrations WHERE name = %s", (path.stem,)).fetchone()
            if done:
                continue
            conn.execute(path.read_text())  # a migration file is trusted SQL, several statements
            conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (path.stem,))
        logger.info("migration applied: %s", path.stem)
        applied_now.append(path.stem)
    return applied_now
