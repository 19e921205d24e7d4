"""n8n settings side by side: which ones lower the webhook's latency, measured in one run.

Starts one loaded cluster and one worker, then one n8n per variant (each with a database of
its own, the Zikra workflows and the trivial webhook). Requests are interleaved across the
variants, so a busy machine slows every variant alike and the comparison stays fair.

    .venv/bin/python bench/n8n_settings.py --memories 5000 --queries 200 \\
        --variant baseline: \\
        --variant insecure-runner:N8N_RUNNERS_INSECURE_MODE=true \\
        --variant fsync-wait:PGOPTIONS=

A variant is ``name:KEY=VALUE;KEY=VALUE`` (no pairs: our defaults; ``;`` separates pairs
because values such as N8N_DISABLED_MODULES hold commas). Prints, per variant,
p50 / p95 of the trivial webhook (n8n's floor) and of search through the Zikra workflow,
the worker-direct search beside them, and each variant's median against the first one's.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import webhook_search  # noqa: E402
import worker_search as ws  # noqa: E402

from zikra_ops import n8n, postgres  # noqa: E402


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``"name:K=V;K2=V2"`` -> ``("name", {"K": "V", "K2": "V2"})``."""
    name, _, pairs = text.partition(":")
    env = dict(pair.split("=", 1) for pair in pairs.split(";") if pair)
    return name, env


def measure(args: argparse.Namespace, cluster: postgres.Cluster, memories: list[dict[str, Any]], home: Path) -> None:
    """Start the worker and one n8n per variant; time interleaved requests."""
    variants = [parse_variant(v) for v in args.variant] or [("baseline", {})]
    worker_port = ws.free_port()
    worker = ws.start_worker(cluster.url(), worker_port, home / "worker.log")
    worker_url = f"http://127.0.0.1:{worker_port}"
    procs, urls = [], {}
    try:
        for index, (name, env) in enumerate(variants):
            proc, url = webhook_search.start_n8n(cluster, worker_url, home, f"n8n_{index}", env)
            procs.append(proc)
            urls[name] = url
        session = requests.Session()
        secret = {"X-Zikra-Worker-Secret": ws.SECRET}
        token = session.post(worker_url + "/tokens/create", json={"owner": "bench", "role": "reader"},
                             headers=secret).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        # Every search gets a query of its own: the worker caches query embeddings.
        fresh = iter(corpus.generate_queries(memories, 2 * args.queries * (len(urls) + 1), seed=11))
        times: dict[str, list[float]] = {}
        for round_ in range(2):  # the first round warms every path up and is not counted
            for _ in range(args.queries):
                query = next(fresh)
                direct = {"query": query["query"], "projects": [query["project"]], "limit": 5}
                sample = {"worker-direct search": ws.timed_posts(session, worker_url + "/search", [direct], secret)[0]}
                for name, url in urls.items():
                    query = next(fresh)
                    body = {"command": "search", "query": query["query"], "project": query["project"], "limit": 5}
                    sample[f"{name}: trivial webhook"] = ws.timed_posts(session, url + "/webhook/zikra-trivial",
                                                                        [{}], {})[0]
                    sample[f"{name}: webhook search"] = ws.timed_posts(session, url + "/webhook/zikra", [body], auth)[0]
                if round_:
                    for key, value in sample.items():
                        times.setdefault(key, []).append(value)
        for key, values in times.items():
            ws.report(key, values)
        first = variants[0][0]
        for kind in ("trivial webhook", "webhook search"):
            base = statistics.median(times[f"{first}: {kind}"])
            for name, _ in variants[1:]:
                ratio = statistics.median(times[f"{name}: {kind}"]) / base
                print(f"{name} / {first}, {kind}, median: {ratio:.2f}")
    finally:
        for proc in procs:
            n8n.stop(proc)
        worker.terminate()
        worker.wait(timeout=20)


def main() -> None:
    """Parse arguments and run in a scratch folder."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--variant", action="append", default=[],
                        help="name:KEY=VALUE;... (repeat; the first is the baseline)")
    ws.run_in_scratch(parser.parse_args(), measure)


if __name__ == "__main__":
    main()
