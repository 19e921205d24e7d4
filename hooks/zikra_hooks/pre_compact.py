"""PreCompact: save a digest of what the compaction is about to fold away, as a ``project`` memory."""

from __future__ import annotations

import logging
from typing import Any

from . import commands, decisions, delivery
from .config import Config
from .project import for_directory
from .transcript import read_entries, since_compaction, summarize

logger = logging.getLogger(__name__)


def build(payload: dict[str, Any], config: Config) -> list[dict[str, Any]]:
    """The digest of the turns since the last compaction (none when there are none)."""
    session_id = str(payload.get("session_id") or "")
    path = payload.get("transcript_path")
    if not session_id or not path:
        return []
    t = summarize(since_compaction(read_entries(path)), payload.get("cwd"))
    if t.empty:
        return []
    project = for_directory(payload.get("cwd") or t.cwd)
    found = decisions.from_turns(t.turns)
    body = commands.save_digest(t, session_id, project, payload.get("trigger"),
                                payload.get("custom_instructions"), found)
    logger.info("digest built", extra={"project": project, "asks": len(t.asks), "files": len(t.files),
                                       "chars": len(body["content_md"])})
    return [body]


def run(payload: dict[str, Any], config: Config, deadline: float) -> None:
    """Spool the digest, then send the spool until ``deadline``."""
    delivery.spool_all(config, build(payload, config))
    delivery.flush(config, deadline)
