"""A throwaway native installation for the operations tests: its own ZIKRA_HOME, free ports, and
the real ``zikra`` command run as an operator runs it.

Node, n8n and the MCP Inspector are not installed again: the scratch home links to the ones
``install.sh`` put in the repository's ``var/``. Everything else (PostgreSQL cluster, n8n's state, logs, supervisord)
is the scratch home's own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import requests

from conftest import free_port
from zikra_ops import postgres

REPO = Path(__file__).resolve().parents[1]
ZIKRA = REPO / ".venv" / "bin" / "zikra"


class Installation:
    """One scratch installation, driven through the ``zikra`` command."""

    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="zikra-ops-test-"))
        self.home.chmod(0o755)  # PostgreSQL's unprivileged user must reach it
        for part in ("node", "n8n", "inspector"):
            (self.home / part).symlink_to(REPO / "var" / part)
        ports = {name: free_port() for name in ("PG", "WORKER", "N8N", "BRIDGE", "BROKER")}
        self.settings = {
            "ZIKRA_WORKER_SECRET": "ops-test-secret", "ZIKRA_N8N_ENCRYPTION_KEY": "ops-test-key",
            "ZIKRA_PG_PORT": str(ports["PG"]), "ZIKRA_WORKER_PORT": str(ports["WORKER"]),
            "ZIKRA_WORKER_URL": f"http://127.0.0.1:{ports['WORKER']}",
            "ZIKRA_N8N_PORT": str(ports["N8N"]), "ZIKRA_BRIDGE_PORT": str(ports["BRIDGE"]),
            # n8n's task-runner broker has a port of its own (5679 by default).
            "N8N_RUNNERS_BROKER_PORT": str(ports["BROKER"]),
            "ZIKRA_WORKER_PROCESSES": "1",
        }
        (self.home / "zikra.env").write_text("".join(f"{k}={v}\n" for k, v in self.settings.items()))
        self.bridge_url = f"http://127.0.0.1:{ports['BRIDGE']}"
        self.worker_url = self.settings["ZIKRA_WORKER_URL"]

    @property
    def cluster(self) -> postgres.Cluster:
        """The installation's embedded PostgreSQL."""
        return postgres.cluster(self.home, int(self.settings["ZIKRA_PG_PORT"]))

    @property
    def database_url(self) -> str:
        """The memory database as its superuser (the password exists once `zikra up` ran)."""
        return self.cluster.url("zikra")

    def env(self) -> dict[str, str]:
        """The operator's environment: no ZIKRA_* of the test run's own, this home."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("ZIKRA_")}
        return {**clean, "ZIKRA_HOME": str(self.home)}

    def zikra(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``zikra ARGS`` against this installation; fail with its output when it fails."""
        done = subprocess.run([str(ZIKRA), *args], env=self.env(), capture_output=True, text=True,
                              timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"zikra {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done

    def status(self) -> dict[str, Any]:
        """``zikra status``, parsed (whatever its exit code)."""
        return json.loads(self.zikra("status", check=False).stdout)

    def log_tail(self, name: str, chars: int = 3000) -> str:
        """The end of a service's log."""
        path = self.home / "log" / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def remove(self) -> None:
        """Stop everything and delete the home."""
        try:
            self.zikra("down", check=False, timeout=180)
        finally:
            shutil.rmtree(self.home, ignore_errors=True)


@contextmanager
def running(settings: dict[str, str] | None = None, timeout: float = 400) -> Iterator[Installation]:
    """A scratch installation with extra ``settings`` in its env file, started with ``zikra up``;
    ``zikra down`` and removed at the end."""
    inst = Installation()
    with open(inst.home / "zikra.env", "a") as out:
        out.write("".join(f"{key}={value}\n" for key, value in (settings or {}).items()))
    try:
        inst.zikra("up", timeout=timeout)
        yield inst
    finally:
        inst.remove()


def _tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        children = Path(f"/proc/{current}/task/{current}/children")
        if children.exists():
            todo += [int(child) for child in children.read_text().split()]
    return found


def _uid(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


def service_processes_as_root(inst: Installation) -> list[str]:
    """Every process of every supervised program (children included) that runs as root."""
    programs = inst.status()["supervisord"]["programs"]
    assert programs, "supervisord runs no program"
    return [f"{name} pid {pid}" for name, entry in programs.items() if entry["pid"]
            for pid in _tree(entry["pid"]) if _uid(pid) == 0]


def psql_as(user: str, inst: Installation, role: str, database: str) -> subprocess.CompletedProcess[str]:
    """``psql`` run by another local user against the installation's PostgreSQL on loopback,
    with no password (``-w``: never prompt)."""
    psql = inst.cluster.bin_dir / "psql"
    return subprocess.run(["runuser", "-u", user, "--", str(psql), "-w", "-h", "127.0.0.1",
                           "-p", str(inst.cluster.port), "-U", role, "-d", database, "-c", "SELECT count(*) FROM memories"],
                          capture_output=True, text=True, timeout=30, cwd="/",
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})


def assert_locked_down(inst: Installation) -> None:
    """What another local user (``nobody``) gets of the installation: no database connection
    without a password, no n8n owner to claim, no service running as root, secrets mode 600."""
    for role, database in (("postgres", "zikra"), ("zikra_worker", "zikra"), ("zikra_n8n", "n8n")):
        done = psql_as("nobody", inst, role, database)
        assert done.returncode != 0 and "password" in done.stderr, (role, done.stdout, done.stderr)
        assert "count" not in done.stdout
    hba = (inst.cluster.data_dir / "pg_hba.conf").read_text()
    assert "trust" not in "\n".join(line for line in hba.splitlines() if not line.startswith("#"))
    n8n_url = f"http://127.0.0.1:{inst.settings['ZIKRA_N8N_PORT']}"
    settings = requests.get(n8n_url + "/rest/settings", timeout=10).json()["data"]
    assert settings["userManagement"]["showSetupOnFirstLoad"] is False
    claim = requests.post(n8n_url + "/rest/owner/setup", timeout=10,
                          json={"email": "intruder@example.com", "firstName": "I", "lastName": "N",
                                "password": "Intruder123"})
    assert claim.status_code == 400 and "already" in claim.text.lower(), claim.text
    assert requests.get(n8n_url + "/rest/workflows", timeout=10).status_code == 401
    login = dict(line.strip().split(":", 1) for line in inst.zikra("editor").stdout.splitlines()[1:3])
    opened = requests.post(n8n_url + "/rest/login", timeout=10,
                           json={"emailOrLdapLoginId": login["email"].strip(), "password": login["password"].strip()})
    assert opened.status_code == 200, opened.text
    if os.geteuid() == 0:
        assert service_processes_as_root(inst) == []
    for secret in (inst.home / "zikra.env", inst.cluster.password_file):
        assert secret.stat().st_mode & 0o777 == 0o600, secret
    with psycopg.connect(inst.database_url, autocommit=True) as conn:
        roles = dict(conn.execute("SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'zikra%'").fetchall())
    assert roles == {"zikra_worker": False, "zikra_n8n": False}
