"""Workflow shapes side by side: what each n8n node on the search path costs, in one run.

Starts one loaded cluster, one worker and one n8n holding the Zikra workflows, the trivial
webhook and every ``--shape`` workflow (a JSON file whose Webhook node has a path of its
own). Requests are interleaved across the paths, query by query, so a busy machine slows
every shape alike. Every shape gets the same search request and bearer token as the Zikra
API (``{"command": "search", "query", "project", "limit"}``), each with a query of its own
(the worker caches query embeddings), and must answer 2xx.

    .venv/bin/python bench/workflows/make_shapes.py /tmp/shapes   # the real path, cut down
    .venv/bin/python bench/workflow_shapes.py --memories 2000 --queries 200 \\
        --shape /tmp/shapes/shape-http.json --shape /tmp/shapes/shape-code-http.json \\
        --shape /tmp/shapes/shape-verify-http.json --shape /tmp/shapes/shape-http-switch.json

Prints p50 / p95 per path (worker-direct, trivial webhook, the Zikra API, each shape) and
each path's median minus the trivial webhook's and the worker's. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import webhook_search  # noqa: E402
import worker_search as ws  # noqa: E402

from zikra_ops import n8n, postgres  # noqa: E402


def webhook_path(workflow: Path) -> str:
    """The path of the workflow's (first) Webhook node."""
    nodes = json.loads(workflow.read_text())["nodes"]
    return next(n["parameters"]["path"] for n in nodes if n["type"] == "n8n-nodes-base.webhook")


def measure(args: argparse.Namespace, cluster: postgres.Cluster, memories: list[dict[str, Any]], home: Path) -> None:
    """Start the worker and n8n with every shape; time interleaved requests."""
    shapes = [Path(s).resolve() for s in args.shape]
    worker_port = ws.free_port()
    worker = ws.start_worker(cluster.url(), worker_port, home / "worker.log")
    worker_url = f"http://127.0.0.1:{worker_port}"
    proc, n8n_url = webhook_search.start_n8n(cluster, worker_url, home, "n8n", args.env, shapes)
    try:
        session = requests.Session()
        secret = {"X-Zikra-Worker-Secret": ws.SECRET}
        auth = {"Authorization": f"Bearer {webhook_search.reader_token(session, worker_url)}"}
        paths = {"worker-direct": (worker_url + "/search", secret, webhook_search.direct_body),
                 **{name: (f"{n8n_url}/webhook/{path}", auth, webhook_search.search_body)
                    for name, path in [("trivial webhook", "zikra-trivial"), ("Zikra API", "zikra"),
                                       *((s.stem, webhook_path(s)) for s in shapes)]}}
        times = webhook_search.interleaved(session, memories, args.queries, paths)
        for key, values in times.items():
            ws.report(key, values)
        floor = statistics.median(times["trivial webhook"])
        worker_median = statistics.median(times["worker-direct"])
        for name in ["Zikra API", *(s.stem for s in shapes)]:
            median = statistics.median(times[name])
            print(f"{name}: median - trivial = {median - floor:.1f} ms; - trivial - worker = "
                  f"{median - floor - worker_median:.1f} ms")
    finally:
        n8n.stop(proc)
        worker.terminate()
        worker.wait(timeout=20)


def main() -> None:
    """Parse arguments and run in a scratch folder."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--shape", action="append", default=[], help="a workflow JSON file (repeat)")
    parser.add_argument("--env", action="append", default=[], type=lambda kv: tuple(kv.split("=", 1)),
                        help="KEY=VALUE for n8n (repeat)")
    args = parser.parse_args()
    args.env = dict(args.env)
    ws.run_in_scratch(args, measure)


if __name__ == "__main__":
    main()
