"""Hybrid search: HNSW cosine candidates and full-text candidates fused by reciprocal rank,
weighted by confidence, then packed into the token budget.

``rank`` is the one ranking path: the ``/search`` endpoint calls it, and so does the
quality bench (bench/search_eval.py), which switches one signal off through ``Fusion`` to
measure vector-only and keyword-only ranking with the same statement.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from flask import Blueprint, Response, jsonify

from . import budget
from . import validation as v
from .db import read, tune_hnsw
from .errors import BadRequest
from .memories import REINFORCE_RETURNED
from .runtime import runtime
from .search_explain import explain
from .serialize import MEMORY_COLUMNS, jsonable

logger = logging.getLogger(__name__)
bp = Blueprint("search", __name__)

MAX_LIMIT = 50
MAX_QUERY_CHARS = 4000


@dataclass(frozen=True)
class Fusion:
    """The constants of the ranking formula (docs/search.md, docs/search-quality.md).

    score = (vector_weight / (rrf_k + vector_rank)
             + keyword_weight * keyword_coverage ** coverage_power / (rrf_k + keyword_rank))
            * (1 - confidence_weight + confidence_weight * confidence)
    """

    rrf_k: int = 5
    vector_candidates: int = 60
    keyword_candidates: int = 60
    vector_weight: float = 1.0
    keyword_weight: float = 2.0
    confidence_weight: float = 0.5
    # ts_rank_cd weights of the tsvector classes D, C (content), B (tags), A (title).
    rank_weights: tuple[float, float, float, float] = (0.1, 0.2, 0.4, 1.0)
    # Keyword candidates match every word of the query (False: websearch_to_tsquery), or
    # any word (True: one phrase per word, OR-ed). Any-word matching helps keyword-only
    # ranking of multi-fact questions but not the hybrid, and costs ~1.6 ms p50 and
    # 2x p95 at 20k memories (docs/search-quality.md): off.
    keyword_any: bool = False
    # With keyword_any, the keyword contribution is scaled by coverage ** coverage_power,
    # coverage being the share of the query's words the memory holds (1 when it holds all).
    coverage_power: float = 3.0
    # Signals on: the bench switches one off to measure the other through this same path.
    use_vector: bool = True
    use_keyword: bool = True

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Fusion:
        """The configured fusion: ZIKRA_RRF_K, ZIKRA_SEARCH_CANDIDATES, ZIKRA_CONFIDENCE_WEIGHT."""
        return cls(rrf_k=settings["RRF_K"], vector_candidates=settings["SEARCH_CANDIDATES"],
                   keyword_candidates=settings["SEARCH_CANDIDATES"],
                   confidence_weight=settings["CONFIDENCE_WEIGHT"])

    def constants(self) -> dict[str, Any]:
        """The constants as JSON, for explain."""
        values = asdict(self)
        values["rank_weights"] = list(self.rank_weights)
        del values["use_vector"], values["use_keyword"]
        return values


# One statement. Each signal ranks its own candidates; a memory found by only one signal
# gets nothing from the other. Confidence scales the fused score so that, at equal
# relevance, the fresher, more trusted memory ranks first.
#
# Each candidate list carries the columns of the result (MEMORY_COLUMNS), read from the
# row its scan already visited; the two lists are joined on id and never go back to
# memories. (Joining memories again on COALESCE(s.id, k.id) cost a hash join over every
# partition at 5k memories, 7.7 of 11 ms, or 60-120 index probes at 100k.)
#
# The keyword query: websearch_to_tsquery, every word required; an identifier such as
# ERR_CONN_RESET stays a phrase (err <-> conn <-> reset), src/app/db.py one file lexeme.
# With Fusion.keyword_any, one phrase per whitespace-separated word, OR-ed, so a question
# naming two facts matches a memory holding one; those matching every word rank first.
HYBRID_SEARCH = """
WITH words AS (
    SELECT string_agg('(' || q::text || ')', ' | ')::tsquery AS any_word,
           array_agg(q) AS each_word,
           websearch_to_tsquery('english', %(query)s) AS all_words
    FROM unnest(%(words)s::text[]) AS w, phraseto_tsquery('english', w) AS q
    WHERE numnode(q) > 0
),
semantic AS (
    SELECT """ + MEMORY_COLUMNS + """, embedding <=> %(embedding)s AS distance
    FROM memories
    WHERE project = ANY(%(projects)s)
      AND (%(types)s::text[] IS NULL OR memory_type = ANY(%(types)s))
      AND (%(include_archived)s OR archived_at IS NULL)
    ORDER BY embedding <=> %(embedding)s
    LIMIT CASE WHEN %(use_vector)s THEN %(vector_candidates)s ELSE 0 END
),
semantic_ranked AS (
    SELECT *, 1 - distance AS similarity, ROW_NUMBER() OVER (ORDER BY distance) AS rank
    FROM semantic
),
keyword AS (
    SELECT """ + MEMORY_COLUMNS + """, search_tsv,
           (search_tsv @@ all_words) AS all_matched,
           ts_rank_cd(%(rank_weights)s::float4[], search_tsv,
                      CASE WHEN %(keyword_any)s THEN any_word ELSE all_words END) AS keyword_score
    FROM memories, words
    WHERE %(use_keyword)s
      AND search_tsv @@ CASE WHEN %(keyword_any)s THEN any_word ELSE all_words END
      AND project = ANY(%(projects)s)
      AND (%(types)s::text[] IS NULL OR memory_type = ANY(%(types)s))
      AND (%(include_archived)s OR archived_at IS NULL)
    ORDER BY all_matched DESC, keyword_score DESC
    LIMIT %(keyword_candidates)s
),
keyword_ranked AS (
    SELECT *, ROW_NUMBER() OVER (ORDER BY all_matched DESC, keyword_score DESC) AS rank
    FROM keyword
),
joined AS (
    -- Both sides read the same row in the same snapshot, so either side's columns will do.
    SELECT COALESCE(s.id, k.id) AS id, COALESCE(s.project, k.project) AS project,
           COALESCE(s.title, k.title) AS title, COALESCE(s.content_md, k.content_md) AS content_md,
           COALESCE(s.memory_type, k.memory_type) AS memory_type, COALESCE(s.tags, k.tags) AS tags,
           COALESCE(s.source, k.source) AS source, COALESCE(s.created_by, k.created_by) AS created_by,
           COALESCE(s.created_at, k.created_at) AS created_at,
           COALESCE(s.updated_at, k.updated_at) AS updated_at,
           COALESCE(s.last_accessed_at, k.last_accessed_at) AS last_accessed_at,
           COALESCE(s.access_count, k.access_count) AS access_count,
           COALESCE(s.confidence, k.confidence) AS confidence,
           COALESCE(s.archived_at, k.archived_at) AS archived_at,
           s.rank AS vector_rank, s.similarity AS vector_similarity,
           k.rank AS keyword_rank, k.keyword_score,
           -- Share of the query's words this memory holds: a memory matching one common
           -- word of a long question is weak keyword evidence. Only for the candidates.
           CASE WHEN k.rank IS NULL THEN NULL
                WHEN NOT %(keyword_any)s THEN 1.0::float8  -- every word matched
                ELSE (SELECT count(*) FROM words, unnest(words.each_word) AS one_word
                      WHERE k.search_tsv @@ one_word)::float8
                     / GREATEST((SELECT cardinality(each_word) FROM words), 1)
           END AS keyword_coverage
    FROM semantic_ranked s
    FULL OUTER JOIN keyword_ranked k ON k.id = s.id
),
fused AS (
    SELECT j.*,
           COALESCE(%(vector_weight)s / (%(rrf_k)s + vector_rank), 0)
             + COALESCE(%(keyword_weight)s * power(keyword_coverage, %(coverage_power)s)
                        / (%(rrf_k)s + keyword_rank), 0) AS fused_score
    FROM joined j
)
SELECT *, fused_score * (1 - %(confidence_weight)s + %(confidence_weight)s * confidence) AS score
FROM fused
ORDER BY score DESC, updated_at DESC
LIMIT %(limit)s
"""

# The query's lexemes found in each returned memory: only for explain, only for the rows
# returned, so a normal search does not pay for it.
MATCHED_TERMS = """
SELECT m.id, ARRAY(
    SELECT lexeme FROM unnest(tsvector_to_array(m.search_tsv)) AS lexeme
    INTERSECT
    SELECT lexeme FROM unnest(tsvector_to_array(to_tsvector('english', %(query)s))) AS lexeme
    ORDER BY 1) AS matched_terms
