"""Migrations: a blank database gets the whole schema, and running them again changes nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from conftest import WORKER_ROLE_PASSWORD, WorkerProcess, wait_until
from zikra_ops import postgres
from zikra_worker import migrations

DB_DIR = Path(__file__).resolve().parents[1] / "db"


@pytest.fixture
def blank_db(pg):
    postgres.ensure_database(pg, "zikra_migrate_test")
    with psycopg.connect(pg.url("zikra_migrate_test"), row_factory=dict_row) as conn:
        yield conn
    with psycopg.connect(pg.url("postgres"), autocommit=True) as admin:
        admin.execute("DROP DATABASE zikra_migrate_test WITH (FORCE)")


def test_a_blank_database_is_migrated_once_and_recorded(blank_db):
    names = [p.stem for p in migrations.pending_files(DB_DIR)]
    assert names and names == sorted(names)
    assert migrations.migrate(blank_db, DB_DIR) == names
    assert migrations.migrate(blank_db, DB_DIR) == []
    recorded = [r["name"] for r in blank_db.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert recorded == names


def test_the_memories_table_has_every_field_of_the_spec(blank_db):
    migrations.migrate(blank_db, DB_DIR)
    columns = {r["column_name"] for r in blank_db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'memories'")}
    spec = {"id", "project", "title", "content_md", "memory_type", "tags", "source", "created_by",
            "created_at", "updated_at", "last_accessed_at", "access_count", "confidence", "archived_at"}
    assert spec | {"embedding", "search_tsv", "reinforced_at"} <= columns
    for table in ("prompts", "runs", "access_tokens", "embedding_space"):
        assert blank_db.execute("SELECT to_regclass(%s) AS t", (table,)).fetchone()["t"] == table


def test_a_failing_migration_leaves_nothing_behind(blank_db, tmp_path):
    (tmp_path / "001_good.sql").write_text("CREATE TABLE good (id int);")
    (tmp_path / "002_bad.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    with pytest.raises(psycopg.errors.UndefinedFunction):
        migrations.migrate(blank_db, tmp_path)
    blank_db.rollback()
    assert blank_db.execute("SELECT to_regclass('half') AS t").fetchone()["t"] is None
    assert [r["name"] for r in blank_db.execute("SELECT name FROM schema_migrations")] == ["001_good"]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def test_worker_processes_started_together_on_an_empty_database_all_come_up(pg, tmp_path):
    """Three gunicorn masters of two processes each, started at the same moment on an empty
    database, three times over: every process boots (one migrates, the others wait for it)."""
    masters, processes = 3, 2
    for attempt in range(3):
        name = f"zikra_race_{attempt}"
        postgres.ensure_database(pg, name, "zikra_worker", extensions=("vector",))
        url = postgres.role_url(pg, "zikra_worker", WORKER_ROLE_PASSWORD, name)
        workers = [WorkerProcess(url, tmp_path / f"worker-{attempt}-{n}.log") for n in range(masters)]
        for worker in workers:
            worker.env["ZIKRA_WORKER_PROCESSES"] = str(processes)
        try:
            launched = [worker.launch() for worker in workers]
            for worker, proc in zip(workers, launched):
                wait_until(lambda: proc.poll() is not None or worker.healthy(), 90, "a worker to answer")
                log = worker.log_path.read_text(errors="replace")
                assert proc.poll() is None, f"gunicorn exited {proc.returncode}:\n{log[-3000:]}"
                wait_until(lambda: len(_children(proc.pid)) == processes, 30, "every gunicorn process to boot")
            for worker in workers:
                log = worker.log_path.read_text(errors="replace")
                assert "Traceback" not in log and "failed to boot" not in log.lower(), log[-3000:]
                assert log.count("Booting worker") == processes, log[-3000:]
            with psycopg.connect(pg.url(name), row_factory=dict_row) as conn:
                recorded = [r["name"] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
            assert recorded == [p.stem for p in migrations.pending_files(DB_DIR)]
        finally:
            for worker in workers:
                worker.stop()
            with psycopg.connect(pg.url("postgres"), autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_migrations_run_at_the_same_moment_by_several_sessions_apply_once(pg):
    """Six sessions migrate one blank database at the same instant, five times over: none fails
    (creating the bookkeeping table at once collided in the catalog), each file applies once."""
    sessions = 6
    for attempt in range(5):
        name = f"zikra_burst_{attempt}"
        postgres.ensure_database(pg, name, "zikra_worker", extensions=("vector",))
        url = postgres.role_url(pg, "zikra_worker", WORKER_ROLE_PASSWORD, name)
        connections = [psycopg.connect(url) for _ in range(sessions)]
        barrier = threading.Barrier(sessions)

        def migrate(conn: psycopg.Connection) -> list[str]:
            barrier.wait(timeout=30)
            return migrations.migrate(conn, DB_DIR)

        try:
            with ThreadPoolExecutor(sessions) as pool:
                applied = list(pool.map(migrate, connections))
            names = [p.stem for p in migrations.pending_files(DB_DIR)]
            assert sorted(n for run in applied for n in run) == names
        finally:
            for conn in connections:
                conn.close()
            with psycopg.connect(pg.url("postgres"), autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
