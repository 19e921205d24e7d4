"""Load through the public URL (the MCP bridge's webhook, in front of the real n8n, worker and
PostgreSQL): 50 clients mixing saves and searches, then every acknowledged save checked in the
database. The default run only proves the generator and its lost-write check; ``-m load`` runs the
full minute."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from zikra_ops import postgres


def _load_module() -> Any:
    spec = importlib.util.spec_from_file_location("zikra_bench_load", REPO / "bench" / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


load = _load_module()


def make_tokens(worker: Any, count: int, prefix: str) -> list[str]:
    """``count`` writer tokens, one per client, so the per-token limit is not what the load measures."""
    made = []
    for i in range(count):
        response = worker.post("/tokens/create", {"owner": f"{prefix}-{i}", "role": "writer"})
        assert response.status_code == 201, response.text
        made.append(response.json()["token"])
    return made


def test_the_generator_refuses_anything_but_loopback():
    for url in ("http://10.1.2.3:7723/webhook/zikra", "http://example.com/webhook/zikra"):
        with pytest.raises(ValueError, match="loopback"):
            load.run_load(url, ["t"], clients=1, duration_s=0.1)


def test_a_short_run_reports_figures_and_its_lost_write_check_can_fail(bridge_url, worker, pg, db, project):
    tokens = make_tokens(worker, 5, "load-smoke")
    run = load.run_load(bridge_url + "/webhook/zikra", tokens, clients=5, duration_s=4, save_ratio=0.5,
                        projects=[project], timeout=15)
    figures = load.report(run, load.missing_saves(pg.url(), run.saves))
    assert figures["requests"] >= 10 and figures["acknowledged_saves"] >= 2
    assert figures["lost_saves"] == 0 and figures["undocumented"] == []
    assert set(figures["statuses"]) <= {"200", "201"}, figures["statuses"]
    assert figures["latency"]["all"]["p50_ms"] > 0
    # The check does find a save that is gone.
    gone = run.saves[0]
    db.execute("DELETE FROM memories WHERE id = %s", (gone.id,))
    assert [s.id for s in load.missing_saves(pg.url(), run.saves)] == [gone.id]


@pytest.mark.load
def test_fifty_clients_for_a_minute_lose_no_acknowledged_write(bridge_url, worker, pg: postgres.Cluster, tmp_path):
    tokens = make_tokens(worker, 50, "load")
    run = load.run_load(bridge_url + "/webhook/zikra", tokens, clients=50, duration_s=60, save_ratio=0.3,
                        timeout=30)
    figures = load.report(run, load.missing_saves(pg.url(), run.saves))
    print("\nload:", json.dumps(figures))
    (REPO / "var").mkdir(exist_ok=True)
    (REPO / "var" / "load-report.json").write_text(json.dumps(figures, indent=2) + "\n")
    assert figures["lost_saves"] == 0
    assert figures["undocumented"] == [] and "timeout" not in figures["statuses"]
    assert "connection_error" not in figures["statuses"]
    assert set(figures["statuses"]) <= {"200", "201", "429", "503"}, figures["statuses"]
    assert figures["acknowledged_saves"] > 100
