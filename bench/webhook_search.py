"""Benchmark of search through n8n's webhook (issue: n8n owns the public API).

With N corpus memories loaded (see bench/worker_search.py), runs in one go, same queries:

- a trivial n8n webhook (Webhook -> Respond): n8n's own floor;
- worker-direct search (the worker's HTTP API, query embedding included);
- webhook search: POST /webhook/zikra {"command": "search"} through the Zikra API workflow.

Prints p50 and p95 of each and the workflow's overhead over the trivial webhook, twice: with
requests back to back (each leaves as the previous answer arrives, so it meets whatever n8n
still does for the previous execution after replying), and with 100 ms between requests (a
client that is not a tight loop; ``--pause-ms``). Asserts nothing. Every service is a throwaway started here; n8n must be installed (./install.sh).

    .venv/bin/python bench/webhook_search.py --memories 100000 --queries 300
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path
from collections.abc import Callable
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import worker_search as ws  # noqa: E402

from zikra_ops import n8n, postgres  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def start_n8n(cluster: postgres.Cluster, worker_url: str, home: Path, name: str = "n8n",
              extra_env: dict[str, str] | None = None, extra_workflows: list[Path] | None = None) -> tuple[Any, str]:
    """n8n on a database of its own (``name``) with the Zikra workflows and the trivial bench
    webhook; ``extra_env`` overrides n8n's settings (see bench/n8n_settings.py) and
    ``extra_workflows`` are imported beside them (see bench/workflow_shapes.py)."""
    postgres.ensure_database(cluster, name)
    paths = n8n.Install.from_home(REPO / "var")
    install = n8n.Install(paths.node_bin, paths.n8n_bin, home / f"{name}-home")
    port = ws.free_port()
    base = {**os.environ, "ZIKRA_N8N_PORT": str(port), "N8N_RUNNERS_BROKER_PORT": str(ws.free_port()),
            "ZIKRA_WORKER_URL": worker_url, "ZIKRA_WORKER_SECRET": ws.SECRET, **(extra_env or {})}
    env = n8n.build_env(cluster.url(name), "bench-encryption-key", base, install)
    folder = home / f"{name}-workflows"
    folder.mkdir()
    for source in [*(REPO / "n8n-workflows").glob("*.json"), REPO / "bench" / "workflows" / "trivial-webhook.json",
                   *(extra_workflows or [])]:
        shutil.copy(source, folder / source.name)
    n8n.import_and_publish(folder, env)
    proc = n8n.start(env, home / f"{name}.log", install)
    n8n.wait_ready(port, 120, proc, n8n.webhook_paths(folder))
    return proc, f"http://127.0.0.1:{port}"


def reader_token(session: requests.Session, worker_url: str) -> str:
    """A fresh reader token, made through the worker."""
    response = session.post(worker_url + "/tokens/create", json={"owner": "bench", "role": "reader"},
                            headers={"X-Zikra-Worker-Secret": ws.SECRET}, timeout=30)
    return response.json()["token"]


def search_body(query: dict[str, Any]) -> dict[str, Any]:
    """The webhook's search request for a corpus query."""
    return {"command": "search", "query": query["query"], "project": query["project"], "limit": 5}


def direct_body(query: dict[str, Any]) -> dict[str, Any]:
    """The worker's own search request for a corpus query."""
    return {"query": query["query"], "projects": [query["project"]], "limit": 5}


# A timed path: its URL, its headers, and how a query becomes its body (None: always {}).
TimedPath = tuple[str, dict[str, str], Callable[[dict[str, Any]], dict[str, Any]] | None]


def interleaved(session: requests.Session, memories: list[dict[str, Any]], count: int,
                paths: dict[str, TimedPath]) -> dict[str, list[float]]:
    """``count`` rounds, each calling every path once in turn; latencies per path (ms).

    One round of ``count`` warms every path up first and is not counted. A path that takes a
    query gets one of its own for every request: the worker caches query embeddings, so a
    query sent down the next path too would be cheaper there.
    """
    askers = sum(1 for _, _, body in paths.values() if body is not None)
    fresh = iter(corpus.generate_queries(memories, 2 * count * askers, seed=11))
    times: dict[str, list[float]] = {name: [] for name in paths}
    for round_ in range(2):
        for _ in range(count):
            for name, (url, headers, body) in paths.items():
                elapsed = ws.timed_posts(session, url, [body(next(fresh)) if body else {}], headers)[0]
                if round_:
                    times[name].append(elapsed)
    return times


def measure(args: argparse.Namespace, cluster: postgres.Cluster, memories: list[dict[str, Any]], home: Path) -> None:
    """Start the worker and n8n, then time the three paths."""
    worker_port = ws.free_port()
    worker = ws.start_worker(cluster.url(), worker_port, home / "worker.log")
    worker_url = f"http://127.0.0.1:{worker_port}"
    proc, n8n_url = start_n8n(cluster, worker_url, home)
    try:
        session = requests.Session()
        auth = {"Authorization": f"Bearer {reader_token(session, worker_url)}"}
        secret = {"X-Zikra-Worker-Secret": ws.SECRET}
        # Distinct queries for every request: the worker caches query embeddings.
        fresh = iter(corpus.generate_queries(memories, 2 * len(args.pause_ms) * args.queries + 30, seed=11))

        def hooked(count: int) -> list[dict[str, Any]]:
            return [search_body(next(fresh)) for _ in range(count)]

        ws.timed_posts(session, n8n_url + "/webhook/zikra", hooked(30), auth)  # warm up
        for pause_ms in args.pause_ms:
            pause = pause_ms / 1000
            direct = [direct_body(next(fresh)) for _ in range(args.queries)]
            trivial = ws.timed_posts(session, n8n_url + "/webhook/zikra-trivial", [{}] * args.queries, {}, pause)
            worker_times = ws.timed_posts(session, worker_url + "/search", direct, secret, pause)
            webhook_times = ws.timed_posts(session, n8n_url + "/webhook/zikra", hooked(args.queries), auth, pause)
            print(f"-- {pause_ms:g} ms between requests" if pause_ms else "-- back to back (each request "
                  "leaves as the previous answer arrives)")
            ws.report("trivial n8n webhook (Webhook -> Respond)", trivial)
            ws.report("worker-direct search", worker_times)
            ws.report("webhook search (Zikra API workflow)", webhook_times)
            overhead = statistics.median(webhook_times) - statistics.median(worker_times)
            print(f"workflow overhead over worker-direct at the median: {overhead:.1f} ms; "
                  f"over the trivial webhook floor: {overhead - statistics.median(trivial):.1f} ms")
            print(f"ratio webhook/worker at the median: "
                  f"{statistics.median(webhook_times) / statistics.median(worker_times):.2f}")
    finally:
        n8n.stop(proc)
        worker.terminate()
        worker.wait(timeout=20)


def main() -> None:
    """Parse arguments and run in a scratch folder."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--pause-ms", type=float, action="append",
                        help="idle time before each request; repeat for several runs (default: 0 and 100)")
    args = parser.parse_args()
    args.pause_ms = args.pause_ms or [0.0, 100.0]
    ws.run_in_scratch(args, measure)


if __name__ == "__main__":
    main()
