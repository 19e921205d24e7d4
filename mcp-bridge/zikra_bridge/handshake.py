"""The server's answer to MCP's ``initialize``, known without importing the MCP SDK.

Some clients do not wait for a stdio server: Codex sends its first model request about 1.2 s
after spawning it, and tools that are not listed by then are missing from that turn. Importing
the SDK takes about 1 s on our 2 cores (more under load), so ``zikra-mcp-stdio`` answers the
handshake from here first and imports the SDK afterwards (stdio.py). The answer is the one the
SDK gives (protocol version negotiated the same way, the same capabilities, server info and
instructions); the stdio server compares the two at each start and logs a warning if they ever
differ, and tests/test_mcp_stdio_start.py pins them equal. Only the standard library is used.
"""

from __future__ import annotations

from typing import Any

SERVER_NAME = "zikra"
VERSION = "0.1.0"

# The revisions the SDK (mcp 2.3) negotiates through initialize, oldest first; a client asking for
# another gets the newest (mcp_types.version.HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION).
HANDSHAKE_PROTOCOL_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")

# What MCPServer declares: it always registers tool, prompt and resource handlers.
CAPABILITIES: dict[str, Any] = {
    "prompts": {"listChanged": False},
    "resources": {"listChanged": False, "subscribe": False},
    "tools": {"listChanged": False},
}

INSTRUCTIONS = """\
Zikra is your team's long-term memory, shared by every agent and session. At the start of a task
in a project, call `brief` for what the team knows (requirements, latest decisions, open errors,
the last session), unless it is in your context already. Call `search` before
deciding something that may have been decided already, when debugging an error that may have
happened before, or when you need project conventions. Save what a later session should know:
decisions and their reasons (`save_memory`), product requirements (`save_requirement`), errors
and their fixes (`log_error`); log a finished session with `log_run`. When a memory you were
given is wrong or outdated, correct it with `update_memory`, or `archive_memory` it (`restore_memory`
brings it back). Leave `project` out to use the project this client is configured for."""


def unwrapped(text: str) -> str:
    """``text`` with each paragraph on one line: clients that show only a description's first line
    (Codex) then show its first paragraph whole."""
    paragraphs: list[str] = []
    lines: list[str] = []
    for line in [*text.strip().splitlines(), ""]:
        if line.strip():
            lines.append(line.strip())
        elif lines:
            paragraphs.append(" ".join(lines))
            lines = []
    return "\n\n".join(paragraphs)


def is_initialize(message: Any) -> bool:
    """Whether a parsed JSON-RPC message is an ``initialize`` request."""
    return (isinstance(message, dict) and message.get("method") == "initialize" and "id" in message
            and isinstance(message.get("params"), dict))


def initialize_result(params: dict[str, Any]) -> dict[str, Any]:
    """The ``result`` of an ``initialize`` request with these ``params``."""
    requested = params.get("protocolVersion")
    version = requested if requested in HANDSHAKE_PROTOCOL_VERSIONS else HANDSHAKE_PROTOCOL_VERSIONS[-1]
    return {"capabilities": CAPABILITIES, "instructions": unwrapped(INSTRUCTIONS), "protocolVersion": version,
            "serverInfo": {"name": SERVER_NAME, "version": VERSION}}
