"""Benchmark of the memory engine, worker-direct (issue: memory engine).

Loads N realistic memories (bench/corpus.py) into a throwaway embedded PostgreSQL with
binary COPY, builds the HNSW index, starts the real worker under gunicorn, then reports:

- bulk import rate (COPY of embedded rows, then the index build), memories/s;
- sequential save rate through the worker's HTTP API (embedding included), saves/s;
- search latency through the worker's HTTP API (query embedding included): p50, p95;
- HNSW recall@10 against exact search on the same queries and filters.

It prints numbers and asserts nothing. Embeddings of the corpus are cached under
var/bench-cache, so a second run skips the slow part.

    .venv/bin/python bench/worker_search.py --memories 100000 --queries 500

Before/after on a shared machine: ``--compare-with DIR`` also starts the worker of another
checkout (DIR holds its ``worker/`` and ``db/``, e.g. ``git archive HEAD~1 worker db | tar -x -C DIR``) on
the same database, and sends each query to both in turn, alternating which goes first, so
load from elsewhere hits both alike. Both workers run with this checkout's gunicorn
settings unless DIR has its own worker/gunicorn.conf.py.

    .venv/bin/python bench/worker_search.py --memories 5000 --compare-with /tmp/before
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import requests
from pgvector.psycopg import register_vector
from psycopg.rows import dict_row

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402

from zikra_ops import postgres  # noqa: E402
from zikra_worker import embedding_space, migrations  # noqa: E402
from zikra_worker.db import tune_hnsw  # noqa: E402
from zikra_worker.embeddings import LocalEmbedder, memory_text  # noqa: E402

SECRET = "bench-secret"
COPY = ("COPY memories (project, title, content_md, memory_type, tags, source, embedding) "
        "FROM STDIN WITH (FORMAT BINARY)")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of values, by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


# Embedding 100k whole memories with the local model takes about two hours on 2 cores
# (~40 ms per 176-token text). The bulk corpus is embedded from each memory's first
# BULK_EMBED_TOKENS tokens instead: the same model and vector distribution for HNSW and
# latency, at a fraction of the cost. Queries and saves go through the real worker.
BULK_EMBED_TOKENS = 48


def embeddings_for(memories: list[dict[str, Any]], cache: Path) -> np.ndarray:
    """Embed every memory (first BULK_EMBED_TOKENS tokens) with the local model, cached on disk."""
    if cache.exists():
        return np.load(cache)
    embedder = LocalEmbedder(threads=os.cpu_count() or 2)
    embedder._tokenizer.enable_truncation(BULK_EMBED_TOKENS)
    started = time.perf_counter()
    chunks = []
    for i in range(0, len(memories), 64):
        batch = memories[i:i + 64]
        chunks.append(embedder.embed([memory_text(m["title"], m["content_md"]) for m in batch]))
        if i % 12800 == 0:
            print(f"  embedded {i}/{len(memories)}", file=sys.stderr)
    vectors = np.concatenate(chunks)
    elapsed = time.perf_counter() - started
    print(f"embedding the corpus ({BULK_EMBED_TOKENS} tokens each): {len(memories) / elapsed:.0f} memories/s")
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def bulk_import(conn: psycopg.Connection[Any], memories: list[dict[str, Any]], vectors: np.ndarray) -> None:
    """COPY the rows in without the HNSW index, then build it; print both rates."""
    conn.execute(f"DROP INDEX IF EXISTS {embedding_space.HNSW_INDEX}")
    conn.commit()
    started = time.perf_counter()
    with conn.cursor() as cur, cur.copy(COPY) as copy:
        copy.set_types(["text", "text", "text", "text", "text[]", "text", "vector"])
        for memory, vector in zip(memories, vectors):
            copy.write_row((memory["project"], memory["title"], memory["content_md"], memory["memory_type"],
                            memory["tags"], memory["source"], vector))
    conn.commit()
    copied = time.perf_counter() - started
    conn.execute(f"CREATE INDEX {embedding_space.HNSW_INDEX} ON memories USING hnsw (embedding vector_cosine_ops)")
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE memories")
    conn.autocommit = False
    total = time.perf_counter() - started
    n = len(memories)
    print(f"bulk import: COPY {n / copied:,.0f} memories/s ({copied:.1f} s); with HNSW build and "
          f"analyze {n / total:,.0f} memories/s ({total:.1f} s)")


def start_worker(url: str, port: int, log: Path, repo: Path = REPO) -> subprocess.Popen[bytes]:
    """The real worker under gunicorn, as installed (``repo``: another checkout's worker)."""
    # The rate limiter stays on (its cost is part of every request) but cannot refuse a bench.
    env = {**os.environ, "ZIKRA_DATABASE_URL": url, "ZIKRA_WORKER_SECRET": SECRET,
           "ZIKRA_WORKER_PORT": str(port), "ZIKRA_RATE_LIMIT_PER_MINUTE": "100000000"}
    if repo != REPO:
        # Ahead of the editable install of this checkout's zikra_worker.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(repo / "worker"), env.get("PYTHONPATH")]))
    config = repo / "worker" / "gunicorn.conf.py"
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn",
                             "--config", str(config if config.exists() else REPO / "worker" / "gunicorn.conf.py"),
                             "--chdir", str(repo / "worker"), "zikra_worker:create_app()"],
                            env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"worker did not start; see {log}")


