"""The ``zikra`` command on a real native installation (a scratch ZIKRA_HOME on free ports):
supervisord runs PostgreSQL, the worker, n8n and the bridge; status, restart after a crash,
tokens, logs, backup and restore, export and import."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from pgvector.psycopg import register_vector
from psycopg import sql
from psycopg.rows import dict_row

from conftest import wait_until
from ops_support import REPO, Installation, assert_locked_down, running

SERVICES = ("postgres", "worker", "n8n", "bridge")


@pytest.fixture(scope="module")
def install() -> Iterator[Installation]:
    """A scratch installation started with ``zikra up``; ``zikra down`` and removed at the end."""
    with running(timeout=400) as inst:
        yield inst


@pytest.fixture(scope="module")
def admin_token(install: Installation) -> str:
    """An admin token made with ``zikra token create``."""
    created = json.loads(install.zikra("token", "create", "--owner", "ops-admin", "--role", "admin").stdout)
    return created["token"]


def call(install: Installation, token: str, command: str, **fields: Any) -> requests.Response:
    """POST a command to the public webhook, through the bridge, as an agent does."""
    return requests.post(install.bridge_url + "/webhook/zikra", json={"command": command, **fields},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_status_reports_every_service_healthy_and_supervised_with_its_pid_and_log(install: Installation):
    done = install.zikra("status")
    state = json.loads(done.stdout)
    assert [state[name] for name in SERVICES] == ["running", "healthy", "healthy", "healthy"]
    programs = state["supervisord"]["programs"]
    assert state["supervisord"]["running"] is True
    for name in SERVICES:
        assert programs[name]["state"] == "RUNNING"
        os.kill(programs[name]["pid"], 0)  # a live process
        assert programs[name]["log"] == str(install.home / "log" / f"{name}.log")
    assert requests.get(install.bridge_url + "/health", timeout=5).status_code == 200


def test_a_second_up_changes_nothing_and_returns_quickly(install: Installation):
    before = install.status()["supervisord"]["programs"]
    started = time.monotonic()
    install.zikra("up")
    assert time.monotonic() - started < 15
    after = install.status()["supervisord"]["programs"]
    assert {n: after[n]["pid"] for n in SERVICES} == {n: before[n]["pid"] for n in SERVICES}


def test_a_killed_worker_is_restarted_by_supervisord_and_the_api_answers_again(
        install: Installation, admin_token: str):
    old_pid = install.status()["supervisord"]["programs"]["worker"]["pid"]
    os.kill(old_pid, signal.SIGKILL)

    def restarted() -> bool:
        program = install.status()["supervisord"]["programs"]["worker"]
        return program["state"] == "RUNNING" and program["pid"] not in (None, old_pid)

    wait_until(restarted, 60, "supervisord to restart the worker")
    wait_until(lambda: install.status()["worker"] == "healthy", 60, "the restarted worker to be healthy")
    # n8n answers 503 (worker unavailable) until it reaches the new worker: a few seconds at most.
    wait_until(lambda: call(install, admin_token, "search", project="ops-restart", query="x").status_code == 200,
             30, "the API to answer again")
    saved = call(install, admin_token, "save_memory", project="ops-restart", title="after the crash",
                 content_md="the worker came back", memory_type="decision")
    assert saved.status_code == 201, saved.text
    found = call(install, admin_token, "search", project="ops-restart", query="worker came back")
    assert found.status_code == 200, found.text
    assert [r["title"] for r in found.json()["results"]] == ["after the crash"]
    assert "exited: worker (terminated by SIGKILL" in install.log_tail("supervisord")


def run_install_sh(install: Installation) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(["bash", str(REPO / "install.sh")], env=install.env(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done, time.monotonic() - started


def test_install_sh_on_an_installed_machine_is_a_quick_no_op(install: Installation, admin_token: str):
    before = install.status()["supervisord"]["programs"]
    done, seconds = run_install_sh(install)
    if "Python packages: up to date" not in done.stdout:
        # The requirements changed since the venv was last installed: this run caught up.
        done, seconds = run_install_sh(install)
    for skipped in ("Python packages: up to date", "already installed", "admin token: exists already",
                    "postgres: running", "bridge: healthy"):
        assert skipped in done.stdout, skipped
    assert not re.search(r"zk_[A-Za-z0-9_-]{20}", done.stdout)  # no new token shown
    assert seconds < 30, f"a repeat install.sh took {seconds:.0f}s"
    after = install.status()["supervisord"]["programs"]
    assert {n: after[n]["pid"] for n in SERVICES} == {n: before[n]["pid"] for n in SERVICES}


def test_tokens_are_created_listed_and_revoked_with_the_zikra_command(install: Installation):
    created = json.loads(install.zikra("token", "create", "--owner", "ops-ann", "--role", "reader",
                                       "--projects", "alpha,beta").stdout)
    assert created["token"].startswith("zk_")
    assert call(install, created["token"], "search", project="alpha", query="x").status_code == 200
    listed = json.loads(install.zikra("token", "list").stdout)
    mine = [t for t in listed if t["id"] == created["id"]]
    assert mine and mine[0]["role"] == "reader" and mine[0]["projects"] == ["alpha", "beta"]
    assert "token" not in mine[0] and not mine[0]["revoked_at"]
    install.zikra("token", "revoke", created["id"])
    listed = json.loads(install.zikra("token", "list").stdout)
    assert [t for t in listed if t["id"] == created["id"]][0]["revoked_at"]

    def refused() -> bool:  # the bridge may cache a token's check for a few seconds
        return call(install, created["token"], "search", project="alpha", query="x").status_code == 401

    wait_until(refused, 45, "the revoked token to be refused")
    assert install.zikra("token", "revoke", "00000000-0000-0000-0000-000000000000", check=False).returncode != 0


def save(install: Installation, token: str, project: str, title: str, content: str, **fields: Any) -> str:
    """Save a memory through the public API; its id."""
    reply = call(install, token, "save_memory", project=project, title=title, content_md=content, **fields)
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def memories(install: Installation, project: str) -> dict[str, dict[str, Any]]:
    """Every column of a project's memories, by title (the embedding as a list of floats)."""
    with psycopg.connect(install.database_url, row_factory=dict_row) as conn:
        register_vector(conn)
        rows = conn.execute("SELECT * FROM memories WHERE project = %s", (project,)).fetchall()
    return {r["title"]: {**r, "embedding": [float(x) for x in r["embedding"].to_list()]} for r in rows}


