"""``zikra-mcp-stdio``: the same MCP tools over stdio, for clients that only start a local process
(Claude Desktop). Settings come from the environment:

- ``ZIKRA_URL``: the public base URL (default http://127.0.0.1:7723) or n8n's; a trailing
  ``/mcp`` or ``/webhook/zikra`` is ignored. Tool calls POST to ``<ZIKRA_URL>/webhook/zikra``.
- ``ZIKRA_TOKEN``: the bearer token. Without one, every call answers the API's 401 message.
- ``ZIKRA_PROJECT``: the default project (else a ``.zikra`` file or the git repository of the
  working directory; see project.py).

stdout carries the protocol and nothing else: logs are JSON lines on stderr.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import anyio

from . import jsonlog, project
from .config import WEBHOOK_PATH
from .tools import Caller, ToolState, build_server
from .upstream import Upstream

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
    token = (environ.get("ZIKRA_TOKEN") or "").strip()
    return Caller(f"Bearer {token}" if token else None, project.from_environment(environ, cwd))


async def serve(environ: Mapping[str, str], cwd: Path) -> None:
    """Serve MCP on stdin/stdout until the client closes it."""
    caller = caller_from_environment(environ, cwd)
    url = base_url(environ.get("ZIKRA_URL") or DEFAULT_URL)
    if caller.authorization is None:
        logger.warning("ZIKRA_TOKEN is not set: every tool call will be refused (401)")
    logger.info("stdio bridge ready", extra={"url": url, "default_project": caller.default_project})
    upstream = Upstream(url, TIMEOUT_S, trust_env=True)
    server = build_server(ToolState(upstream, lambda _ctx: caller))
    try:
        await server.run_stdio_async()
    finally:
        await upstream.aclose()


def main() -> None:
    """Entry point of ``zikra-mcp-stdio``."""
    jsonlog.configure(os.environ.get("ZIKRA_LOG_LEVEL") or "WARNING")
    anyio.run(serve, dict(os.environ), Path.cwd())
