"""``zikra-hooks``: the hooks Claude Code runs, and the commands a person runs.

Hooks (``session-end``, ``pre-compact``, ``stop``) read the event's JSON on stdin, print nothing,
log to ``<ZIKRA_HOOKS_HOME>/hooks.log`` and always exit 0. The recall hooks (``session-start``,
``prompt-recall``) print Claude Code's context-injection JSON, or nothing, and always exit 0. ``statusline`` prints one line.
``flush``, ``install``, ``uninstall`` and ``print-mcp-config`` are for people: they print what they
did and exit 1 on failure.
"""

from __future__ import annotations

import sys

from . import config as settings
from .stdin import read_payload

HOOKS = ("session-end", "pre-compact", "stop")
USAGE = """usage: zikra-hooks COMMAND

hooks (Claude Code runs these; they read the event on stdin and always exit 0):
  session-end       log the run and save the session's decisions
  pre-compact       save a digest of what the compaction folds away
  stop              capture the last turn's decisions (no network)
  session-start     print the project's brief for Claude Code to add to the context
  prompt-recall     print the memories relevant to the prompt, if any pass the bar
                    (both take --client gemini|codex when those agents run them)
  statusline        print one status line from the local cache

for people:
  flush             send what the spool holds now
  install           add the hooks and the statusline to Claude Code's settings
                    (--client gemini|codex: the recall hooks to those agents')
  uninstall         remove exactly what install added
  print-mcp-config  print the MCP configuration to paste
run `zikra-hooks COMMAND --help` for a command's options.
"""


def run_statusline() -> int:
    """Print the one line; on any error, print a minimal line rather than nothing."""
    try:
        config = settings.load()
        from .statusline import line

        text = line(read_payload(0.5), config)
    except Exception:
        text = "zikra"
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return 0


def _event_for(command: str, args: list[str]) -> tuple[str, ...]:
    """The agent's event name for a recall hook run with ``--client``; () for Claude Code's own
    (an unknown client is Claude Code: a hook never fails)."""
    if not args:
        return ()
    from . import clients

    try:
        return (clients.from_argv(args).event_of(command),)
    except ValueError:
        return ()


def main(argv: list[str] | None = None) -> int:
    """Dispatch: hooks and the statusline take a fast path with no argument parsing, and each
    command imports only what it needs (the statusline runs every few hundred milliseconds)."""
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else ""
    if command in HOOKS:
        from .hookrun import run_hook

        return run_hook(command)
    if command == "session-start":
        from .session_start import main as session_start

        return session_start(*_event_for(command, argv[1:]))
    if command == "prompt-recall":
        from .prompt_recall import main as prompt_recall

        return prompt_recall(*_event_for(command, argv[1:]))
    if command == "statusline":
        return run_statusline()
    if command == "statusline-refresh":
        from .hookrun import run_refresh

        return run_refresh(argv[1:])
    if command in ("flush", "install", "uninstall", "print-mcp-config"):
        from .admin import run

        return run(argv)
    sys.stderr.write(USAGE)
    return 0 if command in ("-h", "--help", "help") else 2
