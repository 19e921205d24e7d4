"""The API commands the hooks send, built from a transcript: a run log, a decision memory, a
pre-compaction digest. Each carries an idempotency key derived from the session id and what it is,
so sending it again (from the spool, or from another hook that found the same thing) writes once."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from . import AGENT
from .client import idempotency_key
from .decisions import Decision
from .transcript import Transcript

MAX_SUMMARY = 6000
MAX_DIGEST = 12000
MAX_FILES = 10_000


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


def _when(moment: datetime | None) -> str:
    return (moment or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def run_status(t: Transcript) -> str:
    """success; failure when the last reply was an API error; cancelled when the person
    interrupted the last turn (or nothing was answered); partial when todos were left open."""
    if t.api_error:
        return "failure"
    if t.interrupted or (t.asks and not t.replies and not t.tool_calls):
        return "cancelled"
    if t.open_todos:
        return "partial"
    return "success"


def _asks_block(asks: list[str], limit: int = 10) -> list[str]:
    shown = asks if len(asks) <= limit else [*asks[:3], f"… {len(asks) - 9} more …", *asks[-6:]]
    return [f"- {_short(a, 200)}" for a in shown]


def _todos_block(todos: list[dict[str, Any]]) -> list[str]:
    return [f"- [{t.get('status', 'pending')}] {_short(str(t.get('content', '')), 160)}" for t in todos[:20]]


def run_summary(t: Transcript, session_id: str, project: str, reason: str | None,
                decisions: list[Decision]) -> str:
    """The run's ``output_summary``: asks, outcome, files, decisions, open tasks, tokens."""
    minutes = f"{t.duration_s / 60:.0f} min" if t.duration_s is not None else "unknown length"
    lines = [f"Claude Code session {session_id[:8]} in {project}: {len(t.asks)} asks, {minutes}, "
             f"ended ({reason or 'unknown reason'})."]
    if t.asks:
        lines += ["", "Asked:", *_asks_block(t.asks)]
    if t.last_reply:
        lines += ["", "Last reply:", _short(t.last_reply, 800)]
    if t.files:
        lines += ["", f"Files changed ({len(t.files)}): " + ", ".join(t.files[:40])
                  + (" …" if len(t.files) > 40 else "")]
    if decisions:
        lines += ["", "Decisions:", *[f"- {d.title}" for d in decisions[:20]]]
    if t.open_todos:
        lines += ["", "Open tasks:", *_todos_block(t.open_todos)]
    u = t.usage
    lines += ["", f"Tokens: {u.tokens_in:,} in (fresh {u.input:,}, cache write {u.cache_creation:,}, "
                  f"cache read {u.cache_read:,}), {u.tokens_out:,} out."]
    return "\n".join(lines)[:MAX_SUMMARY]


def log_run(t: Transcript, session_id: str, project: str, reason: str | None,
            decisions: list[Decision]) -> dict[str, Any]:
    """The ``log_run`` command for a session (or the part of it after the last logged line)."""
    body: dict[str, Any] = {
        "command": "log_run", "project": project, "status": run_status(t), "agent": AGENT,
        "session_id": session_id, "output_summary": run_summary(t, session_id, project, reason, decisions),
        "tokens_in": t.usage.tokens_in, "tokens_out": t.usage.tokens_out,
        "files_changed": [f[:4096] for f in t.files[:MAX_FILES]],
        "idempotency_key": idempotency_key(session_id, project, f"run:{t.last_uuid or 'none'}"),
    }
    if t.duration_s is not None:
        body["duration_s"] = round(t.duration_s, 3)
    return body


def save_decision(d: Decision, session_id: str, project: str, when: datetime | None) -> dict[str, Any]:
    """A ``save_memory`` of type decision; the same statements give the same key from any hook."""
    lines = [d.statements[0]] if len(d.statements) == 1 else [f"- {s}" for s in d.statements]
    origin = f"Decided in Claude Code session `{session_id[:8]}`, {_when(when)}"
    if d.author == "user":
        origin = f"Said by the person in Claude Code session `{session_id[:8]}`, {_when(when)}"
    lines += ["", origin + (f", in answer to: “{_short(d.ask, 300)}”" if d.ask else "") + "."]
    return {
        "command": "save_memory", "project": project, "memory_type": "decision", "title": d.title,
        "content_md": "\n".join(lines), "tags": d.tags, "source": AGENT,
        "idempotency_key": idempotency_key(session_id, project, f"decision:{d.fingerprint}"),
    }


def save_digest(t: Transcript, session_id: str, project: str, trigger: str | None,
                instructions: str | None, decisions: list[Decision]) -> dict[str, Any]:
    """A ``project`` memory with what the compaction is about to fold away."""
    lines = [f"Claude Code session `{session_id[:8]}` in {project}, {_when(t.first_at)} to {_when(t.last_at)}, "
             f"before compaction ({trigger or 'manual'})."]
    if t.asks:
        lines += ["", "## Recent asks", *_asks_block(t.asks, 12)]
    replies = t.replies[-5:]
    if replies:
        lines += ["", "## Recent replies", *[f"- {_short(r, 500)}" for r in replies]]
    if t.files:
        lines += ["", "## Files touched", *[f"- {f}" for f in t.files[:60]]]
    if t.open_todos:
        lines += ["", "## Open tasks", *_todos_block(t.open_todos)]
    if decisions:
        lines += ["", "## Decisions", *[f"- {d.title}" for d in decisions[:20]]]
    if instructions and instructions.strip():
        lines += ["", "## Compaction instructions", _short(instructions, 500)]
    return {
        "command": "save_memory", "project": project, "memory_type": "project",
        "title": f"Context before compaction, session {session_id[:8]}, {_when(t.last_at)}",
        "content_md": "\n".join(lines)[:MAX_DIGEST], "tags": ["claude-code", "pre-compact", trigger or "manual"],
        "source": AGENT,
        "idempotency_key": idempotency_key(session_id, project, f"precompact:{t.last_uuid or 'none'}"),
    }
