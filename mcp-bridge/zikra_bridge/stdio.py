"""``zikra-mcp-stdio``: the same MCP tools over stdio, for clients that only start a local process
(Claude Desktop, Codex). Settings come from the environment:

- ``ZIKRA_URL``: the public base URL (default http://127.0.0.1:7723) or n8n's; a trailing
  ``/mcp`` or ``/webhook/zikra`` is ignored. Tool calls POST to ``<ZIKRA_URL>/webhook/zikra``.
- ``ZIKRA_TOKEN``: the bearer token. Without one, every call answers the API's 401 message.
- ``ZIKRA_PROJECT``: the default project (else a ``.zikra`` file or the git repository of the
  working directory; see project.py).

Start-up answers ``initialize`` first, from handshake.py with the standard library only, and
imports the MCP SDK (about 1 s) afterwards: clients that do not wait for a server (Codex) then
see the tools on their first turn. The SDK is handed the same ``initialize`` again, so its session
starts as usual; its own answer to it is kept off stdout and compared with the one sent. What the
client sends meanwhile waits in the pipe.

stdout carries the protocol and nothing else: logs are JSON lines on stderr.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import handshake, jsonlog, project
from .config import WEBHOOK_PATH

if TYPE_CHECKING:
    from .tools import Caller

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:7723"
TIMEOUT_S = 30.0


def base_url(url: str) -> str:
    """``url`` without a trailing slash, ``/mcp``, ``/sse`` or ``/webhook/zikra``."""
    url = url.strip().rstrip("/")
    for suffix in ("/mcp", "/sse", WEBHOOK_PATH):
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


def caller_from_environment(environ: Mapping[str, str], cwd: Path) -> Caller:
    """The one caller of a stdio server: ZIKRA_TOKEN, and the default project of ``cwd``."""
    from .tools import Caller

    token = (environ.get("ZIKRA_TOKEN") or "").strip()
    return Caller(f"Bearer {token}" if token else None, project.from_environment(environ, cwd))


def answer_handshake(first_line: bytes, stdout: BinaryIO) -> dict[str, Any] | None:
    """If ``first_line`` is an ``initialize`` request, write its answer to ``stdout`` and return
    that answer; otherwise (another message, or not JSON) write nothing and return None."""
    try:
        message = json.loads(first_line)
    except ValueError:
        return None
    if not handshake.is_initialize(message):
        return None
    answer = {"jsonrpc": "2.0", "id": message["id"], "result": handshake.initialize_result(message["params"])}
    stdout.write(json.dumps(answer, separators=(",", ":")).encode() + b"\n")
    stdout.flush()
    return answer


class ReplayedInput(io.TextIOBase):
    """stdin for the SDK: the line already read first, then the rest of the real stdin."""

    def __init__(self, first_line: bytes, stdin: BinaryIO):
        self._pending = first_line.decode("utf-8", errors="replace")
        self._stdin = stdin

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:
        if self._pending:
            line, self._pending = self._pending, ""
            return line
        return self._stdin.readline().decode("utf-8", errors="replace")


class AnsweredOutput(io.TextIOBase):
    """stdout for the SDK: its answer to the ``initialize`` already answered is kept off the wire
    (and compared with ours); every other message goes out as written."""

    def __init__(self, answered: dict[str, Any] | None, stdout: BinaryIO):
        self._answered = answered
        self._stdout = stdout

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self._answered is not None and self._is_the_answer(text):
            self._answered = None
            return len(text)
        self._stdout.write(text.encode("utf-8"))
        return len(text)

    def flush(self) -> None:
        self._stdout.flush()

    def _is_the_answer(self, text: str) -> bool:
        try:
            message = json.loads(text)
        except ValueError:
            return False
        if not isinstance(message, dict) or message.get("id") != self._answered["id"] or "method" in message:
            return False
        if message.get("result") != self._answered["result"]:
            logger.warning("the early initialize answer differs from the SDK's",
                           extra={"sent": self._answered, "sdk": message})
        return True


async def serve(environ: Mapping[str, str], cwd: Path, stdin: Any = None, stdout: Any = None) -> None:
    """Serve MCP on ``stdin``/``stdout`` (text files; the process's own when None) until the client
    closes it."""
    import anyio
    from mcp.server.stdio import stdio_server

    from .tools import ToolState, build_server
    from .upstream import Upstream

    caller = caller_from_environment(environ, cwd)
    url = base_url(environ.get("ZIKRA_URL") or DEFAULT_URL)
    if caller.authorization is None:
        logger.warning("ZIKRA_TOKEN is not set: every tool call will be refused (401)")
    logger.info("stdio bridge ready", extra={"url": url, "default_project": caller.default_project})
    upstream = Upstream(url, TIMEOUT_S, trust_env=True)
    server = build_server(ToolState(upstream, lambda _ctx: caller))
    lowlevel = server._lowlevel_server  # run_stdio_async() takes no streams; this is what it runs
    try:
        async with stdio_server(anyio.wrap_file(stdin) if stdin else None,
                                anyio.wrap_file(stdout) if stdout else None) as (read_stream, write_stream):
            await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
    finally:
        await upstream.aclose()


def main() -> None:
    """Entry point of ``zikra-mcp-stdio``: answer the handshake, then load the SDK and serve."""
    jsonlog.configure(os.environ.get("ZIKRA_LOG_LEVEL") or "WARNING")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    first_line = stdin.readline()
    if not first_line:
        return
    answered = answer_handshake(first_line, stdout)
    import anyio

    anyio.run(serve, dict(os.environ), Path.cwd(), ReplayedInput(first_line, stdin), AnsweredOutput(answered, stdout))
