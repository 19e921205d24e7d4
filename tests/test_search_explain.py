"""search with explain: why each result ranked where it did, over the real worker and model."""

from __future__ import annotations

import math

import pytest
from conftest import assert_error


def _seed(worker, project):
    worker.save(project, "Crash in invoice export", "The nightly export failed with ERR_PG_23505 duplicate key "
                "in `billing/invoice.py::export_batch` when two runs overlapped.", memory_type="error")
    worker.save(project, "Auth tokens", "Access tokens are JWTs signed with RS256 and rotated every 15 minutes.")
    worker.save(project, "Database choice", "PostgreSQL 16 is the primary store; we use pgvector for embeddings.")
    worker.save(project, "Invoice numbering", "Invoices are numbered per tenant and year, without gaps.")


def _explained(worker, project, query, **fields):
    return worker.search(project, query, explain=True, limit=10, **fields)["results"]


def _recomputed(e, c):
    """vector, keyword, fused score and BM25 from the explain object alone (its FORMULA)."""
    factor = max((e["keyword_share"] or 0.0) - c["share_floor"], 0) / (1 - c["share_floor"])
    assert e["keyword_factor"] == pytest.approx(factor)
    share = factor ** c["share_power"]
    if c["method"] == "mix":
        vector = 0.0 if e["vector_rank"] is None else c["vector_weight"] * (e["vector_norm"] if e["vector_norm"]
                                                                            is not None else 1.0)
        keyword = 0.0 if e["keyword_rank"] is None else c["keyword_weight"] * share * (
            e["keyword_norm"] if e["keyword_norm"] is not None else 1.0)
    else:
        vector = 0.0 if e["vector_rank"] is None else c["vector_weight"] / (c["rrf_k"] + e["vector_rank"])
        keyword = 0.0 if e["keyword_rank"] is None else c["keyword_weight"] * share / (c["rrf_k"] + e["keyword_rank"])
    return vector, keyword, vector + keyword + c["identifier_boost"] * e["identifier_hits"]


def test_explain_parts_recompute_the_score(worker, project, db):
    _seed(worker, project)
    db.execute("UPDATE memories SET confidence = 0.4 WHERE project = %s AND title = 'Invoice numbering'", (project,))
    results = _explained(worker, project, "invoice export crash ERR_PG_23505")
    assert results and any(r["explain"]["keyword_rank"] for r in results)
    assert any(r["explain"]["confidence"] == pytest.approx(0.4) for r in results)
    for r in results:
        e, c = r["explain"], r["explain"]["constants"]
        assert set(c) >= {"method", "rrf_k", "vector_weight", "keyword_weight", "confidence_weight", "k1", "b",
                          "title_weight", "identifier_boost", "share_power", "vector_candidates",
                          "keyword_candidates"}
        vector, keyword, fused = _recomputed(e, c)
        factor = 1 - c["confidence_weight"] + c["confidence_weight"] * e["confidence"]
        assert e["vector_contribution"] == pytest.approx(vector)
        assert e["keyword_contribution"] == pytest.approx(keyword)
        assert e["fused_score"] == pytest.approx(fused)
        assert e["confidence_factor"] == pytest.approx(factor)
        assert e["score"] == pytest.approx(fused * factor)
        assert r["score"] == pytest.approx(e["score"], abs=1e-6)
        # explain agrees with the parts every result already carries
        assert r["parts"]["vector_rank"] == e["vector_rank"]
        assert r["parts"]["keyword_rank"] == e["keyword_rank"]
        assert r["parts"]["vector_similarity"] == pytest.approx(e["vector_similarity"], abs=1e-4)
        assert r["parts"]["confidence"] == pytest.approx(e["confidence"], abs=1e-4)
        assert r["parts"]["relevance"] == pytest.approx(e["relevance"], abs=1e-4)
        assert (e["keyword_rank"] is None) == (e["bm25"] is None) == (r["parts"]["bm25"] is None)
        assert (e["vector_rank"] is None) == (e["vector_similarity"] is None)
        assert "score" in e["formula"] and "bm25" in e["formula"] and "idf" in e["formula"]
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_explain_bm25_is_the_sum_over_its_terms_of_idf_and_saturated_frequency(worker, project, db):
    _seed(worker, project)
    results = _explained(worker, project, "invoice export crash ERR_PG_23505")
    stats = db.execute("SELECT doc_count, total_length FROM keyword_projects WHERE project = %s", (project,)).fetchone()
    n, avg_length = stats["doc_count"], stats["total_length"] / stats["doc_count"]
    for r in results:
        e, c = r["explain"], r["explain"]["constants"]
        if e["bm25"] is None:
            continue
        length = db.execute("SELECT length(search_tsv) AS n FROM memories WHERE id = %s", (r["id"],)).fetchone()["n"]
        expected = 0.0
        for term in e["terms"]:
            assert term["idf"] == pytest.approx(math.log(1 + (n - term["df"] + 0.5) / (term["df"] + 0.5)))
            tf = term["tf"]
            expected += term["idf"] * tf * (c["k1"] + 1) / (tf + c["k1"] * (1 - c["b"] + c["b"] * length / avg_length))
        assert e["bm25"] == pytest.approx(expected)
    crash = next(r["explain"] for r in results if r["title"] == "Crash in invoice export")
    export = next(t for t in crash["terms"] if t["term"] == "export")
    # A long prompt is weighed by its rarest lexemes that some memory holds: forty words no
    # memory has do not crowd out the three it does.
    long_prompt = "invoice export crash " + " ".join(f"word{i}x" for i in range(40))
    top = _explained(worker, project, long_prompt)[0]
    assert top["title"] == "Crash in invoice export"
    assert top["explain"]["matched_terms"] == ["crash", "export", "invoic"] and top["explain"]["bm25"] > 0
    # "export" is in the title (counted twice) and twice in the content ("export", "export_batch").
    assert export["tf"] == 4 and export["df"] == 1


