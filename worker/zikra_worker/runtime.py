"""What a request needs: settings, the connection pool and the embedder, made ready once."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import psycopg
from flask import current_app
from psycopg_pool import ConnectionPool

from . import embedding_space, migrations
from .db import MIN_EF_SEARCH, connect, make_pool
from .embeddings import Embedder, OpenAIEmbedder, QueryCache, build_embedder
from .errors import Unavailable

logger = logging.getLogger(__name__)


class Runtime:
    """Per-process resources. The schema and embedding space are checked on first use, so a
    worker started while the database is down begins answering once it comes back."""

    def __init__(self, settings: dict[str, Any], embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or build_embedder(settings)
        self.query_embeddings = QueryCache(self.embedder)
        # Every search asks for at most max(SEARCH_CANDIDATES, 50) vector candidates.
        self.hnsw_ef_search = max(MIN_EF_SEARCH, settings["SEARCH_CANDIDATES"])
        self.pool: ConnectionPool = make_pool(
            settings["DATABASE_URL"], settings["DB_POOL_MAX"], settings["DB_TIMEOUT_S"],
            ef_search=self.hnsw_ef_search)
        self._ready = False
        self._lock = threading.Lock()

    def ensure_ready(self) -> None:
        """Migrate and check the embedding space, once per process.

        Raises:
            Unavailable: the database (or a remote embedder) cannot be reached yet.
            EmbeddingMismatch: the configured model differs from the stored one.
        """
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            if isinstance(self.embedder, OpenAIEmbedder) and not self.embedder.dim:
                self.embedder.probe_dim()
            try:
                with connect(self.settings["DATABASE_URL"]) as conn:
                    if self.settings["MIGRATE_ON_START"]:
                        migrations.migrate(conn, Path(self.settings["MIGRATIONS_DIR"]))
                    embedding_space.ensure(conn, self.embedder)
            except psycopg.OperationalError as exc:
                raise Unavailable("database", "The database is unavailable; try again shortly.") from exc
            # Opened only now: a connection made before the vector type existed lacks its adapters.
            self.pool.open(wait=False)
            self._ready = True

    def close(self) -> None:
        """Close the pool."""
        self.pool.close()


def runtime() -> Runtime:
    """The Runtime of the current Flask app."""
    return current_app.extensions["zikra"]
