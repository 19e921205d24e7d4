"""Running a hook as Claude Code expects: nothing on stdout, no exception out, exit status 0,
a JSON log line about what happened; and the statusline's detached refresh."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from . import config as settings
from . import jsonlog
from .stdin import read_payload

logger = logging.getLogger(__name__)


def _hook_runner(name: str) -> Callable[[dict[str, Any], settings.Config, float], None]:
    if name == "session-end":
        from .session_end import run
    elif name == "pre-compact":
        from .pre_compact import run
    else:
        from .stop import run
    return run


def run_hook(name: str) -> int:
    """Run one hook: never a byte on stdout, never an exception out, always exit status 0."""
    started = time.monotonic()
    quiet = open(os.devnull, "w")
    sys.stdout = quiet  # Claude Code reads a hook's stdout; nothing of ours belongs there
    try:
        config = settings.load()
        jsonlog.setup(config.home, name)
        payload = read_payload()
        _hook_runner(name)(payload, config, started + config.budget_s)
        logger.info("done", extra={"session": str(payload.get("session_id") or "")[:36],
                                   "elapsed_ms": round((time.monotonic() - started) * 1000)})
    except Exception:  # a hook must never break the agent: log it and exit 0
        logger.exception("hook failed")
    finally:
        sys.stdout = sys.__stdout__
        quiet.close()
    return 0


def run_refresh(argv: list[str]) -> int:
    """``statusline-refresh PROJECT``: the statusline's detached background refresh."""
    try:
        config = settings.load()
        jsonlog.setup(config.home, "statusline-refresh")
        from .refresh import refresh

        refresh(config, argv[0] if argv else "default")
    except Exception:
        logger.exception("refresh failed")
    return 0
