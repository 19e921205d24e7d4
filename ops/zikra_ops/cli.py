"""``zikra``: the operator's command. Start and stop the services, see their state, manage tokens."""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from . import bridge, envfile, n8n, postgres, worker
from .paths import REPO_ROOT, run_dir

WORKFLOWS = REPO_ROOT / "n8n-workflows"


def _env() -> dict[str, str]:
    env = envfile.environment()
    env.setdefault("ZIKRA_DATABASE_URL", env.get("DATABASE_URL") or postgres.cluster().url())
    return env


def _uses_embedded_db(env: dict[str, str]) -> bool:
    return env["ZIKRA_DATABASE_URL"] == postgres.cluster().url()


def cmd_db_start(_: argparse.Namespace) -> None:
    """Create (first time) and start the embedded PostgreSQL, with the zikra database."""
    cluster = postgres.cluster()
    if postgres.init(cluster):
        print(f"created a PostgreSQL cluster in {cluster.data_dir}")
    postgres.start(cluster)
    for database in ("zikra", "n8n"):
        postgres.ensure_database(cluster, database)
    print(f"postgres: running on 127.0.0.1:{cluster.port}")


def cmd_db_stop(_: argparse.Namespace) -> None:
    """Stop the embedded PostgreSQL."""
    postgres.stop(postgres.cluster())
    print("postgres: stopped")


def cmd_up(args: argparse.Namespace) -> None:
    """Start every service that is not running."""
    env = _env()
    if _uses_embedded_db(env):
        cmd_db_start(args)
    worker.start(env)
    print(f"worker: healthy on 127.0.0.1:{worker.port(env)}")
    if _workflows_changed():
        _import_workflows()
    n8n.cmd_start(argparse.Namespace(timeout=120, dir=str(WORKFLOWS)))
    bridge.start(env)
    print(f"bridge: healthy on {bridge.url(env)} (MCP at /mcp, API at /webhook/zikra)")


def _workflows_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(WORKFLOWS.glob("*.json")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _workflows_stamp() -> Path:
    return run_dir() / "workflows.sha256"


def _workflows_changed() -> bool:
    stamp = _workflows_stamp()
    return not stamp.exists() or stamp.read_text() != _workflows_digest()


def _import_workflows() -> None:
    # Import deactivates and publish takes effect at the next start: stop, import, publish.
    n8n.cmd_stop(argparse.Namespace())
    n8n.cmd_import(argparse.Namespace(dir=str(WORKFLOWS)))
    _workflows_stamp().write_text(_workflows_digest())


def cmd_workflows(_: argparse.Namespace) -> None:
    """Import and publish every workflow of n8n-workflows/ again, then start n8n."""
    _import_workflows()
    n8n.cmd_start(argparse.Namespace(timeout=120, dir=str(WORKFLOWS)))


def cmd_down(args: argparse.Namespace) -> None:
    """Stop every service."""
    bridge.stop()
    print("bridge: stopped")
    n8n.cmd_stop(argparse.Namespace())
    worker.stop()
    print("worker: stopped")
    if _uses_embedded_db(_env()):
        cmd_db_stop(args)


def cmd_status(_: argparse.Namespace) -> None:
    """Each service's state; exit 1 when any is down."""
    env = _env()
    state = {
        "postgres": "running" if postgres.is_running(postgres.cluster()) else "stopped",
        "worker": "healthy" if worker.healthy(env) else
                  ("unhealthy" if worker.running_pid() else "stopped"),
        "n8n": "healthy" if n8n.running_pid() and n8n.webhook_registered(n8n.port(env), "zikra") else
               ("unhealthy" if n8n.running_pid() else "stopped"),
        "bridge": "healthy" if bridge.healthy(env) else ("unhealthy" if bridge.running_pid() else "stopped"),
    }
    if not _uses_embedded_db(env):
        state["postgres"] = "external"
    print(json.dumps(state))
    if "stopped" in state.values() or "unhealthy" in state.values():
        raise SystemExit(1)


def cmd_worker_tool(args: argparse.Namespace) -> None:
    """Run ``zikra-worker`` (token, migrate, reembed) with this installation's settings."""
    done = subprocess.run([sys.executable, "-m", "zikra_worker.cli", *args.rest], env=_env())
    raise SystemExit(done.returncode)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zikra", description=__doc__)
    sub = parser.add_subparsers(required=True, dest="command")
    for name, run in (("up", cmd_up), ("down", cmd_down), ("status", cmd_status),
                      ("workflows", cmd_workflows)):
        sub.add_parser(name, help=run.__doc__).set_defaults(run=run)
    db = sub.add_parser("db", help="the embedded PostgreSQL").add_subparsers(required=True, dest="db")
    db.add_parser("start", help=cmd_db_start.__doc__).set_defaults(run=cmd_db_start)
    db.add_parser("stop", help=cmd_db_stop.__doc__).set_defaults(run=cmd_db_stop)
    for name in ("token", "migrate", "reembed"):
        tool = sub.add_parser(name, help=f"zikra-worker {name} …", add_help=False)
        tool.add_argument("rest", nargs=argparse.REMAINDER)
        tool.set_defaults(run=cmd_worker_tool, tool=name)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``zikra``."""
    args = _parser().parse_args(argv)
    if getattr(args, "tool", None):
        args.rest = [args.tool, *args.rest]
    try:
        args.run(args)
    except RuntimeError as exc:
        raise SystemExit(f"error: {exc}")


if __name__ == "__main__":
    main()
