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
        auth = {"Authorization": f"Bearer {webhook_search.reader_token(session, worker_url)}"}
        paths: dict[str, webhook_search.TimedPath] = {
            "worker-direct search": (worker_url + "/search", secret, webhook_search.direct_body)}
        for name, url in urls.items():
            paths[f"{name}: trivial webhook"] = (url + "/webhook/zikra-trivial", {}, None)
            paths[f"{name}: webhook search"] = (url + "/webhook/zikra", auth, webhook_search.search_body)
        times = webhook_search.interleaved(session, memories, args.queries, paths)
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
