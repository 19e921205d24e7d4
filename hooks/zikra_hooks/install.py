"""Add the hooks and the statusline to a Claude Code settings file, and take them out again;
and the recall hooks to Gemini CLI's settings file or Codex's hooks file, the same way.

Merging, never clobbering:

- Our hooks go in groups of their own (``{"hooks": [{"type": "command", ...}]}``) appended to
  ``hooks.SessionEnd``, ``hooks.PreCompact``, ``hooks.Stop``, ``hooks.SessionStart`` and
  ``hooks.UserPromptSubmit`` (for another agent, its events in ``clients``); the user's groups,
  and every other key of the file, are left as they are. A command is ours when it runs
  ``-m zikra_hooks <hook>`` (with ``--client <agent>`` for another agent); installing again
  updates ours in place (twice = once).
- ``statusLine`` is set only when the file has none (or has ours). A user's own statusLine is
  kept and the report says so: ``zikra-hooks statusline`` can be called from it (docs/claude-code.md).
- Before any change, the file is copied to ``settings.json.zikra-backup-<UTC time>``. The file is
  rewritten atomically, with the indentation it had.
- ``uninstall`` removes exactly our commands (and a group, an event list or ``hooks`` left empty
  by that), and our statusLine. When the result equals a backup, that backup's bytes are written
  back, so the file is byte-for-byte what it was; when the file did not exist before and nothing
  else was added, it is removed.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clients import CLAUDE, Client

EVENTS = CLAUDE.events
# Claude Code gives SessionEnd hooks 1.5 s unless a hook asks for more; ours stop their own
# work at ~2 s (ZIKRA_HOOKS_BUDGET_S), so 5 s leaves room for Python's start on a busy machine.
HOOK_TIMEOUT_S = 5
# The recall hooks stop themselves within ~1.2 s (ZIKRA_BRIEF_TIMEOUT_S plus a margin); Claude
# Code's own limit is only the backstop.
RECALL_HOOK_TIMEOUT_S = 3
RECALL_HOOKS = frozenset({"session-start", "prompt-recall"})
BACKUP_INFIX = ".zikra-backup-"
_OURS = re.compile(r"(?:^|\s)-m\s+zikra_hooks\s+"
                   r"(?:session-end|pre-compact|stop|session-start|prompt-recall|statusline)"
                   r"(?:\s+--client\s+[a-z]+)?\s*$")


class InstallError(Exception):
    """The settings file cannot be merged (not JSON, or of an unexpected shape)."""


@dataclass
class Report:
    """What install or uninstall did."""

    path: Path
    changed: bool = False
    backup: Path | None = None
    kept_statusline: str | None = None
    notes: list[str] = field(default_factory=list)


def is_ours(command: Any) -> bool:
    """Whether a hook or statusLine command is one this tool installed."""
    return isinstance(command, str) and bool(_OURS.search(command))


def hook_command(subcommand: str, python: str | None = None, home: Path | None = None) -> str:
    """The shell command Claude Code runs: this interpreter, ``-m zikra_hooks <subcommand>``,
    with ``ZIKRA_HOOKS_HOME`` pinned when it is not the default."""
    prefix = f"ZIKRA_HOOKS_HOME={shlex.quote(str(home))} " if home is not None else ""
    return f"{prefix}{shlex.quote(python or sys.executable)} -m zikra_hooks {subcommand}"


def _hook_entry(command: str, subcommand: str, client: Client = CLAUDE) -> dict[str, Any]:
    timeout = RECALL_HOOK_TIMEOUT_S if subcommand in RECALL_HOOKS else HOOK_TIMEOUT_S
    return {"type": "command", "command": command, "timeout": timeout * client.timeout_scale}


def _container(parent: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = parent.setdefault(key, kind())
    if not isinstance(value, kind):
        raise InstallError(f"{where} must be a JSON {'object' if kind is dict else 'array'}")
    return value


def merge(settings: dict[str, Any], python: str | None = None, home: Path | None = None,
          client: Client = CLAUDE) -> tuple[dict[str, Any], list[str]]:
    """``settings`` with our hooks (and, for Claude Code, statusLine) added or updated; and notes
    for the person."""
    merged, notes = copy.deepcopy(settings), []
    hooks = _container(merged, "hooks", dict, "hooks")
    for event, sub in client.events.items():
        groups = _container(hooks, event, list, f"hooks.{event}")
        run = sub if client is CLAUDE else f"{sub} --client {client.name}"
        wanted = _hook_entry(hook_command(run, python, home), sub, client)
        if not _replace_ours(groups, wanted):
            groups.append({"hooks": [wanted]})
    if not client.statusline:
        return merged, notes
    current = merged.get("statusLine")
    ours = {"type": "command", "command": hook_command("statusline", python, home), "padding": 0}
    if current is None or (isinstance(current, dict) and is_ours(current.get("command"))):
        merged["statusLine"] = ours
    else:
        notes.append("kept your statusLine; to show Zikra's too, pipe its stdin to "
                     f"`{ours['command']}` from your script (docs/claude-code.md)")
    return merged, notes


def _replace_ours(groups: list[Any], wanted: dict[str, Any]) -> bool:
    """Update our entry in place when there is one; False when there is none."""
    for group in groups:
        entries = group.get("hooks") if isinstance(group, dict) else None
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict) and is_ours(entry.get("command")):
                entries[index] = wanted
                return True
    return False


def unmerge(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` without any of our hooks or our statusLine."""
    result = copy.deepcopy(settings)
    hooks = result.get("hooks")
    if isinstance(hooks, dict):
        removed = False
        for event in list(hooks):
            groups = hooks[event]
            if isinstance(groups, list) and _drop_ours(groups):
                removed = True
                if not groups:
                    del hooks[event]
        if removed and not hooks:
            del result["hooks"]
    status = result.get("statusLine")
    if isinstance(status, dict) and is_ours(status.get("command")):
        del result["statusLine"]
    return result


