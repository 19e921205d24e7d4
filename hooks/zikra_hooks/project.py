"""The project a working directory belongs to. The rule, first match wins:

1. ``ZIKRA_PROJECT``, when set, names the project for every directory.
2. Walking up from the directory, folder by folder: a ``.zikra`` file names the project; a
   ``.git`` entry (folder, or file for worktrees and submodules) marks the repository's
   top-level folder, whose name is the project. The nearest marker wins, and in one folder
   ``.zikra`` beats ``.git``; the walk stops at the first repository top.
3. Otherwise the name of the directory itself (``default`` for ``/``).

Steps 1 and 2 are the MCP bridge's rule too (``zikra_bridge.project``); step 3 is the hooks'
fallback, so a session outside any repository still files its memories somewhere a person can
find by the folder's name. A ``.zikra`` file holds ``project = name`` (or ``project: name``), or
a bare name on its first line that is not blank or a ``#`` comment.

Standard library only, and free of the rest of the package, so any part can import it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

PROJECT_FILE = ".zikra"
FALLBACK = "default"
_ASSIGNMENT = re.compile(r"^\s*project\s*[:=]\s*(.+?)\s*$", re.I)


def read_project_file(path: Path) -> str | None:
    """The project a ``.zikra`` file names, or None when it names none or cannot be read."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ASSIGNMENT.match(line)
        if match:
            return match.group(1).strip("\"'") or None
        if "=" not in line and ":" not in line:
            return line.strip().strip("\"'") or None
    return None


def from_directory(start: Path) -> str | None:
    """Walk up from ``start``: the nearest ``.zikra`` file's project, or the git repository's name."""
    for folder in (start, *start.parents):
        marker = folder / PROJECT_FILE
        if marker.is_file():
            named = read_project_file(marker)
            if named:
                return named
        if (folder / ".git").exists():
            return folder.name or None
    return None


def for_directory(cwd: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None) -> str:
    """The project of ``cwd`` by the rule above; never empty."""
    environ = os.environ if environ is None else environ
    override = (environ.get("ZIKRA_PROJECT") or "").strip()
    if override:
        return override
    start = Path(cwd) if cwd else Path.cwd()
    try:
        start = start.resolve()
    except OSError:
        pass
    return from_directory(start) or start.name or FALLBACK
