"""Load generator for the public webhook: N concurrent clients mixing saves and searches for a fixed
time, then a check that every acknowledged save is in PostgreSQL.

Loopback only (it refuses any other host), bounded (each client stops at ``--duration``; each
request has ``--timeout``). Every client uses its own token (round robin over ``--token``), so
the per-token rate limit is a property of the mix, not of the generator.

    .venv/bin/python bench/load.py --url http://127.0.0.1:7723 --token "$TOKEN" \\
        --clients 50 --duration 60 --database-url postgresql://postgres@127.0.0.1:54329/zikra

Prints throughput, p50/p95/p99 latency per operation, answers by status (and connection
errors, and timeouts), acknowledged saves and how many of them are missing from the database
(with ``--database-url``). ``--json FILE`` writes the same report as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import psycopg
import requests

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WORDS = ("queue", "broker", "cache", "index", "deploy", "rollback", "schema", "token", "retry", "backoff",
         "partition", "replica", "latency", "budget", "decay", "embedding", "webhook", "worker", "audit", "limit")
# Answers a client may see by design (SPEC §6 plus 429), and the two ways of seeing none.
DOCUMENTED = {200, 201, 400, 401, 403, 404, 413, 429, 503}
CONNECTION_ERROR = "connection_error"
TIMEOUT = "timeout"


@dataclass
class Result:
    """One request: when it started (s since the run began), how long it took, what it was, the answer."""

    started: float
    ms: float
    op: str
    status: int | str
    code: str | None = None


@dataclass
class Save:
    """An acknowledged save: the server answered 200/201 with this id."""

    id: str
    project: str
    title: str
    status: int


@dataclass
class Run:
    """Everything the clients saw."""

    clients: int
    duration_s: float
    results: list[Result] = field(default_factory=list)
    saves: list[Save] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, result: Result, save: Save | None = None) -> None:
        """Record one request (thread-safe)."""
        with self.lock:
            self.results.append(result)
            if save is not None:
                self.saves.append(save)


def check_loopback(url: str) -> None:
    """Raises: ValueError when ``url`` is not on this machine's loopback."""
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise ValueError(f"{url}: the load generator only targets loopback (127.0.0.1, localhost, ::1)")


def _body(rng: random.Random, client: int, n: int, projects: list[str], save_ratio: float) -> dict[str, Any]:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
    project = projects[(client + n) % len(projects)]
    if rng.random() < save_ratio:
        return {"command": "save_memory", "project": project, "memory_type": "decision",
                "title": f"load {client}-{n} {uuid.uuid4().hex[:8]}", "content_md": f"We chose the {words}."}
    return {"command": "search", "project": project, "query": words, "limit": 5}


def _client(run: Run, url: str, token: str, client: int, deadline: float, began: float,
            projects: list[str], save_ratio: float, timeout: float, seed: int, stop: threading.Event) -> None:
    rng = random.Random(seed * 1000 + client)
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    n = 0
    while time.monotonic() < deadline and not stop.is_set():
        body = _body(rng, client, n, projects, save_ratio)
        op = "save" if body["command"] == "save_memory" else "search"
        started = time.monotonic()
        status: int | str = CONNECTION_ERROR
        answer: Any = None
        try:
            response = session.post(url, data=json.dumps(body), timeout=timeout)
            status = response.status_code
            answer = response.json() if response.content else None
        except requests.Timeout:
            status = TIMEOUT
        except requests.JSONDecodeError:  # an answer that is not JSON: kept by its status, no save
            pass
        except requests.RequestException:  # refused, reset, or cut off mid-answer
            status = CONNECTION_ERROR
            time.sleep(0.05)  # a refused connection returns at once: don't spin
        code = answer["error"].get("code") if isinstance(answer, dict) and isinstance(answer.get("error"), dict) else None
        result = Result(started - began, (time.monotonic() - started) * 1000, op, status, code)
        save = None
        if op == "save" and status in (200, 201) and isinstance(answer, dict) and answer.get("id"):
            save = Save(answer["id"], body["project"], body["title"], status)
        run.add(result, save)
        n += 1


