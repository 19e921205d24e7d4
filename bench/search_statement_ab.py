"""Latency of the search statement against the one before BM25, interleaved.

Loads ``--memories`` bench-corpus memories into a throwaway cluster (worker_search's
``run_in_scratch``), then for each query runs, in rotating order, the previous statement
(bench/search_before.py, every word required, ts_rank_cd) and the current one through
``search.rank``. Three query kinds: the bench queries, questions typed the way people ask
(the bench query inside ordinary words), and questions made only of common words (the
keyword side's worst case: every lexeme is in thousands of memories). Only the statement
is timed (no HTTP, no embedding), and the variants take turns on every query, so load from
elsewhere on the machine hits them alike. Prints p50 and p95 of the second pass per kind.

    .venv/bin/python bench/search_statement_ab.py --memories 100000 --queries 200
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from pgvector.psycopg import register_vector
from psycopg.rows import dict_row

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402
import search_before  # noqa: E402
import worker_search  # noqa: E402

from zikra_worker.config import load_settings  # noqa: E402
from zikra_worker.embeddings import LocalEmbedder  # noqa: E402
from zikra_worker.search import Fusion, rank  # noqa: E402


# Questions of ordinary words only: every lexeme common in a big project.
COMMON_QUESTIONS = ["what did we decide about the work we do every day?",
                    "how does the team handle the first thing after a change?",
                    "why did we use the new one and not the old one?",
                    "what is the current setting we agreed on last time?"]


def kinds_of(queries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The bench queries, the same as questions, and questions of common words only."""
    return {"bench query": queries,
            "question": [{**q, "query": f"when did we decide on {q['query']} and why?"} for q in queries],
            "common words only": [{**q, "query": COMMON_QUESTIONS[i % len(COMMON_QUESTIONS)]}
                                  for i, q in enumerate(queries)]}


def measure(args: argparse.Namespace, cluster: Any, memories: list[dict[str, Any]], _home: Path) -> None:
    """Time both statements in turn on every query of every kind; report the second pass."""
    kinds = kinds_of(corpus.generate_queries(memories, args.queries, seed=11))
    fusion = Fusion.from_settings(load_settings())
    embedder = LocalEmbedder()
    print(f"{args.memories} memories, {args.queries} queries per kind")
    with psycopg.connect(cluster.url(), row_factory=dict_row) as conn:
        register_vector(conn)
        runs = [("previous", lambda request: search_before.rank_before(conn, request)),
                ("current", lambda request: rank(conn, request, fusion))]
        for kind, queries in kinds.items():
            vectors = embedder.embed([q["query"] for q in queries])
            times: dict[str, list[float]] = {name: [] for name, _ in runs}
            for rnd in range(2):
                for i, (query, vector) in enumerate(zip(queries, vectors)):
                    request = {"query": query["query"], "embedding": vector, "projects": [query["project"]],
                               "types": None, "include_archived": False, "limit": 5}
                    for name, run in runs[i % 2:] + runs[:i % 2]:
                        with conn.transaction():
                            started = time.perf_counter()
                            run(request)
                            elapsed = (time.perf_counter() - started) * 1000
                        if rnd == 1:
                            times[name].append(elapsed)
            for name, series in times.items():
                print(f"{kind:>18} {name:>9}: p50 {statistics.median(series):.2f} ms, "
                      f"p95 {worker_search.percentile(series, 95):.2f} ms")


def main() -> None:
    """Parse arguments and run in a scratch cluster."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    worker_search.run_in_scratch(parser.parse_args(), measure)


if __name__ == "__main__":
    main()
