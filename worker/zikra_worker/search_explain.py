"""Why a search result ranked where it did: the parts of its score and the formula's constants."""

from __future__ import annotations

from typing import Any

FORMULA = ("score = fused_score * confidence_factor; "
           "confidence_factor = 1 - confidence_weight + confidence_weight * confidence; "
           "fused_score = vector_contribution + keyword_contribution; "
           "vector_contribution = vector_weight / (rrf_k + vector_rank); "
           "keyword_contribution = keyword_weight * keyword_coverage ** coverage_power / (rrf_k + keyword_rank); "
           "a missing rank contributes 0")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def explain(row: dict[str, Any], constants: dict[str, Any], matched_terms: list[str]) -> dict[str, Any]:
    """The ``explain`` object of one ranked row (before the row is turned into a result).

    Values are unrounded, so the final score can be recomputed from them with ``FORMULA``.
    """
    vector_rank, keyword_rank = row["vector_rank"], row["keyword_rank"]
    rrf_k = constants["rrf_k"]
    return {
        "vector_rank": vector_rank,
        "vector_similarity": _float(row["vector_similarity"]),
        "vector_contribution": 0.0 if vector_rank is None else constants["vector_weight"] / (rrf_k + vector_rank),
        "keyword_rank": keyword_rank,
        "keyword_score": _float(row["keyword_score"]),
        "keyword_coverage": _float(row["keyword_coverage"]),
        "keyword_contribution": (0.0 if keyword_rank is None
                                 else constants["keyword_weight"] * float(row["keyword_coverage"])
                                 ** constants["coverage_power"] / (rrf_k + keyword_rank)),
        "matched_terms": list(matched_terms),
        "confidence": _float(row["confidence"]),
        "fused_score": _float(row["fused_score"]),
        "confidence_factor": 1 - constants["confidence_weight"] + constants["confidence_weight"] * float(row["confidence"]),
        "score": _float(row["score"]),
        "formula": FORMULA,
        "constants": constants,
    }
