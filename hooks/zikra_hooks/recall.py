"""Running a recall hook (SessionStart, UserPromptSubmit) as Claude Code expects, failing open.

The rule. A recall hook prints at most one JSON object on stdout, the documented shape of
Claude Code's context injection for these two events:

    {"hookSpecificOutput": {"hookEventName": "<event>", "additionalContext": "<text>"}}

and only when it has something to add; otherwise it prints nothing. It always exits 0, and it
is over within a hard limit (the request's own limit plus ``HARD_LIMIT_MARGIN_S``), enforced by
an interval timer whatever the server does: down, slow, trickling bytes or answering garbage
all end the same way, with nothing printed. What was injected is remembered per session
(``sessions.SessionState``: ``recalled`` ids, ``recall_log``), so that no memory is injected
twice in one session and the statusline can say what was recalled.

Cheap on purpose: it runs before every prompt, so it imports neither ``logging`` nor
``urllib.request`` (its one log line is written directly, in ``jsonlog``'s schema).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from . import config as settings
from .sessions import SessionState
from .stdin import read_payload

HARD_LIMIT_MARGIN_S = 0.15
STDIN_TIMEOUT_S = 0.3
LOG_FILE = "hooks.log"
MAX_LOG_BYTES = 1024 * 1024
RECALL_LOG_KEEP = 50


class TimeUp(BaseException):
    """The hook's hard limit passed (a BaseException: no ``except Exception`` may swallow it)."""


def output(event: str, text: str) -> str:
    """The stdout of a hook that adds ``text`` to the model's context."""
    return json.dumps({"hookSpecificOutput": {"hookEventName": event, "additionalContext": text}})


def remember(config: settings.Config, session_id: str, items: list[dict[str, Any]], via: str) -> None:
    """Record ``items`` (id, title, type) as injected in this session."""
    if not session_id or not items:
        return
    state = SessionState(config.sessions_dir, session_id)
    recalled = list(state.get("recalled") or [])
    recalled += [item["id"] for item in items if item["id"] not in recalled]
    entries = list(state.get("recall_log") or [])
    entries += [{"id": item["id"], "title": item.get("title", ""), "type": item.get("type", ""),
                 "via": via, "at": time.time()} for item in items]
    state.save(recalled=recalled, recall_log=entries[-RECALL_LOG_KEEP:])


def already_injected(config: settings.Config, session_id: str) -> set[str]:
    """The ids injected so far in this session."""
    if not session_id:
        return set()
    return set(SessionState(config.sessions_dir, session_id).get("recalled") or [])


def log(config: settings.Config, hook: str, event: str, **fields: Any) -> None:
    """One JSON line in ``hooks.log`` (never the token; a failed write is dropped)."""
    entry = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z", "level": "info", "hook": hook,
             "pid": os.getpid(), "event": event, **fields}
    try:
        config.home.mkdir(parents=True, exist_ok=True)
        path = config.home / LOG_FILE
        try:
            if path.stat().st_size > MAX_LOG_BYTES:
                os.replace(path, path.with_name(LOG_FILE + ".1"))
        except OSError:
            pass
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, default=str) + "\n")
    except OSError:
        pass


def _time_up(signum: int, frame: Any) -> None:
    raise TimeUp()


# A hook's work: (payload, config, deadline) -> None, or the text to add and the items it holds.
Hook = Callable[[dict[str, Any], settings.Config, float], "tuple[str, list[dict[str, Any]]] | None"]


def run(hook: str, event: str, work: Hook, limit_of: Callable[[settings.Config], float]) -> int:
    """Run one recall hook: print :func:`output` for the text ``work`` returns, then remember its
    items as injected; print nothing when it returns None. Never raises; always returns 0."""
    started = time.monotonic()
    config, outcome, fields = None, "nothing", {}
    try:
        config = settings.load()
        limit = limit_of(config)
        signal.signal(signal.SIGALRM, _time_up)
        signal.setitimer(signal.ITIMER_REAL, limit + HARD_LIMIT_MARGIN_S)
        payload = read_payload(STDIN_TIMEOUT_S)
        found = work(payload, config, started + limit)
        signal.setitimer(signal.ITIMER_REAL, 0)
        if found and found[0]:
            text, items = found
            sys.stdout.write(output(event, text) + "\n")
            sys.stdout.flush()
            outcome, fields = "injected", {"chars": len(text), "ids": [item["id"] for item in items]}
            remember(config, str(payload.get("session_id") or ""), items, via=hook)
    except TimeUp:
        outcome = "time_up"
    except Exception as exc:  # fail open: the agent sees nothing, the log says why
        outcome, fields = "failed", {"error": f"{type(exc).__name__}: {exc}"[:300]}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if config is not None:
        log(config, hook, outcome, elapsed_ms=round((time.monotonic() - started) * 1000), **fields)
    return 0
