"""Why a search result ranked where it did: the parts of its score, its BM25 terms and the constants."""

from __future__ import annotations

from typing import Any

FORMULA = ("score = fused_score * confidence_factor; "
           "confidence_factor = 1 - confidence_weight + confidence_weight * confidence; "
           "fused_score = vector_contribution + keyword_contribution + identifier_boost * identifier_hits; "
           "method rrf: vector_contribution = vector_weight / (rrf_k + vector_rank), "
           "keyword_contribution = keyword_weight * keyword_factor ** share_power / (rrf_k + keyword_rank); "
           "method mix: vector_contribution = vector_weight * vector_norm, "
           "keyword_contribution = keyword_weight * keyword_factor ** share_power * keyword_norm "
           "(each signal min-max scaled to 0..1 "
           "over its candidates); a missing rank contributes 0; "
           "bm25 = sum over matched terms of idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg_length)), "
           "idf = ln(1 + (n - df + 0.5) / (df + 0.5)), tf counting a title position title_weight times; "
           "relevance = max(clamp((cosine - similarity_floor) / (similarity_ceiling - similarity_floor), 0, 1), "
           "min(1, keyword_share * keyword_share_scale)), keyword_share = matched idf / query idf, "
           "keyword_factor = max(keyword_share - share_floor, 0) / (1 - share_floor)")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _contributions(row: dict[str, Any], c: dict[str, Any]) -> tuple[float, float]:
    """The vector and keyword parts of the fused score, as the statement computed them."""
    vector_rank, keyword_rank = row["vector_rank"], row["keyword_rank"]
    share = float(row["keyword_factor"]) ** c["share_power"]
    if c["method"] == "mix":
        vector = 0.0 if vector_rank is None else c["vector_weight"] * (1.0 if row["vector_norm"] is None
                                                                       else float(row["vector_norm"]))
        keyword = 0.0 if keyword_rank is None else c["keyword_weight"] * share * (
            1.0 if row["keyword_norm"] is None else float(row["keyword_norm"]))
        return vector, keyword
    vector = 0.0 if vector_rank is None else c["vector_weight"] / (c["rrf_k"] + vector_rank)
    keyword = 0.0 if keyword_rank is None else c["keyword_weight"] * share / (c["rrf_k"] + keyword_rank)
    return vector, keyword


def explain(row: dict[str, Any], constants: dict[str, Any], terms: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``explain`` object of one ranked row (before the row is turned into a result).

    ``terms``: the query's lexemes in the memory, each ``{"term", "tf", "df", "idf"}``.
    Values are unrounded, so the final score can be recomputed from them with ``FORMULA``.
    """
    vector, keyword = _contributions(row, constants)
    return {
        "vector_rank": row["vector_rank"],
        "vector_similarity": _float(row["vector_similarity"]),
        "vector_norm": _float(row["vector_norm"]),
        "vector_contribution": vector,
        "keyword_rank": row["keyword_rank"],
        "bm25": _float(row["bm25"]),
        "keyword_norm": _float(row["keyword_norm"]),
        "keyword_contribution": keyword,
        "keyword_share": _float(row["keyword_share"]),
        "keyword_factor": _float(row["keyword_factor"]),
        "identifier_hits": int(row["identifier_hits"]),
        "matched_terms": [t["term"] for t in terms],
        "terms": terms,
        "cosine": _float(row["cosine"]),
        "relevance": _float(row["relevance"]),
        "confidence": _float(row["confidence"]),
        "fused_score": _float(row["fused_score"]),
        "confidence_factor": 1 - constants["confidence_weight"] + constants["confidence_weight"] * float(row["confidence"]),
        "score": _float(row["score"]),
        "formula": FORMULA,
        "constants": constants,
    }
