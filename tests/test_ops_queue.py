"""n8n queue mode, natively: with ZIKRA_N8N_WORKERS > 0, ``zikra up`` runs Redis and ``n8n worker``
processes under supervisord, and the webhook's executions run in those workers. Long (two
n8n starts): ``./test.sh -m load tests/test_ops_queue.py``."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest
import requests

from ops_support import REPO, Installation, free_port, running

pytestmark = pytest.mark.load


@pytest.fixture
def install() -> Iterator[Installation]:
    """A scratch installation with one n8n worker."""
    with running({"ZIKRA_N8N_WORKERS": "1", "ZIKRA_REDIS_PORT": str(free_port())}, timeout=600) as inst:
        yield inst


def search(inst: Installation, token: str, timeout: float = 30) -> requests.Response:
    return requests.post(inst.bridge_url + "/webhook/zikra", timeout=timeout,
                         json={"command": "search", "project": "ops-queue", "query": "queue"},
                         headers={"Authorization": f"Bearer {token}"})


def supervisorctl(inst: Installation, *args: str) -> None:
    subprocess.run([str(REPO / ".venv" / "bin" / "supervisorctl"), "-c",
                    str(inst.home / "run" / "supervisord.conf"), *args], check=True, timeout=120,
                   capture_output=True)


def test_in_queue_mode_the_n8n_workers_run_the_webhooks_executions(install: Installation):
    state = install.status()
    assert state["redis"] == "healthy" and state["n8n-worker-1"] == "healthy" and state["n8n"] == "healthy"
    token = json.loads(install.zikra("token", "create", "--owner", "q", "--role", "admin").stdout)["token"]
    assert search(install, token).status_code == 200
    supervisorctl(install, "stop", "n8n-worker-1")
    with pytest.raises(requests.Timeout):  # queued, and nobody to run it
        search(install, token, timeout=5)
    supervisorctl(install, "start", "n8n-worker-1")
    assert search(install, token, timeout=60).status_code == 200


def test_setting_the_workers_back_to_zero_returns_to_regular_mode(install: Installation):
    env_file = install.home / "zikra.env"
    env_file.write_text(env_file.read_text().replace("ZIKRA_N8N_WORKERS=1", "ZIKRA_N8N_WORKERS=0"))
    install.zikra("up", timeout=600)
    state = install.status()
    assert "redis" not in state and "n8n-worker-1" not in state
    assert set(state["supervisord"]["programs"]) == {"postgres", "worker", "n8n", "bridge"}
    token = json.loads(install.zikra("token", "create", "--owner", "q", "--role", "admin").stdout)["token"]
    assert search(install, token).status_code == 200
