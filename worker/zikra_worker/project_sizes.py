"""How many live memories each project holds, cached for a few seconds per worker process.

Search uses it to pick its vector path: an exact scan of a small project is faster and
exact (measured: 1.7 ms against 13.8 ms for a filtered HNSW scan, 4.7k of 100k rows), while
a large one needs the HNSW index.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

COUNT = """
SELECT project, count(*) AS n
FROM memories
WHERE archived_at IS NULL
GROUP BY project
"""


class ProjectSizes:
    """Live memory counts per project, refreshed at most every ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float = 30.0):
        self.ttl_s = ttl_s
        self._sizes: dict[str, int] = {}
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def total(self, conn: psycopg.Connection[Any], projects: list[str]) -> int:
        """Live memories in these projects, as of at most ``ttl_s`` seconds ago."""
        with self._lock:
            if time.monotonic() - self._loaded_at > self.ttl_s:
                self._sizes = {row["project"]: row["n"] for row in conn.execute(COUNT)}
                self._loaded_at = time.monotonic()
            return sum(self._sizes.get(project, 0) for project in projects)
