"""Latency of the search statement against a previous version of it, interleaved (issue 8).

Loads ``--memories`` bench-corpus memories into a throwaway cluster (worker_search's
``run_in_scratch``), then for each bench query runs, in rotating order, the previous
``HYBRID_SEARCH`` (read from git at ``--previous``), the current one through
``search.rank``, and the current one with the any-word keyword query. Only the statement
is timed (no HTTP, no embedding), and the variants take turns on every query, so load from
elsewhere on the machine hits them alike. Prints p50 and p95 of the second pass.

    .venv/bin/python bench/search_statement_ab.py --memories 100000 --queries 200
"""

from __future__ import annotations

import argparse
import ast
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
from pgvector.psycopg import register_vector
from psycopg.rows import dict_row

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402
import worker_search  # noqa: E402

from zikra_worker.config import load_settings  # noqa: E402
from zikra_worker.db import tune_hnsw  # noqa: E402
from zikra_worker.embeddings import LocalEmbedder  # noqa: E402
from zikra_worker.search import Fusion, rank  # noqa: E402


def previous_statement(revision: str) -> str:
    """HYBRID_SEARCH as it was in ``revision`` (it took candidates, rrf_k, confidence_weight)."""
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{revision}:worker/zikra_worker/search.py"],
                            capture_output=True, text=True, check=True).stdout
    return next(node.value.value for node in ast.parse(source).body  # type: ignore[attr-defined]
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "HYBRID_SEARCH")


def measure(args: argparse.Namespace, cluster: Any, memories: list[dict[str, Any]], _home: Path) -> None:
    """Time the variants in turn on every query; report the second pass."""
    queries = corpus.generate_queries(memories, args.queries, seed=11)
    vectors = LocalEmbedder().embed([q["query"] for q in queries])
    old = previous_statement(args.previous)
    fusion = Fusion.from_settings(load_settings())
    times: dict[str, list[float]] = {"previous": [], "current": [], "current, any-word": []}
    with psycopg.connect(cluster.url(), row_factory=dict_row) as conn:
        register_vector(conn)

        def run_previous(request: dict[str, Any]) -> None:
            tune_hnsw(conn, 60)
            conn.execute(old, {**request, "candidates": 60, "rrf_k": 60, "confidence_weight": 0.5}).fetchall()

        runs = [("previous", run_previous),
                ("current", lambda request: rank(conn, request, fusion)),
                ("current, any-word", lambda request: rank(conn, request, replace(fusion, keyword_any=True)))]
        for rnd in range(2):
            for i, (query, vector) in enumerate(zip(queries, vectors)):
                request = {"query": query["query"], "embedding": vector, "projects": [query["project"]],
                           "types": None, "include_archived": False, "limit": 5}
                shift = i % len(runs)
                for name, run in runs[shift:] + runs[:shift]:
                    with conn.transaction():
                        started = time.perf_counter()
                        run(request)
                        elapsed = (time.perf_counter() - started) * 1000
                    if rnd == 1:
                        times[name].append(elapsed)
    print(f"{args.memories} memories, {len(queries)} queries, previous = {args.previous}")
    for name, series in times.items():
        print(f"{name:>18}: p50 {statistics.median(series):.2f} ms, p95 {worker_search.percentile(series, 95):.2f} ms")


def main() -> None:
    """Parse arguments and run in a scratch cluster."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--previous", default="61f215f", help="git revision of the previous search.py")
    worker_search.run_in_scratch(parser.parse_args(), measure)


if __name__ == "__main__":
    main()
