"""n8n webhook processors, natively: with queue mode on (ZIKRA_N8N_WORKERS > 0) and
ZIKRA_N8N_WEBHOOK_PROCESSORS=M, ``zikra up`` runs M ``n8n webhook`` programs under supervisord,
each on its own loopback port, and the bridge spreads ``POST /webhook/zikra`` over them.

The first tests read the generated programs (quick); the last brings a whole installation up
(long: ``./test.sh -m load tests/test_ops_webhook_processors.py``)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from ops_support import REPO, Installation, free_port, running
from zikra_ops import n8n, services

BASE = {"ZIKRA_DATABASE_URL": "postgresql://postgres@127.0.0.1:54329/zikra", "ZIKRA_N8N_PORT": "5678",
        "ZIKRA_REDIS_PORT": "6390", "ZIKRA_N8N_ENCRYPTION_KEY": "k", "PATH": "/usr/bin:/bin"}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch ZIKRA_HOME for the generated files."""
    monkeypatch.setenv("ZIKRA_HOME", str(tmp_path))
    return tmp_path


def test_processors_run_n8n_webhook_in_queue_mode_on_ports_of_their_own(home: Path):
    found = services.programs({**BASE, "ZIKRA_N8N_WORKERS": "1", "ZIKRA_N8N_WEBHOOK_PROCESSORS": "2"})
    assert list(found) == ["postgres", "redis", "worker", "n8n", "n8n-worker-1",
                           "n8n-webhook-1", "n8n-webhook-2", "bridge"]
    processors = [found[f"n8n-webhook-{n}"] for n in (1, 2)]
    ports = set()
    for program in processors:
        assert program.argv[1:] == ["webhook"] and program.env is not None
        assert program.env["EXECUTIONS_MODE"] == "queue" and program.env["QUEUE_BULL_REDIS_PORT"] == "6390"
        assert program.env["N8N_LISTEN_ADDRESS"] == "127.0.0.1"
        # The same database and key as n8n's main process: they read its published workflows.
        main = found["n8n"].env
        assert main is not None
        for name in ("N8N_ENCRYPTION_KEY", "DB_POSTGRESDB_DATABASE", "DB_POSTGRESDB_PORT"):
            assert program.env[name] == main[name]
        ports |= {program.env["N8N_PORT"], program.env["N8N_RUNNERS_BROKER_PORT"]}
    worker_env = found["n8n-worker-1"].env
    assert worker_env is not None
    taken = {"5678", "5679", worker_env["QUEUE_HEALTH_CHECK_PORT"], worker_env["N8N_RUNNERS_BROKER_PORT"]}
    assert len(ports) == 4 and not ports & taken
    bridge_env = found["bridge"].env
    assert bridge_env is not None
    assert bridge_env["ZIKRA_N8N_WEBHOOK_URLS"] == ",".join(
        f"http://127.0.0.1:{p.env['N8N_PORT']}" for p in processors if p.env)
    assert set(services.health_checks({**BASE, "ZIKRA_N8N_WORKERS": "1", "ZIKRA_N8N_WEBHOOK_PROCESSORS": "2"})) >= {
        "n8n-webhook-1", "n8n-webhook-2"}


def test_without_processors_the_bridge_calls_n8n_main_as_before(home: Path):
    found = services.programs({**BASE, "ZIKRA_N8N_WORKERS": "1", "ZIKRA_N8N_WEBHOOK_PROCESSORS": "0"})
    assert not any(name.startswith("n8n-webhook") for name in found)
    assert found["bridge"].env is not None and "ZIKRA_N8N_WEBHOOK_URLS" not in found["bridge"].env


def test_processors_without_queue_mode_are_refused_with_what_to_do(home: Path):
    env = {**BASE, "ZIKRA_N8N_WORKERS": "0", "ZIKRA_N8N_WEBHOOK_PROCESSORS": "2"}
    with pytest.raises(ValueError, match="ZIKRA_N8N_WORKERS > 0"):
        n8n.check_queue_settings(env)
    with pytest.raises(ValueError, match="needs queue mode"):
        services.up(env, print)
    # status and down still work on such settings: no processor is expected.
    assert not any(name.startswith("n8n-webhook") for name in services.programs(env))


