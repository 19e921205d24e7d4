"""Hybrid search: HNSW cosine candidates and full-text candidates fused by reciprocal rank,
weighted by confidence, then packed into the token budget."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from . import budget
from . import validation as v
from .db import relax_commit, transaction, tune_hnsw
from .embeddings import embed_one
from .errors import BadRequest
from .memories import REINFORCE
from .runtime import runtime
from .serialize import jsonable

bp = Blueprint("search", __name__)

MAX_LIMIT = 50
MAX_QUERY_CHARS = 4000

# One statement. Each signal ranks its own candidates; a memory found by only one signal
# gets nothing from the other. Confidence scales the fused score so that, at equal
# relevance, the fresher memory ranks first.
HYBRID_SEARCH = """
WITH semantic AS (
    SELECT id, project, embedding <=> %(embedding)s AS distance
    FROM memories
    WHERE project = ANY(%(projects)s)
      AND (%(types)s::text[] IS NULL OR memory_type = ANY(%(types)s))
      AND (%(include_archived)s OR archived_at IS NULL)
    ORDER BY embedding <=> %(embedding)s
    LIMIT %(candidates)s
),
semantic_ranked AS (
    SELECT id, project, 1 - distance AS similarity, ROW_NUMBER() OVER (ORDER BY distance) AS rank
    FROM semantic
),
keyword AS (
    SELECT id, project, ROW_NUMBER() OVER (ORDER BY ts_rank_cd(search_tsv, query) DESC) AS rank
    FROM memories, websearch_to_tsquery('english', %(query)s) AS query
    WHERE search_tsv @@ query
      AND project = ANY(%(projects)s)
      AND (%(types)s::text[] IS NULL OR memory_type = ANY(%(types)s))
      AND (%(include_archived)s OR archived_at IS NULL)
    ORDER BY ts_rank_cd(search_tsv, query) DESC
    LIMIT %(candidates)s
)
SELECT m.id, m.project, m.title, m.content_md, m.memory_type, m.tags, m.source, m.created_by,
       m.created_at, m.updated_at, m.last_accessed_at, m.access_count, m.confidence, m.archived_at,
       s.rank AS vector_rank,
       s.similarity AS vector_similarity,
       k.rank AS keyword_rank,
       (COALESCE(1.0 / (%(rrf_k)s + s.rank), 0) + COALESCE(1.0 / (%(rrf_k)s + k.rank), 0))
         * (1 - %(confidence_weight)s + %(confidence_weight)s * m.confidence) AS score
FROM semantic_ranked s
FULL OUTER JOIN keyword k ON k.id = s.id
-- Joining on the partition key too lets each lookup touch one partition, not all 16.
JOIN memories m ON m.id = COALESCE(s.id, k.id) AND m.project = COALESCE(s.project, k.project)
ORDER BY score DESC, m.updated_at DESC
LIMIT %(limit)s
"""

def _params(body: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    query = v.text(body, "query", required=True, max_chars=MAX_QUERY_CHARS)
    projects = v.string_list(body, "projects", max_items=1000)
    if not projects:
        raise BadRequest("projects", "projects is required: the projects to search.")
    limit = v.integer(body, "limit", default=5, minimum=1, maximum=MAX_LIMIT)
    assert limit is not None
    return {
        "query": query,
        "projects": projects,
        "types": v.memory_types(body, "memory_types"),
        "include_archived": v.boolean(body, "include_archived"),
        "limit": limit,
        "max_tokens": v.integer(body, "max_tokens", default=settings["DEFAULT_MAX_TOKENS"],
                                minimum=1, maximum=1_000_000),
        "candidates": max(settings["SEARCH_CANDIDATES"], limit),
        "rrf_k": settings["RRF_K"],
        "confidence_weight": settings["CONFIDENCE_WEIGHT"],
    }


def _result(row: dict[str, Any]) -> dict[str, Any]:
    parts = {
        "vector_rank": row.pop("vector_rank"),
        "vector_similarity": _rounded(row.pop("vector_similarity")),
        "keyword_rank": row.pop("keyword_rank"),
        "confidence": _rounded(row["confidence"]),
    }
    return {**jsonable(row), "score": _rounded(row.pop("score"), 6), "parts": parts}


def _rounded(value: Any, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


@bp.post("/search")
def search() -> dict[str, Any]:
    """Rank memories of the given projects for a query; return them within the token budget."""
    rt = runtime()
    params = _params(v.json_object(), rt.settings)
    params["embedding"] = embed_one(rt.embedder, params["query"])
    with transaction(rt.pool) as conn:
        relax_commit(conn)
        tune_hnsw(conn, params["candidates"])
        rows = conn.execute(HYBRID_SEARCH, params).fetchall()
        results, used, truncated = budget.pack([_result(row) for row in rows], params["max_tokens"])
        if results:
            conn.execute(REINFORCE, {"ids": [r["id"] for r in results], "projects": params["projects"]})
    return {"results": results, "count": len(results), "tokens_used": used,
            "max_tokens": params["max_tokens"], "truncated": truncated}
