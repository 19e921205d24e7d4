"""The audit trail: one row per change of a memory or a token, written in the change's transaction.

Callers pass the connection of their open transaction, so the row commits or rolls back
with the change it describes::

    with transaction(runtime().pool) as conn:
        row = conn.execute(ARCHIVE, params).fetchone()
        audit.record(conn, actor, "archived", memory_id=row["id"], project=row["project"])
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

# Memory actions, then token actions. A new kind of change gets its name here first.
ACTIONS: tuple[str, ...] = (
    "created", "updated", "archived", "restored", "decay-archived", "deleted",
    "token-created", "token-revoked",
)
# Who acted when no token owner is known: the decay job, and operator commands.
DECAY_ACTOR = "decay"
OPERATOR_ACTOR = "operator"

INSERT = """
INSERT INTO audit_log (actor, action, memory_id, project, token_id, detail)
VALUES (%(actor)s, %(action)s, %(memory_id)s, %(project)s, %(token_id)s, %(detail)s)
"""


def record(conn: psycopg.Connection[Any], actor: str | None, action: str, *,
           memory_id: Any = None, project: str | None = None, token_id: Any = None,
           detail: dict[str, Any] | None = None) -> None:
    """Add one audit row in the caller's transaction.

    ``actor`` is the acting token's owner (None is stored as "unknown"); ``action`` one of
    ACTIONS; ``detail`` any small JSON object worth keeping (never content, never a token).

    Raises:
        ValueError: ``action`` is not in ACTIONS (a programming error, not bad input).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; add it to audit.ACTIONS")
    conn.execute(INSERT, {"actor": actor or "unknown", "action": action,
                          "memory_id": memory_id, "project": project, "token_id": token_id,
                          "detail": Jsonb(detail) if detail is not None else None})