FROM memories m
WHERE m.id = ANY(%(ids)s) AND m.project = ANY(%(projects)s)
"""


def query_words(query: str) -> list[str]:
    """The query split on whitespace: each word becomes one phrase of the keyword query."""
    return query.split()


def rank(conn: psycopg.Connection[Any], request: dict[str, Any], fusion: Fusion,
         session_ef_search: int = 0) -> list[dict[str, Any]]:
    """Run the hybrid statement: the top ``request["limit"]`` rows, best first.

    ``request`` holds ``query``, ``embedding``, ``projects``, ``types``, ``include_archived``
    and ``limit``. Nothing is reinforced here: the endpoint does that for what it returns.
    ``session_ef_search``: the connection's session already scans HNSW with this
    ``ef_search`` (the worker's pool); below the candidate count, this transaction sets it.
    """
    limit = request["limit"]
    params = {**request, "words": query_words(request["query"]),
              "rrf_k": fusion.rrf_k, "vector_weight": fusion.vector_weight,
              "keyword_weight": fusion.keyword_weight, "confidence_weight": fusion.confidence_weight,
              "vector_candidates": max(fusion.vector_candidates, limit),
              "keyword_candidates": max(fusion.keyword_candidates, limit),
              "rank_weights": list(fusion.rank_weights),
              "use_vector": fusion.use_vector, "use_keyword": fusion.use_keyword,
              "keyword_any": fusion.keyword_any, "coverage_power": fusion.coverage_power}
    if params["vector_candidates"] > session_ef_search:
        tune_hnsw(conn, params["vector_candidates"])
    return conn.execute(HYBRID_SEARCH, params).fetchall()


def matched_terms(conn: psycopg.Connection[Any], query: str, ids: list[Any],
                  projects: list[str]) -> dict[Any, list[str]]:
    """The query lexemes present in each memory's search_tsv."""
    rows = conn.execute(MATCHED_TERMS, {"query": query, "ids": ids, "projects": projects}).fetchall()
    return {row["id"]: row["matched_terms"] for row in rows}


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
        "explain": v.boolean(body, "explain"),
    }