def timed_posts(session: requests.Session, url: str, bodies: list[dict[str, Any]],
                headers: dict[str, str] | None = None, pause_s: float = 0.0) -> list[float]:
    """POST each body in turn (by default with the worker secret); latencies in ms; each must be 2xx.

    ``pause_s``: idle time before each request (0: each request leaves as the previous answer arrives).
    """
    headers = {"X-Zikra-Worker-Secret": SECRET} if headers is None else headers
    times = []
    for body in bodies:
        if pause_s:
            time.sleep(pause_s)
        started = time.perf_counter()
        response = session.post(url, json=body, headers=headers, timeout=30)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 300:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:300]}")
    return times


def interleaved_posts(session: requests.Session, urls: dict[str, str],
                      bodies: list[dict[str, Any]]) -> dict[str, list[float]]:
    """POST each body to every url in turn, rotating which goes first; latencies per name."""
    names = list(urls)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i, body in enumerate(bodies):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            times[name] += timed_posts(session, urls[name], [body])
    return times


def report(name: str, times: list[float]) -> None:
    """Print median, p95 and count of a latency series."""
    print(f"{name}: p50 {statistics.median(times):.2f} ms, p95 {percentile(times, 95):.2f} ms, "
          f"min {min(times):.2f} ms, n={len(times)}")


def hnsw_recall(conn: psycopg.Connection[Any], queries: list[dict[str, Any]], vectors: np.ndarray,
                k: int = 10, ef_search: int = 60) -> float:
    # ef_search: the worker's candidate count; tune_hnsw raises it to its own floor.
    """Recall@k of the HNSW path against exact search, same project filter, as the search runs it."""
    sql = ("SELECT id FROM memories WHERE project = ANY(%s) AND archived_at IS NULL "
           "ORDER BY embedding <=> %s LIMIT %s")
    hits = total = 0
    for query, vector in zip(queries, vectors):
        with conn.transaction():
            tune_hnsw(conn, ef_search)
            approx = {r["id"] for r in conn.execute(sql, ([query["project"]], vector, k))}
        with conn.transaction():
            conn.execute("SET LOCAL enable_indexscan = off")
            conn.execute("SET LOCAL enable_bitmapscan = off")
            exact = {r["id"] for r in conn.execute(sql, ([query["project"]], vector, k))}
        hits += len(approx & exact)
        total += len(exact)
    return hits / max(total, 1)


