"""The public base URL (default http://127.0.0.1:7723), one Starlette app under uvicorn:

- ``/mcp``: MCP over streamable HTTP; ``/sse`` and ``/messages/``: MCP over the legacy SSE transport;
- ``POST /webhook/zikra``: the webhook API, forwarded to n8n;
- ``GET /health``: the state of n8n and the worker;
- ``/ui``: the memory browser (server-rendered pages over the same webhook API, docs/ui.md);
- anything else: a JSON 404. Nothing else of n8n is reachable through this port.

Run it with ``zikra-bridge`` (or ``python -m zikra_bridge``); settings come from ZIKRA_* variables.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from mcp.server.mcpserver import Context
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from . import config, jsonlog, project, ui
from .auth import ADD_HEADER, McpAuthMiddleware, TokenGate
from .errors import error_response
from .forward import webhook_endpoint
from .health import Probe, health_endpoint
from .tools import Caller, ToolState, build_server
from .upstream import Upstream

logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
SERVED = "This port serves /mcp, /sse, POST /webhook/zikra, GET /health and the browser at /ui."
# Where MCP clients look for OAuth (RFC 9728, RFC 8414, OpenID discovery, and the SDK's default
# endpoints) when a connection is refused: their 404 says how to connect instead.
OAUTH_DISCOVERY = ("/.well-known/oauth-", "/.well-known/openid-configuration")
OAUTH_ENDPOINTS = ("/register", "/authorize", "/token")


def caller_from_headers(ctx: Context) -> Caller:
    """The caller of a tool over HTTP: its Authorization and X-Zikra-Project headers."""
    headers = ctx.headers or {}
    return Caller(headers.get("authorization"), project.from_headers(headers))


def transport_security(settings: dict[str, Any]) -> TransportSecuritySettings:
    """DNS-rebinding protection for the MCP paths: loopback names, the host served on, and the
    extra names and origins of ZIKRA_BRIDGE_ALLOWED_HOSTS / _ORIGINS. Other Hosts get 421."""
    names = list(LOOPBACK_HOSTS)
    host = settings["BRIDGE_HOST"]
    if host not in ("0.0.0.0", "::", "") and host not in names:
        names.append(f"[{host}]" if ":" in host else host)
    hosts = [pattern for name in names for pattern in (name, f"{name}:*")]
    origins = [f"http://{name}:*" for name in LOOPBACK_HOSTS] + [f"http://{name}" for name in LOOPBACK_HOSTS]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                     allowed_hosts=hosts + list(settings["BRIDGE_ALLOWED_HOSTS"]),
                                     allowed_origins=origins + list(settings["BRIDGE_ALLOWED_ORIGINS"]))


async def no_route(request: Request, exc: Exception) -> JSONResponse:
    """An unknown path (404) or a wrong method (405), in SPEC §6's shape."""
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    if status == 405:
        return error_response(405, "method_not_allowed", f"{request.method} is not allowed on {request.url.path}. "
                              + SERVED, headers=getattr(exc, "headers", None))
    if _is_oauth_path(request.url.path):
        return error_response(404, "not_found", f"No such path: {request.url.path}. " + ADD_HEADER)
    return error_response(404, "not_found", f"No such path: {request.url.path}. " + SERVED)


def _is_oauth_path(path: str) -> bool:
    """Whether a client looking for OAuth asked for ``path`` (discovery, registration, sign-in)."""
    return path.startswith(OAUTH_DISCOVERY) or path.rstrip("/") in OAUTH_ENDPOINTS


async def server_error(_: Request, exc: Exception) -> JSONResponse:
    """An unexpected failure: logged, answered without a traceback."""
    logger.error("unexpected error", exc_info=exc)
    return error_response(500, "internal_error", "The bridge failed to handle the request; see its log.")


def create_app(settings: dict[str, Any] | None = None) -> Starlette:
    """The bridge's ASGI app; ``settings`` default to :func:`config.load` (the environment)."""
    settings = settings or config.load()
    upstream = Upstream(settings.get("N8N_WEBHOOK_URLS") or settings["N8N_URL"], settings["BRIDGE_TIMEOUT_S"])
    probe = Probe(settings["N8N_URL"], settings["WORKER_URL"])
    server = build_server(ToolState(upstream, caller_from_headers))
    security = transport_security(settings)
    routes: list[BaseRoute] = [
        Route("/health", health_endpoint(probe), methods=["GET"]),
        Route(config.WEBHOOK_PATH, webhook_endpoint(upstream, settings["MAX_BODY_BYTES"]), methods=["POST"]),
        # JSON answers to POST /mcp, not an SSE stream each: the tools send no progress, and it
        # measured ~0.5 ms cheaper per call (bench/mcp_search.py, docs/mcp.md "Latency").
        *server.streamable_http_app(streamable_http_path="/mcp", transport_security=security,
                                    json_response=True).routes,
        *server.sse_app(sse_path="/sse", message_path="/messages/", transport_security=security).routes,
        *ui.routes(upstream),
    ]

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            async with server.session_manager.run():
                yield
        finally:
            await upstream.aclose()
            await probe.aclose()

    gate = TokenGate(upstream, settings["BRIDGE_AUTH_CACHE_S"])
    return Starlette(routes=routes, lifespan=lifespan,
                     middleware=[Middleware(McpAuthMiddleware, gate=gate)],
                     exception_handlers={404: no_route, 405: no_route, 500: server_error})


def main() -> None:
    """Entry point of ``zikra-bridge``: serve the app under uvicorn until stopped."""
    try:
        settings = config.load()
    except ValueError as exc:
        sys.exit(f"error: {exc}")
    jsonlog.configure(settings["LOG_LEVEL"])
    logger.info("bridge starting", extra={"host": settings["BRIDGE_HOST"], "port": settings["BRIDGE_PORT"],
                                           "n8n": settings["N8N_URL"]})
    uvicorn.run(create_app(settings), host=settings["BRIDGE_HOST"], port=settings["BRIDGE_PORT"],
                log_config=None, server_header=False, timeout_graceful_shutdown=5)
