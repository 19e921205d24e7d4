"""With PostgreSQL stopped the worker answers 503 naming the database, and recovers by itself."""

from __future__ import annotations

import time

import requests
from conftest import assert_error, wait_until

from zikra_ops import postgres


def test_a_stopped_database_gives_503_and_the_worker_recovers_when_it_returns(worker, pg, project):
    worker.save(project, "Before the outage", "Saved while the database was up.")
    postgres.stop(pg, mode="fast")
    try:
        started = time.monotonic()
        for path, body in (("/search", {"query": "outage", "projects": [project]}),
                           ("/save_memory", {"project": project, "title": "During", "content_md": "lost?"}),
                           ("/tokens/verify", {"token": "zk_x"})):
            error = assert_error(worker.post(path, body), 503, "database_unavailable")
            assert "database" in error["message"]
        assert time.monotonic() - started < 20, "503s must come fast, not after a hang"
        health = worker.session.get(worker.url + "/health", timeout=10)
        assert health.status_code == 503 and health.json()["database"] == "unavailable"
    finally:
        postgres.start(pg)

    def recovered() -> bool:
        try:
            return worker.post("/search", {"query": "outage", "projects": [project]}).status_code == 200
        except requests.RequestException:
            return False

    wait_until(recovered, 30, "the worker to answer again")
    titles = [r["title"] for r in worker.search(project, "outage database", limit=5)["results"]]
    assert titles == ["Before the outage"]
