"""The statusline: one line, printed from a local cache, never waiting on the network.

Claude Code runs it up to every 300 ms. It reads its stdin (the session's JSON: ``cwd``,
``workspace``, ``context_window``, ``session_id``), the project's cache file, the spool's size
and the session's state (what the recall hooks injected), prints
``zikra <project> · <n> memories · saved <when> · recalled <n> (last: <title>) · ctx <n>%``,
and when the cache is older than ``ZIKRA_STATUS_REFRESH_S`` starts a detached ``zikra-hooks statusline-refresh`` that asks the API's
``stats`` for the project, writes the cache, and sends the spool if anything waits in it. A claim
file keeps it to one refresh at a time per project.

This module imports no network code: the refresh does, in its own process.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .config import Config
from .project import for_directory
from .sessions import SessionState

CLAIM_STALE_S = 10.0
RECALL_TITLE_CHARS = 40


def cache_path(config: Config, project: str) -> Path:
    """The cache file of one project: its name made safe for a file name, plus a checksum of the
    real name (zlib's, not hashlib's: it costs nothing to import)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", project)[:60]
    return config.cache_dir / f"status-{safe}-{zlib.crc32(project.encode()):08x}.json"


def pending(config: Config) -> int:
    """Items waiting in the spool: one directory listing (the spool module is not imported)."""
    try:
        return sum(1 for name in os.listdir(config.spool_dir) if name.endswith(".json") and name[0] != ".")
    except OSError:
        return 0


def read_cache(config: Config, project: str) -> dict[str, Any]:
    """The last refresh's result, or empty."""
    try:
        data = json.loads(cache_path(config, project).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_cache(config: Config, project: str, values: dict[str, Any]) -> None:
    """Replace the project's cache atomically."""
    path = cache_path(config, project)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"project": project, **values}), encoding="utf-8")
    os.replace(tmp, path)


def context_percent(payload: dict[str, Any]) -> float | None:
    """Context use from the statusline's stdin: ``used_percentage``, else usage over size."""
    window = payload.get("context_window")
    if not isinstance(window, dict):
        return None
    used = window.get("used_percentage")
    if isinstance(used, (int, float)) and not isinstance(used, bool):
        return float(used)
    size, usage = window.get("context_window_size"), window.get("current_usage")
    if isinstance(size, (int, float)) and size > 0 and isinstance(usage, dict):
        tokens = sum(v for k, v in usage.items() if k != "output_tokens" and isinstance(v, int))
        return 100.0 * tokens / size
    return None


def ago(moment: str | None, now: float) -> str | None:
    """``just now``, ``5m ago``, ``3h ago``, ``2d ago`` for an ISO timestamp."""
    if not moment:
        return None
    try:
        stamp = datetime.fromisoformat(moment)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    seconds = max(0.0, now - stamp.timestamp())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"


def recalled(config: Config, session_id: Any) -> tuple[int, str | None]:
    """How many memories the recall hooks injected in this session, and the last one's title."""
    if not isinstance(session_id, str) or not session_id:
        return 0, None
    try:
        state = SessionState(config.sessions_dir, session_id)
    except Exception:  # noqa: BLE001 - a statusline never fails for its extras
        return 0, None
    ids, entries = state.get("recalled"), state.get("recall_log")
    count = len(ids) if isinstance(ids, list) else 0
    last = entries[-1].get("title") if isinstance(entries, list) and entries and isinstance(entries[-1], dict) else None
    return count, (str(last) if last else None)


def render(project: str, cache: dict[str, Any], pending: int, percent: float | None, now: float,
           recall: tuple[int, str | None] = (0, None)) -> str:
    """The one line."""
    parts = [f"zikra {project}"]
    if "count" in cache:
        parts.append(f"{cache['count']} memor{'y' if cache['count'] == 1 else 'ies'}")
        saved = ago(cache.get("last_saved_at"), now)
        if saved:
            parts.append(f"saved {saved}")
    if cache.get("error"):
        parts.append(str(cache["error"]))
    elif "count" not in cache:
        parts.append("…")
    if pending:
        parts.append(f"{pending} queued")
    count, last = recall
    if count:
        title = last if last is None or len(last) <= RECALL_TITLE_CHARS else last[:RECALL_TITLE_CHARS - 1] + "…"
        parts.append(f"recalled {count}" + (f" (last: {title})" if title else ""))
    if percent is not None:
        parts.append(f"ctx {percent:.0f}%")
    return " · ".join(parts)


def _claim(config: Config, project: str, now: float) -> bool:
    """Take the right to refresh this project's cache (one refresher at a time; a stale claim is
    taken over)."""
    claim = cache_path(config, project).with_suffix(".refreshing")
    try:
        claim.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return True
    except FileExistsError:
        try:
            if now - claim.stat().st_mtime > CLAIM_STALE_S:
                claim.unlink(missing_ok=True)
                return _claim(config, project, now)
        except OSError:
            pass
        return False
    except OSError:
        return False


def release_claim(config: Config, project: str) -> None:
    """Let the next refresh happen."""
    cache_path(config, project).with_suffix(".refreshing").unlink(missing_ok=True)


def _spawn_refresh(config: Config, project: str) -> None:
    """Start ``zikra-hooks statusline-refresh <project>`` detached: its own session, no stdio."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        os.posix_spawn(sys.executable, [sys.executable, "-m", "zikra_hooks", "statusline-refresh", project],
                       dict(os.environ, ZIKRA_HOOKS_HOME=str(config.home)),
                       file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
                                     (os.POSIX_SPAWN_DUP2, devnull, 2)],
                       setsid=True)
    finally:
        os.close(devnull)


def line(payload: dict[str, Any], config: Config, now: float | None = None, spawn: bool = True) -> str:
    """The statusline for this stdin, starting a background refresh when the cache is old."""
    now = time.time() if now is None else now
    workspace = payload.get("workspace") if isinstance(payload.get("workspace"), dict) else {}
    project = for_directory(workspace.get("current_dir") or payload.get("cwd") or None)
    cache = read_cache(config, project)
    checked = cache.get("checked_at")
    stale = not isinstance(checked, (int, float)) or now - checked >= config.status_refresh_s
    if stale and spawn and _claim(config, project, now):
        try:
            _spawn_refresh(config, project)
        except OSError:
            release_claim(config, project)
    return render(project, cache, pending(config), context_percent(payload), now,
                  recalled(config, payload.get("session_id")))