def _result(row: dict[str, Any], fusion: Fusion, terms: dict[Any, list[str]] | None) -> dict[str, Any]:
    details = explain(row, fusion.constants(), terms.get(row["id"], [])) if terms is not None else None
    for key in ("keyword_score", "keyword_coverage", "fused_score"):
        row.pop(key)
    parts = {
        "vector_rank": row.pop("vector_rank"),
        "vector_similarity": _rounded(row.pop("vector_similarity")),
        "keyword_rank": row.pop("keyword_rank"),
        "confidence": _rounded(row["confidence"]),
    }
    result = {**jsonable(row), "score": _rounded(row.pop("score"), 6), "parts": parts}
    if details is not None:
        result["explain"] = details
    return result


def _rounded(value: Any, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def _reinforce_after_response(pool: Any, ids: list[Any], projects: list[str]) -> None:
    """Reinforce what a search returned, once its answer has gone out.

    Runs when the WSGI server closes the response (gunicorn: in the same thread, before it
    handles another request on that thread), so it is never skipped in normal operation,
    graceful shutdown included; a failure is logged, not raised to a client that already
    has its answer. Only a killed process loses it.
    """
    try:
        read(pool, lambda conn: conn.execute(REINFORCE_RETURNED, {"ids": ids, "projects": projects}))
    except Exception as exc:  # noqa: BLE001 - the answer is sent; log and go on
        logger.warning("search reinforcement failed: %s", type(exc).__name__)


@bp.post("/search")
def search() -> Response:
    """Rank memories of the given projects for a query; return them within the token budget."""
    rt = runtime()
    params = _params(v.json_object(), rt.settings)
    fusion = Fusion.from_settings(rt.settings)
    # Agents repeat queries: a repeated one skips the model (embeddings.QueryCache).
    params["embedding"] = rt.query_embeddings.embed(params["query"])

    # Autocommit: the ranking is one statement, with no BEGIN or COMMIT round trips. Safe to
    # repeat, so db.read may run it again on a fresh connection when the pooled one died idle.
    def ranked(conn: psycopg.Connection[Any]) -> tuple[list[dict[str, Any]], dict[Any, list[str]] | None]:
        rows = rank(conn, params, fusion, session_ef_search=rt.hnsw_ef_search)
        terms = None
        if params["explain"]:
            terms = matched_terms(conn, params["query"], [r["id"] for r in rows], params["projects"]) if rows else {}
        return rows, terms

    rows, terms = read(rt.pool, ranked)
    results, used, truncated = budget.pack([_result(row, fusion, terms) for row in rows], params["max_tokens"])
    response = jsonify({"results": results, "count": len(results), "tokens_used": used,
                        "max_tokens": params["max_tokens"], "truncated": truncated})
    if results:
        ids = [r["id"] for r in results]
        response.call_on_close(lambda: _reinforce_after_response(rt.pool, ids, params["projects"]))
    return response
