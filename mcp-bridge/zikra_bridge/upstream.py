"""The bridge's one way to n8n: POST a body to ``/webhook/zikra`` and get back an answer that is always
JSON in SPEC §6's shape on failure, never an HTML page or a stack trace.

With several base URLs (n8n webhook processors in queue mode), requests go to each in turn; one
that refuses the connection is skipped (nothing was sent to it, so the next may take the request)."""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx2

from .config import WEBHOOK_PATH
from .errors import error_body, is_api_error

logger = logging.getLogger(__name__)

# The codes of SPEC §6 for the statuses n8n might answer without our workflow's JSON.
CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 413: "payload_too_large"}


@dataclass(frozen=True)
class Answer:
    """n8n's answer: status, parsed JSON body and the exact bytes to send on."""

    status: int
    body: Any
    content: bytes

    @classmethod
    def of(cls, status: int, body: Any) -> "Answer":
        """An answer the bridge makes itself."""
        return cls(status, body, json.dumps(body).encode())


def unavailable(message: str) -> Answer:
    """A 503 naming n8n as the dependency that is down."""
    return Answer.of(503, error_body("n8n_unavailable", message))


def sanitize(status: int, content: bytes) -> Answer:
    """Keep n8n's answer when it is JSON (and, for a failure, in our error shape); else a JSON error.

    A 404 without our shape means n8n does not serve the webhook (the workflow is not active):
    that is the API being down, so a 503, not a 404 the client would take for "no such memory".
    Other failures keep their status; 5xx become 503 (a dependency failed).
    """
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if body is not None and (status < 400 or is_api_error(body)):
        return Answer(status, body, content)
    logger.warning("n8n answered %s without usable JSON; replaced", status, extra={"bytes": len(content)})
    if status == 404:
        return unavailable("n8n does not serve the Zikra API webhook: is the workflow published and n8n ready?")
    if status >= 500 or status < 400:
        return unavailable(f"n8n failed ({status}) without a usable answer; see n8n's log.")
    return Answer.of(status, error_body(CODES.get(status, "invalid_request"), f"n8n refused the request ({status})."))


class Upstream:
    """An HTTP client of n8n's webhook (or of several, round robin), with a keep-alive connection pool."""

    def __init__(self, base_url: str | Sequence[str], timeout_s: float, trust_env: bool = False):
        bases = [base_url] if isinstance(base_url, str) else list(base_url)
        if not bases:
            raise ValueError("no n8n base URL")
        self.webhook_urls = tuple(base.rstrip("/") + WEBHOOK_PATH for base in bases)
        self.webhook_url = self.webhook_urls[0]
        self._turn = itertools.count()
        self._timeout_s = timeout_s
        self._client = httpx2.AsyncClient(timeout=timeout_s, trust_env=trust_env)

    async def post(self, content: bytes, headers: Mapping[str, str]) -> Answer:
        """POST raw JSON bytes with the given headers to the next webhook URL (the one after it when it
        refuses the connection); never raises for n8n's failures."""
        first = next(self._turn)
        count = len(self.webhook_urls)
        for step in range(count):
            url = self.webhook_urls[(first + step) % count]
            try:
                reply = await self._client.post(url, content=content, headers=dict(headers))
            except httpx2.ConnectError as exc:
                # Refused before anything was sent: safe to give the request to the next one.
                logger.warning("n8n unreachable: %s", type(exc).__name__, extra={"url": url})
                continue
            except httpx2.TimeoutException:
                return unavailable(f"n8n did not answer within {self._timeout_s:g} s.")
            except httpx2.HTTPError as exc:
                logger.warning("n8n unreachable: %s", type(exc).__name__, extra={"url": url})
                return unavailable("n8n is unreachable; is it running? (zikra status)")
            return sanitize(reply.status_code, reply.content)
        return unavailable("n8n is unreachable; is it running? (zikra status)")

    async def command(self, authorization: str | None, fields: Mapping[str, Any]) -> Answer:
        """Send one API command (``fields`` holds ``command``) with the caller's Authorization header."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if authorization:
            headers["Authorization"] = authorization
        return await self.post(json.dumps(fields).encode(), headers)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
