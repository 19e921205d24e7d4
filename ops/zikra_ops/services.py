"""The native services under supervisord, in start order: PostgreSQL (when embedded), Redis and
``n8n worker`` processes (queue mode, when ZIKRA_N8N_WORKERS > 0), the worker, n8n (its
workflows imported first when they changed), ``n8n webhook`` processors (queue mode, when
ZIKRA_N8N_WEBHOOK_PROCESSORS > 0) and the MCP bridge.

``up`` waits for each one's health before starting the next; ``down`` stops them in reverse
order, then supervisord; ``status`` reports each one's state and health.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from . import bridge, n8n, postgres, redis, service_user, supervisor, worker
from .paths import REPO_ROOT, env_file, run_dir, zikra_home
from .supervisor import Program

WORKFLOWS = REPO_ROOT / "n8n-workflows"
# The four services every installation reports (zikra status), in start order.
ORDER = ("postgres", "worker", "n8n", "bridge")
START_TIMEOUT_S = {"postgres": 60, "redis": 30, "worker": 90, "n8n": 150, "bridge": 30}
N8N_WORKER_TIMEOUT_S = 120
N8N_WEBHOOK_TIMEOUT_S = 150

# What a service may see of the operator's environment: our settings and the system basics,
# not the rest of the shell that ran `zikra up` (a changed shell would restart services).
_KEEP_PREFIXES = ("ZIKRA_", "N8N_", "DB_", "EXECUTIONS_", "QUEUE_", "OPENAI_", "LC_")
_KEEP_NAMES = {"PATH", "HOME", "LANG", "TZ", "TMPDIR", "DATABASE_URL", "SSL_CERT_FILE",
               "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
               "NODE_OPTIONS", "NODE_EXTRA_CA_CERTS", "GENERIC_TIMEZONE"}


# Settings only the operator's commands use: no service gets them.
_OPERATOR_ONLY = {"ZIKRA_N8N_OWNER_PASSWORD", "ZIKRA_N8N_OWNER_EMAIL"}
# The database roles of the embedded cluster: each owns its database and nothing else.
WORKER_ROLE = "zikra_worker"


def service_home() -> Path:
    """HOME of the services when they run as the service user (whose own home does not exist)."""
    return zikra_home() / "home"


def service_env(env: dict[str, str]) -> dict[str, str]:
    """The part of ``env`` the services run with, ZIKRA_HOME included."""
    kept = {k: v for k, v in env.items()
            if (k in _KEEP_NAMES or k.startswith(_KEEP_PREFIXES)) and k not in _OPERATOR_ONLY}
    home = {"HOME": str(service_home())} if service_user.user() else {}
    return {**kept, **home, "ZIKRA_HOME": str(zikra_home())}


def cluster(env: dict[str, str]) -> postgres.Cluster:
    """The embedded cluster of this installation (port ZIKRA_PG_PORT)."""
    return postgres.cluster(port=int(env.get("ZIKRA_PG_PORT") or postgres.DEFAULT_PORT))


def embedded_worker_url(env: dict[str, str]) -> str:
    """The worker's URL on the embedded cluster: its own role, its password from the env file."""
    return postgres.role_url(cluster(env), WORKER_ROLE, env.get("ZIKRA_PG_WORKER_PASSWORD", ""), "zikra")


def uses_embedded_db(env: dict[str, str]) -> bool:
    """Whether the memories live in the embedded cluster (ZIKRA_DATABASE_URL on its loopback port)."""
    url = urlsplit(env["ZIKRA_DATABASE_URL"])
    return url.hostname in ("127.0.0.1", "localhost") and (url.port or 5432) == cluster(env).port


def admin_url(env: dict[str, str], database: str = "zikra") -> str:
    """A URL for the operator's commands (backup, restore): the embedded cluster's superuser,
    or the configured ZIKRA_DATABASE_URL for another PostgreSQL."""
    return cluster(env).url(database) if uses_embedded_db(env) else env["ZIKRA_DATABASE_URL"]


def programs(env: dict[str, str]) -> dict[str, Program]:
    """Every supervised program of this installation, by name, in start order."""
    senv = service_env(env)
    found = [postgres.program(cluster(env))] if uses_embedded_db(env) else []
    found += [redis.program(senv)] if n8n.queue_workers(env) else []
    found += [worker.program(senv), n8n.program(senv), *n8n.worker_programs(senv), *n8n.webhook_programs(senv)]
    # With webhook processors, the bridge spreads the webhook's requests over them (an
    # operator's own ZIKRA_N8N_WEBHOOK_URLS wins).
    processors = {"ZIKRA_N8N_WEBHOOK_URLS": ",".join(urls)} if (urls := n8n.webhook_urls(senv)) else {}
    found += [bridge.program({**processors, **senv})]
    return {p.name: p for p in found}


