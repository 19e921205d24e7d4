"""Running the worker under gunicorn, in the background, with a pid file and a log file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


from . import service_user
from .pidfile import answers_ok, live_pid, terminate
from .paths import REPO_ROOT, log_dir, run_dir
from .supervisor import Program

DEFAULT_PORT = 7724


def port(env: dict[str, str]) -> int:
    """The worker's port."""
    return int(env.get("ZIKRA_WORKER_PORT", DEFAULT_PORT))


def argv(python: str | None = None) -> list[str]:
    """gunicorn serving the worker app, in the foreground (on ``python``, default this interpreter)."""
    return [python or sys.executable, "-m", "gunicorn", "--config", str(REPO_ROOT / "worker" / "gunicorn.conf.py"),
            "--chdir", str(REPO_ROOT / "worker"), "zikra_worker:create_app()"]


def program(env: dict[str, str]) -> Program:
    """The worker as a supervised program (gunicorn stops its workers gracefully on TERM).

    When its master is killed outright, its workers get SIGTERM from the kernel
    (``post_fork`` in gunicorn.conf.py) and free the port for the restarted master.
    """
    user = service_user.user()
    python = service_user.python() if user else None
    return Program("worker", argv(python), priority=20, env={**env, **(service_user.library_path() if user else {})},
                   user=user, directory=str(REPO_ROOT / "worker"), stopwaitsecs=20, startsecs=2)


def pid_file() -> Path:
    """gunicorn's pid file."""
    return run_dir() / "worker.pid"


def running_pid() -> int | None:
    """The pid of the running process, or None."""
    return live_pid(pid_file())


def healthy(env: dict[str, str], timeout: float = 2.0) -> bool:
    """Whether the worker answers /health with 200."""
    return answers_ok(f"http://127.0.0.1:{port(env)}/health", timeout)


def start(env: dict[str, str], wait_s: float = 60) -> None:
    """Start gunicorn in the background (no-op when running) and wait for a healthy answer.

    Raises:
        RuntimeError: it did not become healthy; the message points at the log.
    """
    proc = None
    if running_pid() is None:
        # Not gunicorn's --daemon: a daemon's stderr is /dev/null, and our JSON logs go to
        # stderr. Its own session keeps it alive after this command exits.
        with open(log_dir() / "worker.log", "ab") as log:
            proc = subprocess.Popen(
                argv(), env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        pid_file().write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the worker exited at start; see {log_dir() / 'worker.log'}")
        if healthy(env):
            return
        time.sleep(0.25)
    raise RuntimeError(f"the worker is not healthy after {wait_s:.0f}s; see {log_dir() / 'worker.log'}")


def stop(wait_s: float = 20) -> None:
    """Stop gunicorn gracefully (no-op when stopped)."""
    terminate(pid_file(), wait_s)
