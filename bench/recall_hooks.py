"""Wall time of the recall hooks as Claude Code runs them: a new ``python -m zikra_hooks`` process per
event, JSON on stdin, Python's start included.

With N corpus memories loaded (see bench/worker_search.py) behind the real worker and n8n, it
times ``prompt-recall`` (one corpus query per run, each its own session) and ``session-start``
with the server up; then both against a closed port (connection refused) and against a server
that accepts and never answers. Prints p50 and p95 of each, and how many prompts got an
injection. Hooks run with bytecode caching on, as on a person's machine (this environment sets
PYTHONDONTWRITEBYTECODE for the tests).

    .venv/bin/python bench/recall_hooks.py --memories 100000 --runs 200
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import webhook_search as wsearch  # noqa: E402
import worker_search as ws  # noqa: E402

from zikra_hooks import config as settings  # noqa: E402
from zikra_hooks.prompt_recall import MIN_PROMPT_WORDS, words  # noqa: E402
from zikra_ops import n8n, postgres  # noqa: E402


def hook_env(url: str, token: str, home: Path, project: str) -> dict[str, str]:
    """A person's environment: own HOME and hooks home, Zikra's URL and token, the project."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZIKRA_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(HOME=str(home), ZIKRA_HOOKS_HOME=str(home / ".zikra"), ZIKRA_URL=url, ZIKRA_TOKEN=token,
               ZIKRA_PROJECT=project)
    return env


def run_hook(hook: str, stdin: dict[str, Any], env: dict[str, str]) -> tuple[float, bool]:
    """One hook run: its wall time in ms and whether it printed an injection."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "zikra_hooks", hook], input=json.dumps(stdin),
                            capture_output=True, text=True, env=env, timeout=30)
    elapsed = (time.perf_counter() - started) * 1000
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return elapsed, bool(result.stdout.strip())


def series(hook: str, stdins: list[dict[str, Any]], env: dict[str, str]) -> tuple[list[float], int]:
    """Times of ``hook`` over ``stdins`` (a stdin's ``project`` picks ZIKRA_PROJECT), and how many
    runs injected something."""
    times, injected = [], 0
    for stdin in stdins:
        elapsed, printed = run_hook(hook, stdin, {**env, "ZIKRA_PROJECT": stdin.pop("project", env["ZIKRA_PROJECT"])})
        times.append(elapsed)
        injected += printed
    return times, injected


def interleaved(queries: list[dict[str, Any]], cwd: str, env: dict[str, str], url: str,
                token: str) -> tuple[list[float], list[float], int]:
    """The hook on every other query, the webhook search it would send on the ones between (each
    query once: the worker caches query embeddings), so machine noise hits both alike."""
    session, hook_times, direct_times, injected = requests.Session(), [], [], 0
    auth = {"Authorization": f"Bearer {token}"}
    for hooked, direct in zip(queries[0::2], queries[1::2]):
        stdin = prompts([hooked], cwd)[0]
        elapsed, printed = run_hook("prompt-recall", stdin, {**env, "ZIKRA_PROJECT": stdin.pop("project")})
        hook_times.append(elapsed)
        injected += printed
        body = {"command": "search", "query": direct["query"], "project": direct["project"], "limit": 6,
                "max_tokens": 4000, "min_relevance": settings.DEFAULT_MIN_RELEVANCE}
        started = time.perf_counter()
        session.post(url + "/webhook/zikra", json=body, headers=auth, timeout=30).raise_for_status()
        direct_times.append((time.perf_counter() - started) * 1000)
    return hook_times, direct_times, injected


def prompts(queries: list[dict[str, Any]], cwd: str) -> list[dict[str, Any]]:
    return [{"session_id": str(uuid.uuid4()), "hook_event_name": "UserPromptSubmit", "prompt": q["query"],
             "cwd": cwd, "project": q["project"]} for q in queries]


def starts(count: int, cwd: str) -> list[dict[str, Any]]:
    return [{"session_id": str(uuid.uuid4()), "hook_event_name": "SessionStart", "source": "startup", "cwd": cwd}
            for _ in range(count)]


def hanging_url() -> tuple[socket.socket, str]:
    """A listener that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, f"http://127.0.0.1:{server.getsockname()[1]}"


def measure(args: argparse.Namespace, cluster: postgres.Cluster, memories: list[dict[str, Any]], home: Path) -> None:
    """Start the worker and n8n, then time both hooks up, down and hanging."""
    worker_port = ws.free_port()
    worker = ws.start_worker(cluster.url(), worker_port, home / "worker.log")
    worker_url = f"http://127.0.0.1:{worker_port}"
    proc, n8n_url = wsearch.start_n8n(cluster, worker_url, home)
    try:
        token = wsearch.reader_token(requests.Session(), worker_url)
        # Every prompt is a query of its own (the worker caches query embeddings), in its project.
        # Only prompts that do ask (two content words or more; the hook skips the others unasked).
        queries = [q for q in corpus.generate_queries(memories, 4 * args.runs + 80, seed=23)
                   if len(words(q["query"])) >= MIN_PROMPT_WORDS][:2 * args.runs + 20]
        project = queries[0]["project"]
        cwd = str(home)
        env = hook_env(n8n_url, token, home / "person", project)
        series("prompt-recall", prompts(queries[:20], cwd), env)  # warm up (and write bytecode)
        print(f"{args.memories} memories, {args.runs} prompts (corpus queries, each its own session), "
              f"load average {os.getloadavg()[0]:.1f}")
        hook_times, direct_times, injected = interleaved(queries[20:], cwd, env, n8n_url, token)
        ws.report("prompt-recall, server up", hook_times)
        ws.report("  the same kind of search, POSTed from this process (no hook)", direct_times)
        print(f"  hook overhead at the median: {statistics.median(hook_times) - statistics.median(direct_times):.1f} ms; "
              f"injected something for {injected} of {len(hook_times)} prompts")
        ws.report("session-start, server up", series("session-start", starts(args.runs // 4, cwd), env)[0])
        down = hook_env(closed_port(), token, home / "person", project)
        ws.report("prompt-recall, connection refused", series("prompt-recall", prompts(queries[:50], cwd), down)[0])
        ws.report("session-start, connection refused", series("session-start", starts(50, cwd), down)[0])
        server, url = hanging_url()
        try:
            hang = hook_env(url, token, home / "person", project)
            ws.report("prompt-recall, server hangs", series("prompt-recall", prompts(queries[:20], cwd), hang)[0])
            ws.report("session-start, server hangs", series("session-start", starts(20, cwd), hang)[0])
        finally:
            server.close()
    finally:
        n8n.stop(proc)
        worker.terminate()
        worker.wait(timeout=20)


def closed_port() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def main() -> None:
    """Parse arguments and run in a scratch folder."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    ws.run_in_scratch(args, measure)


if __name__ == "__main__":
    main()
