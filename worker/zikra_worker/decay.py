"""Decay (SPEC §4): recompute confidence from the time since reinforcement, archive below a threshold.

The policy (periods per type, threshold) comes in the request: it lives in n8n's decay workflow.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint

from . import audit, idempotency
from . import validation as v
from .db import transaction
from .errors import BadRequest
from .runtime import runtime

bp = Blueprint("decay", __name__)

# One idempotent statement: confidence = 0.5 ** (days since reinforced / period). Types with
# a null period stay at 1; types absent from the policy are left alone. Archiving sets
# archived_at and never deletes.
DECAY = """
WITH policy AS (
    SELECT key AS memory_type, (value #>> '{}')::double precision AS period_days
    FROM jsonb_each(%(periods)s::jsonb)
),
decayed AS (
    SELECT m.id,
           m.archived_at IS NULL AS live,
           CASE WHEN p.period_days IS NULL THEN 1.0
                ELSE power(0.5, GREATEST(extract(epoch FROM now() - m.reinforced_at), 0)
                                / 86400.0 / p.period_days)
           END AS confidence
    FROM memories m
    JOIN policy p ON p.memory_type = m.memory_type
),
updated AS (
    UPDATE memories m SET
        confidence = d.confidence,
        archived_at = CASE WHEN d.live AND d.confidence < %(threshold)s THEN now()
                           ELSE m.archived_at END
    FROM decayed d
    WHERE m.id = d.id
    RETURNING m.id, m.project, d.live AND d.confidence < %(threshold)s AS archived_now
),
-- Each memory archived now leaves one audit row, in this same statement.
audited AS (
    INSERT INTO audit_log (actor, action, memory_id, project)
    SELECT %(actor)s, 'decay-archived', id, project FROM updated WHERE archived_now
)
SELECT count(*) AS updated, count(*) FILTER (WHERE archived_now) AS archived FROM updated
"""


def _periods(body: dict[str, Any]) -> dict[str, float | None]:
    periods = body.get("periods")
    if not isinstance(periods, dict) or not periods:
        raise BadRequest("periods", "periods must be an object of memory_type to days (or null).")
    for memory_type, days in periods.items():
        if memory_type not in v.MEMORY_TYPES:
            raise BadRequest("periods", f"periods has an unknown memory_type {memory_type!r}; "
                                        f"allowed: {', '.join(v.MEMORY_TYPES)}.")
        if days is not None and (isinstance(days, bool) or not isinstance(days, (int, float)) or days <= 0):
            raise BadRequest("periods", f"periods.{memory_type} must be a positive number of days or null.")
    return periods


@bp.post("/decay")
def decay() -> dict[str, Any]:
    """Apply a decay policy to every memory; return how many were updated and archived."""
    body = v.json_object()
    periods = _periods(body)
    threshold = v.number(body, "threshold", minimum=0.0, maximum=1.0)
    if threshold is None:
        raise BadRequest("threshold", "threshold is required (between 0 and 1).")
    actor = v.text(body, "actor", max_chars=v.MAX_NAME_CHARS, default=audit.DECAY_ACTOR)
    with transaction(runtime().pool) as conn:
        row = conn.execute(DECAY, {"periods": json.dumps(periods), "threshold": threshold,
                                   "actor": actor}).fetchone()
        # Housekeeping that rides on the daily run: replay answers are kept 30 days.
        idempotency.prune(conn)
    return {"updated": row["updated"], "archived": row["archived"], "threshold": threshold}
