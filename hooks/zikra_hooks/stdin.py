"""A hook's stdin: the event's JSON object, read without ever waiting long."""

from __future__ import annotations

import json
import os
import select
import sys
import time
from typing import Any

STDIN_TIMEOUT_S = 1.0
STDIN_LIMIT = 64 * 1024 * 1024


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
