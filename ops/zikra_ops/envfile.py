"""The installation's settings file (var/zikra.env): generated once, read by every command."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .paths import env_file


def read(path: Path | None = None) -> dict[str, str]:
    """KEY=VALUE lines of the env file (comments and blanks skipped); {} when it is missing."""
    path = path or env_file()
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def ensure(defaults: dict[str, str], path: Path | None = None) -> dict[str, str]:
    """Create the env file with fresh secrets if missing; add any default or secret it lacks (an
    installation made by an older version gets the newer secrets). Mode 600."""
    path = path or env_file()
    values = read(path)
    generated = {"ZIKRA_WORKER_SECRET": secrets.token_urlsafe(32),
                 "ZIKRA_N8N_ENCRYPTION_KEY": secrets.token_urlsafe(32),
                 # The database roles of the worker and of n8n (the superuser's password is kept
                 # beside the cluster, for the operator's commands only).
                 "ZIKRA_PG_WORKER_PASSWORD": secrets.token_urlsafe(32),
                 "ZIKRA_N8N_DB_PASSWORD": secrets.token_urlsafe(32),
                 # n8n's owner login: n8n wants a digit and a capital letter, 8 to 64 characters.
                 "ZIKRA_N8N_OWNER_PASSWORD": "Zk9-" + secrets.token_urlsafe(24)}
    missing = {k: v for k, v in {**generated, **defaults}.items() if k not in values}
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as out:
            if not values:
                out.write("# Zikra settings for this installation; secrets inside: keep private.\n")
            for key, value in missing.items():
                out.write(f"{key}={value}\n")
        os.chmod(path, 0o600)
        values.update(missing)
    return values


def environment(path: Path | None = None) -> dict[str, str]:
    """os.environ with the env file's values underneath (the real environment wins)."""
    return {**read(path), **os.environ}
