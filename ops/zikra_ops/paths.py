"""Where Zikra keeps its runtime files (data, logs, pid files) on this machine."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def zikra_home() -> Path:
    """ZIKRA_HOME, by default the project's own ``var/`` folder (git-ignored)."""
    return Path(os.environ.get("ZIKRA_HOME") or REPO_ROOT / "var").resolve()


def log_dir() -> Path:
    """One folder for every service's log."""
    path = zikra_home() / "log"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_dir() -> Path:
    """Pid files."""
    path = zikra_home() / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def env_file() -> Path:
    """The generated settings of this installation (secrets included), mode 600."""
    return zikra_home() / "zikra.env"
