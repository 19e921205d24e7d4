"""The agents the hooks are installed into, and what each one expects, as read in their code.

Claude Code, Gemini CLI and Codex all take a hook as a shell command that gets the event's JSON
on stdin (``session_id``, ``cwd``, and ``prompt`` for a prompt) and adds context when it prints

    {"hookSpecificOutput": {"hookEventName": "<event>", "additionalContext": "<text>"}}

so one recall hook serves the three; what differs is named here. Checked against the pinned
versions (docs/claude-code.md, "Gemini CLI and Codex"):

- **Gemini CLI** (0.61): the prompt event is ``BeforeAgent``; hooks live in ``~/.gemini/settings.json``
  beside the user's other settings; a hook's ``timeout`` is in milliseconds. It has no
  statusline.
- **Codex** (0.171): the events and their output are Claude Code's (``SessionStart``,
  ``UserPromptSubmit``; its hook output schemas allow nothing else); hooks live in
  ``~/.codex/hooks.json``, whose root may hold only ``hooks`` (and ``description``); timeouts in
  seconds. It has no statusline command.

Imported by the recall hooks, so a NamedTuple rather than a dataclass (``dataclasses`` would
import ``inspect``, milliseconds on every prompt).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple


class Client(NamedTuple):
    """One agent: its hook events (theirs → our subcommand), where its settings are, its units."""

    name: str
    events: dict[str, str]
    settings: str
    timeout_scale: int = 1
    statusline: bool = False

    def event_of(self, subcommand: str) -> str:
        """The agent's name of the event that runs ``subcommand``."""
        return next(event for event, sub in self.events.items() if sub == subcommand)

    def settings_path(self, home: Path | None = None) -> Path:
        """The user-scope file the hooks are merged into."""
        return (home or Path(os.environ.get("HOME") or Path.home())) / self.settings


CLAUDE = Client("claude", {"SessionEnd": "session-end", "PreCompact": "pre-compact", "Stop": "stop",
                           "SessionStart": "session-start", "UserPromptSubmit": "prompt-recall"},
                ".claude/settings.json", statusline=True)
# Only the recall hooks: the capture hooks read Claude Code's transcript format.
GEMINI = Client("gemini", {"SessionStart": "session-start", "BeforeAgent": "prompt-recall"},
                ".gemini/settings.json", timeout_scale=1000)
CODEX = Client("codex", {"SessionStart": "session-start", "UserPromptSubmit": "prompt-recall"},
               ".codex/hooks.json")
CLIENTS = {client.name: client for client in (CLAUDE, GEMINI, CODEX)}


def named(name: str) -> Client:
    """The client called ``name``.

    Raises:
        ValueError: no such client.
    """
    try:
        return CLIENTS[name]
    except KeyError:
        raise ValueError(f"unknown client {name!r}: one of {', '.join(CLIENTS)}") from None


def from_argv(argv: list[str]) -> Client:
    """The client a hook's arguments name (``--client gemini``); Claude Code without one."""
    if len(argv) >= 2 and argv[0] == "--client":
        return named(argv[1])
    return CLAUDE
