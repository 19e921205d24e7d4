"""The unprivileged system user every native service runs as when ``zikra`` runs as root.

PostgreSQL refuses root outright; the worker, n8n, its task runner, the bridge and Redis
need no privilege either, so none of them gets it: supervisord (root) switches each program
to this user (``ZIKRA_USER``, default ``zikra``). The user must be able to reach what it
runs. The project's own files usually are (the repository is world-readable), but a Python
installed under a private folder (pyenv in /root, say) is not: the services then run on a
private copy of that interpreter under /var/lib/zikra, with the project venv's packages.

Run as an ordinary user, ``zikra`` runs the services as that user and none of this applies.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path

NAME = os.environ.get("ZIKRA_USER") or os.environ.get("ZIKRA_PG_USER") or "zikra"
SHARED_DIR = Path("/var/lib/zikra")


def as_root() -> bool:
    """Whether this process is root (and so must hand the services to :data:`NAME`)."""
    return os.geteuid() == 0


def ensure() -> None:
    """Create the system user (root only; no home, no login shell)."""
    if not as_root():
        return
    try:
        pwd.getpwnam(NAME)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", NAME],
                       check=True)


def user() -> str | None:
    """The user supervisord runs the services as, or None to keep supervisord's own."""
    return NAME if as_root() else None


def can_run(*argv: str) -> bool:
    """Whether the service user can run this command successfully (always True when not root)."""
    if not as_root():
        return True
    done = subprocess.run(["runuser", "-u", NAME, "--", *argv], capture_output=True, timeout=60)
    return done.returncode == 0


def can_reach(path: Path) -> bool:
    """Whether the service user can enter (or execute) ``path``."""
    return can_run("test", "-x", str(path))


def check_can_read(path: Path) -> None:
    """Raises: RuntimeError when the service user cannot read ``path`` (the project's code)."""
    if not can_run("test", "-r", str(path)):
        raise RuntimeError(f"the service user {NAME} cannot read {path}: the services run as {NAME}, "
                           f"so the project must sit where other users can read it (not under a private "
                           f"folder such as /root; /opt or /srv are fine), or run zikra as an ordinary user")


def chown(path: Path, recursive: bool = False) -> None:
    """Give ``path`` (and with ``recursive``, everything under it) to the service user (root only)."""
    if not as_root():
        return
    entry = pwd.getpwnam(NAME)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    if recursive and path.is_dir():
        for root, dirs, files in os.walk(path):
            for name in [*dirs, *files]:
                os.lchown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


def own_dir(path: Path, mode: int = 0o700) -> Path:
    """Create ``path`` if needed, owned by the service user with ``mode``; return it."""
    path.mkdir(parents=True, exist_ok=True)
    chown(path)
    os.chmod(path, mode)
    return path


@lru_cache(maxsize=1)
def python() -> str:
    """An interpreter of the project's venv that the service user can run.

    The venv's own when the user can run it; otherwise a venv under /var/lib/zikra on a
    private copy of the base interpreter (without its site-packages), whose site-packages
    is the project venv's, refreshed when the base interpreter changes.
    """
    if not as_root() or can_run(sys.executable, "-c", "import zikra_ops"):
        return sys.executable
    return str(_private_venv() / "bin" / "python")


def _private_venv() -> Path:
    base = Path(sys.base_prefix)
    digest = hashlib.sha256(f"{base}:{sys.prefix}".encode()).hexdigest()[:12]
    root = SHARED_DIR / f"python-{digest}"
    stamp = root / ".source"
    source = f"{base}:{Path(sys.executable).resolve().stat().st_mtime_ns}"
    if stamp.exists() and stamp.read_text() == source:
        return root / "venv"
    SHARED_DIR.mkdir(parents=True, exist_ok=True)
    os.chmod(SHARED_DIR, 0o755)
    shutil.rmtree(root, ignore_errors=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    # The base installation's site-packages (pip, whatever else was installed there) and its test
    # suite are not needed: the venv has its own packages.
    shutil.copytree(base, root / "base", symlinks=True,
                    ignore=shutil.ignore_patterns("site-packages", "test", "tests", "idle_test"))
    venv = root / "venv"
    lib = venv / "lib" / version
    lib.mkdir(parents=True)
    # The project venv's packages (its editable installs point into the repository).
    (lib / "site-packages").symlink_to(Path(sysconfig.get_paths()["purelib"]))
    (venv / "bin").mkdir()
    (venv / "bin" / "python").symlink_to(root / "base" / "bin" / version)
    (venv / "pyvenv.cfg").write_text(f"home = {root / 'base' / 'bin'}\ninclude-system-site-packages = false\n"
                                     f"version = {sys.version_info.major}.{sys.version_info.minor}."
                                     f"{sys.version_info.micro}\n")
    stamp.write_text(source)
    for path in (root, root / "base", venv):
        os.chmod(path, 0o755)
    return venv


def library_path() -> dict[str, str]:
    """LD_LIBRARY_PATH for the private interpreter: a pyenv build finds libpython through an
    absolute RUNPATH into the private folder, which the service user cannot enter."""
    runner = python()
    if runner == sys.executable:
        return {}
    return {"LD_LIBRARY_PATH": str(Path(runner).parents[2] / "base" / "lib")}