def test_matched_terms_are_the_query_lexemes_in_each_memory(worker, project):
    _seed(worker, project)
    results = {r["title"]: r["explain"] for r in _explained(worker, project, "invoice exports, ERR_PG_23505")}
    # English stems; the error code's parts (err, pg, 23505) are lexemes of their own.
    crash = results["Crash in invoice export"]
    assert crash["matched_terms"] == ["23505", "err", "export", "invoic", "pg"]
    assert crash["keyword_rank"] == 1 and crash["bm25"] > 0 and crash["identifier_hits"] == 1
    # It holds one of the query's words: a keyword candidate too, ranked below.
    assert results["Invoice numbering"]["matched_terms"] == ["invoic"]
    assert results["Invoice numbering"]["keyword_rank"] > 1
    for title in ("Auth tokens", "Database choice"):
        if title in results:
            assert results[title]["matched_terms"] == [] and results[title]["keyword_rank"] is None


def test_without_explain_results_are_unchanged(worker, project):
    _seed(worker, project)
    for body in ({}, {"explain": False}, {"explain": None}):
        results = worker.search(project, "invoice export", **body)["results"]
        assert results and all("explain" not in r for r in results)
        assert set(results[0]["parts"]) == {"vector_rank", "vector_similarity", "keyword_rank", "bm25", "relevance",
                                            "confidence"}


def test_explain_must_be_a_boolean(worker, project):
    for value in ("yes", 1, 0, [], {}, "true"):
        assert_error(worker.post("/search", {"query": "x", "projects": [project], "explain": value}),
                     400, field="explain")


@pytest.mark.parametrize("query", ["ERR_PG_23505", "billing/invoice.py", "getUserById()", "it's | & ! ( <->",
                                   "'''", "\\", ":*", "the of and", "a-b-c d.e.f", "日本 ä"])
def test_identifiers_and_punctuation_never_break_the_keyword_query(worker, project, query):
    _seed(worker, project)
    results = worker.search(project, query, explain=True)["results"]
    assert all(isinstance(r["explain"]["matched_terms"], list) for r in results)


def test_an_identifier_in_a_question_is_found_by_the_keyword_side(worker, project):
    _seed(worker, project)
    top = _explained(worker, project, "why did billing/invoice.py fail?")[0]
    assert top["title"] == "Crash in invoice export"
    assert top["explain"]["keyword_rank"] == 1 and "billing/invoice.py" in top["explain"]["matched_terms"]
