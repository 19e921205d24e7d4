"""Loopback only by default: the worker, n8n, the bridge and PostgreSQL bind 127.0.0.1 unless told
otherwise, and the running test stack listens nowhere else."""

from __future__ import annotations

import runpy

import psutil
import pytest
from conftest import REPO
from zikra_bridge import config as bridge_config

from zikra_ops import n8n, postgres

LOOPBACK = {"127.0.0.1", "::1"}


def _listening_addresses(port: int) -> set[str]:
    return {c.laddr.ip for c in psutil.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port}


def test_gunicorn_binds_the_worker_to_loopback_when_no_host_is_set(monkeypatch):
    monkeypatch.delenv("ZIKRA_WORKER_HOST", raising=False)
    monkeypatch.delenv("ZIKRA_WORKER_PORT", raising=False)
    settings = runpy.run_path(str(REPO / "worker" / "gunicorn.conf.py"))
    assert settings["bind"] == "127.0.0.1:7724"


def test_n8n_listens_on_loopback_whatever_the_inherited_environment_says(tmp_path):
    install = n8n.Install(tmp_path / "node", tmp_path / "n8n", tmp_path / "home")
    env = n8n.build_env("postgresql://postgres@127.0.0.1:5432/n8n", "k",
                        {"PATH": "/usr/bin", "N8N_LISTEN_ADDRESS": "0.0.0.0", "N8N_HOST": "0.0.0.0"}, install)
    assert env["N8N_LISTEN_ADDRESS"] == "127.0.0.1" and env["N8N_HOST"] == "127.0.0.1"
    assert env["N8N_WEBHOOK_URL"].startswith("http://127.0.0.1:")


def test_the_bridge_and_postgresql_default_to_loopback():
    assert bridge_config.load({})["BRIDGE_HOST"] == "127.0.0.1"
    assert postgres.TUNING["listen_addresses"] == "'127.0.0.1'"


@pytest.mark.parametrize("service", ["worker", "n8n", "bridge", "postgresql"])
def test_the_running_stack_listens_on_loopback_only(service, worker_process, n8n_url, bridge_process, pg):
    port = {"worker": worker_process.port, "n8n": int(n8n_url.rsplit(":", 1)[1]),
            "bridge": bridge_process.port, "postgresql": pg.port}[service]
    addresses = _listening_addresses(port)
    assert addresses, f"nothing listens on the {service}'s port {port}"
    assert addresses <= LOOPBACK, f"{service} listens on {addresses}"
