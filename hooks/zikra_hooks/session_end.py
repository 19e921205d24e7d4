"""SessionEnd: log the run and save the session's decisions (spooled first, then sent)."""

from __future__ import annotations

import logging
from typing import Any

from . import commands, decisions, delivery, sessions
from .config import Config
from .project import for_directory
from .transcript import read_session

logger = logging.getLogger(__name__)


def build(payload: dict[str, Any], config: Config) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The commands a session's end sends (its decisions, then ``log_run``; none when the part of
    the session not yet logged is empty), and the state to save once they are spooled."""
    session_id = str(payload.get("session_id") or "")
    path = payload.get("transcript_path")
    if not session_id or not path:
        logger.info("no session to log", extra={"has_session": bool(session_id), "has_transcript": bool(path)})
        return [], {}
    saved = sessions.SessionState(config.sessions_dir, session_id)
    t = read_session(path, payload.get("cwd"), after=saved.get("logged_through"))
    if t.empty:
        return [], {}
    project = for_directory(payload.get("cwd") or t.cwd)
    found = decisions.from_turns(t.turns)
    bodies = [commands.save_decision(d, session_id, project, t.last_at) for d in found]
    bodies.append(commands.log_run(t, session_id, project, payload.get("reason"), found))
    logger.info("session logged", extra={"project": project, "decisions": len(found), "files": len(t.files),
                                         "asks": len(t.asks), "status": bodies[-1]["status"]})
    return bodies, {"logged_through": t.last_uuid, "project": project}


def run(payload: dict[str, Any], config: Config, deadline: float) -> None:
    """Spool what the session left, mark it logged, then send the spool until ``deadline``.
    (Spooled before marked: a hook killed in between logs the part again, under the same keys.)"""
    bodies, state = build(payload, config)
    delivery.spool_all(config, bodies)
    if state:
        sessions.SessionState(config.sessions_dir, str(payload["session_id"])).save(**state)
    sessions.prune(config.sessions_dir)
    delivery.flush(config, deadline)
