"""SessionStart (startup, resume, clear, compact): inject the project's brief.

The brief is the API's ``brief`` command for the session's project (its policy lives in n8n's
API workflow), within ``ZIKRA_BRIEF_MAX_TOKENS``; its text goes into the model's context as it
is, and its items count as injected in this session, so prompt recall does not repeat them.
An empty brief (a project with no memories) adds nothing.
"""

from __future__ import annotations

from typing import Any

from . import fastpost, recall
from .config import Config
from .project import for_directory

EVENT = "SessionStart"


def build(payload: dict[str, Any], config: Config, deadline: float) -> tuple[str, list[dict[str, Any]]] | None:
    """The brief's text for this session and the memories it holds, or None (off, nothing to say)."""
    if not config.recall_session_start:
        return None
    project = for_directory(payload.get("cwd") or None)
    answer = fastpost.post(config, {"command": "brief", "project": project,
                                    "max_tokens": config.brief_max_tokens}, deadline)
    text = answer.get("text")
    items = answer.get("items")
    if not isinstance(text, str) or not text.strip():
        return None
    memories = [{"id": i["id"], "title": str(i.get("title") or ""), "type": str(i.get("type") or "")}
                for i in (items if isinstance(items, list) else [])
                if isinstance(i, dict) and isinstance(i.get("id"), str) and i.get("type") != "run"]
    return text, memories


def main(event: str = EVENT) -> int:
    """``zikra-hooks session-start [--client gemini|codex]``: ``event`` names the agent's event."""
    return recall.run("session-start", event, build, lambda config: config.brief_timeout_s)