@pytest.fixture(scope="module")
def source_project(install: Installation, admin_token: str) -> str:
    """A project of three memories with every field set away from its default."""
    project = "ops-export-source"
    save(install, admin_token, project, "Use pgvector", "HNSW over cosine distance; ünïcode ✓.",
         memory_type="decision", tags=["db", "search"], source="adr-7")
    save(install, admin_token, project, "Timeouts", "The worker times out at 60 s.", memory_type="error")
    save(install, admin_token, project, "Old note", "Superseded.", memory_type="reference", tags=["old"])
    with psycopg.connect(install.database_url, autocommit=True) as conn:
        conn.execute("UPDATE memories SET access_count = 7, confidence = 0.625, "
                     "last_accessed_at = '2026-01-02 03:04:05.123456+00', "
                     "reinforced_at = '2026-01-03 00:00:00+00', created_by = 'someone else' "
                     "WHERE project = %s AND title = 'Use pgvector'", (project,))
        conn.execute("UPDATE memories SET archived_at = '2026-02-01 12:00:00+00', confidence = 0.1 "
                     "WHERE project = %s AND title = 'Old note'", (project,))
    return project


def without(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}


def test_export_then_import_into_a_fresh_project_round_trips_every_field(
        install: Installation, source_project: str, admin_token: str, tmp_path: Path):
    file = tmp_path / "memories.jsonl"
    done = install.zikra("export", str(file), "--project", source_project, "--with-embeddings")
    assert "3 memories" in done.stdout
    lines = [json.loads(line) for line in file.read_text().splitlines()]
    assert len(lines) == 3 and {line["embedding"]["model"] for line in lines} == {"all-MiniLM-L6-v2"}
    done = install.zikra("import", str(file), "--project", "ops-export-copy")
    assert "3 memories" in done.stdout and "(0 embedded again" in done.stdout
    before, after = memories(install, source_project), memories(install, "ops-export-copy")
    assert sorted(before) == sorted(after)
    for title, row in before.items():
        # Everything but the id (taken in the source project) and the project itself, vectors exactly.
        assert without(after[title], "id", "project") == without(row, "id", "project")
        assert after[title]["id"] != row["id"]
    found = call(install, admin_token, "search", project="ops-export-copy", query="cosine distance")
    assert found.json()["results"][0]["title"] == "Use pgvector"


def test_the_export_has_every_column_of_the_memories_table(install: Installation, tmp_path: Path,
                                                          source_project: str):
    with psycopg.connect(install.database_url) as conn:
        columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'memories'")}
    file = tmp_path / "all.jsonl"
    install.zikra("export", str(file), "--with-embeddings")
    line = json.loads(file.read_text().splitlines()[0])
    assert set(line) == columns - {"search_tsv"}  # generated from title, tags and content


