"""The project a tool call uses when it names none: the client's configured default.

Over HTTP the client configures it with the ``X-Zikra-Project`` header. Over stdio the bridge
runs in the client's working directory, so it follows the same rule as the Claude Code hooks:
``ZIKRA_PROJECT``, else the nearest ``.zikra`` file naming the project, else the name of the
git repository. With none of these, the call names no project and the API decides as it does
for any request (the token's only project, or ``default``), never a guess of ours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

PROJECT_HEADER = "x-zikra-project"
PROJECT_FILE = ".zikra"
_ASSIGNMENT = re.compile(r"^\s*project\s*[:=]\s*(.+?)\s*$", re.I)


def from_headers(headers: Mapping[str, str] | None) -> str | None:
    """The ``X-Zikra-Project`` header, stripped; None when absent or blank."""
    value = (headers or {}).get(PROJECT_HEADER) or ""
    return value.strip() or None


def read_project_file(path: Path) -> str | None:
    """The project a ``.zikra`` file names: ``project = name`` (or ``project: name``), or a bare
    name on the first line that is not blank or a ``#`` comment."""
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
            return folder.name
    return None


def from_environment(environ: Mapping[str, str], cwd: Path) -> str | None:
    """``ZIKRA_PROJECT``, else what the working directory names."""
    return (environ.get("ZIKRA_PROJECT") or "").strip() or from_directory(cwd.resolve())