def health_checks(env: dict[str, str]) -> dict[str, Callable[[], bool]]:
    """One check per service: True when it answers as it should."""
    paths = n8n.webhook_paths(WORKFLOWS)
    checks = {"postgres": lambda: postgres.accepting(cluster(env)),
              "redis": lambda: redis.healthy(env),
              "worker": lambda: worker.healthy(env),
              "n8n": lambda: n8n.ready(n8n.port(env), paths),
              "bridge": lambda: bridge.healthy(env)}
    for number in range(1, n8n.queue_workers(env) + 1):
        checks[f"n8n-worker-{number}"] = lambda number=number: n8n.worker_healthy(env, number)
    for number in range(1, n8n.webhook_processors(env) + 1):
        checks[f"n8n-webhook-{number}"] = lambda number=number: n8n.webhook_processor_ready(env, number, paths)
    return checks


def _workflows_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(WORKFLOWS.glob("*.json")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _workflows_stamp() -> Path:
    return run_dir() / "workflows.sha256"


def workflows_changed() -> bool:
    """Whether n8n-workflows/ changed since the last import into this installation's n8n."""
    stamp = _workflows_stamp()
    return not stamp.exists() or stamp.read_text() != _workflows_digest()


def import_workflows(env: dict[str, str], say: Callable[[str], None]) -> None:
    """Stop n8n (and its webhook processors), import and publish every workflow, record their digest
    (n8n starts them next)."""
    # The processors serve the published workflows from the same database: stopped meanwhile,
    # they never answer from a half-imported state, and `up` starts them again after n8n.
    for number in range(1, n8n.webhook_processors(env) + 1):
        supervisor.stop(f"n8n-webhook-{number}")
    supervisor.stop("n8n")
    program = programs(env)["n8n"]
    assert program.env is not None
    ids = n8n.import_and_publish(WORKFLOWS, program.env, user=service_user.user())
    _workflows_stamp().write_text(_workflows_digest())
    say(f"n8n: imported and published {len(ids)} workflow(s)")


def stop_unsupervised(env: dict[str, str]) -> None:
    """Stop services started before supervisord ran them (pid files, pg_ctl)."""
    bridge.stop()
    pid = n8n.running_pid()
    if pid is not None:
        n8n.stop_pid(pid)
    n8n.pid_file().unlink(missing_ok=True)
    worker.stop()
    state = supervisor.info("postgres") if supervisor.is_running() else None
    if uses_embedded_db(env) and (state is None or state["statename"] != "RUNNING"):
        postgres.stop(cluster(env))


def start_database(env: dict[str, str], found: dict[str, Program]) -> None:
    """Create the cluster the first time, start it under supervisord, and give the worker and n8n
    a role and a database each (an installation made before passwords and roles gets them here)."""
    c = cluster(env)
    postgres.init(c)
    supervisor.start(found["postgres"], lambda: postgres.accepting(c), START_TIMEOUT_S["postgres"])
    postgres.secure(c)
    for role, key in ((WORKER_ROLE, "ZIKRA_PG_WORKER_PASSWORD"), (n8n.DB_ROLE, "ZIKRA_N8N_DB_PASSWORD")):
        if not env.get(key):
            raise RuntimeError(f"{key} is not set: run ./install.sh (it generates {env_file()})")
        postgres.ensure_role(c, role, env[key])
    # pgvector is no trusted extension: the superuser creates it, the worker's migrations find it.
    postgres.ensure_database(c, "zikra", WORKER_ROLE, extensions=("vector",))
    postgres.ensure_database(c, "n8n", n8n.DB_ROLE)


def prepare_files(env: dict[str, str]) -> None:
    """Give the service user the folders the services write (root only): HOME, n8n's user
    folder (all of it: an installation whose n8n ran as root has root's files there), Redis's."""
    if not service_user.user():
        return
    service_user.check_can_read(REPO_ROOT / "worker" / "zikra_worker" / "__init__.py")
    service_user.own_dir(service_home())
    folder = n8n.Install.from_home().user_folder
    service_user.own_dir(folder)
    service_user.chown(folder, recursive=True)
    service_user.own_dir(zikra_home() / "redis")


def up(env: dict[str, str], say: Callable[[str], None], reimport: bool = False) -> None:
    """Start every service that is not running, in order, each healthy before the next.

    The workflows are imported (n8n stopped first) when they changed, or with ``reimport``.

    Raises:
        RuntimeError: a service did not become healthy; the message points at its log.
        ValueError: webhook processors are asked for without queue mode.
    """
    n8n.check_queue_settings(env)
    found = programs(env)
    n8n.Install.from_home().check()
    stop_unsupervised(env)
    prepare_files(env)
    supervisor.ensure(list(found.values()))
    checks = health_checks(env)
    if "postgres" in found:
        start_database(env, found)
        say(f"postgres: running on 127.0.0.1:{cluster(env).port}")
    if "redis" in found:
        supervisor.start(found["redis"], checks["redis"], START_TIMEOUT_S["redis"])
        say(f"redis: running on 127.0.0.1:{redis.port(env)} (n8n queue mode)")
    supervisor.start(found["worker"], checks["worker"], START_TIMEOUT_S["worker"])
    say(f"worker: healthy on 127.0.0.1:{worker.port(env)}")
    if reimport or workflows_changed():
        import_workflows(env, say)
    supervisor.start(found["n8n"], checks["n8n"], START_TIMEOUT_S["n8n"])
    if n8n.ensure_owner(env):
        say("n8n: owner account created (`zikra editor` prints its login)")
    say(f"n8n: ready on 127.0.0.1:{n8n.port(env)}")
    for name in (n for n in found if n.startswith("n8n-worker-")):
        supervisor.start(found[name], checks[name], N8N_WORKER_TIMEOUT_S)
        say(f"{name}: healthy")
    for number in range(1, n8n.webhook_processors(env) + 1):
        name = f"n8n-webhook-{number}"
        supervisor.start(found[name], checks[name], N8N_WEBHOOK_TIMEOUT_S)
        say(f"{name}: ready on 127.0.0.1:{n8n.webhook_processor_port(env, number)}")
    supervisor.start(found["bridge"], checks["bridge"], START_TIMEOUT_S["bridge"])
    say(f"bridge: healthy on {bridge.url(env)} (MCP at /mcp, API at /webhook/zikra)")


def down(env: dict[str, str], say: Callable[[str], None]) -> None:
    """Stop every service (the bridge first, PostgreSQL last), then supervisord."""
    if supervisor.is_running():
        for name in reversed(list(programs(env))):
            supervisor.stop(name)
            say(f"{name}: stopped")
        supervisor.shutdown()
    stop_unsupervised(env)


def restart(env: dict[str, str], say: Callable[[str], None], names: list[str] | None = None) -> None:
    """Stop the named services (default: all, the bridge first), then ``up``: after an upgrade,
    new code runs only once its service restarts."""
    if supervisor.is_running():
        for name in reversed(list(programs(env))):
            if names is None or name in names:
                supervisor.stop(name)
                say(f"{name}: stopped")
    up(env, say)


def status(env: dict[str, str]) -> dict[str, Any]:
    """Each service's state: healthy (postgres: running), starting, unhealthy, stopped or external;
    under ``supervisord``, what supervisord says of each program (state, pid, uptime, log)."""
    infos = supervisor.all_info()
    checks = health_checks(env)
    state: dict[str, Any] = {}
    for name in [*ORDER, *(n for n in programs(env) if n not in ORDER)]:
        entry = infos.get(name, {})
        if name == "postgres" and not uses_embedded_db(env):
            state[name] = "external" if _database_answers(env) else "unreachable"
        elif checks[name]():
            state[name] = "running" if name == "postgres" else "healthy"
        elif entry.get("statename") in ("STARTING", "BACKOFF"):
            state[name] = "starting"
        elif entry.get("statename") == "RUNNING":
            state[name] = "unhealthy"
        else:
            state[name] = "stopped"
    state["supervisord"] = {
        "running": bool(infos),
        "programs": {name: {"state": e["statename"], "pid": e["pid"] or None,
                            "uptime_s": max(0, e["now"] - e["start"]) if e["pid"] else 0,
                            "log": e["stdout_logfile"]} for name, e in infos.items()},
    }
    return state


def _database_answers(env: dict[str, str]) -> bool:
    import psycopg

    try:
        with psycopg.connect(env["ZIKRA_DATABASE_URL"], connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def db_start(env: dict[str, str]) -> postgres.Cluster:
    """Start only the embedded PostgreSQL under supervisord (for migrate, token, backup …)."""
    found = programs(env)
    if not supervisor.is_running():
        supervisor.ensure(list(found.values()))
    elif supervisor.info("postgres") is None:
        supervisor.ensure(list(found.values()))
    c = cluster(env)
    if postgres.is_running(c) and (supervisor.info("postgres") or {}).get("statename") != "RUNNING":
        return c  # started by pg_ctl before supervisord ran it: leave it be
    start_database(env, found)
    return c


def db_stop(env: dict[str, str]) -> None:
    """Stop the embedded PostgreSQL, under supervisord or not."""
    supervisor.stop("postgres")
    postgres.stop(cluster(env))
