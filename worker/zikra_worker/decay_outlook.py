"""What decay predicts, for people looking at memories: a memory's confidence now, when it falls
below the archive threshold, and per memory type how many memories are fresh, fading or archived.

The policy that archives lives in n8n's decay workflow (``zikraDecayJob001``); the worker does not
receive it outside a decay run, so these predictions use the same defaults, kept here. A changed
workflow policy shows up at the next decay run, not in these predictions until this table follows.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

# Days for confidence to halve, per memory type; None: never decays. Mirrors the "Decay policy"
# node of n8n-workflows/zikraDecayJob001.json (tests/test_worker_browse.py checks they agree).
DEFAULT_PERIODS: dict[str, float | None] = {
    "decision": 90, "error": 30, "requirement": None, "reference": 180,
    "user": None, "feedback": None, "project": 60,
}
DEFAULT_THRESHOLD = 0.1
# A live memory past one period (confidence under one half) counts as fading.
FADING_BELOW = 0.5


def confidence_at(period_days: float | None, reinforced_at: dt.datetime, at: dt.datetime) -> float:
    """``0.5 ** (days since reinforced / period)``: the decay workflow's formula; 1 when it never decays."""
    if period_days is None:
        return 1.0
    days = max((at - reinforced_at).total_seconds(), 0.0) / 86400.0
    return 0.5 ** (days / period_days)


def outlook(memory_type: str, reinforced_at: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    """A memory's decay under the default policy: its period, confidence now, and when it will fall
    below the threshold (the first decay run after that archives it); ``None`` dates when it never decays."""
    period = DEFAULT_PERIODS.get(memory_type)
    below_at = None
    if period is not None:
        # 0.5 ** (d / p) = t  <=>  d = p * log2(1 / t)
        below_at = reinforced_at + dt.timedelta(days=period * math.log2(1 / DEFAULT_THRESHOLD))
    return {
        "period_days": period,
        "threshold": DEFAULT_THRESHOLD,
        "reinforced_at": reinforced_at.isoformat(),
        "confidence_now": round(confidence_at(period, reinforced_at, now), 4),
        "below_threshold_at": below_at.isoformat() if below_at else None,
    }


def policy() -> dict[str, Any]:
    """The default policy these predictions use, as reported beside them."""
    return {"periods": DEFAULT_PERIODS, "threshold": DEFAULT_THRESHOLD, "fading_below": FADING_BELOW}


def periods_json() -> str:
    """The periods as the JSON object the decay SQL reads with ``jsonb_each``."""
    return json.dumps(DEFAULT_PERIODS)


# Per project and memory type: archived, fresh (never decays, or confidence >= FADING_BELOW) and
# fading (live, confidence below it). Confidence < 1/2 exactly when more than one period has passed.
OVERVIEW = """
WITH policy AS (
    SELECT key AS memory_type, (value #>> '{}')::double precision AS period_days
    FROM jsonb_each(%(periods)s::jsonb)
)
SELECT m.project,
       m.memory_type,
       count(*) FILTER (WHERE m.archived_at IS NOT NULL)::integer AS archived,
       count(*) FILTER (WHERE m.archived_at IS NULL AND p.period_days IS NOT NULL
                        AND power(0.5, GREATEST(extract(epoch FROM now() - m.reinforced_at), 0)
                                       / 86400.0 / p.period_days) < %(fading_below)s)::integer AS fading,
       count(*) FILTER (WHERE m.archived_at IS NULL AND (p.period_days IS NULL
                        OR power(0.5, GREATEST(extract(epoch FROM now() - m.reinforced_at), 0)
                                      / 86400.0 / p.period_days) >= %(fading_below)s))::integer AS fresh
FROM memories m
LEFT JOIN policy p ON p.memory_type = m.memory_type
WHERE m.project = ANY(%(projects)s)
GROUP BY m.project, m.memory_type
"""


def overview(conn: Any, projects: list[str]) -> dict[str, dict[str, dict[str, int]]]:
    """``{project: {memory_type: {"fresh", "fading", "archived"}}}`` for the projects with memories."""
    rows = conn.execute(OVERVIEW, {"periods": periods_json(), "fading_below": FADING_BELOW,
                                   "projects": projects}).fetchall()
    out: dict[str, dict[str, dict[str, int]]] = {}
    for row in rows:
        out.setdefault(row["project"], {})[row["memory_type"]] = {
            "fresh": row["fresh"], "fading": row["fading"], "archived": row["archived"]}
    return out
