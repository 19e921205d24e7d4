"""Redis for n8n's queue mode (Debian's ``redis-server``; ``scripts/install-redis.sh`` installs it).

It only carries n8n's job queue: no persistence (a restart loses queued jobs, which n8n's
main process then reports failed to the waiting webhook caller), loopback only.
"""

from __future__ import annotations

import shutil
import socket

from . import service_user
from .paths import zikra_home
from .supervisor import Program

DEFAULT_PORT = 6380  # not 6379: a system Redis may hold that one
SERVER = "redis-server"


def port(env: dict[str, str]) -> int:
    """Redis's port: ZIKRA_REDIS_PORT, default 6380."""
    return int(env.get("ZIKRA_REDIS_PORT") or DEFAULT_PORT)


def program(env: dict[str, str]) -> Program:
    """redis-server in the foreground as a supervised program.

    Raises:
        RuntimeError: redis-server is not installed.
    """
    server = shutil.which(SERVER, path=env.get("PATH") or "/usr/bin:/bin") or shutil.which(SERVER)
    if server is None:
        raise RuntimeError("redis-server is missing (ZIKRA_N8N_WORKERS > 0 needs it): run scripts/install-redis.sh")
    folder = zikra_home() / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    return Program("redis", [server, "--bind", "127.0.0.1", "--port", str(port(env)), "--save", "",
                             "--appendonly", "no", "--daemonize", "no", "--dir", str(folder),
                             "--logfile", ""],
                   priority=15, user=service_user.user(), stopwaitsecs=10, startsecs=1)


def healthy(env: dict[str, str], timeout: float = 2.0) -> bool:
    """Whether Redis answers PING with PONG."""
    try:
        with socket.create_connection(("127.0.0.1", port(env)), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False
