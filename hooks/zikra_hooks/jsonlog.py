"""Hook logs: one JSON object per line in ``<ZIKRA_HOOKS_HOME>/hooks.log``, never on stdout.

A hook's stdout belongs to Claude Code, so nothing here prints. The file is rotated to
``hooks.log.1`` past 1 MiB. No record carries the token: callers log names and counts, and
``SECRET_FIELDS`` are dropped should one slip in.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

LOG_FILE = "hooks.log"
MAX_BYTES = 1024 * 1024
SECRET_FIELDS = frozenset({"token", "authorization", "headers"})
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


class JsonLinesHandler(logging.Handler):
    """Appends each record as one JSON line; a write that fails is dropped, never raised."""

    def __init__(self, path: Path, hook: str):
        super().__init__()
        self.path = path
        self.hook = hook

    def emit(self, record: logging.LogRecord) -> None:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(), "hook": self.hook, "pid": os.getpid(),
            "logger": record.name, "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key.lower() not in SECRET_FIELDS:
                entry[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        try:
            self._rotate()
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, default=str) + "\n")
        except OSError:
            pass

    def _rotate(self) -> None:
        try:
            if self.path.stat().st_size > MAX_BYTES:
                os.replace(self.path, self.path.with_name(LOG_FILE + ".1"))
        except OSError:
            pass


def setup(home: Path, hook: str, level: int = logging.INFO) -> None:
    """Send the package's log records to the JSON lines file under ``home``."""
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    root = logging.getLogger("zikra_hooks")
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(JsonLinesHandler(home / LOG_FILE, hook))
    root.setLevel(level)
    root.propagate = False
