"""An installation made the old way (PostgreSQL trusting every local connection, everything owned
by the superuser, n8n with no owner, its files root's) upgrades with ``zikra up``: passwords,
roles, ownership and n8n's owner arrive, and no memory, token or workflow is lost."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import psycopg
import pytest
import requests
from psycopg import sql

from conftest import SECRET, WORKFLOWS, Worker, WorkerProcess
from ops_support import REPO, Installation, assert_locked_down
from zikra_ops import n8n, postgres, services

PROJECT = "upgrade-keeps"


def make_old_installation(inst: Installation) -> dict[str, str]:
    """What an installation looked like before passwords and roles; returns a memory's id and a
    token made then."""
    c = inst.cluster
    postgres._install_binaries(c)
    c.data_dir.mkdir(parents=True)
    for path in (c.data_dir.parent, c.data_dir):
        postgres._chown(path)
    os.chmod(c.data_dir, 0o700)
    done = postgres._run(c, "initdb", "-D", str(c.data_dir), "-U", "postgres", "--auth=trust",
                         "--encoding=UTF8", "--locale=C.UTF-8", timeout=120)
    assert done.returncode == 0, done.stderr
    postgres.start(c)
    trust = f"postgresql://postgres@127.0.0.1:{c.port}"
    with psycopg.connect(trust + "/postgres", autocommit=True) as conn:
        for database in ("zikra", "n8n"):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    # The worker as it ran then: as root, connected as the superuser (its migrations own everything).
    worker = WorkerProcess(trust + "/zikra", inst.home / "old-worker.log")
    worker.env.update({"ZIKRA_WORKER_PROCESSES": "1", "ZIKRA_WORKER_SECRET": SECRET})
    worker.start()
    try:
        client = Worker(worker.url)
        saved = client.save(PROJECT, "Session store", "Sessions moved out of Redis into PostgreSQL in March.")
        token = client.post("/tokens/create", {"owner": "old-admin", "role": "admin", "projects": None}).json()
    finally:
        worker.stop()
    # n8n as it ran then: as root, as the superuser, its user folder root's, no owner account.
    install = n8n.Install.from_home(REPO / "var")
    install = n8n.Install(install.node_bin, install.n8n_bin, inst.home / "n8n-home")
    base = {**{k: v for k, v in os.environ.items() if not k.startswith("ZIKRA_")},
            "ZIKRA_N8N_PORT": inst.settings["ZIKRA_N8N_PORT"], "ZIKRA_HOME": str(inst.home)}
    env = n8n.build_env(trust + "/n8n", inst.settings["ZIKRA_N8N_ENCRYPTION_KEY"], base, install)
    n8n.import_and_publish(WORKFLOWS, env)
    # The import is recorded as done, so `zikra up` keeps n8n's workflows as they are.
    (inst.home / "run").mkdir(exist_ok=True)
    (inst.home / "run" / "workflows.sha256").write_text(services._workflows_digest())
    postgres.stop(c)
    return {"memory": saved["id"], "token": token["token"]}


@pytest.fixture(scope="module")
def upgraded() -> Iterator[tuple[Installation, dict[str, str]]]:
    """An old-way installation, then ``zikra up`` on it with this version."""
    inst = Installation()
    try:
        before = make_old_installation(inst)
        inst.zikra("up", timeout=400)
        yield inst, before
    finally:
        inst.remove()


def test_an_upgraded_installation_keeps_its_memories_tokens_and_workflows(upgraded):
    inst, before = upgraded
    # The old token still opens the API, through the workflows imported before the upgrade.
    reply = requests.post(inst.bridge_url + "/webhook/zikra", timeout=30,
                          headers={"Authorization": f"Bearer {before['token']}"},
                          json={"command": "search", "project": PROJECT,
                                "query": "when did sessions move out of Redis?"})
    assert reply.status_code == 200, reply.text
    assert before["memory"] in [r["id"] for r in reply.json()["results"]]
    listed = json.loads(inst.zikra("token", "list").stdout)
    assert "old-admin" in [t["owner"] for t in listed]


def test_an_upgraded_installation_is_locked_down_and_its_roles_own_their_databases(upgraded):
    inst, _ = upgraded
    assert_locked_down(inst)
    for database, role in (("zikra", "zikra_worker"), ("n8n", "zikra_n8n")):
        with psycopg.connect(inst.cluster.url(database)) as conn:
            owners = {row[0] for row in conn.execute(
                "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v')")}
            assert owners == {role}, (database, owners)
    if os.geteuid() == 0:
        n8n_home = inst.home / "n8n-home"
        assert {path.owner() for path in [n8n_home, *n8n_home.rglob("*")]} == {"zikra"}
