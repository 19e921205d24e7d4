"""The query embedding cache: a repeated query skips the model, the cache stays bounded, and
a cached vector is the one the model gives."""

from __future__ import annotations

import numpy as np
import pytest

from zikra_worker.embeddings import LocalEmbedder, QueryCache


class CountingEmbedder:
    """A stand-in model: a vector derived from the text, and a count of texts embedded."""

    provider = "test"
    model = "counting"
    dim = 4

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return np.array([[len(t), sum(map(ord, t)) % 97, 1, 0] for t in texts], dtype=np.float32)


def test_a_repeated_query_returns_the_same_vector_without_embedding_again():
    embedder = CountingEmbedder()
    cache = QueryCache(embedder, size=8)
    first = cache.embed("how do we deploy?")
    again = cache.embed("how do we deploy?")
    assert again is first and embedder.embedded == ["how do we deploy?"]
    assert (cache.hits, cache.misses) == (1, 1)
    with pytest.raises(ValueError):
        first[0] = 0  # shared between searches, so read-only


def test_the_key_is_the_exact_text():
    embedder = CountingEmbedder()
    cache = QueryCache(embedder, size=8)
    for text in ("deploy", "Deploy", "deploy ", "deploy"):
        cache.embed(text)
    assert embedder.embedded == ["deploy", "Deploy", "deploy "]


def test_the_cache_is_bounded_and_drops_the_least_recently_used():
    embedder = CountingEmbedder()
    cache = QueryCache(embedder, size=3)
    for text in ("a", "b", "c"):
        cache.embed(text)
    cache.embed("a")  # now the most recently used
    cache.embed("d")  # evicts b
    assert len(cache) == 3
    embedder.embedded.clear()
    for text in ("a", "c", "d", "b"):
        cache.embed(text)
    assert embedder.embedded == ["b"]
    assert len(cache) == 3


def test_a_failed_embedding_is_not_cached():
    class Failing(CountingEmbedder):
        fail = True

        def embed(self, texts: list[str]) -> np.ndarray:
            if self.fail:
                raise RuntimeError("endpoint down")
            return super().embed(texts)

    embedder = Failing()
    cache = QueryCache(embedder, size=3)
    with pytest.raises(RuntimeError):
        cache.embed("q")
    embedder.fail = False
    assert cache.embed("q")[0] == 1 and len(cache) == 1


def test_a_cached_vector_equals_the_local_models_fresh_one():
    embedder = LocalEmbedder()
    cache = QueryCache(embedder, size=4)
    cached = cache.embed("why did the invoice export crash?")
    cache.embed("why did the invoice export crash?")
    fresh = embedder.embed(["why did the invoice export crash?"])[0]
    assert np.array_equal(cached, fresh) and cached.shape == (384,)
