"""Benchmark of search through MCP (issue: MCP bridge and the one public base URL).

With N corpus memories loaded (see bench/worker_search.py), starts the worker, n8n and the MCP
bridge, then times the same queries, interleaved one by one so that noise hits every path alike:

- webhook: POST /webhook/zikra {"command": "search"} straight to n8n;
- forwarded webhook: the same request through the bridge's public port;
- MCP: the ``search`` tool over streamable HTTP, in one initialised session (the SDK's Client).

Prints p50 and p95 of each and what MCP adds over the webhook. Target: ≤ 10 ms at the median.
Asserts nothing. Every service is a throwaway started here; n8n must be installed (./install.sh).

    .venv/bin/python bench/mcp_search.py --memories 5000 --queries 300
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx2
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import webhook_search  # noqa: E402
import worker_search as ws  # noqa: E402
from mcp import Client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from zikra_ops import n8n  # noqa: E402


def start_bridge(n8n_url: str, worker_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The bridge (``python -m zikra_bridge``) on a free port, as installed."""
    port = ws.free_port()
    env = {**os.environ, "ZIKRA_BRIDGE_PORT": str(port), "ZIKRA_N8N_URL": n8n_url, "ZIKRA_WORKER_URL": worker_url}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "zikra_bridge"], env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the bridge did not become healthy; see {log}")


async def timed_post(http: httpx2.AsyncClient, url: str, body: dict[str, Any]) -> float:
    """One webhook POST; its latency in ms (the answer must be 200)."""
    started = time.perf_counter()
    response = await http.post(url, json=body)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:300]}")
    return elapsed


async def timed_tool(client: Client, arguments: dict[str, Any]) -> float:
    """One ``search`` tool call; its latency in ms (the result must not be an error)."""
    started = time.perf_counter()
    result = await client.call_tool("search", arguments)
    elapsed = (time.perf_counter() - started) * 1000
    if result.is_error:
        raise RuntimeError(f"search failed over MCP: {result.content}")
    return elapsed


async def interleaved(urls: dict[str, str], token: str, queries: list[dict[str, Any]],
                      warmup: int) -> dict[str, list[float]]:
    """Each query through the three paths in turn; latencies per path (warm-up calls dropped)."""
    times: dict[str, list[float]] = {"webhook": [], "forwarded": [], "mcp": []}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http, \
            Client(streamable_http_client(urls["bridge"] + "/mcp", http_client=http), mode="legacy") as client:
        # Each path gets queries of its own: the worker caches query embeddings, so a query
        # repeated on the next path would be cheaper there.
        for i, (one, two, three) in enumerate(zip(queries[0::3], queries[1::3], queries[2::3])):
            args = [{"query": q["query"], "project": q["project"], "limit": 5} for q in (one, two, three)]
            sample = {"webhook": await timed_post(http, urls["n8n"] + "/webhook/zikra", {"command": "search", **args[0]}),
                      "forwarded": await timed_post(http, urls["bridge"] + "/webhook/zikra",
                                                    {"command": "search", **args[1]}),
                      "mcp": await timed_tool(client, args[2])}
            if i >= warmup:
                for path, elapsed in sample.items():
                    times[path].append(elapsed)
    return times


def report(times: dict[str, list[float]]) -> None:
    """p50/p95 of each path, and what the bridge adds over the webhook."""
    ws.report("webhook search (n8n directly)", times["webhook"])
    ws.report("webhook search forwarded by the bridge", times["forwarded"])
    ws.report("MCP search tool (streamable HTTP, one session)", times["mcp"])
    for path, name in (("forwarded", "forwarding"), ("mcp", "MCP")):
        median = statistics.median(times[path]) - statistics.median(times["webhook"])
        p95 = ws.percentile(times[path], 95) - ws.percentile(times["webhook"], 95)
        # Each query ran through every path back to back: the median of those paired differences
        # is steadier than a difference of medians when the machine is busy.
        paired = statistics.median(b - a for a, b in zip(times["webhook"], times[path]))
        print(f"{name} adds {median:+.1f} ms at the median, {p95:+.1f} ms at p95; paired median {paired:+.1f} ms "
              f"(target: <= 10 ms at the median)")


def measure(args: argparse.Namespace, cluster: Any, memories: list[dict[str, Any]], home: Path) -> None:
    """Start the worker, n8n and the bridge, then time the three paths."""
    worker_port = ws.free_port()
    worker = ws.start_worker(cluster.url(), worker_port, home / "worker.log")
    worker_url = f"http://127.0.0.1:{worker_port}"
    proc, n8n_url = webhook_search.start_n8n(cluster, worker_url, home)
    bridge, bridge_url = start_bridge(n8n_url, worker_url, home / "bridge.log")
    try:
        token = webhook_search.reader_token(requests.Session(), worker_url)
        queries = corpus.generate_queries(memories, 3 * (args.queries + args.warmup), seed=11)
        urls = {"n8n": n8n_url, "bridge": bridge_url}
        report(anyio.run(interleaved, urls, token, queries, args.warmup))
    finally:
        bridge.terminate()
        bridge.wait(timeout=20)
        n8n.stop(proc)
        worker.terminate()
        worker.wait(timeout=20)


def main() -> None:
    """Parse arguments and run in a scratch folder."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    ws.run_in_scratch(parser.parse_args(), measure)


if __name__ == "__main__":
    main()
