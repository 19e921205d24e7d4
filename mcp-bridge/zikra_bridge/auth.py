"""The bearer-token gate in front of ``/mcp``, ``/sse`` and the SSE messages path.

A request without a token, or with one n8n does not know, is an HTTP 401 before any MCP session
exists, so a client learns at connect time that its configuration is wrong, not at its first
tool call. The gate asks n8n (which owns authentication) with the cheapest API request there
is: ``{"command": "search"}`` without a query. n8n verifies the token with the worker and then
stops at validation (400 "query is required"): no embedding, no SQL beyond the token lookup.
A token n8n accepted is remembered for ``ZIKRA_BRIDGE_AUTH_CACHE_S`` (30 s), keyed by its
SHA-256. That cache only decides whether a connection may open: every tool call still forwards
the token to the webhook, which checks it again, so a revoked token loses access at once.

The gate also tells the MCP SDK who the caller is (``scope["user"]``), so a session can only be
used with the token that opened it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from enum import Enum

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import error_response
from .upstream import Answer, Upstream

logger = logging.getLogger(__name__)

PROBE = {"command": "search"}
MAX_CACHED = 10_000
MCP_PREFIXES = ("/mcp", "/sse", "/messages")
# Said by every refusal of a connection: the one way in until the server offers OAuth.
ADD_HEADER = ("Configure this MCP client with the header Authorization: Bearer <token>, using a Zikra token "
              "(zikra token create); this server offers no OAuth sign-in.")


class Verdict(Enum):
    """What n8n said about a token."""

    OK = "ok"
    UNAUTHORIZED = "unauthorized"
    UNAVAILABLE = "unavailable"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def token_id(token: str) -> str:
    """A stable name for a token that reveals nothing of it (logs, cache keys, session owners)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


class TokenGate:
    """Decides whether a bearer token may open an MCP connection, asking n8n and caching a yes."""

    def __init__(self, upstream: Upstream, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self._upstream = upstream
        self._ttl_s = ttl_s
        self._clock = clock
        self._accepted: dict[str, float] = {}

    async def check(self, token: str) -> tuple[Verdict, Answer | None]:
        """n8n's verdict on ``token`` (from the cache while fresh) and its answer when it refused."""
        key = token_id(token)
        now = self._clock()
        if self._accepted.get(key, 0.0) > now:
            return Verdict.OK, None
        answer = await self._upstream.command(f"Bearer {token}", PROBE)
        if answer.status == 401:
            return Verdict.UNAUTHORIZED, answer
        if answer.status >= 500:
            return Verdict.UNAVAILABLE, answer
        if len(self._accepted) >= MAX_CACHED:
            self._accepted = {k: t for k, t in self._accepted.items() if t > now}
        self._accepted[key] = now + self._ttl_s
        return Verdict.OK, None


def _is_mcp_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in MCP_PREFIXES)


class McpAuthMiddleware:
    """ASGI middleware: MCP paths need a bearer token n8n accepts (401 otherwise); others pass."""

    def __init__(self, app: ASGIApp, gate: TokenGate):
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_mcp_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        token = bearer_token(Headers(scope=scope).get("authorization"))
        if token is None:
            refusal = _unauthorized("No Zikra token was sent. " + ADD_HEADER)
            await refusal(scope, receive, send)
            return
        verdict, answer = await self.gate.check(token)
        if verdict is not Verdict.OK:
            await _refusal(verdict, answer)(scope, receive, send)
            return
        key = token_id(token)
        scope["user"] = AuthenticatedUser(AccessToken(token=key, client_id=key, scopes=[]))
        await self.app(scope, receive, send)


def _unauthorized(message: str) -> ASGIApp:
    return error_response(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="zikra"'})


def _refusal(verdict: Verdict, answer: Answer | None) -> ASGIApp:
    error = answer.body.get("error", {}) if answer is not None and isinstance(answer.body, dict) else {}
    if verdict is Verdict.UNAUTHORIZED:
        refused = error.get("message") or "The bearer token is unknown or revoked."
        return _unauthorized(f"{refused} {ADD_HEADER}")
    return error_response(503, error.get("code", "n8n_unavailable"),
                          error.get("message", "n8n is unavailable: the token cannot be checked."))
