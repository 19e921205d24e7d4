"""The MCP configuration to paste into Claude Code (the hooks and the MCP tools use one base URL)."""

from __future__ import annotations

import json

from .config import Config


def text(config: Config, project: str | None = None) -> str:
    """Both ways to add Zikra's MCP server: the ``claude mcp add`` command and a ``.mcp.json``
    entry. The token stays a ``$ZIKRA_TOKEN`` reference, so the output is safe to commit or share;
    ``project`` (when given) goes in the ``X-Zikra-Project`` header the bridge reads."""
    headers = {"Authorization": "Bearer ${ZIKRA_TOKEN}"}
    flags = ' --header "Authorization: Bearer $ZIKRA_TOKEN"'
    if project:
        headers["X-Zikra-Project"] = project
        flags += f' --header "X-Zikra-Project: {project}"'
    entry = {"mcpServers": {"zikra": {"type": "http", "url": config.mcp_url, "headers": headers}}}
    return "\n".join([
        "# Claude Code: add Zikra's MCP tools (export ZIKRA_TOKEN first)",
        f"claude mcp add --transport http zikra {config.mcp_url}{flags}",
        "",
        "# or put this in the project's .mcp.json (Claude Code expands ${ZIKRA_TOKEN}):",
        json.dumps(entry, indent=2),
    ])
