"""POST commands to Zikra's public webhook with a short timeout (urllib: no third-party start-up cost)."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import urllib.error
import urllib.request
from typing import Any

from . import AGENT
from .config import MAX_REQUEST_TIMEOUT_S, Config
from .errors import Rejected, Unavailable

logger = logging.getLogger(__name__)

MAX_KEY_CHARS = 200
# A refusal of this one request; anything else (401, 404, 429, 5xx) would hit every request.
REJECTING_STATUSES = frozenset({400, 403, 413, 422})


def idempotency_key(session_id: str, project: str, what: str) -> str:
    """A key the API honours once per token owner, the same every time for the same session,
    project and thing: ``claude-code:<session>:<project>:<what>``, hashed past 200 characters.
    (The project is part of it because keys are per token owner, not per project.)"""
    key = f"{AGENT}:{session_id}:{project}:{what}"
    if len(key) <= MAX_KEY_CHARS:
        return key
    return f"{AGENT}:{hashlib.sha256(key.encode()).hexdigest()}"


def post(config: Config, body: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """POST one command and return the JSON answer.

    Raises:
        Rejected: the server refused this request (400, 403, 413, 422).
        Unavailable: no answer within the timeout, no JSON object, or any other failing status.
    """
    timeout = min(timeout if timeout is not None else config.timeout_s, MAX_REQUEST_TIMEOUT_S)
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "User-Agent": "zikra-hooks/0.1"}
    if config.token:
        headers["Authorization"] = f"Bearer {config.token}"
    request = urllib.request.Request(config.webhook_url, data=json.dumps(body).encode(), headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=max(timeout, 0.05)) as response:
            return _json_object(response.read(), response.status)
    except urllib.error.HTTPError as exc:
        status, payload = exc.code, _safe_json(exc.read())
        error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
        code, message = str(error.get("code") or "http_error"), str(error.get("message") or exc.reason)
        if status in REJECTING_STATUSES:
            raise Rejected(status, code, message) from None
        raise Unavailable(f"{status} {code}: {message}") from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Unavailable(f"{type(reason).__name__}: {reason}") from None


def _safe_json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _json_object(raw: bytes, status: int) -> dict[str, Any]:
    """A 2xx answer must be a JSON object: anything else is not Zikra (a wrong URL), so not sent."""
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise Unavailable(f"{status} answer is not a JSON object: is ZIKRA_URL Zikra's base URL?")
    return value
