"""A throwaway native installation for the operations tests: its own ZIKRA_HOME, free ports, and
the real ``zikra`` command run as an operator runs it.

Node, n8n and the MCP Inspector are not installed again: the scratch home links to the ones
``install.sh`` put in the repository's ``var/``. Everything else (PostgreSQL cluster, n8n's state, logs, supervisord)
is the scratch home's own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conftest import free_port

REPO = Path(__file__).resolve().parents[1]
ZIKRA = REPO / ".venv" / "bin" / "zikra"


class Installation:
    """One scratch installation, driven through the ``zikra`` command."""

    def __init__(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="zikra-ops-test-"))
        self.home.chmod(0o755)  # PostgreSQL's unprivileged user must reach it
        for part in ("node", "n8n", "inspector"):
            (self.home / part).symlink_to(REPO / "var" / part)
        ports = {name: free_port() for name in ("PG", "WORKER", "N8N", "BRIDGE", "BROKER")}
        self.settings = {
            "ZIKRA_WORKER_SECRET": "ops-test-secret", "ZIKRA_N8N_ENCRYPTION_KEY": "ops-test-key",
            "ZIKRA_PG_PORT": str(ports["PG"]), "ZIKRA_WORKER_PORT": str(ports["WORKER"]),
            "ZIKRA_WORKER_URL": f"http://127.0.0.1:{ports['WORKER']}",
            "ZIKRA_N8N_PORT": str(ports["N8N"]), "ZIKRA_BRIDGE_PORT": str(ports["BRIDGE"]),
            # n8n's task-runner broker has a port of its own (5679 by default).
            "N8N_RUNNERS_BROKER_PORT": str(ports["BROKER"]),
            "ZIKRA_WORKER_PROCESSES": "1",
        }
        (self.home / "zikra.env").write_text("".join(f"{k}={v}\n" for k, v in self.settings.items()))
        self.bridge_url = f"http://127.0.0.1:{ports['BRIDGE']}"
        self.worker_url = self.settings["ZIKRA_WORKER_URL"]
        self.database_url = f"postgresql://postgres@127.0.0.1:{ports['PG']}/zikra"

    def env(self) -> dict[str, str]:
        """The operator's environment: no ZIKRA_* of the test run's own, this home."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("ZIKRA_")}
        return {**clean, "ZIKRA_HOME": str(self.home)}

    def zikra(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``zikra ARGS`` against this installation; fail with its output when it fails."""
        done = subprocess.run([str(ZIKRA), *args], env=self.env(), capture_output=True, text=True,
                              timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"zikra {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done

    def status(self) -> dict[str, Any]:
        """``zikra status``, parsed (whatever its exit code)."""
        return json.loads(self.zikra("status", check=False).stdout)

    def log_tail(self, name: str, chars: int = 3000) -> str:
        """The end of a service's log."""
        path = self.home / "log" / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def remove(self) -> None:
        """Stop everything and delete the home."""
        try:
            self.zikra("down", check=False, timeout=180)
        finally:
            shutil.rmtree(self.home, ignore_errors=True)


@contextmanager
def running(settings: dict[str, str] | None = None, timeout: float = 400) -> Iterator[Installation]:
    """A scratch installation with extra ``settings`` in its env file, started with ``zikra up``;
    ``zikra down`` and removed at the end."""
    inst = Installation()
    with open(inst.home / "zikra.env", "a") as out:
        out.write("".join(f"{key}={value}\n" for key, value in (settings or {}).items()))
    try:
        inst.zikra("up", timeout=timeout)
        yield inst
    finally:
        inst.remove()
