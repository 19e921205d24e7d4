"""Pid files of the services started in the background: reading, health, stopping."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import requests


def live_pid(path: Path) -> int | None:
    """The pid written in ``path`` when that process is alive, else None."""
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None


def terminate(path: Path, wait_s: float) -> None:
    """Stop the process of a pid file: SIGTERM, wait up to ``wait_s``, then SIGKILL; drop the file."""
    pid = live_pid(path)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and live_pid(path) is not None:
            time.sleep(0.1)
        if live_pid(path) is not None:
            os.kill(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)


def answers_ok(url: str, timeout: float) -> bool:
    """Whether a GET of ``url`` answers 200."""
    try:
        return requests.get(url, timeout=timeout).status_code == 200
    except requests.RequestException:
        return False
