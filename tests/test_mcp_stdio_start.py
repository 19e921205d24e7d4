"""``zikra-mcp-stdio`` answers ``initialize`` before it loads the MCP SDK (stdio.py), so clients that
do not wait for a server (Codex) get the tools on their first turn. These tests pin the behaviour:
the early answer is the SDK's own, the session goes on as usual after it, and nothing but the
protocol reaches stdout. The time it takes is measured by bench/stdio_initialize.py, not here."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from mcp_support import agent_commands
from mcp_types import version as sdk_versions
from zikra_bridge import handshake
from zikra_bridge.stdio import AnsweredOutput, ReplayedInput, answer_handshake
from zikra_bridge.tools import ToolState, build_server

STDIO = str(Path(sys.executable).parent / "zikra-mcp-stdio")


def initialize(version: str, request_id: Any = 0) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "codex-mcp-client", "version": "1"}}}


def session(messages: list[dict[str, Any]], expect: int, tmp_path: Path) -> tuple[list[dict[str, Any]], str]:
    """Send ``messages`` to a spawned zikra-mcp-stdio and read ``expect`` answers, then close its
    stdin; the answers, and its stderr."""
    env = {"PATH": "/usr/bin:/bin", "ZIKRA_URL": "http://127.0.0.1:9", "ZIKRA_LOG_LEVEL": "WARNING"}
    with subprocess.Popen([STDIO], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env, cwd=tmp_path) as process:
        deadline = threading.Timer(60, process.kill)  # bounds every read below
        deadline.start()
        try:
            process.stdin.write(b"".join(json.dumps(message).encode() + b"\n" for message in messages))
            process.stdin.flush()
            answers = [json.loads(process.stdout.readline()) for _ in range(expect)]
            process.stdin.close()
            rest, stderr = process.stdout.read(), process.stderr.read().decode()
        finally:
            deadline.cancel()
    assert process.returncode == 0, stderr
    assert rest == b"", rest  # nothing else reached stdout
    return answers, stderr


@pytest.mark.parametrize("version", [*sdk_versions.HANDSHAKE_PROTOCOL_VERSIONS, "1999-01-01"])
def test_the_early_initialize_answer_is_the_sdks_and_the_session_lists_every_tool(version, tmp_path):
    answers, stderr = session([initialize(version, "init-1"),
                               {"jsonrpc": "2.0", "method": "notifications/initialized"},
                               {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}], 2, tmp_path)
    assert [answer["id"] for answer in answers] == ["init-1", 2]  # the SDK's own answer to init-1 stays off stdout
    result = answers[0]["result"]
    expected = version if version in sdk_versions.HANDSHAKE_PROTOCOL_VERSIONS else sdk_versions.LATEST_HANDSHAKE_VERSION
    assert result["protocolVersion"] == expected
    assert result["serverInfo"] == {"name": "zikra", "version": handshake.VERSION}
    assert "differs" not in stderr, stderr  # the SDK answered the replayed initialize the same
    assert {tool["name"] for tool in answers[1]["result"]["tools"]} == agent_commands()


def test_the_handshake_module_agrees_with_the_sdks_version_list_and_capabilities():
    assert handshake.HANDSHAKE_PROTOCOL_VERSIONS == sdk_versions.HANDSHAKE_PROTOCOL_VERSIONS
    options = build_server(ToolState(None, lambda _ctx: None))._lowlevel_server.create_initialization_options()
    declared = options.capabilities.model_dump(by_alias=True, exclude_none=True)
    # extensions belong to the 2026-07-28 protocol, which has no initialize; the handshake omits them
    assert declared.pop("extensions", {}) == {} and declared == handshake.CAPABILITIES
    assert options.instructions == handshake.unwrapped(handshake.INSTRUCTIONS)


def test_a_first_message_that_is_not_initialize_is_left_to_the_sdk(tmp_path):
    stdout = io.BytesIO()
    assert answer_handshake(b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}\n', stdout) is None
    assert answer_handshake(b"not json\n", stdout) is None
    assert stdout.getvalue() == b""
    answers, _ = session([{"jsonrpc": "2.0", "id": 7, "method": "ping"}], 1, tmp_path)
    assert [answer["id"] for answer in answers] == [7]


def test_the_sdks_answer_is_dropped_once_and_a_different_one_is_logged(caplog):
    sent = answer_handshake(json.dumps(initialize("2025-06-18", 5)).encode() + b"\n", io.BytesIO())
    wire = io.BytesIO()
    output = AnsweredOutput(sent, wire)
    with caplog.at_level(logging.WARNING, logger="zikra_bridge.stdio"):
        output.write(json.dumps({"jsonrpc": "2.0", "id": 5, "result": {"other": True}}) + "\n")
        output.write(json.dumps({"jsonrpc": "2.0", "id": 5, "result": {}}) + "\n")
    assert "differs" in caplog.text
    assert [json.loads(line)["result"] for line in wire.getvalue().splitlines()] == [{}]
    replay = ReplayedInput(b"first\n", io.BytesIO(b"second\n"))
    assert [replay.readline(), replay.readline(), replay.readline()] == ["first\n", "second\n", ""]
