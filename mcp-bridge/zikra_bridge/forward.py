"""``POST /webhook/zikra`` on the public port: the same request as n8n's own webhook, forwarded
unchanged, after the checks n8n does not make in SPEC §6's shape (bad JSON, oversize bodies)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response

from .errors import error_response
from .upstream import Upstream

# Not forwarded: hop-by-hop headers, and those the bridge sets itself for n8n.
DROPPED_HEADERS = frozenset({
    "host", "content-length", "content-type", "connection", "keep-alive", "transfer-encoding", "te", "trailer",
    "upgrade", "expect", "proxy-authorization", "proxy-connection", "accept-encoding",
})


class BodyTooLarge(Exception):
    """The request body is over the limit."""


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, read no further than ``limit`` bytes.

    Raises:
        BodyTooLarge: the declared or the actual length is over ``limit``.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def json_problem(body: bytes) -> str | None:
    """Why ``body`` is not valid JSON (as n8n would refuse it), or None when it is."""
    try:
        parsed = json.loads(body, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        return "The request body is not UTF-8 text."
    except json.JSONDecodeError as exc:
        return f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
    except ValueError as exc:
        return f"The request body is not valid JSON: {exc}."
    except RecursionError:
        return f"The request body is nested more than {MAX_JSON_DEPTH} levels deep."
    if _depth_exceeds(parsed, MAX_JSON_DEPTH):
        return f"The request body is nested more than {MAX_JSON_DEPTH} levels deep."
    return None


# No command needs more than a few levels. n8n's webhook never answers a body nested some
# thousands deep (it hangs that request), so such bodies stop here.
MAX_JSON_DEPTH = 64


def _depth_exceeds(value: object, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` deep (iterative: no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        children = current.values() if isinstance(current, dict) else current if isinstance(current, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def forwarded_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The client's headers (Authorization included) minus hop-by-hop ones; the body is JSON."""
    kept = {name: value for name, value in headers.items() if name.lower() not in DROPPED_HEADERS}
    kept["content-type"] = "application/json"
    return kept


def webhook_endpoint(upstream: Upstream, max_body_bytes: int) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint of ``POST /webhook/zikra``: check, forward, answer with n8n's status and JSON."""

    async def forward(request: Request) -> Response:
        try:
            body = await read_body(request, max_body_bytes)
        except BodyTooLarge:
            return error_response(413, "payload_too_large", f"The request body is larger than {max_body_bytes} bytes.")
        problem = json_problem(body)
        if problem:
            return error_response(400, "invalid_request", problem, field="body")
        answer = await upstream.post(body, forwarded_headers(request.headers))
        return Response(answer.content, status_code=answer.status, media_type="application/json")

    return forward
