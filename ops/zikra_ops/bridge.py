"""Running the MCP bridge (the public base URL, default 127.0.0.1:7723) in the background, with a pid
file and a log file. It calls n8n, so it starts after n8n and stops before it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


from . import n8n, service_user, worker
from .paths import log_dir, run_dir
from .pidfile import answers_ok, live_pid, terminate
from .supervisor import Program

DEFAULT_PORT = 7723


def port(env: dict[str, str]) -> int:
    """The bridge's port: ZIKRA_BRIDGE_PORT, default 7723."""
    return int(env.get("ZIKRA_BRIDGE_PORT") or DEFAULT_PORT)


def url(env: dict[str, str]) -> str:
    """The public base URL as a local client reaches it."""
    host = env.get("ZIKRA_BRIDGE_HOST") or "127.0.0.1"
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{host}:{port(env)}"


def bridge_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` plus where n8n and the worker are, unless set already."""
    return {"ZIKRA_N8N_URL": f"http://127.0.0.1:{n8n.port(env)}",
            "ZIKRA_WORKER_URL": f"http://127.0.0.1:{worker.port(env)}", **env}


def program(env: dict[str, str]) -> Program:
    """The bridge (``python -m zikra_bridge``) as a supervised program."""
    user = service_user.user()
    python = service_user.python() if user else sys.executable
    return Program("bridge", [python, "-m", "zikra_bridge"], priority=40,
                   env={**bridge_env(env), **(service_user.library_path() if user else {})},
                   user=user, stopwaitsecs=15, startsecs=2)


def pid_file() -> Path:
    """The bridge's pid file."""
    return run_dir() / "bridge.pid"


def running_pid() -> int | None:
    """The pid of the running bridge, or None."""
    return live_pid(pid_file())


def healthy(env: dict[str, str], timeout: float = 3.0) -> bool:
    """Whether the bridge answers /health with 200 (n8n and the worker healthy behind it)."""
    return answers_ok(url(env) + "/health", timeout)


def _launch(env: dict[str, str], log: Path) -> int:
    """Start ``python -m zikra_bridge`` detached (its own session, no parent waiting); its pid."""
    # The shell backgrounds it and exits at once: the bridge is nobody's child, like gunicorn --daemon.
    script = '"$0" -m zikra_bridge >>"$1" 2>&1 </dev/null & echo $!'
    done = subprocess.run(["sh", "-c", script, sys.executable, str(log)], env=bridge_env(env),
                          capture_output=True, text=True, check=True, start_new_session=True, timeout=10)
    return int(done.stdout.strip())


def start(env: dict[str, str], wait_s: float = 30) -> None:
    """Start the bridge in the background (no-op when running) and wait for a healthy answer.

    Raises:
        RuntimeError: it exited or did not become healthy; the message points at the log.
    """
    log = log_dir() / "bridge.log"
    if running_pid() is None:
        pid_file().write_text(f"{_launch(env, log)}\n")
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if running_pid() is None:
            pid_file().unlink(missing_ok=True)
            raise RuntimeError(f"the MCP bridge exited at start; see {log}")
        if healthy(env):
            return
        time.sleep(0.25)
    raise RuntimeError(f"the MCP bridge is not healthy after {wait_s:.0f}s; see {log} and {url(env)}/health")


def stop(wait_s: float = 15) -> None:
    """Stop the bridge gracefully (no-op when stopped)."""
    terminate(pid_file(), wait_s)
