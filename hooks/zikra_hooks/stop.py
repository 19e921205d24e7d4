"""Stop (after every response): cheap, de-duplicated capture, no network.

It reads only the transcript's tail, takes the last turn (the person's ask and the replies after
it, plus ``last_assistant_message``, which the transcript may not hold yet), and spools the
decisions found there under the same idempotency keys SessionEnd would use, so a session that
never ends cleanly still keeps its decisions, and one that does saves each once. A turn already
captured (same replies) costs one small file read. The spool is sent by the next SessionEnd,
PreCompact, statusline refresh or ``zikra-hooks flush``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from . import commands, decisions, delivery, sessions
from .config import Config
from .project import for_directory
from .transcript import Turn, read_entries, summarize

logger = logging.getLogger(__name__)

TAIL_BYTES = 256 * 1024


def last_turn(payload: dict[str, Any]) -> tuple[list[Turn], Any]:
    """The last ask and the replies after it (from the transcript's tail and the payload), and when."""
    turns: list[Turn] = []
    last_at = None
    path = payload.get("transcript_path")
    if path:
        try:
            t = summarize(read_entries(path, max_tail_bytes=TAIL_BYTES), payload.get("cwd"))
            starts = [i for i, turn in enumerate(t.turns) if turn.role == "user"]
            turns = t.turns[starts[-1]:] if starts else t.turns
            last_at = t.last_at
        except OSError:
            pass
    message = str(payload.get("last_assistant_message") or "").strip()
    if message and message not in (turn.text for turn in turns):
        turns.append(Turn("assistant", message, None, None))
    return turns, last_at


def build(payload: dict[str, Any], config: Config) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The decision saves of the last turn, and the state to save once they are spooled; nothing
    when that turn was captured already."""
    session_id = str(payload.get("session_id") or "")
    if not session_id:
        return [], {}
    turns, last_at = last_turn(payload)
    replies = [turn.text for turn in turns if turn.role == "assistant"]
    if not replies:
        return [], {}
    fingerprint = hashlib.sha256("\n".join(replies).encode()).hexdigest()[:16]
    if sessions.SessionState(config.sessions_dir, session_id).get("last_reply") == fingerprint:
        return [], {}
    project = for_directory(payload.get("cwd"))
    found = decisions.from_turns(turns)
    if found:
        logger.info("decisions captured", extra={"project": project, "decisions": len(found)})
    state = {"last_reply": fingerprint, "stopped_at": time.time(), "project": project,
             "transcript_path": payload.get("transcript_path"), "cwd": payload.get("cwd")}
    return [commands.save_decision(d, session_id, project, last_at) for d in found], state


def run(payload: dict[str, Any], config: Config, deadline: float) -> None:
    """Spool the last turn's decisions, then remember the turn as captured; send nothing."""
    bodies, state = build(payload, config)
    delivery.spool_all(config, bodies)
    if state:
        sessions.SessionState(config.sessions_dir, str(payload["session_id"])).save(**state)
