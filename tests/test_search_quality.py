"""The search evaluation set (bench/evalset) and a small slice of the quality bench, on the real
worker, local model and PostgreSQL: the hybrid must rank at least as well as either signal alone."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import psycopg
import pytest
from pgvector.psycopg import register_vector
from psycopg.rows import dict_row

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "bench" / "evalset"))
sys.path.insert(0, str(REPO / "bench" / "realtext"))

import flask_changelog as realtext  # noqa: E402
import generate  # noqa: E402
import questions  # noqa: E402
import search_eval  # noqa: E402

from zikra_worker.embeddings import LocalEmbedder  # noqa: E402
from zikra_worker.search import Fusion  # noqa: E402


@pytest.fixture(scope="module")
def evalset():
    return search_eval.load_evalset()


def test_the_committed_evalset_is_what_the_generator_writes(evalset, tmp_path):
    corpus, queries = generate.generate()
    assert (corpus, queries) == evalset
    assert generate.main(["--check"]) == 0


def test_the_committed_questions_are_what_their_generator_writes(evalset):
    corpus, _ = evalset
    committed = search_eval.read_jsonl(REPO / "bench" / "evalset" / "questions.jsonl")
    assert committed == questions.generate(corpus)
    kinds = Counter(q["kind"] for q in committed)
    assert kinds["question"] >= 100 and kinds["two_facts"] >= 50
    ids = {m["id"] for m in corpus}
    for q in committed:
        assert set(q["relevant"]) <= ids and len(q["relevant"]) == (2 if q["kind"] == "two_facts" else 1)


def test_the_real_text_set_is_what_its_build_writes_and_each_answer_is_one_entry():
    corpus, queries, prompts = realtext.build()  # exits when an answer's piece is not exactly one entry
    folder = REPO / "bench" / "realtext"
    assert search_eval.read_jsonl(folder / "corpus.jsonl") == corpus
    assert search_eval.read_jsonl(folder / "queries.jsonl") == queries
    assert search_eval.read_jsonl(folder / "no_answer.jsonl") == prompts
    assert len(corpus) >= 150 and len(queries) >= 50 and len({q["id"] for q in queries}) == len(queries)


def test_the_evalset_is_big_enough_and_its_labels_exist(evalset):
    corpus, queries = evalset
    ids = {m["id"] for m in corpus}
    assert len(corpus) >= 2000 and len(ids) == len(corpus)
    assert len(queries) >= 300 and len({q["id"] for q in queries}) == len(queries)
    kinds = Counter(q["kind"] for q in queries)
    assert set(kinds) == set(generate.KINDS) and min(kinds.values()) >= 30
    project_of = {m["id"]: m["project"] for m in corpus}
    for q in queries:
        assert q["relevant"] and set(q["relevant"]) <= ids and set(q["decoys"]) <= ids
        assert not set(q["relevant"]) & set(q["decoys"])
        assert {project_of[i] for i in q["relevant"] + q["decoys"]} <= set(q["projects"])
    by_id = {m["id"]: m for m in corpus}
    for q in queries:
        if q["kind"] == "stale":  # the answer is the fresher, more trusted version
            fresh, stale = by_id[q["relevant"][0]], by_id[q["decoys"][0]]
            assert fresh["updated_at"] > stale["updated_at"] and fresh["confidence"] > stale["confidence"]
        if q["kind"] == "multi_fact":
            assert len(q["relevant"]) == 2


def test_shares_words_sees_stems_and_prefixes():
    assert generate.shares_words("how do we configure caching?", "Cache config") == {"configure", "caching"}
    assert generate.shares_words("where do crashes get reported?", "Error tracking: Sentry") == set()


def test_paraphrases_share_no_word_with_their_answer_even_for_postgresql(evalset, db):
    corpus, queries = evalset
    by_id = {m["id"]: m for m in corpus}
    pairs = [(q["query"], by_id[q["relevant"][0]]) for q in queries if q["kind"] == "paraphrase"]
    for text, target in pairs:
        assert not generate.shares_words(text, f"{target['title']} {target['content_md']} {' '.join(target['tags'])}")
    # PostgreSQL's English stemming, the keyword side's own, agrees: no lexeme in common.
    rows = db.execute(
        "SELECT q, ARRAY(SELECT unnest(tsvector_to_array(to_tsvector('english', q))) "
        "                INTERSECT SELECT unnest(tsvector_to_array(to_tsvector('english', t)))) AS shared "
        "FROM unnest(%s::text[], %s::text[]) AS pairs(q, t)",
        ([text for text, _ in pairs],
         [f"{m['title']} {' '.join(m['tags'])} {m['content_md']}" for _, m in pairs])).fetchall()
    assert len(rows) == len(pairs)
    assert [(r["q"], r["shared"]) for r in rows if r["shared"]] == []


def test_hybrid_ranks_at_least_as_well_as_either_signal_on_a_slice(evalset, worker, project, pg, db):
    corpus, queries = evalset
    memories, chosen = generate.subset(corpus, queries, n_queries=40, n_memories=200, project="atlas-billing")
    assert len(memories) == 200 and len(chosen) == 40 and len({q["kind"] for q in chosen}) == 5
    # Saved through the real worker (its embedding path), then given the labelled confidence and age.
    new_id = {}
    for m in memories:
        saved = worker.save(project, m["title"], m["content_md"], memory_type=m["memory_type"], tags=m["tags"])
        new_id[m["id"]] = saved["id"]
        db.execute("UPDATE memories SET confidence = %s, updated_at = %s WHERE id = %s AND project = %s",
                   (m["confidence"], m["updated_at"], saved["id"], project))
    relabelled = [{**q, "projects": [project], "relevant": [new_id[i] for i in q["relevant"]],
                   "decoys": [new_id[i] for i in q["decoys"]]} for q in chosen]
    vectors = np.asarray(LocalEmbedder().embed([q["query"] for q in relabelled]))
    with psycopg.connect(pg.url(), row_factory=dict_row) as conn:
        register_vector(conn)
        table = search_eval.evaluate(conn, relabelled, vectors, Fusion())
    mrr = {mode: table[mode]["all"]["MRR"] for mode in search_eval.MODES}
    assert mrr["hybrid"] >= mrr["vector"] and mrr["hybrid"] >= mrr["keyword"], table
    # The weak signal of each kind is beaten: words for identifiers, meaning for paraphrases.
    assert table["hybrid"]["identifier"]["MRR"] > table["vector"]["identifier"]["MRR"], table
    assert table["hybrid"]["paraphrase"]["MRR"] > table["keyword"]["paraphrase"]["MRR"], table
