"""The statusline's background refresh: send the spool if it holds anything, then ask ``stats``
for the project and write the cache the statusline reads. Runs detached, at most one per project."""

from __future__ import annotations

import logging
import time

from . import client, delivery
from .config import Config
from .errors import Rejected, Unavailable
from .spool import Spool
from .statusline import read_cache, release_claim, write_cache

logger = logging.getLogger(__name__)


def _why(exc: Exception) -> str:
    """A word for the statusline: offline, unauthorized (no or a wrong token) or refused."""
    if isinstance(exc, Rejected):
        return "refused"
    return "unauthorized" if str(exc).startswith("401") else "offline"


def refresh(config: Config, project: str) -> None:
    """Refresh one project's cache within the hooks' time budget; never raises for a server error."""
    deadline = time.monotonic() + config.budget_s
    try:
        if Spool(config.spool_dir).pending():
            delivery.flush(config, deadline)
        answer = client.post(config, {"command": "stats", "project": project},
                             timeout=max(0.1, deadline - time.monotonic()))
        rows = [r for r in answer.get("projects") or [] if isinstance(r, dict) and r.get("project") == project]
        row = rows[0] if rows else {}
        write_cache(config, project, {"count": int(row.get("count") or 0), "last_saved_at": row.get("last_saved_at"),
                                      "checked_at": time.time()})
    except (Unavailable, Rejected) as exc:
        kept = {k: v for k, v in read_cache(config, project).items() if k in ("count", "last_saved_at")}
        write_cache(config, project, {**kept, "error": _why(exc), "checked_at": time.time()})
        logger.info("statusline refresh failed", extra={"project": project, "reason": str(exc)})
    finally:
        release_claim(config, project)
