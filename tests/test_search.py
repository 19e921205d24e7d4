"""Hybrid search over the real worker and the real local embedding model."""

from __future__ import annotations

import random
from typing import Any

from conftest import assert_error, wait_until

from zikra_worker import budget


def _seed(worker, project):
    worker.save(project, "Auth tokens", "Access tokens are JWTs signed with RS256 and rotated every 15 minutes.")
    worker.save(project, "Crash in invoice export", "The nightly export failed with ERR_PG_23505 duplicate key "
                "in `billing/invoice.py::export_batch` when two runs overlapped.", memory_type="error")
    worker.save(project, "Frontend stack", "The dashboard is written in Svelte with Vite and Tailwind CSS.")
    worker.save(project, "Database choice", "PostgreSQL 16 is the primary store; we use pgvector for embeddings.")


def test_a_paraphrase_with_no_shared_words_finds_the_memory(worker, project):
    _seed(worker, project)
    result = worker.search(project, "how do we verify who a user is?")
    top = result["results"][0]
    assert top["title"] == "Auth tokens"
    assert top["parts"]["vector_rank"] == 1 and top["parts"]["keyword_rank"] is None


def test_an_exact_error_code_is_found_by_the_keyword_side(worker, project):
    _seed(worker, project)
    result = worker.search(project, "ERR_PG_23505")
    top = result["results"][0]
    assert top["title"] == "Crash in invoice export"
    assert top["parts"]["keyword_rank"] == 1


def test_the_keyword_side_finds_an_identifier_the_vector_side_ranks_low(worker, project):
    # Many error memories that look alike to the model, with codes that look alike too;
    # only the keyword side can tell Q7731 from Q7713.
    for code in ("Q7713", "Q7371", "Q7732", "Q1773", "Q7730", "Q3771", "Q7173", "Q7137", "Q7317", "Q7721"):
        worker.save(project, f"Worker crash {code}", f"The job runner crashed with code {code} "
                    f"after a timeout talking to the queue.", memory_type="error")
    worker.save(project, "Worker crash Q7731", "The job runner crashed with code Q7731 after a timeout "
                "talking to the queue.", memory_type="error")
    result = worker.search(project, "Q7731", limit=3)
    top = result["results"][0]
    assert top["title"] == "Worker crash Q7731"
    assert top["parts"]["keyword_rank"] == 1
    assert top["parts"]["vector_rank"] != 1


def test_results_carry_score_and_parts(worker, project):
    _seed(worker, project)
    for result in worker.search(project, "PostgreSQL embeddings", limit=4)["results"]:
        assert set(result["parts"]) == {"vector_rank", "vector_similarity", "keyword_rank", "bm25", "relevance",
                                        "confidence"}
        assert result["score"] > 0 and 0 <= result["parts"]["confidence"] <= 1
        for field in ("id", "project", "title", "content_md", "memory_type", "tags", "created_at"):
            assert field in result
    scores = [r["score"] for r in worker.search(project, "PostgreSQL embeddings", limit=4)["results"]]
    assert scores == sorted(scores, reverse=True)


def test_projects_are_isolated(worker, project):
    other = project + "-b"
    worker.save(project, "Alpha secret", "The alpha launch code word is marmalade.")
    worker.save(other, "Beta secret", "The beta launch code word is marmalade.")
    titles = {r["title"] for r in worker.search(project, "marmalade launch code word", limit=10)["results"]}
    assert titles == {"Alpha secret"}
    both = {r["title"] for r in worker.search([project, other], "marmalade", limit=10)["results"]}
    assert both == {"Alpha secret", "Beta secret"}


def test_memory_type_filters_one_or_several_types(worker, project):
    _seed(worker, project)
    errors = worker.search(project, "export", memory_types=["error"])["results"]
    assert errors and {r["memory_type"] for r in errors} == {"error"}
    mixed = worker.search(project, "export database", memory_types="decision", limit=10)["results"]
    assert {r["memory_type"] for r in mixed} == {"decision"}
    assert_error(worker.post("/search", {"query": "x", "projects": [project], "memory_types": ["opinion"]}),
                 400, field="memory_types")


def test_limit_outside_1_to_50_is_a_400(worker, project):
    for limit in (0, 51, -1, "5", 2.5, True):
        assert_error(worker.post("/search", {"query": "x", "projects": [project], "limit": limit}),
                     400, field="limit")
    assert_error(worker.post("/search", {"projects": [project]}), 400, field="query")
    assert_error(worker.post("/search", {"query": "x"}), 400, field="projects")


def test_search_reinforces_what_it_returns(worker, project, db):
    _seed(worker, project)
    db.execute("UPDATE memories SET reinforced_at = now() - interval '20 days', confidence = 0.5 "
               "WHERE project = %s", (project,))
    returned = worker.search(project, "Svelte dashboard", limit=1)["results"][0]

    def reinforced() -> dict[str, Any]:
        return db.execute("SELECT access_count, confidence, reinforced_at > now() - interval '1 minute' AS fresh "
                          "FROM memories WHERE id = %s", (returned["id"],)).fetchone()

    # The worker reinforces once the answer has gone out (search._reinforce_after_response).
    wait_until(lambda: reinforced()["access_count"] > 0, 10, "the search to reinforce what it returned")
    assert reinforced() == {"access_count": 1, "confidence": 1.0, "fresh": True}
    others = db.execute("SELECT count(*) AS n FROM memories WHERE project = %s AND access_count > 0",
                        (project,)).fetchone()["n"]
    assert others == 1, "only what was returned is reinforced"


def test_at_equal_relevance_the_more_confident_memory_ranks_first(worker, project, db):
    worker.save(project, "Retry policy v1", "HTTP clients retry three times with exponential backoff.")
    worker.save(project, "Retry policy v2", "HTTP clients retry three times with exponential backoff!")
    db.execute("UPDATE memories SET confidence = 0.2 WHERE project = %s AND title = 'Retry policy v1'", (project,))
    results = worker.search(project, "retry backoff", limit=2)["results"]
    assert [r["title"] for r in results] == ["Retry policy v2", "Retry policy v1"]


def test_a_token_budget_is_never_exceeded(worker, project):
    rng = random.Random(5)
    for i in range(12):
        words = " ".join(rng.choice(["cache", "deploy", "queue", "schema", "index", "latency", "ä", "日本"])
                         for _ in range(rng.randint(20, 300)))
        worker.save(project, f"Note {i}", f"Deployment note {i}: {words}")
    for _ in range(60):
        budget_tokens = rng.randint(1, 3000)
        result = worker.search(project, "deploy cache latency", limit=10, max_tokens=budget_tokens)
        used = sum(budget.count(r["title"]) + budget.count(r["content_md"]) for r in result["results"])
        assert used == result["tokens_used"] <= budget_tokens == result["max_tokens"]
        cut = [r for r in result["results"] if r["truncated"]]
        assert len(cut) <= 1 and (not cut or cut[0] is result["results"][-1])
        if cut:
            assert cut[0]["content_md"].endswith(budget.TRUNCATION_MARKER) and result["truncated"]


def test_the_default_budget_applies_when_none_is_given(worker, project):
    worker.save(project, "Long note", "word " * 3000)
    result = worker.search(project, "word", limit=1)
    assert result["max_tokens"] == 2000 and result["tokens_used"] <= 2000
    assert result["results"][0]["truncated"] is True
