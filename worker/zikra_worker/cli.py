"""``zikra-worker``: migrations, re-embedding and token management from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import psycopg

from . import embedding_space, migrations, tokens
from .config import load_settings
from .db import connect
from .embeddings import OpenAIEmbedder, build_embedder
from .serialize import jsonable


def _migrate(settings: dict[str, Any], _: argparse.Namespace) -> None:
    with connect(settings["DATABASE_URL"]) as conn:
        applied = migrations.migrate(conn, Path(settings["MIGRATIONS_DIR"]))
    print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))


def _reembed(settings: dict[str, Any], args: argparse.Namespace) -> None:
    embedder = build_embedder(settings)
    if isinstance(embedder, OpenAIEmbedder) and not embedder.dim:
        embedder.probe_dim()
    with connect(settings["DATABASE_URL"]) as conn:
        migrations.migrate(conn, Path(settings["MIGRATIONS_DIR"]))
        count = embedding_space.reembed(
            conn, embedder, batch=args.batch,
            progress=lambda done, total: print(f"\r{done}/{total}", end="", file=sys.stderr))
    print(f"\nre-embedded {count} memories with {embedder.model} ({embedder.dim} dimensions)")


def _token_create(settings: dict[str, Any], args: argparse.Namespace) -> None:
    projects = [p for p in (args.projects or "").split(",") if p] or None
    with connect(settings["DATABASE_URL"]) as conn:
        migrations.migrate(conn, Path(settings["MIGRATIONS_DIR"]))
        created = tokens.create_token(conn, args.owner, args.role, projects)
        conn.commit()
    print(json.dumps(created, indent=2))


def _token_list(settings: dict[str, Any], _: argparse.Namespace) -> None:
    with connect(settings["DATABASE_URL"]) as conn:
        rows = conn.execute(tokens.LIST).fetchall()
    print(json.dumps([jsonable(r) for r in rows], indent=2))


def _token_revoke(settings: dict[str, Any], args: argparse.Namespace) -> None:
    with connect(settings["DATABASE_URL"]) as conn:
        row = tokens.revoke_token(conn, args.id)
        conn.commit()
    if row is None:
        raise SystemExit(f"error: no token with id {args.id}")
    print(json.dumps(row))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zikra-worker", description=__doc__)
    sub = parser.add_subparsers(required=True, dest="command")
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(run=_migrate)
    reembed = sub.add_parser("reembed", help="re-embed every memory with the configured model")
    reembed.add_argument("--batch", type=int, default=64)
    reembed.set_defaults(run=_reembed)
    token = sub.add_parser("token", help="create, list or revoke bearer tokens")
    token_sub = token.add_subparsers(required=True, dest="token_command")
    create = token_sub.add_parser("create", help="create a token (shown once)")
    create.add_argument("--owner", required=True)
    create.add_argument("--role", required=True, choices=["admin", "writer", "reader"])
    create.add_argument("--projects", help="comma-separated projects it may touch (default: all)")
    create.set_defaults(run=_token_create)
    token_sub.add_parser("list", help="list tokens").set_defaults(run=_token_list)
    revoke = token_sub.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id")
    revoke.set_defaults(run=_token_revoke)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``zikra-worker``."""
    args = _parser().parse_args(argv)
    try:
        args.run(load_settings(), args)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"error: cannot reach the database ({exc.__class__.__name__}); is it running?")


if __name__ == "__main__":
    main()
