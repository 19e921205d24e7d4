"""The pool does not check a connection on every checkout: a connection that died while idle
(the database restarted, or an administrator ended it) fails its first statement, and the
worker retries once on a fresh one, so the client still gets its answer."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from conftest import wait_until

from zikra_worker.db import make_pool, read
from zikra_worker.search import _reinforce_after_response


def _end_worker_connections(db: psycopg.Connection[dict[str, Any]]) -> int:
    """End every other session of this database (the worker's pooled connections)."""
    rows = db.execute("SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                      "AND backend_type = 'client backend'").fetchall()
    return sum(1 for row in rows if row["ended"])


def _warm(worker, project: str) -> None:
    # Several requests, so both gunicorn processes hold pooled connections.
    for _ in range(6):
        worker.search(project, "warm the pools")


def test_a_search_on_a_connection_that_died_idle_is_retried_and_answers(worker, project, db):
    saved = worker.save(project, "Retry target", "Searches survive a connection the server ended.")
    _warm(worker, project)
    assert _end_worker_connections(db) >= 1
    # Each gunicorn process meets its dead connections on its next request.
    for _ in range(6):
        results = worker.search(project, "connection the server ended", limit=1)["results"]
        assert [r["id"] for r in results] == [saved["id"]]

    def count() -> int:
        return db.execute("SELECT access_count FROM memories WHERE id = %s", (saved["id"],)).fetchone()["access_count"]

    wait_until(lambda: count() >= 6, 10, "the retried searches to reinforce what they returned")


def test_a_save_and_a_read_on_a_connection_that_died_idle_are_retried(worker, project, db):
    _warm(worker, project)
    assert _end_worker_connections(db) >= 1
    for i in range(4):
        worker.save(project, f"Saved after the cut {i}", "The BEGIN found the connection dead; a fresh one took it.")
    assert _end_worker_connections(db) >= 1
    for i in range(4):
        response = worker.post("/get_memory", {"project": project, "title": f"Saved after the cut {i}"})
        assert response.status_code == 200, response.text
    count = db.execute("SELECT count(*) AS n FROM memories WHERE project = %s", (project,)).fetchone()["n"]
    assert count == 4


def test_pooled_sessions_carry_the_hnsw_settings_and_read_retries_once(pg, worker_url, db):
    pool = make_pool(pg.url(), 2, 3.0, ef_search=120)
    pool.open(wait=True)
    try:
        # Set before pgvector's library is loaded in the session, kept once it defines them.
        settings = read(pool, lambda conn: conn.execute(
            "SELECT '[1,2]'::vector <=> '[1,3]'::vector AS loads_pgvector, "
            "current_setting('hnsw.ef_search') AS ef_search, "
            "current_setting('hnsw.iterative_scan') AS iterative_scan, pg_backend_pid() AS pid").fetchone())
        assert settings["ef_search"] == "120" and settings["iterative_scan"] == "relaxed_order"
        db.execute("SELECT pg_terminate_backend(%s)", (settings["pid"],))
        runs = []

        def work(conn: psycopg.Connection[Any]) -> int:
            runs.append(1)
            return conn.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]

        assert read(pool, work) != settings["pid"]
        assert len(runs) == 2, "the first run met the dead connection, the second a fresh one"
    finally:
        pool.close()


def test_a_reinforcement_that_fails_after_the_answer_is_logged_not_lost_silently(caplog):
    # Nothing listens on port 1: the pool cannot connect and gives up after its timeout.
    pool = make_pool("postgresql://postgres@127.0.0.1:1/zikra", 1, 0.5)
    pool.open(wait=False)
    try:
        with caplog.at_level(logging.WARNING, logger="zikra_worker.search"):
            _reinforce_after_response(pool, ["00000000-0000-0000-0000-000000000001"], ["p"])
    finally:
        pool.close()
    assert [r.getMessage() for r in caplog.records if r.name == "zikra_worker.search"] == [
        "search reinforcement failed: Unavailable"]
