"""``zikra``: the operator's command. Start and stop the services, see their state, manage tokens."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

from . import backup, envfile, memory_jsonl, n8n, postgres, services, supervisor
from .paths import env_file, log_dir

WORKFLOWS = services.WORKFLOWS


def _env() -> dict[str, str]:
    if env_file().exists():
        envfile.ensure({})  # an installation made by an older version gets the newer secrets
    env = envfile.environment()
    env.setdefault("ZIKRA_DATABASE_URL", env.get("DATABASE_URL") or services.embedded_worker_url(env))
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


def cmd_restart(args: argparse.Namespace) -> None:
    """Restart services (default: all), each healthy before the next: run after an upgrade."""
    env = _env()
    known = list(services.programs(env))
    unknown = sorted(set(args.service) - set(known))
    if unknown:
        raise RuntimeError(f"unknown service {', '.join(unknown)}: choose from {', '.join(known)}")
    services.restart(env, print, args.service or None)


def cmd_status(_: argparse.Namespace) -> None:
    """Each service's state and health, as JSON; exit 1 when any is not healthy."""
    state = services.status(_env())
    print(json.dumps(state))
    if any(value not in ("healthy", "running", "external") for name, value in state.items()
           if name != "supervisord"):
        raise SystemExit(1)


def cmd_logs(args: argparse.Namespace) -> None:
    """Show the end of a service's log (default: every service's), or follow it with -f."""
    names = [args.service] if args.service else [*services.programs(_env()), "supervisord"]
    files = [str(log_dir() / f"{name}.log") for name in names if (log_dir() / f"{name}.log").exists()]
    if not files:
        raise RuntimeError(f"no log yet in {log_dir()} for {', '.join(names)}")
    # tail(1) prints a header per file when given several, and -F follows them across rotations.
    os.execvp("tail", ["tail", "-n", str(args.lines), *(["-F"] if args.follow else []), *files])


def _database_url(env: dict[str, str]) -> str:
    url = env["ZIKRA_DATABASE_URL"]
    if services.uses_embedded_db(env) and not postgres.accepting(services.cluster(env)):
        raise RuntimeError("PostgreSQL is not running: start it with `zikra up` (or `zikra db start`)")
    return url


def cmd_backup(args: argparse.Namespace) -> None:
    """Dump the memory database (pg_dump, custom format) into FILE."""
    size = backup.backup(_database_url(_env()), Path(args.file))
    print(f"backup: {args.file} ({size / 1e6:.1f} MB)")


def cmd_restore(args: argparse.Namespace) -> None:
    """Replace the memory database's content with a backup (the worker is stopped meanwhile)."""
    env = _env()
    _database_url(env)  # fails when PostgreSQL is not running
    backup.check(Path(args.file))
    was_running = (supervisor.info("worker") or {}).get("statename") == "RUNNING"
    if was_running:
        supervisor.stop("worker")  # its pooled connections and cached plans belong to the old tables
    try:
        # As the superuser: the restore recreates the pgvector extension, which the worker's role
        # may not; the worker's role then gets the restored tables.
        backup.restore(services.admin_url(env), Path(args.file))
        if services.uses_embedded_db(env):
            postgres.ensure_database(services.cluster(env), "zikra", services.WORKER_ROLE)
        print(f"restore: {args.file} restored")
    finally:
        if was_running:
            found = services.programs(env)
            supervisor.start(found["worker"], services.health_checks(env)["worker"],
                             services.START_TIMEOUT_S["worker"])
            print("worker: healthy again")


def cmd_export(args: argparse.Namespace) -> None:
    """Write memories to a JSONL file, one per line (every field; vectors with --with-embeddings)."""
    count = memory_jsonl.export_file(_database_url(_env()), Path(args.file), args.project,
                                     args.with_embeddings)
    print(f"export: {count} memories to {args.file}")


def cmd_import(args: argparse.Namespace) -> None:
    """Read memories from a JSONL file made by export (into PROJECT with --project)."""
    env = _env()
    _database_url(env)
    counts = memory_jsonl.import_file(memory_jsonl.worker_settings(env), Path(args.file), args.project)
    print(f"import: {counts['imported']} memories from {args.file} "
          f"({counts['reembedded']} embedded again with the configured model)")


def cmd_editor(_: argparse.Namespace) -> None:
    """How to log in to n8n's editor: its address and the owner login made at install."""
    env = _env()
    email, password = n8n.owner_login(env)
    print(f"n8n editor: http://127.0.0.1:{n8n.port(env)}/  (loopback only; from another machine, "
          f"ssh -L {n8n.port(env)}:127.0.0.1:{n8n.port(env)} this host)")
    print(f"  email:    {email}")
    print(f"  password: {password}")
    print(f"(kept in {env_file()}, mode 600)")


def cmd_worker_tool(args: argparse.Namespace) -> None:
    """Run ``zikra-worker`` (token, migrate, reembed) with this installation's settings."""
    done = subprocess.run([sys.executable, "-m", "zikra_worker.cli", *args.rest], env=_env())
    raise SystemExit(done.returncode)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zikra", description=__doc__)
    sub = parser.add_subparsers(required=True, dest="command")
    for name, run in (("up", cmd_up), ("down", cmd_down), ("status", cmd_status),
                      ("workflows", cmd_workflows), ("editor", cmd_editor)):
        sub.add_parser(name, help=run.__doc__).set_defaults(run=run)
    restart = sub.add_parser("restart", help=cmd_restart.__doc__)
    restart.add_argument("service", nargs="*", help=f"any of {', '.join(services.ORDER)} … (default: all)")
    restart.set_defaults(run=cmd_restart)
    logs = sub.add_parser("logs", help=cmd_logs.__doc__)
    logs.add_argument("service", nargs="?",
                      help="postgres, worker, n8n, bridge, supervisord (queue mode: redis, n8n-worker-1 …)")
    logs.add_argument("-n", "--lines", type=int, default=50, help="lines to show (default 50)")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    logs.set_defaults(run=cmd_logs)
    for name, run in (("backup", cmd_backup), ("restore", cmd_restore)):
        command = sub.add_parser(name, help=run.__doc__)
        command.add_argument("file", help="the backup file (pg_dump custom format)")
        command.set_defaults(run=run)
    export = sub.add_parser("export", help=cmd_export.__doc__)
    export.add_argument("file", help="the JSONL file to write")
    export.add_argument("--project", help="only this project's memories (default: all)")
    export.add_argument("--with-embeddings", action="store_true",
                        help="include each vector and the model that made it")
    export.set_defaults(run=cmd_export)
    imp = sub.add_parser("import", help=cmd_import.__doc__)
    imp.add_argument("file", help="a JSONL file made by zikra export")
    imp.add_argument("--project", help="put every memory into this project instead of its own")
    imp.set_defaults(run=cmd_import)
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
    except (RuntimeError, ValueError) as exc:
        raise SystemExit(f"error: {exc}")
    except psycopg.OperationalError as exc:
        raise SystemExit(f"error: cannot reach the database ({str(exc).strip().splitlines()[0]})")


if __name__ == "__main__":
    main()
