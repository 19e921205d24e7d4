"""The ``zikra`` command on a real native installation (a scratch ZIKRA_HOME on free ports):
supervisord runs PostgreSQL, the worker, n8n and the bridge; status, restart after a crash,
tokens, logs, backup and restore, export and import."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ops_support import Installation

SERVICES = ("postgres", "worker", "n8n", "bridge")


@pytest.fixture(scope="module")
def install() -> Iterator[Installation]:
    """A scratch installation started with ``zikra up``; ``zikra down`` and removed at the end."""
    inst = Installation()
    try:
        inst.zikra("up", timeout=400)
        yield inst
    finally:
        inst.remove()


@pytest.fixture(scope="module")
def admin_token(install: Installation) -> str:
    """An admin token made with ``zikra token create``."""
    created = json.loads(install.zikra("token", "create", "--owner", "ops-admin", "--role", "admin").stdout)
    return created["token"]


def call(install: Installation, token: str, command: str, **fields: Any) -> requests.Response:
    """POST a command to the public webhook, through the bridge, as an agent does."""
    return requests.post(install.bridge_url + "/webhook/zikra", json={"command": command, **fields},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)


def wait_for(check: Any, timeout: float, what: str) -> None:
    """Poll ``check()`` until truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


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

    wait_for(restarted, 60, "supervisord to restart the worker")
    wait_for(lambda: install.status()["worker"] == "healthy", 60, "the restarted worker to be healthy")
    # n8n answers 503 (worker unavailable) until it reaches the new worker: a few seconds at most.
    wait_for(lambda: call(install, admin_token, "search", project="ops-restart", query="x").status_code == 200,
             30, "the API to answer again")
    saved = call(install, admin_token, "save_memory", project="ops-restart", title="after the crash",
                 content_md="the worker came back", memory_type="decision")
    assert saved.status_code == 201, saved.text
    found = call(install, admin_token, "search", project="ops-restart", query="worker came back")
    assert found.status_code == 200, found.text
    assert [r["title"] for r in found.json()["results"]] == ["after the crash"]
    assert "exited: worker (terminated by SIGKILL" in install.log_tail("supervisord")


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

    wait_for(refused, 45, "the revoked token to be refused")
    assert install.zikra("token", "revoke", "00000000-0000-0000-0000-000000000000", check=False).returncode != 0
