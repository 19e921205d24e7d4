"""The spool: every command a hook sends is first written here, then sent in order.

One JSON file per command in ``<ZIKRA_HOOKS_HOME>/spool/``, named so that sorting by name is
sorting by time of writing, and written atomically (a temporary file, fsync, rename), so a hook
killed at any moment leaves either the whole item or nothing. ``flush`` sends the items oldest
first and deletes each one after the server accepted it. Every item carries an idempotency key, so
an item sent but not yet deleted (the answer was lost, the hook was killed) is taken once when it
is sent again. A transient failure stops the flush and keeps the order; an item the server refuses
for good moves to ``spool/rejected/`` so it does not block the ones behind it.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Rejected, Unavailable

logger = logging.getLogger(__name__)

Send = Callable[[dict[str, Any], float], dict[str, Any]]
_counter = itertools.count()


@dataclass
class FlushResult:
    """What one flush did."""

    sent: int = 0
    rejected: int = 0
    left: int = 0
    stopped_by: str | None = None
    answers: list[dict[str, Any]] = field(default_factory=list)


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class Spool:
    """A folder of pending commands."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.rejected_folder = folder / "rejected"

    def items(self) -> list[Path]:
        """Pending items, oldest first."""
        try:
            return sorted(p for p in self.folder.glob("*.json") if not p.name.startswith("."))
        except OSError:
            return []

    def pending(self) -> int:
        """How many items wait to be sent (cheap: one directory listing)."""
        try:
            return sum(1 for name in os.listdir(self.folder) if name.endswith(".json") and not name.startswith("."))
        except OSError:
            return 0

    def add(self, body: dict[str, Any]) -> Path | None:
        """Write one command atomically; None when an item with the same idempotency key already
        waits (the server would take it once anyway).

        Raises:
            ValueError: the body has no ``idempotency_key``: without one it could be taken twice.
        """
        key = body.get("idempotency_key")
        if not isinstance(key, str) or not key:
            raise ValueError("a spooled command needs an idempotency_key")
        digest = _key_digest(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        if any(self.folder.glob(f"*-{digest}.json")):
            return None
        name = f"{time.time_ns():020d}-{os.getpid():07d}-{next(_counter):04d}-{digest}.json"
        path = self.folder / name
        tmp = self.folder / f".{name}.tmp"
        data = json.dumps({"body": body, "spooled_at": time.time()}).encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return path

    @contextmanager
    def _lock(self) -> Iterator[bool]:
        """One flush at a time: True when this process holds the lock, False when another does."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def flush(self, send: Send, deadline: float) -> FlushResult:
        """Send pending items in order until done, a transient failure, or ``deadline``
        (``time.monotonic()``); ``send(body, timeout)`` returns the answer or raises."""
        result = FlushResult()
        with self._lock() as held:
            if not held:
                result.stopped_by = "another flush is running"
            else:
                self._send_in_order(send, deadline, result)
        result.left = self.pending()
        return result

    def _send_in_order(self, send: Send, deadline: float, result: FlushResult) -> None:
        for path in self.items():
            remaining = deadline - time.monotonic()
            if remaining < 0.05:
                result.stopped_by = "time budget spent"
                return
            body = self._read(path)
            if body is None:
                continue
            try:
                result.answers.append(send(body, remaining))
            except Rejected as exc:
                self._set_aside(path, exc)
                result.rejected += 1
                continue
            except Unavailable as exc:
                result.stopped_by = str(exc)
                logger.info("spool kept", extra={"reason": str(exc), "pending": self.pending()})
                return
            path.unlink(missing_ok=True)
            result.sent += 1

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            body = json.loads(path.read_bytes())["body"]
            if isinstance(body, dict):
                return body
        except (OSError, ValueError, KeyError, TypeError):
            pass
        logger.warning("unreadable spool item set aside", extra={"item": path.name})
        self._set_aside(path, None)
        return None

    def _set_aside(self, path: Path, exc: Rejected | None) -> None:
        self.rejected_folder.mkdir(parents=True, exist_ok=True)
        os.replace(path, self.rejected_folder / path.name)
        if exc is not None:
            logger.warning("spool item rejected", extra={"item": path.name, "status": exc.status,
                                                         "reason": str(exc)})
