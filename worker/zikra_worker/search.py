"""Hybrid search: HNSW cosine candidates and BM25 keyword candidates fused by reciprocal rank,
weighted by confidence, cut by an optional absolute relevance bar, then packed into the
token budget.

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

from . import budget, keywords
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

PREFIXED_COLUMNS = ", ".join("m." + name.strip() for name in MEMORY_COLUMNS.split(","))


@dataclass(frozen=True)
class Fusion:
    """The constants of the ranking formula (docs/search.md, docs/search-quality.md).

    method "rrf":  fused = vector_weight / (rrf_k + vector_rank)
                           + keyword_weight * keyword_share ** share_power / (rrf_k + keyword_rank)
    method "mix":  fused = vector_weight * vector_norm + keyword_weight * keyword_share ** share_power * keyword_norm
                   (cosine and BM25 each scaled min-max to 0..1 over its own candidates)
    both:          fused += identifier_boost * identifier_hits
                   score = fused * (1 - confidence_weight + confidence_weight * confidence)
    """

    method: str = "rrf"
    rrf_k: int = 5
    vector_candidates: int = 60
    keyword_candidates: int = 60
    vector_weight: float = 1.0
    keyword_weight: float = 5.0
    confidence_weight: float = 0.5
    # BM25: term frequency saturation and length normalisation (the usual constants).
    k1: float = 1.2
    b: float = 0.75
    # The keyword contribution is scaled by keyword_factor ** share_power, keyword_factor =
    # max(keyword_share - share_floor, 0) / (1 - share_floor): a memory holding only the
    # common words of a question is weak keyword evidence, whatever its rank.
    share_power: float = 1.0
    share_floor: float = 0.15
    # A title position counts this many times in a memory's term frequency (at least 1).
    title_weight: float = 2.0
    # A memory holding an identifier of the query (ERR_CONN_RESET, src/app/db.py) gets this
    # much per identifier on top of the fused score: more than any fusion gives, so it ranks first.
    identifier_boost: float = 2.0
    # Keyword candidates: the query's lexemes rarest first while their document counts add
    # up to this, else the two rarest together (docs/search.md); at most scan_limit scored.
    essential_budget: int = 200
    scan_limit: int = 500
    max_terms: int = 24
    # relevance = max(clamp((cosine - floor) / (ceiling - floor)), keyword_share * scale),
    # keyword_share being the share of the query's IDF the memory holds (calibrated in
    # docs/search-quality.md).
    similarity_floor: float = 0.2
    similarity_ceiling: float = 0.7
    keyword_share_scale: float = 1.0
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
# The keyword side is BM25 (docs/search.md): the query's English lexemes (stopwords
# dropped), each weighed by its IDF in the searched projects (keyword_terms and
# keyword_projects, kept current by the triggers of db/006_keyword_stats.sql), term
# frequency saturating (k1), length normalised against the projects' average length (b).
# A memory holding any of the query's rarer lexemes is a candidate: lexemes are taken
# rarest first while their document counts add up to at most essential_budget, so a
# common word does not make thousands of rows candidates; when even the rarest is more
# common than that, a candidate must hold the two rarest. At most scan_limit candidates
# are scored. A memory holding an identifier of the query (a phrase: ERR_CONN_RESET is
# err <-> conn <-> reset) is a candidate too, and ranks first.
HYBRID_SEARCH = """
WITH corpus AS MATERIALIZED (
    SELECT GREATEST(COALESCE(sum(doc_count), 0), 1)::float8 AS n,
           GREATEST(COALESCE(sum(total_length)::float8 / NULLIF(sum(doc_count), 0), 1), 1) AS avg_length
    FROM keyword_projects
    WHERE project = ANY(%(projects)s)
),
ranked_terms AS (
    SELECT q.lexeme, d.df, ln(1 + (c.n - d.df + 0.5) / (d.df + 0.5)) AS idf,
           keyword_lexeme_query(q.lexeme) AS lexeme_query,
           -- Rarest first, lexemes no live memory holds last (they can match nothing).
           sum(d.df) OVER (ORDER BY d.df = 0, d.df, q.lexeme) AS df_through,
           ROW_NUMBER() OVER (ORDER BY d.df = 0, d.df, q.lexeme) AS rarity
    FROM corpus c,
         unnest(tsvector_to_array(to_tsvector('english', %(query)s))) AS q (lexeme),
         LATERAL (SELECT COALESCE(sum(t.doc_count), 0)::float8 AS df FROM keyword_terms t
                  WHERE t.project = ANY(%(projects)s) AND t.lexeme = q.lexeme) AS d
),
-- A long prompt is weighed by its max_terms rarest lexemes that some memory holds (its
-- common words add little IDF and each costs a lookup per candidate).
terms AS MATERIALIZED (
    SELECT * FROM ranked_terms WHERE rarity <= %(max_terms)s
),
phrases AS MATERIALIZED (
    SELECT array_agg(p) AS each_phrase, string_agg('(' || p::text || ')', ' | ')::tsquery AS any_phrase
    FROM unnest(%(identifiers)s::text[]) AS w, phraseto_tsquery('english', w) AS p
    WHERE numnode(p) > 0
),
keyword_query AS MATERIALIZED (
    SELECT w.words, p.each_phrase,
           COALESCE(w.words || p.any_phrase, w.words, p.any_phrase) AS candidate_query,
           (SELECT array_agg(lexeme) FROM terms) AS lexemes,
           (SELECT COALESCE(sum(idf), 0) FROM terms) AS query_idf,
           (SELECT avg_length FROM corpus) AS avg_length
    FROM phrases p,
         (SELECT CASE WHEN COALESCE(min(df) FILTER (WHERE df > 0), 0) <= %(essential_budget)s
                      THEN string_agg(lexeme_query::text, ' | ')
                           FILTER (WHERE (df > 0 OR %(include_archived)s) AND df_through <= %(essential_budget)s)
                      ELSE string_agg(lexeme_query::text, ' & ') FILTER (WHERE df > 0 AND rarity <= 2)
                 END::tsquery AS words
          FROM terms) AS w
),
semantic AS (
    SELECT """ + MEMORY_COLUMNS + """, search_tsv, embedding <=> %(embedding)s AS distance
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
keyword_candidates AS (
    -- search_tsv || '': the tsvector decompressed once per candidate, not once per use below.
    SELECT """ + PREFIXED_COLUMNS + """, m.search_tsv || ''::tsvector AS search_tsv
    FROM memories m, keyword_query kq
    WHERE %(use_keyword)s
      AND m.search_tsv @@ kq.candidate_query
      AND m.project = ANY(%(projects)s)
      AND (%(types)s::text[] IS NULL OR m.memory_type = ANY(%(types)s))
      AND (%(include_archived)s OR m.archived_at IS NULL)
    LIMIT %(scan_limit)s
),
keyword AS (
    SELECT c.*, s.bm25, s.matched_idf, ident.hits AS identifier_hits
    FROM keyword_candidates c
    CROSS JOIN keyword_query kq
    CROSS JOIN LATERAL (
        -- tf: ts_rank_cd of a one-lexeme query with weights (1/title_weight, ..., 1) is the
        -- weighted count of its positions; times title_weight, a title position counts
        -- title_weight times and any other once (C code: no unnest of the tsvector).
        SELECT COALESCE(sum(t.idf * x.tf * (%(k1)s + 1)
                            / (x.tf + %(k1)s * (1 - %(b)s + %(b)s * length(c.search_tsv) / kq.avg_length))),
                        0) AS bm25,
               COALESCE(sum(t.idf), 0) AS matched_idf
        FROM terms t
        CROSS JOIN LATERAL (SELECT %(title_weight)s * ts_rank_cd(%(tf_weights)s::float4[], c.search_tsv, t.lexeme_query)
                            AS tf) AS x
        WHERE x.tf > 0
    ) AS s
    CROSS JOIN LATERAL (SELECT count(*) AS hits FROM unnest(kq.each_phrase) AS p WHERE c.search_tsv @@ p) AS ident
    ORDER BY ident.hits DESC, s.bm25 DESC
    LIMIT %(keyword_candidates)s
),
keyword_ranked AS (
    SELECT *, ROW_NUMBER() OVER (ORDER BY identifier_hits DESC, bm25 DESC) AS rank
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
           k.rank AS keyword_rank, k.bm25, COALESCE(k.identifier_hits, 0) AS identifier_hits,
           s.similarity AS cosine,
           -- Share of the query's IDF the memory holds; a find of the vector side alone is
           -- looked up lexeme by lexeme in its tsvector.
           COALESCE(k.matched_idf,
                    (SELECT COALESCE(sum(t.idf), 0) FROM terms t WHERE s.search_tsv @@ t.lexeme_query))
             / NULLIF((SELECT query_idf FROM keyword_query), 0) AS keyword_share,
           (s.similarity - min(s.similarity) OVER ())
             / NULLIF(max(s.similarity) OVER () - min(s.similarity) OVER (), 0) AS vector_norm,
           (k.bm25 - min(k.bm25) OVER ()) / NULLIF(max(k.bm25) OVER () - min(k.bm25) OVER (), 0) AS keyword_norm
    FROM semantic_ranked s
    FULL OUTER JOIN keyword_ranked k ON k.id = s.id
),
factored AS (
    SELECT j.*, GREATEST(COALESCE(keyword_share, 0) - %(share_floor)s, 0) / (1 - %(share_floor)s) AS keyword_factor
    FROM joined j
),
fused AS (
    SELECT f.*,
           CASE WHEN %(mix)s
                THEN %(vector_weight)s * COALESCE(vector_norm, CASE WHEN vector_rank IS NOT NULL THEN 1 END, 0)
                     + %(keyword_weight)s * power(keyword_factor, %(share_power)s)
                       * COALESCE(keyword_norm, CASE WHEN keyword_rank IS NOT NULL THEN 1 END, 0)
                ELSE COALESCE(%(vector_weight)s / (%(rrf_k)s + vector_rank), 0)
                     + COALESCE(%(keyword_weight)s * power(keyword_factor, %(share_power)s)
                                / (%(rrf_k)s + keyword_rank), 0)
           END + %(identifier_boost)s * identifier_hits AS fused_score,
           GREATEST(LEAST(GREATEST((cosine - %(similarity_floor)s)
                                   / (%(similarity_ceiling)s - %(similarity_floor)s), 0), 1),
                    LEAST(COALESCE(keyword_share, 0) * %(keyword_share_scale)s, 1)) AS relevance
    FROM factored f
)
SELECT *, fused_score * (1 - %(confidence_weight)s + %(confidence_weight)s * confidence) AS score
FROM fused
WHERE relevance >= %(min_relevance)s
ORDER BY score DESC, updated_at DESC
LIMIT %(limit)s
"""

# The columns the ranking computes beyond the memory's own: dropped from a result (some
# become its parts).
RANKING_COLUMNS = ("vector_rank", "vector_similarity", "keyword_rank", "bm25", "identifier_hits", "cosine",
                   "keyword_share", "keyword_factor", "vector_norm", "keyword_norm", "fused_score", "relevance", "score")


def rank(conn: psycopg.Connection[Any], request: dict[str, Any], fusion: Fusion,
         session_ef_search: int = 0) -> list[dict[str, Any]]:
    """Run the hybrid statement: the top ``request["limit"]`` rows, best first.

    ``request`` holds ``query``, ``embedding``, ``projects``, ``types``, ``include_archived``,
    ``limit`` and optionally ``min_relevance``. Nothing is reinforced here: the endpoint does
    that for what it returns. ``session_ef_search``: the connection's session already scans
    HNSW with this ``ef_search`` (the worker's pool); below the candidate count, this
    transaction sets it.
    """
    limit = request["limit"]
    params = {**request, "identifiers": keywords.identifiers(request["query"]),
              "min_relevance": request.get("min_relevance") or 0.0,
              **fusion.constants(), "mix": fusion.method == "mix",
              "tf_weights": [1 / fusion.title_weight] * 3 + [1.0],
              "use_vector": fusion.use_vector, "use_keyword": fusion.use_keyword,
              "vector_candidates": max(fusion.vector_candidates, limit),
              "keyword_candidates": max(fusion.keyword_candidates, limit)}
    if params["vector_candidates"] > session_ef_search:
        tune_hnsw(conn, params["vector_candidates"])
    return conn.execute(HYBRID_SEARCH, params).fetchall()


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
        "min_relevance": v.number(body, "min_relevance", minimum=0.0, maximum=1.0),
    }


def _result(row: dict[str, Any], fusion: Fusion,
            terms: dict[Any, list[dict[str, Any]]] | None) -> dict[str, Any]:
    details = explain(row, fusion.constants(), terms.get(row["id"], [])) if terms is not None else None
    parts = {
        "vector_rank": row["vector_rank"],
        "vector_similarity": _rounded(row["vector_similarity"]),
        "keyword_rank": row["keyword_rank"],
        "bm25": _rounded(row["bm25"]),
        "relevance": _rounded(row["relevance"]),
        "confidence": _rounded(row["confidence"]),
    }
    result = {**jsonable({k: val for k, val in row.items() if k not in RANKING_COLUMNS}),
              "score": _rounded(row["score"], 6), "parts": parts}
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
    def ranked(conn: psycopg.Connection[Any]) -> tuple[list[dict[str, Any]], dict[Any, list[dict[str, Any]]] | None]:
        rows = rank(conn, params, fusion, session_ef_search=rt.hnsw_ef_search)
        terms = None
        if params["explain"]:
            terms = keywords.explain_terms(conn, params["query"], [r["id"] for r in rows], params["projects"],
                                           fusion.title_weight, fusion.max_terms) if rows else {}
        return rows, terms

    rows, terms = read(rt.pool, ranked)
    results, used, truncated = budget.pack([_result(row, fusion, terms) for row in rows], params["max_tokens"])
    response = jsonify({"results": results, "count": len(results), "tokens_used": used,
                        "max_tokens": params["max_tokens"], "truncated": truncated})
    if results:
        ids = [r["id"] for r in results]
        response.call_on_close(lambda: _reinforce_after_response(rt.pool, ids, params["projects"]))
    return response
