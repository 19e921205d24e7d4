"""Faults under load: while clients save and search through the public URL, the worker is killed
(SIGKILL) and restarted, then n8n is killed and restarted, then PostgreSQL (the memories' cluster,
which also holds n8n's database, as in an installed Zikra) is restarted with a fast shutdown.

Clients must see only 2xx, 429 or 503 (never a hang past their timeout, never a 2xx for a write
that was not committed); the stack must answer again by itself after each fault; and every
acknowledged save must be in the database at the end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import REPO, SECRET, WORKFLOWS, BridgeProcess, WorkerProcess, free_port
from test_reliability_load import load, make_tokens

from zikra_ops import n8n, postgres

CLIENTS = 20
TIMEOUT_S = 20
SETTLE_S = 12
AFTER_S = 30
MAX_RUN_S = 600


class N8nProcess:
    """A real n8n of this module's own, on a database of the memories' cluster (like an install)."""

    def __init__(self, pg: postgres.Cluster, worker_url: str, home: Path):
        postgres.ensure_database(pg, "n8n_faults")
        installed = n8n.Install.from_home(REPO / "var")
        self.install = n8n.Install(installed.node_bin, installed.n8n_bin, home / "n8n-faults-home")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        base = {**os.environ, "ZIKRA_N8N_PORT": str(self.port), "N8N_RUNNERS_BROKER_PORT": str(free_port()),
                "ZIKRA_WORKER_URL": worker_url, "ZIKRA_WORKER_SECRET": SECRET,
                "ZIKRA_MAX_BODY_BYTES": str(1024 * 1024)}
        self.env = n8n.build_env(pg.url("n8n_faults"), "test-encryption-key", base, self.install)
        self.log_path = home / "n8n-faults.log"
        self.proc: subprocess.Popen[bytes] | None = None
        n8n.import_and_publish(WORKFLOWS, self.env)

    def start(self) -> None:
        """Start n8n and wait until its webhooks answer."""
        self.proc = n8n.start(self.env, self.log_path, self.install)
        n8n.wait_ready(self.port, 120, self.proc, n8n.webhook_paths(WORKFLOWS))

    def kill(self) -> None:
        """SIGKILL n8n and its task runner (its own process group)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Stop n8n normally."""
        if self.proc is not None:
            n8n.stop(self.proc)


def kill_worker(worker: WorkerProcess) -> None:
    """SIGKILL gunicorn's master and every worker process: a crash, not a shutdown."""
    assert worker.proc is not None
    master = psutil.Process(worker.proc.pid)
    children = master.children(recursive=True)
    for process in [*children, master]:
        process.kill()
    worker.proc.wait(timeout=10)
    psutil.wait_procs(children, timeout=10)


@pytest.fixture(scope="module")
def fault_stack(pg: postgres.Cluster, worker_process: WorkerProcess, zikra_home: Path
                ) -> Iterator[tuple[N8nProcess, BridgeProcess]]:
    """n8n and a bridge in front of it that this module may kill."""
    own_n8n = N8nProcess(pg, worker_process.url, zikra_home)
    own_n8n.start()
    bridge = BridgeProcess(own_n8n.url, worker_process.url, zikra_home / "bridge-faults.log")
    bridge.start()
    try:
        yield own_n8n, bridge
    finally:
        bridge.stop()
        own_n8n.stop()


def _phase_counts(results: list[Any], start: float, end: float) -> dict[str, int]:
    return dict(Counter(f"{r.status} {r.code}" if r.code else str(r.status)
                        for r in results if start <= r.started < end))


def _first_ok_after(results: list[Any], t: float, op: str) -> float | None:
    times = [r.started + r.ms / 1000 for r in results if r.started >= t and r.op == op and r.status in (200, 201)]
    return min(times) - t if times else None


@pytest.mark.load
def test_clients_see_503s_not_hangs_the_stack_recovers_by_itself_and_no_acknowledged_write_is_lost(
        fault_stack, worker_process, worker, pg):
    own_n8n, bridge = fault_stack
    tokens = make_tokens(worker, CLIENTS, "faults")
    holder: dict[str, Any] = {}
    stop = threading.Event()
    began = time.monotonic()
    runner = threading.Thread(target=lambda: holder.update(run=load.run_load(
        bridge.url + "/webhook/zikra", tokens, clients=CLIENTS, duration_s=MAX_RUN_S, save_ratio=0.4,
        timeout=TIMEOUT_S, stop=stop)))
    runner.start()
    events: dict[str, float] = {}

    def mark(name: str) -> None:
        events[name] = time.monotonic() - began

    time.sleep(SETTLE_S)
    mark("worker killed")
    kill_worker(worker_process)
    time.sleep(3)
    worker_process.start()
    mark("worker back")
    time.sleep(SETTLE_S)
    mark("n8n killed")
    own_n8n.kill()
    time.sleep(3)
    own_n8n.start()
    mark("n8n back")
    time.sleep(SETTLE_S)
    mark("postgresql stopped")
    postgres.stop(pg, mode="fast")
    time.sleep(3)
    postgres.start(pg)
    mark("postgresql back")
    time.sleep(AFTER_S)
    stop.set()
    runner.join(timeout=TIMEOUT_S + 60)
    run = holder["run"]
    assert events["postgresql back"] < run.duration_s - AFTER_S + 1, "the run ended before the last fault's end"

    figures = load.report(run, load.missing_saves(pg.url(), run.saves))
    names = list(events)
    phases = {name: _phase_counts(run.results, events[name],
                                  events[names[i + 1]] if i + 1 < len(names) else run.duration_s)
              for i, name in enumerate(names)}
    phases["before"] = _phase_counts(run.results, 0, events["worker killed"])
    recovery = {name: {op: _first_ok_after(run.results, events[name], op) for op in ("save", "search")}
                for name in ("worker back", "n8n back", "postgresql back")}
    summary = {"figures": figures, "events_s": {k: round(v, 1) for k, v in events.items()}, "phases": phases,
               "first_2xx_after_s": recovery}
    print("\nfaults:", json.dumps(summary))
    (REPO / "var").mkdir(exist_ok=True)
    (REPO / "var" / "faults-report.json").write_text(json.dumps(summary, indent=2) + "\n")

    assert figures["lost_saves"] == 0, figures["lost_ids"]
    assert "timeout" not in figures["statuses"], "a client waited past its timeout"
    assert figures["latency"]["all"]["max_ms"] < TIMEOUT_S * 1000
    assert set(figures["statuses"]) <= {"200", "201", "429", "503"}, figures["statuses"]
    for name, ops in recovery.items():
        for op, after in ops.items():
            assert after is not None and after < 20, f"no {op} answered 2xx within 20 s of {name}: {after}"
    # Fully recovered: the last 15 s of the run are all answered.
    tail = _phase_counts(run.results, run.duration_s - 15, run.duration_s)
    assert set(tail) <= {"200", "201"}, tail


def test_n8n_is_configured_to_fail_fast_and_reconnect_soon_when_its_database_restarts(tmp_path):
    install = n8n.Install(tmp_path / "node", tmp_path / "n8n", tmp_path / "home")
    env = n8n.build_env("postgresql://postgres@127.0.0.1:5432/n8n", "k", {"PATH": "/usr/bin"}, install)
    assert int(env["DB_CONNECTION_ACQUISITION_TIMEOUT_MS"]) <= TIMEOUT_S * 1000 / 2
    assert int(env["DB_POSTGRESDB_CONNECTION_TIMEOUT"]) <= TIMEOUT_S * 1000 / 2
    assert int(env["DB_RECOVERY_BACKOFF_MAX_MS"]) <= 5000
