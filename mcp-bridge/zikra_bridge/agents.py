"""Which agent is behind an MCP client, from the name its ``initialize`` sends (``clientInfo.name``).

That name becomes the ``source`` of a memory saved over MCP and the ``agent`` of a run logged over
MCP (when the call does not name one), so the browser and run analytics group by agent. Clients
name themselves loosely (``gemini-cli-mcp-client``, ``codex-mcp-client``, ``inspector-cli``), so
the name is reduced to the agent's: lower case, spaces and underscores as hyphens, a trailing
``-mcp-client``, ``-mcp`` or ``-client`` dropped, then the first known prefix in :data:`AGENTS`
names the agent. A name matching none is kept in that reduced form, so a new client still groups
with itself. docs/mcp.md ("Who saved it") shows the same table, and a test runs its examples.
"""

from __future__ import annotations

import re

# (prefix of the reduced name, agent), first match wins.
AGENTS = (
    ("claude-code", "claude-code"),
    ("gemini", "gemini-cli"),
    ("codex", "codex"),
    ("cursor", "cursor"),
    ("inspector", "inspector"),
    ("mcp-inspector", "inspector"),
    ("visual-studio-code", "vscode"),
    ("vscode", "vscode"),
    ("windsurf", "windsurf"),
    ("zed", "zed"),
)
SUFFIXES = ("-mcp-client", "-mcp", "-client")
MAX_CHARS = 100


def agent_of(client_name: str | None) -> str | None:
    """The agent of an MCP client's name, e.g. ``gemini-cli-mcp-client`` -> ``gemini-cli``."""
    name = re.sub(r"[\s_]+", "-", (client_name or "").strip().lower()).strip("-")[:MAX_CHARS]
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    for prefix, agent in AGENTS:
        if name.startswith(prefix):
            return agent
    return name or None
