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

from zikra_ops import n8n, postgres

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / "n8n-workflows"
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


WORKER_ROLE_PASSWORD = "test-worker-role-password"


@pytest.fixture(scope="session")
def pg(zikra_home: Path) -> Iterator[postgres.Cluster]:
    """A throwaway PostgreSQL + pgvector cluster with an empty ``zikra`` database, owned by the
    worker's own (non-superuser) role as in an installation; ``pg.url()`` is the superuser's."""
    cluster = postgres.cluster(zikra_home, free_port())
    postgres.init(cluster)
    postgres.start(cluster)
    postgres.ensure_role(cluster, "zikra_worker", WORKER_ROLE_PASSWORD)
    postgres.ensure_database(cluster, "zikra", "zikra_worker", extensions=("vector",))
    yield cluster
    postgres.stop(cluster, mode="immediate")


def worker_database_url(cluster: postgres.Cluster) -> str:
    """The worker's URL: its own role, which owns the ``zikra`` database and is no superuser."""
    return postgres.role_url(cluster, "zikra_worker", WORKER_ROLE_PASSWORD, "zikra")


class WorkerProcess:
    """The real worker under gunicorn on a fixed port; tests may stop and restart it."""

    def __init__(self, database_url: str, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "ZIKRA_DATABASE_URL": database_url, "ZIKRA_WORKER_SECRET": SECRET,
                    "ZIKRA_WORKER_PORT": str(self.port), "ZIKRA_WORKER_PROCESSES": "2"}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def healthy(self) -> bool:
        """Whether /health answers 200."""
        try:
            return requests.get(self.url + "/health", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def launch(self) -> subprocess.Popen[bytes]:
        """Start gunicorn without waiting for it."""
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", str(REPO / "worker" / "gunicorn.conf.py"),
                 "--chdir", str(REPO / "worker"), "zikra_worker:create_app()"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self.proc

    def start(self) -> None:
        """Start gunicorn and wait until it is healthy."""
        self.launch()

        def up() -> bool:
            assert self.proc is not None and self.proc.poll() is None, self.log_path.read_text()[-3000:]
            return self.healthy()

        wait_until(up, 60, "the worker to be healthy")

    def stop(self) -> None:
        """Stop gunicorn and wait for it to exit."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.fixture(scope="session")
def worker_process(pg: postgres.Cluster, zikra_home: Path) -> Iterator[WorkerProcess]:
    """The running worker process (two gunicorn processes), migrated at start."""
    process = WorkerProcess(worker_database_url(pg), zikra_home / "worker.log")
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def worker_url(worker_process: WorkerProcess) -> str:
    """Base URL of the running worker."""
    return worker_process.url


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
        if "data" not in kwargs:
            kwargs["json"] = body
        try:
            return self.session.post(self.url + path, headers=headers, timeout=30, **kwargs)
        except requests.ConnectionError as exc:
            # The session keeps connections open for the whole run; gunicorn closes one idle for
            # 30 s (its keepalive), and a request sent on it at that moment is never read: a race
            # of this client, which keeps connections longer than the worker does. Once more, on a
            # new connection.
            if "RemoteDisconnected" not in repr(exc):
                raise
            return self.session.post(self.url + path, headers=headers, timeout=30, **kwargs)

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


@pytest.fixture(scope="session")
def n8n_pg(zikra_home: Path) -> Iterator[postgres.Cluster]:
    """n8n's own cluster: tests that stop the memories' PostgreSQL must not take n8n down too."""
    cluster = postgres.cluster(zikra_home / "n8n-db", free_port())
    postgres.init(cluster)
    postgres.start(cluster)
    postgres.ensure_database(cluster, "n8n")
    yield cluster
    postgres.stop(cluster, mode="immediate")


@pytest.fixture(scope="session")
def n8n_url(n8n_pg: postgres.Cluster, worker_process: WorkerProcess, zikra_home: Path) -> Iterator[str]:
    """A real n8n (installed by install.sh) on its own database, with every workflow of
    n8n-workflows/ imported and published, calling the test worker."""
    install = n8n.Install.from_home(REPO / "var")
    install = n8n.Install(install.node_bin, install.n8n_bin, zikra_home / "n8n-home")
    if not install.n8n_bin.exists():
        pytest.fail("n8n is not installed: run ./install.sh first")
    port = free_port()
    # The task runner broker listens on a port of its own (5679 by default): an installed
    # Zikra's n8n may hold that one.
    base = {**os.environ, "ZIKRA_N8N_PORT": str(port), "N8N_RUNNERS_BROKER_PORT": str(free_port()),
            "ZIKRA_WORKER_URL": worker_process.url,
            "ZIKRA_WORKER_SECRET": SECRET, "ZIKRA_MAX_BODY_BYTES": str(1024 * 1024)}
    env = n8n.build_env(n8n_pg.url("n8n"), "test-encryption-key", base, install)
    n8n.import_and_publish(WORKFLOWS, env)
    proc = n8n.start(env, zikra_home / "n8n.log", install)
    try:
        try:
            n8n.wait_ready(port, 120, proc, n8n.webhook_paths(WORKFLOWS))
        except RuntimeError as exc:
            pytest.fail(f"{exc}\n{(zikra_home / 'n8n.log').read_text(errors='replace')[-3000:]}")
        yield f"http://127.0.0.1:{port}"
    finally:
        n8n.stop(proc)


class Api:
    """A client of the public webhook API, as an agent would call it."""

    def __init__(self, url: str, token: str | None = None):
        self.url = url
        self.token = token
        self.session = requests.Session()

    def call(self, command: str | None = None, token: str | None = None, path: str = "/webhook/zikra",
             **fields: Any) -> requests.Response:
        """POST a command with fields; ``token`` overrides the client's own."""
        body = dict(fields) if command is None else {"command": command, **fields}
        headers = {}
        if (token or self.token) is not None:
            headers["Authorization"] = f"Bearer {token or self.token}"
        return self.session.post(self.url + path, json=body, headers=headers, timeout=30)

    def raw(self, data: bytes | str, headers: dict[str, str], path: str = "/webhook/zikra") -> requests.Response:
        """POST raw bytes with the given headers."""
        return self.session.post(self.url + path, data=data, headers=headers, timeout=30)


@pytest.fixture(scope="session")
def tokens(worker: Worker) -> dict[str, str]:
    """One bearer token per role, plus project-limited ones: admin, writer, reader, solo (writer of
    exactly 'solo-project'), pair (writer of 'pair-a' and 'pair-b')."""
    specs = {"admin": ("admin", None), "writer": ("writer", None), "reader": ("reader", None),
             "solo": ("writer", ["solo-project"]), "pair": ("writer", ["pair-a", "pair-b"])}
    made = {}
    for name, (role, projects) in specs.items():
        response = worker.post("/tokens/create", {"owner": f"{name}-owner", "role": role, "projects": projects})
        assert response.status_code == 201, response.text
        made[name] = response.json()["token"]
    return made


@pytest.fixture(scope="session")
def api(n8n_url: str, tokens: dict[str, str]) -> Api:
    """The public API as a writer with access to every project."""
    return Api(n8n_url, tokens["writer"])


class BridgeProcess:
    """The real MCP bridge (``python -m zikra_bridge``) on a free port, in front of the test n8n."""

    def __init__(self, n8n_url: str, worker_url: str, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "ZIKRA_BRIDGE_HOST": "127.0.0.1", "ZIKRA_BRIDGE_PORT": str(self.port),
                    "ZIKRA_N8N_URL": n8n_url, "ZIKRA_WORKER_URL": worker_url}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def answers(self) -> bool:
        """Whether /health answers at all (200 or 503)."""
        try:
            return requests.get(self.url + "/health", timeout=5).status_code in (200, 503)
        except requests.RequestException:
            return False

    def start(self) -> None:
        """Start the bridge and wait until it answers."""
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "zikra_bridge"], env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT)

        def up() -> bool:
            assert self.proc is not None and self.proc.poll() is None, self.log_path.read_text()[-3000:]
            return self.answers()

        wait_until(up, 30, "the MCP bridge to answer")

    def stop(self) -> None:
        """Stop the bridge and wait for it to exit."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.fixture(scope="session")
def bridge_process(n8n_url: str, worker_process: WorkerProcess, zikra_home: Path) -> Iterator[BridgeProcess]:
    """The running MCP bridge, forwarding to the test n8n."""
    process = BridgeProcess(n8n_url, worker_process.url, zikra_home / "bridge.log")
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def bridge_url(bridge_process: BridgeProcess) -> str:
    """The public base URL served by the bridge (``/mcp``, ``/sse``, ``/webhook/zikra``, ``/health``)."""
    return bridge_process.url
