"""``zikra-hooks``: the hooks Claude Code runs, and the commands a person runs.

Hooks (``session-end``, ``pre-compact``, ``stop``) read the event's JSON on stdin, print nothing,
log to ``<ZIKRA_HOOKS_HOME>/hooks.log`` and always exit 0. ``statusline`` prints one line.
``flush``, ``install``, ``uninstall`` and ``print-mcp-config`` are for people: they print what they
did and exit 1 on failure.
"""

from __future__ import annotations

import json
import logging
import os
import select
import sys
import time
from collections.abc import Callable
from typing import Any

from . import config as settings
from . import jsonlog

logger = logging.getLogger(__name__)

STDIN_TIMEOUT_S = 1.0
STDIN_LIMIT = 64 * 1024 * 1024
HOOKS = ("session-end", "pre-compact", "stop")
USAGE = """usage: zikra-hooks COMMAND

hooks (Claude Code runs these; they read the event on stdin and always exit 0):
  session-end       log the run and save the session's decisions
  pre-compact       save a digest of what the compaction folds away
  stop              capture the last turn's decisions (no network)
  statusline        print one status line from the local cache

for people:
  flush             send what the spool holds now
  install           add the hooks and the statusline to Claude Code's settings
  uninstall         remove exactly what install added
  print-mcp-config  print the MCP configuration to paste
run `zikra-hooks COMMAND --help` for a command's options.
"""


def read_payload(timeout: float = STDIN_TIMEOUT_S) -> dict[str, Any]:
    """The hook's JSON on stdin; empty when there is none within ``timeout`` or it is not an object."""
    try:
        if sys.stdin is None or sys.stdin.isatty():
            return {}
        fd = sys.stdin.fileno()
    except (OSError, ValueError):
        return {}
    chunks, size, deadline = [], 0, time.monotonic() + timeout
    while size < STDIN_LIMIT:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            break
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    try:
        payload = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


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


def run_statusline() -> int:
    """Print the one line; on any error, print a minimal line rather than nothing."""
    try:
        config = settings.load()
        from .statusline import line

        text = line(read_payload(0.5), config)
    except Exception:
        text = "zikra"
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
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


def main(argv: list[str] | None = None) -> int:
    """Dispatch: hooks and the statusline take a fast path with no argument parsing."""
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else ""
    if command in HOOKS:
        return run_hook(command)
    if command == "statusline":
        return run_statusline()
    if command == "statusline-refresh":
        return run_refresh(argv[1:])
    if command in ("flush", "install", "uninstall", "print-mcp-config"):
        from .admin import run

        return run(argv)
    sys.stderr.write(USAGE)
    return 0 if command in ("-h", "--help", "help") else 2