def _drop_ours(groups: list[Any]) -> bool:
    """Remove our entries from every group (and groups emptied by that); True when any was ours."""
    found = False
    for group in list(groups):
        entries = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(entries, list):
            continue
        kept = [e for e in entries if not (isinstance(e, dict) and is_ours(e.get("command")))]
        if len(kept) != len(entries):
            found = True
            if kept:
                group["hooks"] = kept
            else:
                groups.remove(group)
    return found


def _read(path: Path) -> tuple[dict[str, Any], str | None]:
    """The settings object and the file's text (None when there is no file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, None
    if not text.strip():
        return {}, text
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InstallError(f"{path} is not valid JSON ({exc}); fix it or move it away first") from None
    if not isinstance(data, dict):
        raise InstallError(f"{path} must hold a JSON object")
    return data, text


def _indent(text: str | None) -> int:
    match = re.search(r"\n( +)\S", text or "")
    return len(match.group(1)) if match else 2


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    if path.exists():
        os.chmod(tmp, path.stat().st_mode & 0o7777)
    os.replace(tmp, path)


def _backup(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"{time.time_ns() % 1_000_000_000:09d}"
    target = path.with_name(path.name + BACKUP_INFIX + stamp)
    target.write_bytes(path.read_bytes())
    return target


def backups(path: Path) -> list[Path]:
    """This tool's backups of ``path``, newest first."""
    return sorted(path.parent.glob(path.name + BACKUP_INFIX + "*"), reverse=True)


def install(path: Path, python: str | None = None, home: Path | None = None, client: Client = CLAUDE) -> Report:
    """Merge ``client``'s hooks (and statusLine) into the settings file at ``path`` (backed up first).

    Raises:
        InstallError: the file is not a JSON object, or ``hooks`` has an unexpected shape.
    """
    settings, text = _read(path)
    merged, notes = merge(settings, python, home, client)
    report = Report(path, notes=notes)
    if notes:
        report.kept_statusline = json.dumps(settings.get("statusLine"))
    if merged == settings and text is not None:
        return report
    if text is not None:
        report.backup = _backup(path)
    _write(path, (json.dumps(merged, indent=_indent(text)) + "\n").encode())
    report.changed = True
    return report


def uninstall(path: Path) -> Report:
    """Remove exactly what ``install`` added (backed up first; see the module docstring).

    Raises:
        InstallError: the file is not a JSON object.
    """
    settings, text = _read(path)
    report = Report(path)
    if text is None:
        return report
    cleaned = unmerge(settings)
    if cleaned == settings:
        return report
    earlier = backups(path)
    report.backup, report.changed = _backup(path), True
    for candidate in earlier:
        try:
            if json.loads(candidate.read_text(encoding="utf-8") or "{}") == cleaned:
                _write(path, candidate.read_bytes())
                return report
        except (OSError, ValueError):
            continue
    if cleaned == {} and not earlier:
        path.unlink()
        report.notes.append(f"removed {path}: install had created it")
        return report
    _write(path, (json.dumps(cleaned, indent=_indent(text)) + "\n").encode())
    return report


def settings_path(scope: str, project_dir: Path | None = None, home: Path | None = None,
                  client: Client = CLAUDE) -> Path:
    """``~/.claude/settings.json`` for the user scope; ``<dir>/.claude/settings.json`` for a project
    (``.gemini/settings.json``, ``.codex/hooks.json`` for the other agents)."""
    if scope == "project":
        return (project_dir or Path.cwd()) / client.settings
    return client.settings_path(home)
