"""The search statement as it was before BM25 (every-word keyword query ranked by ts_rank_cd),
frozen here so bench/search_eval.py can score before and after in the same run, on the same
database and the same query vectors.

Its constants are the ones that shipped with it: RRF k 5, keyword weight 2, confidence
weight 0.5, ts_rank_cd weights (0.1, 0.2, 0.4, 1.0), every query word required.
"""

from __future__ import annotations

from typing import Any

import psycopg

from zikra_worker.db import tune_hnsw
from zikra_worker.serialize import MEMORY_COLUMNS

CONSTANTS = {"rrf_k": 5, "vector_weight": 1.0, "keyword_weight": 2.0, "confidence_weight": 0.5,
             "vector_candidates": 60, "keyword_candidates": 60, "rank_weights": [0.1, 0.2, 0.4, 1.0],
             "keyword_any": False, "coverage_power": 3.0}

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


def rank_before(conn: psycopg.Connection[Any], request: dict[str, Any], use_vector: bool = True,
                use_keyword: bool = True) -> list[dict[str, Any]]:
    """The previous ranking of ``request`` (the shape search.rank takes), best first."""
    limit = request["limit"]
    params = {**request, **CONSTANTS, "words": request["query"].split(),
              "vector_candidates": max(CONSTANTS["vector_candidates"], limit),
              "keyword_candidates": max(CONSTANTS["keyword_candidates"], limit),
              "use_vector": use_vector, "use_keyword": use_keyword}
    tune_hnsw(conn, params["vector_candidates"])
    return conn.execute(HYBRID_SEARCH, params).fetchall()
