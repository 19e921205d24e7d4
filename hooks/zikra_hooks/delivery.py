"""Spool, then send: how every hook hands commands to Zikra without ever waiting on it for long."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from . import client
from .config import Config
from .spool import FlushResult, Spool

logger = logging.getLogger(__name__)


def spool_all(config: Config, bodies: Iterable[dict[str, Any]]) -> int:
    """Write each command to the spool (skipping one whose key already waits); return how many."""
    spool = Spool(config.spool_dir)
    return sum(1 for body in bodies if spool.add(body) is not None)


def flush(config: Config, deadline: float, request_timeout: float | None = None) -> FlushResult:
    """Send what the spool holds, in order, until ``deadline`` (``time.monotonic()``)."""
    timeout = request_timeout or config.timeout_s

    def send(body: dict[str, Any], remaining: float) -> dict[str, Any]:
        return client.post(config, body, timeout=min(timeout, remaining))

    started = time.monotonic()
    result = Spool(config.spool_dir).flush(send, deadline)
    if result.sent or result.rejected or result.stopped_by:
        logger.info("flush", extra={"sent": result.sent, "rejected": result.rejected, "left": result.left,
                                    "stopped_by": result.stopped_by,
                                    "elapsed_ms": round((time.monotonic() - started) * 1000)})
    return result