def run_load(url: str, tokens: list[str], clients: int = 50, duration_s: float = 60, save_ratio: float = 0.3,
             projects: list[str] | None = None, timeout: float = 15, seed: int = 1,
             stop: threading.Event | None = None) -> Run:
    """Run ``clients`` threads against ``url`` (a webhook URL) for ``duration_s`` seconds, or
    until ``stop`` is set.

    Raises:
        ValueError: the URL is not on loopback, or no token was given.
    """
    check_loopback(url)
    if not tokens:
        raise ValueError("at least one token is needed")
    projects = projects or [f"load-{i}" for i in range(5)]
    run = Run(clients, duration_s)
    stop = stop or threading.Event()
    began = time.monotonic()
    deadline = began + duration_s
    threads = [threading.Thread(target=_client, daemon=True, name=f"load-{i}",
                                args=(run, url, tokens[i % len(tokens)], i, deadline, began, projects,
                                      save_ratio, timeout, seed, stop))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        # A request started just before the deadline may take up to its timeout.
        thread.join(timeout=duration_s + timeout + 30)
    run.duration_s = time.monotonic() - began
    return run


def missing_saves(database_url: str, saves: list[Save]) -> list[Save]:
    """The acknowledged saves whose memory (same id, project and title) is not in the database."""
    if not saves:
        return []
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        rows = conn.execute("SELECT id::text, project, title FROM memories WHERE id = ANY(%s::uuid[])",
                            ([s.id for s in saves],)).fetchall()
    present = set(rows)
    return [s for s in saves if (s.id, s.project, s.title) not in present]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def report(run: Run, missing: list[Save] | None = None) -> dict[str, Any]:
    """The run's figures as one JSON-able dict."""
    by_op: dict[str, Any] = {}
    for op in ("save", "search", "all"):
        ms = [r.ms for r in run.results if op in ("all", r.op) and isinstance(r.status, int)]
        by_op[op] = {"requests": sum(1 for r in run.results if op in ("all", r.op)),
                     "p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1),
                     "p99_ms": round(percentile(ms, 99), 1), "max_ms": round(max(ms, default=0.0), 1)}
    statuses = Counter(str(r.status) for r in run.results)
    ok = sum(1 for r in run.results if r.status in (200, 201))
    return {
        "clients": run.clients, "duration_s": round(run.duration_s, 1), "requests": len(run.results),
        "throughput_rps": round(len(run.results) / run.duration_s, 1) if run.duration_s else 0.0,
        "ok_rps": round(ok / run.duration_s, 1) if run.duration_s else 0.0,
        "latency": by_op, "statuses": dict(sorted(statuses.items())),
        "errors": dict(sorted(Counter(f"{r.status} {r.code}" for r in run.results if r.code).items())),
        "undocumented": sorted({str(r.status) for r in run.results
                                if isinstance(r.status, int) and r.status not in DOCUMENTED}),
        "acknowledged_saves": len(run.saves),
        "lost_saves": None if missing is None else len(missing),
        "lost_ids": None if missing is None else [s.id for s in missing][:20],
    }


def _print(figures: dict[str, Any]) -> None:
    print(f"{figures['clients']} clients, {figures['duration_s']} s: {figures['requests']} requests, "
          f"{figures['throughput_rps']} req/s ({figures['ok_rps']} answered 2xx/s)")
    for op, lat in figures["latency"].items():
        print(f"  {op:6} {lat['requests']:6} requests  p50 {lat['p50_ms']} ms  p95 {lat['p95_ms']} ms  "
              f"p99 {lat['p99_ms']} ms  max {lat['max_ms']} ms")
    print(f"  statuses: {figures['statuses']}")
    print(f"  error codes: {figures['errors']}")
    lost = "not checked (no --database-url)" if figures["lost_saves"] is None else figures["lost_saves"]
    print(f"  acknowledged saves: {figures['acknowledged_saves']}, missing from the database: {lost}")


def main(argv: list[str] | None = None) -> int:
    """Entry point; exits 1 when an acknowledged save is missing or an answer was undocumented."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:7723", help="public base URL (loopback only)")
    parser.add_argument("--path", default="/webhook/zikra")
    parser.add_argument("--token", action="append", required=True,
                        help="bearer token (repeat: clients take them in turn)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds; the run stops by itself")
    parser.add_argument("--save-ratio", type=float, default=0.3, help="share of requests that are saves")
    parser.add_argument("--timeout", type=float, default=15, help="per-request timeout, seconds")
    parser.add_argument("--project", action="append", help="projects to use (default load-0..load-4)")
    parser.add_argument("--database-url", help="check every acknowledged save in this database")
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args(argv)
    try:
        check_loopback(args.url)
    except ValueError as exc:
        parser.error(str(exc))
    run = run_load(args.url.rstrip("/") + args.path, args.token, args.clients, args.duration, args.save_ratio,
                   args.project, args.timeout)
    missing = missing_saves(args.database_url, run.saves) if args.database_url else None
    figures = report(run, missing)
    _print(figures)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)
    return 1 if figures["lost_saves"] or figures["undocumented"] else 0


if __name__ == "__main__":
    sys.exit(main())