def test_an_import_of_another_models_vectors_or_of_none_embeds_them_again(
        install: Installation, source_project: str, tmp_path: Path):
    plain, foreign = tmp_path / "plain.jsonl", tmp_path / "foreign.jsonl"
    install.zikra("export", str(plain), "--project", source_project)
    assert "embedding" not in json.loads(plain.read_text().splitlines()[0])
    install.zikra("export", str(foreign), "--project", source_project, "--with-embeddings")
    lines = [json.loads(line) for line in foreign.read_text().splitlines()]
    for line in lines:
        line["embedding"].update(model="some-other-model", vector=[0.5] * line["embedding"]["dim"])
    foreign.write_text("".join(json.dumps(line) + "\n" for line in lines))
    for file, project in ((plain, "ops-import-plain"), (foreign, "ops-import-foreign")):
        assert "(3 embedded again" in install.zikra("import", str(file), "--project", project).stdout
        source, copy = memories(install, source_project), memories(install, project)
        for title, row in source.items():
            similarity = sum(a * b for a, b in zip(row["embedding"], copy[title]["embedding"]))
            assert similarity > 0.999, title  # the same text, the same model


def test_a_bad_line_names_itself_and_its_field_and_nothing_is_imported(install: Installation, tmp_path: Path):
    file = tmp_path / "bad.jsonl"
    good = {"project": "ops-bad", "title": "fine", "content_md": "ok", "memory_type": "decision"}
    file.write_text(json.dumps(good) + "\n" + json.dumps({**good, "title": "no content", "content_md": ""}) + "\n")
    done = install.zikra("import", str(file), check=False)
    assert done.returncode == 1 and "line 2" in done.stderr and "content_md" in done.stderr
    file.write_text(json.dumps(good) + "\n" + json.dumps({**good, "title": "t2", "memory_type": "gossip"}) + "\n")
    done = install.zikra("import", str(file), check=False)
    assert done.returncode == 1 and "line 2" in done.stderr
    assert memories(install, "ops-bad") == {}


def snapshot(install: Installation) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the memory database, in a fixed order."""
    with psycopg.connect(install.database_url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        return {table: sorted(map(repr, conn.execute(
            sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))).fetchall())) for table in tables}


def test_backup_then_restore_loses_nothing(install: Installation, source_project: str, admin_token: str,
                                           tmp_path: Path):
    file = tmp_path / "zikra.dump"
    before = snapshot(install)
    assert before["memories"] and before["access_tokens"]
    assert "backup:" in install.zikra("backup", str(file)).stdout
    # Change it all after the backup: a new memory, a deleted one, a revoked token.
    save(install, admin_token, source_project, "After the backup", "should vanish", memory_type="decision")
    with psycopg.connect(install.database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM memories WHERE project = %s AND title = 'Timeouts'", (source_project,))
        conn.execute("UPDATE access_tokens SET revoked_at = now()")
    assert snapshot(install) != before
    done = install.zikra("restore", str(file))
    assert "restored" in done.stdout and "worker: healthy again" in done.stdout
    assert snapshot(install) == before
    wait_until(lambda: call(install, admin_token, "search", project=source_project, query="timeouts")
             .status_code == 200, 30, "the API to answer after the restore")
    titles = [r["title"] for r in call(install, admin_token, "search", project=source_project,
                                       query="worker times out").json()["results"]]
    assert "Timeouts" in titles and "After the backup" not in titles


def test_a_restore_of_a_file_that_is_not_a_backup_changes_nothing(install: Installation, tmp_path: Path):
    file = tmp_path / "not-a-dump"
    file.write_text("hello\n")
    before = snapshot(install)
    done = install.zikra("restore", str(file), check=False)
    assert done.returncode == 1 and "pg_restore failed" in done.stderr and "not-a-dump" in done.stderr
    assert snapshot(install) == before
    assert "worker" not in done.stdout  # refused before the worker was stopped
    assert install.status()["worker"] == "healthy"


def test_logs_shows_the_end_of_one_service_log_or_of_all(install: Installation):
    done = install.zikra("logs", "supervisord", "-n", "3")
    assert len(done.stdout.splitlines()) == 3
    every = install.zikra("logs", "-n", "1").stdout
    for name in (*SERVICES, "supervisord"):
        assert f"==> {install.home / 'log' / name}.log <==" in every


def test_another_local_user_gets_no_database_no_n8n_owner_and_no_root_process(install: Installation):
    assert_locked_down(install)


def test_the_worker_and_n8n_each_reach_only_their_own_database(install: Installation):
    env = {k: v for k, v in (line.split("=", 1) for line in (install.home / "zikra.env").read_text().splitlines()
                             if "=" in line and not line.startswith("#"))}
    port = install.settings["ZIKRA_PG_PORT"]
    worker = f"postgresql://zikra_worker:{env['ZIKRA_PG_WORKER_PASSWORD']}@127.0.0.1:{port}"
    n8n_role = f"postgresql://zikra_n8n:{env['ZIKRA_N8N_DB_PASSWORD']}@127.0.0.1:{port}"
    with psycopg.connect(worker + "/zikra") as conn:
        assert conn.execute("SELECT count(*) FROM memories").fetchone() is not None
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    for url in (worker + "/n8n", n8n_role + "/zikra"):
        with pytest.raises(psycopg.OperationalError, match="permission denied|not permitted"):
            psycopg.connect(url, connect_timeout=5)
