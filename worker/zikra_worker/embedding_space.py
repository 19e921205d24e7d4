"""Which model the stored embeddings come from: fixing it at first start, refusing a mismatch, re-embedding."""

from __future__ import annotations

import logging
from typing import Any, Callable

import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql

from .embeddings import Embedder, memory_text

logger = logging.getLogger(__name__)

HNSW_INDEX = "memories_embedding_hnsw"


class EmbeddingMismatch(RuntimeError):
    """The database holds embeddings of another model or dimension than the one configured."""


def _dimension_ddl(dim: int) -> list[sql.Composed]:
    # DDL cannot take bind parameters; dim is an int we produced, composed as a literal.
    return [
        sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(HNSW_INDEX)),
        sql.SQL("ALTER TABLE memories ALTER COLUMN embedding TYPE vector({})").format(sql.Literal(dim)),
        sql.SQL("CREATE INDEX {} ON memories USING hnsw (embedding vector_cosine_ops)").format(
            sql.Identifier(HNSW_INDEX)),
    ]


def ensure(conn: psycopg.Connection[Any], embedder: Embedder) -> None:
    """``conn`` returns dict rows (see db.connect). Fix the embedding dimension on first start, or check it matches the configured model.

    Raises:
        EmbeddingMismatch: the stored model or dimension differs from the configured one.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(7723002)")
        row = conn.execute("SELECT provider, model, dim FROM embedding_space").fetchone()
        if row is None:
            for statement in _dimension_ddl(embedder.dim):
                conn.execute(statement)
            conn.execute("INSERT INTO embedding_space (provider, model, dim) VALUES (%s, %s, %s)",
                         (embedder.provider, embedder.model, embedder.dim))
            logger.info("embedding space fixed: %s, %d dimensions", embedder.model, embedder.dim)
            return
    stored_model, stored_dim = row["model"], row["dim"]
    if (stored_model, stored_dim) != (embedder.model, embedder.dim):
        raise EmbeddingMismatch(
            f"The database holds embeddings of {stored_model} ({stored_dim} dimensions) but the "
            f"worker is configured for {embedder.model} ({embedder.dim} dimensions). Set "
            f"ZIKRA_EMBEDDING_* back, or run `zikra-worker reembed` to re-embed every memory.")


def reembed(conn: psycopg.Connection[Any], embedder: Embedder, batch: int = 64,
            progress: Callable[[int, int], None] | None = None) -> int:
    """Re-embed every memory with ``embedder`` and switch the database to it.

    New vectors go to a side column first, so a crash midway leaves the old ones intact;
    the swap (column, index, recorded model) happens in one transaction at the end.
    """
    conn.execute("ALTER TABLE memories DROP COLUMN IF EXISTS embedding_next")
    conn.execute(sql.SQL("ALTER TABLE memories ADD COLUMN embedding_next vector({})").format(
        sql.Literal(embedder.dim)))
    conn.commit()
    register_vector(conn)
    total = conn.execute("SELECT count(*) AS n FROM memories").fetchone()["n"]
    done = 0
    while True:
        rows = conn.execute("SELECT id, title, content_md FROM memories WHERE embedding_next IS NULL "
                            "ORDER BY id LIMIT %s", (batch,)).fetchall()
        if not rows:
            break
        vectors = embedder.embed([memory_text(r["title"], r["content_md"]) for r in rows])
        with conn.cursor() as cur:
            cur.executemany("UPDATE memories SET embedding_next = %s WHERE id = %s",
                            [(vec, r["id"]) for vec, r in zip(vectors, rows)])
        conn.commit()
        done += len(rows)
        if progress:
            progress(done, total)
    _swap(conn, embedder)
    return done


def _swap(conn: psycopg.Connection[Any], embedder: Embedder) -> None:
    with conn.transaction():
        conn.execute("ALTER TABLE memories DROP COLUMN embedding")
        conn.execute("ALTER TABLE memories RENAME COLUMN embedding_next TO embedding")
        conn.execute(sql.SQL("CREATE INDEX {} ON memories USING hnsw (embedding vector_cosine_ops)").format(
            sql.Identifier(HNSW_INDEX)))
        conn.execute("DELETE FROM embedding_space")
        conn.execute("INSERT INTO embedding_space (provider, model, dim) VALUES (%s, %s, %s)",
                     (embedder.provider, embedder.model, embedder.dim))
