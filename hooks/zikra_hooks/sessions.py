"""What the hooks remember about a session between two events, one small JSON file per session in
``<ZIKRA_HOOKS_HOME>/sessions/``: the hash of the last reply Stop captured (so a repeat costs
nothing), and the transcript line up to which SessionEnd logged the run (so a resumed session
that ends again logs only what came after)."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

KEEP_DAYS = 30


class SessionState:
    """The saved state of one session; ``save`` writes it atomically."""

    def __init__(self, folder: Path, session_id: str):
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", session_id or "unknown")[:120]
        self.path = folder / f"{safe}.json"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}

    def get(self, key: str) -> Any:
        """One saved value, or None."""
        return self.data.get(key)

    def save(self, **values: Any) -> None:
        """Merge ``values`` in and write the file (a temporary file renamed over it)."""
        self.data.update(values, updated_at=time.time())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.data), encoding="utf-8")
        os.replace(tmp, self.path)


def prune(folder: Path, keep_days: int = KEEP_DAYS) -> int:
    """Forget sessions untouched for ``keep_days``; return how many."""
    cutoff, removed = time.time() - keep_days * 86400, 0
    try:
        paths = list(folder.glob("*.json"))
    except OSError:
        return 0
    for path in paths:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
