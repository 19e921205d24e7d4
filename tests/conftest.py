"""Shared fixtures: a throwaway embedded PostgreSQL and a real worker under gunicorn, started once
per test session, plus helpers to call the worker over HTTP."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from psycopg.rows import dict_row

from zikra_ops import postgres

REPO = Path(__file__).resolve().parents[1]
SECRET = "test-worker-secret"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Any, timeout: float, what: str) -> None:
    """Poll ``check()`` until it is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="session")
def zikra_home() -> Iterator[Path]:
    """A scratch ZIKRA_HOME the unprivileged PostgreSQL user can reach."""
    home = Path(tempfile.mkdtemp(prefix="zikra-test-"))
    home.chmod(0o755)
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def pg(zikra_home: Path) -> Iterator[postgres.Cluster]:
    """A throwaway PostgreSQL + pgvector cluster with an empty ``zikra`` database."""
    cluster = postgres.cluster(zikra_home, free_port())
    postgres.init(cluster)
    postgres.start(cluster)
    postgres.ensure_database(cluster, "zikra")
    yield cluster
    postgres.stop(cluster, mode="immediate")


@pytest.fixture(scope="session")
def worker_url(pg: postgres.Cluster, zikra_home: Path) -> Iterator[str]:
    """The real worker under gunicorn (two processes), migrated at start."""
    port = free_port()
    env = {**os.environ, "ZIKRA_DATABASE_URL": pg.url(), "ZIKRA_WORKER_SECRET": SECRET,
           "ZIKRA_WORKER_PORT": str(port), "ZIKRA_WORKER_PROCESSES": "2"}
    log = open(zikra_home / "worker.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(REPO / "worker" / "gunicorn.conf.py"),
         "--chdir", str(REPO / "worker"), "zikra_worker:create_app()"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert proc.poll() is None, (zikra_home / "worker.log").read_text()[-3000:]
        try:
            return requests.get(url + "/health", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    wait_until(healthy, 60, "the worker to be healthy")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


class Worker:
    """Calls the worker over HTTP with the shared secret."""

    def __init__(self, url: str):
        self.url = url
        self.session = requests.Session()

    def post(self, path: str, body: Any = None, *, secret: str | None = SECRET,
             **kwargs: Any) -> requests.Response:
        """POST JSON (or raw ``data=``) to the worker."""
        headers = {"X-Zikra-Worker-Secret": secret} if secret is not None else {}
        headers.update(kwargs.pop("headers", {}))
        if "data" in kwargs:
            return self.session.post(self.url + path, headers=headers, timeout=30, **kwargs)
        return self.session.post(self.url + path, json=body, headers=headers, timeout=30, **kwargs)

    def save(self, project: str, title: str, content: str, **fields: Any) -> dict[str, Any]:
        """Save a memory and return the response body (asserting success)."""
        response = self.post("/save_memory", {"project": project, "title": title,
                                              "content_md": content, **fields})
        assert response.status_code in (200, 201), response.text
        return response.json()

    def search(self, project: str | list[str], query: str, **fields: Any) -> dict[str, Any]:
        """Search and return the response body (asserting success)."""
        projects = [project] if isinstance(project, str) else project
        response = self.post("/search", {"query": query, "projects": projects, **fields})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def worker(worker_url: str) -> Worker:
    """An HTTP client of the running worker."""
    return Worker(worker_url)


@pytest.fixture
def project() -> str:
    """A fresh project name, so tests never see each other's memories."""
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def db(pg: postgres.Cluster, worker_url: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A direct connection to the worker's (migrated) database, autocommit."""
    with psycopg.connect(pg.url(), row_factory=dict_row, autocommit=True) as conn:
        yield conn


def assert_error(response: requests.Response, status: int, code: str | None = None,
                 field: str | None = None) -> dict[str, Any]:
    """Assert SPEC §6's error shape; return the error object."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert "Traceback" not in response.text
    if code:
        assert error["code"] == code
    if field:
        assert error.get("field") == field and field in error["message"]
    return error
