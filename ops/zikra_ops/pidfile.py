"""Pid files of the services started in the background."""

from __future__ import annotations

import os
from pathlib import Path


def live_pid(path: Path) -> int | None:
    """The pid written in ``path`` when that process is alive, else None."""
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