def free_port() -> int:
    """A free loopback port."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def loaded_cluster(count: int, home: Path) -> Iterator[tuple[postgres.Cluster, list[dict[str, Any]]]]:
    """A throwaway cluster holding ``count`` corpus memories with their HNSW index; stopped after."""
    cluster = postgres.cluster(home, free_port())
    postgres.init(cluster)
    postgres.start(cluster)
    postgres.ensure_database(cluster, "zikra")
    try:
        memories = list(corpus.generate_memories(count, seed=7))
        vectors = embeddings_for(memories, REPO / "var" / "bench-cache" /
                                 f"corpus-{count}-seed7-{BULK_EMBED_TOKENS}tok.npy")
        with psycopg.connect(cluster.url(), row_factory=dict_row) as conn:
            migrations.migrate(conn, REPO / "db")
            embedding_space.ensure(conn, LocalEmbedder())
            register_vector(conn)
            bulk_import(conn, memories, vectors)
        yield cluster, memories
    finally:
        postgres.stop(cluster, mode="immediate")


Measure = Callable[[argparse.Namespace, postgres.Cluster, list[dict[str, Any]], Path], None]


def run_in_scratch(args: argparse.Namespace, measure: Measure) -> None:
    """Load ``args.memories`` into a throwaway cluster in a scratch folder, measure, clean up."""
    home = Path(tempfile.mkdtemp(prefix="zikra-bench-"))
    home.chmod(0o755)  # the unprivileged PostgreSQL user must reach it
    try:
        with loaded_cluster(args.memories, home) as (cluster, memories):
            measure(args, cluster, memories, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def measure_worker(args: argparse.Namespace, cluster: postgres.Cluster, memories: list[dict[str, Any]],
                   home: Path) -> None:
    """Saves, searches and recall against the running worker."""
    port = free_port()
    worker = start_worker(cluster.url(), port, home / "worker.log")
    base = f"http://127.0.0.1:{port}"
    other = None
    try:
        session = requests.Session()
        # The worker caches query embeddings: warm up with 20 queries that are not measured,
        # so every measured query is cold (as the first n of n + 20 are the same n queries).
        queries = corpus.generate_queries(memories, args.queries + 20, seed=11)
        bodies = [{"query": q["query"], "projects": [q["project"]], "limit": 5} for q in queries]
        warmup, bodies, queries = bodies[args.queries:], bodies[:args.queries], queries[:args.queries]
        if args.compare_with:
            other_port = free_port()
            other = start_worker(cluster.url(), other_port, home / "other-worker.log", Path(args.compare_with))
            urls = {"this checkout": base + "/search",
                    args.compare_with: f"http://127.0.0.1:{other_port}/search"}
            interleaved_posts(session, urls, warmup)  # warm every process
            for name, times in interleaved_posts(session, urls, bodies).items():
                report(f"worker search, {name} (interleaved)", times)
        else:
            timed_posts(session, base + "/search", warmup)  # warm both processes
            report("worker search (query embedding included)", timed_posts(session, base + "/search", bodies))
            # Agents repeat queries; not the headline, which is every query seen once.
            report("worker search, repeated queries (embedding from the worker's cache)",
                   timed_posts(session, base + "/search", bodies[:100]))
        if args.saves:
            saves = [{"project": "bench-saves", "title": f"{m['title']} #{i}", "content_md": m["content_md"],
                      "memory_type": m["memory_type"], "tags": m["tags"]}
                     for i, m in enumerate(memories[: args.saves])]
            started = time.perf_counter()
            save_times = timed_posts(session, base + "/save_memory", saves)
            elapsed = time.perf_counter() - started
            report("worker save (embedding included)", save_times)
            print(f"sequential save rate: {len(saves) / elapsed:.0f} saves/s")
        if args.recall_queries:
            embedder = LocalEmbedder()
            query_vectors = embedder.embed([q["query"] for q in queries[: args.recall_queries]])
            with psycopg.connect(cluster.url(), row_factory=dict_row) as conn:
                register_vector(conn)
                recall = hnsw_recall(conn, queries[: args.recall_queries], query_vectors)
            print(f"HNSW recall@10 vs exact (project-filtered, {args.recall_queries} queries): {recall:.3f}")
    finally:
        for proc in (worker, other):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=20)


def main() -> None:
    """Parse arguments and run the benchmark in a scratch folder."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--recall-queries", type=int, default=200)
    parser.add_argument("--compare-with", metavar="DIR",
                        help="another checkout's folder (holding worker/ and db/) to time side by side")
    run_in_scratch(parser.parse_args(), measure_worker)


if __name__ == "__main__":
    main()
