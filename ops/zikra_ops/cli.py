"""``zikra``: the operator's command. Start and stop the services, see their state, manage tokens."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from . import envfile, postgres, services

WORKFLOWS = services.WORKFLOWS


def _env() -> dict[str, str]:
    env = envfile.environment()
    port = int(env.get("ZIKRA_PG_PORT") or postgres.DEFAULT_PORT)
    env.setdefault("ZIKRA_DATABASE_URL", env.get("DATABASE_URL") or postgres.cluster(port=port).url())
    return env


def cmd_db_start(_: argparse.Namespace) -> None:
    """Create (first time) and start the embedded PostgreSQL, with the zikra database."""
    env = _env()
    if not services.uses_embedded_db(env):
        raise RuntimeError("ZIKRA_DATABASE_URL points at another PostgreSQL: nothing to start here")
    cluster = services.db_start(env)
    print(f"postgres: running on 127.0.0.1:{cluster.port}")


def cmd_db_stop(_: argparse.Namespace) -> None:
    """Stop the embedded PostgreSQL."""
    services.db_stop(_env())
    print("postgres: stopped")


def cmd_up(_: argparse.Namespace) -> None:
    """Start every service that is not running, under supervisord, each healthy before the next."""
    services.up(_env(), print)


def cmd_workflows(_: argparse.Namespace) -> None:
    """Import and publish every workflow of n8n-workflows/ again, then start n8n."""
    services.up(_env(), print, reimport=True)


def cmd_down(_: argparse.Namespace) -> None:
    """Stop every service, then supervisord."""
    services.down(_env(), print)


def cmd_status(_: argparse.Namespace) -> None:
    """Each service's state and health, as JSON; exit 1 when any is not healthy."""
    state = services.status(_env())
    print(json.dumps(state))
    if any(state[name] not in ("healthy", "running", "external") for name in services.ORDER):
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
