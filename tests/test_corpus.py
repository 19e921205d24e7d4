"""The benchmark corpus generator (bench/corpus.py): deterministic, varied, and its
evaluation queries point at memories that really answer them."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import corpus  # noqa: E402

N_MEMORIES = 2000
N_QUERIES = 150


@pytest.fixture(scope="module")
def memories() -> list[dict[str, Any]]:
    return list(corpus.generate_memories(N_MEMORIES, seed=7))


@pytest.fixture(scope="module")
def queries(memories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return corpus.generate_queries(memories, N_QUERIES, seed=11)


def test_same_seed_same_corpus_and_queries(memories: list[dict[str, Any]], queries: list[dict[str, Any]]) -> None:
    again = list(corpus.generate_memories(N_MEMORIES, seed=7))
    assert again == memories
    assert corpus.generate_queries(again, N_QUERIES, seed=11) == queries
    assert list(corpus.generate_memories(200, seed=8)) != memories[:200]


def test_prefix_does_not_depend_on_count(memories: list[dict[str, Any]]) -> None:
    assert list(corpus.generate_memories(100, seed=7)) == memories[:100]


def test_memory_shape(memories: list[dict[str, Any]]) -> None:
    for memory in memories:
        assert set(memory) == {"project", "title", "content_md", "memory_type", "tags", "source"}
        assert memory["memory_type"] in corpus.MEMORY_TYPES
        assert 1 <= len(memory["tags"]) <= 4
        assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]{0,23}", tag) for tag in memory["tags"]), memory["tags"]
        assert memory["source"] and memory["title"] and "\n" not in memory["title"]
        assert 40 <= len(memory["content_md"].split()) <= 400, memory["title"]
        assert "{" not in memory["title"]


def test_titles_unique_per_project(memories: list[dict[str, Any]]) -> None:
    keys = Counter((m["project"], m["title"]) for m in memories)
    assert [key for key, count in keys.items() if count > 1] == []


def test_all_types_present_and_weighted(memories: list[dict[str, Any]]) -> None:
    counts = Counter(m["memory_type"] for m in memories)
    assert set(counts) == set(corpus.MEMORY_TYPES)
    assert counts["decision"] > counts["user"] and counts["error"] > counts["reference"]


def test_projects_and_sources(memories: list[dict[str, Any]]) -> None:
    assert len({m["project"] for m in memories}) == 20
    sources = Counter(m["source"] for m in memories)
    assert {"claude-code", "cursor", "gemini-cli", "codex"} <= set(sources)
    assert len(list(corpus.generate_memories(50, seed=1, projects=3))) == 50
    assert len({m["project"] for m in corpus.generate_memories(300, seed=1, projects=3)}) == 3


def test_corpus_is_varied(memories: list[dict[str, Any]]) -> None:
    assert sum(len(templates) for templates in corpus.TEMPLATES.values()) >= 60
    bodies = {m["content_md"] for m in memories}
    assert len(bodies) == len(memories)
    first_prose = Counter(next(line for line in m["content_md"].splitlines() if line and not line.startswith("#"))
                          for m in memories)
    assert first_prose.most_common(1)[0][1] < len(memories) * 0.01
    # with identifiers and numbers masked, bodies are still (almost) all different
    skeletons = {re.sub(r"\S*[\d`_/.-]\S*", "X", m["content_md"]) for m in memories}
    assert len(skeletons) > len(memories) * 0.98


def test_identifiers_are_mostly_unique(memories: list[dict[str, Any]]) -> None:
    per_memory = [set(corpus.IDENT_RE.findall(m["content_md"])) for m in memories[:1000]]
    counts = Counter(ident for idents in per_memory for ident in idents)
    rare = sum(1 for ident, count in counts.items() if count <= 3)
    assert rare / len(counts) > 0.9


def test_query_kinds(queries: list[dict[str, Any]]) -> None:
    assert len(queries) == N_QUERIES
    assert Counter(q["kind"] for q in queries) == {kind: N_QUERIES // 3 for kind in corpus.QUERY_KINDS}
    assert len({(q["project"], q["query"]) for q in queries}) == len(queries)


def test_expected_titles_exist(memories: list[dict[str, Any]], queries: list[dict[str, Any]]) -> None:
    keys = {(m["project"], m["title"]) for m in memories}
    for query in queries:
        assert 1 <= len(query["expected_titles"]) <= 3
        assert all((query["project"], title) in keys for title in query["expected_titles"]), query


def _by_title(memories: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(m["project"], m["title"]): m for m in memories}


def test_identifier_queries_occur_in_exactly_the_expected_memories(
        memories: list[dict[str, Any]], queries: list[dict[str, Any]]) -> None:
    for query in (q for q in queries if q["kind"] == "identifier"):
        ident = query["query"]
        holders = {m["title"] for m in memories
                   if m["project"] == query["project"] and (ident in m["title"] or ident in m["content_md"])}
        assert holders == set(query["expected_titles"]), query


def test_keyword_queries_words_occur_in_expected(memories: list[dict[str, Any]], queries: list[dict[str, Any]]) -> None:
    lookup = _by_title(memories)
    for query in (q for q in queries if q["kind"] == "keywords"):
        assert 2 <= len(query["query"].split()) <= 5
        for title in query["expected_titles"]:
            memory = lookup[(query["project"], title)]
            words = set(re.findall(r"[a-z]+", (memory["title"] + " " + memory["content_md"]).lower()))
            assert set(query["query"].split()) <= words, (query, title)


def test_paraphrase_queries_are_questions_that_reuse_few_words(
        memories: list[dict[str, Any]], queries: list[dict[str, Any]]) -> None:
    lookup = _by_title(memories)
    for query in (q for q in queries if q["kind"] == "paraphrase"):
        assert query["query"].endswith("?")
        memory = lookup[(query["project"], query["expected_titles"][0])]
        title_words = set(re.findall(r"[a-z]{4,}", memory["title"].lower()))
        query_words = set(re.findall(r"[a-z]{4,}", query["query"].lower())) - corpus.STOPWORDS
        assert len(query_words & title_words) <= max(2, len(query_words) // 3), query


def test_cli_writes_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "corpus.jsonl"
    assert corpus.main(["--count", "20", "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 20
    assert corpus.main(["--count", "2", "--show"]) == 0
    assert "===" in capsys.readouterr().out
