"""Throughput of webhook search with n8n in regular mode, in queue mode with 1 and 2 workers,
and with n8n webhook processors.

A throwaway native installation (the operations tests' harness: its own ZIKRA_HOME, free
ports, the real ``zikra`` command and supervisord) is loaded with corpus memories through
``zikra import``; then, for each setting (ZIKRA_N8N_WORKERS, or WORKERS+PROCESSORS for
ZIKRA_N8N_WORKERS and ZIKRA_N8N_WEBHOOK_PROCESSORS), ``zikra up`` applies it and CLIENTS
concurrent clients POST ``search`` for SECONDS: to n8n's own ``/webhook/zikra``, or with
``--via-bridge`` to the bridge's (which spreads over the webhook processors when they run; a
setting with processors always goes through the bridge). Prints requests/s, p50, p95, errors
and the load average beside them. Asserts nothing.

    .venv/bin/python bench/n8n_queue.py --workers 0,1,2 --clients 8 --seconds 60
    .venv/bin/python bench/n8n_queue.py --workers 1+0,1+2 --via-bridge --clients 8 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

import corpus  # noqa: E402
from ops_support import Installation, free_port  # noqa: E402


def load(inst: Installation, memories: list[dict[str, Any]]) -> None:
    """Import the memories with ``zikra import`` (embedded by the worker's model)."""
    file = inst.home / "corpus.jsonl"
    with open(file, "w") as out:
        for memory in memories:
            out.write(json.dumps(memory) + "\n")
    print(inst.zikra("import", str(file), timeout=1800).stdout.strip())


def parse_setting(text: str) -> tuple[int, int]:
    """``"2"`` -> (2 workers, 0 processors); ``"1+2"`` -> (1 worker, 2 webhook processors)."""
    workers, _, processors = text.partition("+")
    return int(workers), int(processors or 0)


def set_workers(inst: Installation, workers: int, processors: int = 0) -> None:
    """Rewrite ZIKRA_N8N_WORKERS and ZIKRA_N8N_WEBHOOK_PROCESSORS in the installation's settings and
    apply them with ``zikra up``."""
    env_file = inst.home / "zikra.env"
    names = ("ZIKRA_N8N_WORKERS=", "ZIKRA_N8N_WEBHOOK_PROCESSORS=")
    lines = [line for line in env_file.read_text().splitlines() if not line.startswith(names)]
    env_file.write_text("\n".join([*lines, f"ZIKRA_N8N_WORKERS={workers}",
                                   f"ZIKRA_N8N_WEBHOOK_PROCESSORS={processors}"]) + "\n")
    started = time.monotonic()
    inst.zikra("up", timeout=900)
    print(f"  zikra up with ZIKRA_N8N_WORKERS={workers}, ZIKRA_N8N_WEBHOOK_PROCESSORS={processors}: "
          f"{time.monotonic() - started:.0f} s")


def hammer(url: str, token: str, queries: list[dict[str, Any]], clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` threads POST searches back to back for ``seconds``; the latencies and errors."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(offset: int) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {token}"}
        i = offset
        while time.monotonic() < stop_at:
            q = queries[i % len(queries)]
            i += clients
            started = time.perf_counter()
            try:
                reply = session.post(url, json={"command": "search", "query": q["query"], "project": q["project"],
                                                "limit": 5}, headers=headers, timeout=60)
                ok = reply.status_code == 200
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    times.append(elapsed)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    load_before = os.getloadavg()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times.sort()
    return {"requests_per_s": len(times) / seconds, "ok": len(times), "errors": errors[0],
            "p50_ms": 1000 * statistics.median(times) if times else None,
            "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))] if times else None,
            "load_before": load_before, "load_after": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="0,1,2",
                        help="settings to measure, in order: WORKERS or WORKERS+PROCESSORS (e.g. 1+2)")
    parser.add_argument("--via-bridge", action="store_true",
                        help="POST to the bridge's /webhook/zikra (the public URL) rather than n8n's")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--memories", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="leave the installation running (prints its home)")
    args = parser.parse_args()

    inst = Installation()
    with open(inst.home / "zikra.env", "a") as out:
        # One token makes every request: the per-token rate limit (600/min) would cap the numbers.
        out.write(f"ZIKRA_REDIS_PORT={free_port()}\nZIKRA_WORKER_PROCESSES=2\nZIKRA_RATE_LIMIT_PER_MINUTE=0\n")
    print(f"installation: {inst.home}")
    try:
        settings = [parse_setting(w) for w in args.workers.split(",")]
        set_workers(inst, *settings[0])
        memories = list(corpus.generate_memories(args.memories))
        load(inst, memories)
        token = json.loads(inst.zikra("token", "create", "--owner", "bench", "--role", "reader").stdout)["token"]
        queries = corpus.generate_queries(memories, 300, seed=11)
        n8n_url = f"http://127.0.0.1:{inst.settings['ZIKRA_N8N_PORT']}/webhook/zikra"
        bridge_url = inst.bridge_url + "/webhook/zikra"
        results = {}
        for workers, processors in settings:
            set_workers(inst, workers, processors)
            url = bridge_url if args.via_bridge or processors else n8n_url
            hammer(url, token, queries, args.clients, 5)  # warm up
            key = f"{workers}+{processors}"
            results[key] = result = hammer(url, token, queries, args.clients, args.seconds)
            mode = "regular mode" if workers == 0 else f"queue mode, {workers} n8n worker(s)"
            mode += f", {processors} webhook processor(s)" if processors else ""
            mode += " (bridge)" if url == bridge_url else ""
            print(f"{mode:60s} {result['requests_per_s']:6.1f} req/s  p50 {result['p50_ms']:6.0f} ms  "
                  f"p95 {result['p95_ms']:6.0f} ms  errors {result['errors']}  load "
                  f"{result['load_before'][0]:.1f} -> {result['load_after'][0]:.1f}", flush=True)
        print(json.dumps({"clients": args.clients, "seconds": args.seconds, "memories": args.memories,
                          "via_bridge": args.via_bridge,
                          "cpus": os.cpu_count(), "results": results}))
    finally:
        if not args.keep:
            inst.remove()


if __name__ == "__main__":
    main()