# --- end to end -------------------------------------------------------------------------------


@pytest.fixture
def install() -> Iterator[Installation]:
    """A scratch installation in queue mode: one n8n worker, two webhook processors."""
    settings = {"ZIKRA_N8N_WORKERS": "1", "ZIKRA_N8N_WEBHOOK_PROCESSORS": "2", "ZIKRA_REDIS_PORT": str(free_port())}
    with running(settings, timeout=900) as inst:
        yield inst


def supervisorctl(inst: Installation, *args: str) -> None:
    subprocess.run([str(REPO / ".venv" / "bin" / "supervisorctl"), "-c",
                    str(inst.home / "run" / "supervisord.conf"), *args], check=True, timeout=120,
                   capture_output=True)


def wait_healthy(inst: Installation, *names: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = inst.status()
        if all(state.get(name) == "healthy" for name in names):
            return
        time.sleep(1)
    raise AssertionError(f"{names} not healthy after {timeout:.0f}s: {inst.status()}")


def call(inst: Installation, token: str, fields: dict[str, object]) -> requests.Response:
    return requests.post(inst.bridge_url + "/webhook/zikra", json=fields, timeout=60,
                         headers={"Authorization": f"Bearer {token}"})


def save_and_find(inst: Installation, token: str, title: str) -> None:
    """Save a memory through the bridge, then find it with a search through the bridge."""
    saved = call(inst, token, {"command": "save", "project": "ops-webhook", "title": title,
                               "content_md": f"{title}: served through an n8n webhook processor"})
    assert saved.status_code in (200, 201), saved.text
    found = call(inst, token, {"command": "search", "project": "ops-webhook", "query": title})
    assert found.status_code == 200, found.text
    assert title in json.dumps(found.json())


@pytest.mark.load
def test_the_bridge_spreads_the_webhook_over_the_processors_and_survives_one_stopped(install: Installation):
    state = install.status()
    assert {state[name] for name in ("n8n", "n8n-worker-1", "n8n-webhook-1", "n8n-webhook-2", "bridge")} == {"healthy"}
    token = json.loads(install.zikra("token", "create", "--owner", "w", "--role", "admin").stdout)["token"]
    for n in range(4):
        save_and_find(install, token, f"spread-{n}")
    # Each processor alone serves every request: the other one stopped, nothing fails.
    for alive, stopped in (("n8n-webhook-2", "n8n-webhook-1"), ("n8n-webhook-1", "n8n-webhook-2")):
        supervisorctl(install, "stop", stopped)
        for n in range(3):
            save_and_find(install, token, f"only-{alive}-{n}")
        supervisorctl(install, "start", stopped)
        wait_healthy(install, stopped)
    # Neither: the bridge says n8n is down (its main process gets no webhook from the bridge).
    supervisorctl(install, "stop", "n8n-webhook-1", "n8n-webhook-2")
    down = call(install, token, {"command": "search", "project": "ops-webhook", "query": "spread"})
    assert down.status_code == 503 and down.json()["error"]["code"] == "n8n_unavailable"
    supervisorctl(install, "start", "n8n-webhook-1", "n8n-webhook-2")
    wait_healthy(install, "n8n-webhook-1", "n8n-webhook-2")

    # Back to 0: the processors are removed and the bridge calls n8n's main process again.
    env_file = install.home / "zikra.env"
    env_file.write_text(env_file.read_text().replace("ZIKRA_N8N_WEBHOOK_PROCESSORS=2", "ZIKRA_N8N_WEBHOOK_PROCESSORS=0"))
    install.zikra("up", timeout=600)
    state = install.status()
    assert not any(name.startswith("n8n-webhook") for name in state["supervisord"]["programs"])
    save_and_find(install, token, "after-processors")
