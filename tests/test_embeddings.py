"""The embedding providers and the recorded embedding space (model, dimension, re-embedding)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import psycopg
import pytest
from psycopg.rows import dict_row

from zikra_ops import postgres
from zikra_worker import embedding_space, migrations
from zikra_worker.embeddings import LocalEmbedder, build_embedder
from zikra_worker.errors import Unavailable

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
        build_embedder({"EMBEDDING_PROVIDER": "magic", "EMBEDDING_MODEL": "", "EMBEDDING_THREADS": 1})


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


class _FakeEmbeddingsHandler(BaseHTTPRequestHandler):
    """An OpenAI-compatible /v1/embeddings endpoint returning 5-dim vectors from text lengths."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        texts = request["input"] if isinstance(request["input"], list) else [request["input"]]
        data = [{"object": "embedding", "index": i, "embedding": [len(t), 1.0, 2.0, 0.0, 3.0]}
                for i, t in enumerate(texts)]
        body = json.dumps({"object": "list", "data": data, "model": request["model"],
                           "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeEmbeddingsHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def _compatible(base_url: str, timeout: float = 2.0):
    return build_embedder({"EMBEDDING_PROVIDER": "openai-compatible", "EMBEDDING_MODEL": "nomic-embed-text",
                           "EMBEDDING_API_KEY": "", "EMBEDDING_BASE_URL": base_url,
                           "EMBEDDING_TIMEOUT_S": timeout, "EMBEDDING_THREADS": 1})


def test_an_openai_compatible_endpoint_gives_unit_vectors_and_its_dimension(fake_endpoint):
    embedder = _compatible(fake_endpoint)
    assert embedder.provider == "openai-compatible" and embedder.model == "nomic-embed-text"
    assert embedder.probe_dim() == 5
    vectors = embedder.embed(["a", "longer text"])
    assert vectors.shape == (2, 5)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_an_unreachable_embedding_endpoint_is_a_503_naming_the_embedder():
    embedder = _compatible(f"http://127.0.0.1:{_closed_port()}/v1", timeout=1.0)
    with pytest.raises(Unavailable) as raised:
        embedder.embed(["hello"])
    assert raised.value.status == 503 and raised.value.code == "embedder_unavailable"


def test_openai_models_have_their_known_dimension_without_a_call():
    embedder = build_embedder({"EMBEDDING_PROVIDER": "openai", "EMBEDDING_MODEL": "", "EMBEDDING_API_KEY": "sk-test",
                               "EMBEDDING_BASE_URL": "", "EMBEDDING_TIMEOUT_S": 1.0, "EMBEDDING_THREADS": 1})
    assert (embedder.model, embedder.dim) == ("text-embedding-3-small", 1536)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
