"""The embedding providers and the recorded embedding space (model, dimension, re-embedding)."""

from __future__ import annotations

import numpy as np
import psycopg
import pytest
from psycopg.rows import dict_row

from zikra_ops import postgres
from zikra_worker import embedding_space, migrations
from zikra_worker.embeddings import LocalEmbedder, build_embedder

from test_migrations import DB_DIR


@pytest.fixture(scope="module")
def local() -> LocalEmbedder:
    return LocalEmbedder()


def test_the_local_model_gives_unit_vectors_that_capture_meaning(local):
    vectors = local.embed(["How are users authenticated?", "Login checks a JWT signed with RS256.",
                           "The office plants need water on Fridays."])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_batch_and_single_embeddings_agree(local):
    texts = ["short", "a much longer sentence about database migrations and rollbacks"]
    batch = local.embed(texts)
    single = np.stack([local.embed([t])[0] for t in texts])
    assert np.allclose(batch, single, atol=1e-4)


def test_an_unknown_provider_is_a_clear_error():
    with pytest.raises(Exception, match="local, openai or openai-compatible"):
        build_embedder({"EMBEDDING_PROVIDER": "magic", "EMBEDDING_MODEL": ""})


class TinyEmbedder:
    """A fake 8-dimensional model for the re-embed path (a unit-test fake, no network)."""

    provider, model, dim = "test", "tiny-8", 8

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = np.array([[len(t) % 7 + 1, t.count("e") + 1, 1, 2, 3, 4, 5, 6] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture
def space_db(pg):
    postgres.ensure_database(pg, "zikra_space_test")
    with psycopg.connect(pg.url("zikra_space_test"), row_factory=dict_row) as conn:
        migrations.migrate(conn, DB_DIR)
        yield conn
    with psycopg.connect(pg.url("postgres"), autocommit=True) as admin:
        admin.execute("DROP DATABASE zikra_space_test WITH (FORCE)")


def test_a_model_mismatch_at_start_names_both_models(space_db, local):
    embedding_space.ensure(space_db, local)
    with pytest.raises(embedding_space.EmbeddingMismatch) as raised:
        embedding_space.ensure(space_db, TinyEmbedder())
    message = str(raised.value)
    assert "all-MiniLM-L6-v2 (384" in message and "tiny-8 (8" in message and "reembed" in message


def test_reembed_switches_every_memory_to_the_new_model(space_db, local):
    from pgvector.psycopg import register_vector

    embedding_space.ensure(space_db, local)
    register_vector(space_db)
    for i in range(5):
        space_db.execute("INSERT INTO memories (project, title, content_md, memory_type, embedding) "
                         "VALUES ('p', %s, 'content', 'decision', %s)", (f"t{i}", local.embed([f"t{i}"])[0]))
    space_db.commit()
    assert embedding_space.reembed(space_db, TinyEmbedder(), batch=2) == 5
    embedding_space.ensure(space_db, TinyEmbedder())  # no mismatch any more
    dims = {r["d"] for r in space_db.execute("SELECT vector_dims(embedding) AS d FROM memories")}
    assert dims == {8}
    index = space_db.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                             (embedding_space.HNSW_INDEX,)).fetchone()
    assert "hnsw" in index["indexdef"]
