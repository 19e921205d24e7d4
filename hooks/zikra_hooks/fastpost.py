"""One POST with a hard deadline, for the recall hooks that run before every prompt.

A plain-HTTP request goes over a raw socket: ``urllib.request`` alone costs ~40 ms to import on
our machines, a third of the recall hooks' whole budget, and its timeout bounds each socket
operation, not the request (a server that trickles bytes could hold it for minutes). Here every
connect, send and receive waits at most what is left until ``deadline``. HTTPS base URLs go
through ``client.post`` (urllib), whose timeout is the time left.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from .config import Config
from .errors import Unavailable

MAX_ANSWER_BYTES = 4 * 1024 * 1024


def post(config: Config, body: dict[str, Any], deadline: float) -> dict[str, Any]:
    """POST ``body`` as JSON to the webhook; the 2xx answer's JSON object.

    Raises:
        Unavailable: no 2xx JSON object before ``deadline`` (time.monotonic), for any reason.
    """
    if not config.webhook_url.startswith("http://"):
        return _post_https(config, body, deadline)
    netloc, _, path = config.webhook_url[len("http://"):].partition("/")
    host, _, port = netloc.rpartition(":") if netloc.rpartition(":")[2].isdigit() else (netloc, "", "80")
    token, data = config.token, json.dumps(body).encode()
    head = (f"POST /{path} HTTP/1.1\r\nHost: {netloc}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json\r\nUser-Agent: zikra-hooks/0.1\r\nConnection: close\r\n"
            f"Content-Length: {len(data)}\r\n" + (f"Authorization: Bearer {token}\r\n" if token else "") + "\r\n")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=_left(deadline)) as sock:
            sock.settimeout(_left(deadline))
            sock.sendall(head.encode("latin-1") + data)
            raw = _read_all(sock, deadline)
        return _answer(raw)
    except (OSError, ValueError, IndexError) as exc:  # refused, reset, timed out, bad host, garbage
        raise Unavailable(f"{type(exc).__name__}: {exc}") from None


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the hook's time is up")
    return left


def _read_all(sock: socket.socket, deadline: float) -> bytes:
    chunks, size = [], 0
    while True:
        sock.settimeout(_left(deadline))
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise ValueError("answer too large")


def _answer(raw: bytes) -> dict[str, Any]:
    """The JSON object of a complete HTTP/1.1 answer (Content-Length, chunked, or to EOF)."""
    head, sep, payload = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status_line = lines[0].split(" ", 2)
    if not sep or len(status_line) < 2 or not status_line[1].isdigit():
        raise Unavailable("not an HTTP answer")
    status = int(status_line[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if "chunked" in headers.get("transfer-encoding", "").lower():
        payload = _dechunk(payload)
    elif headers.get("content-length", "").isdigit():
        payload = payload[:int(headers["content-length"])]
    if not 200 <= status < 300:
        raise Unavailable(f"HTTP {status}")
    try:
        value = json.loads(payload)
    except ValueError:
        raise Unavailable(f"{status} answer is not JSON") from None
    if not isinstance(value, dict):
        raise Unavailable(f"{status} answer is not a JSON object")
    return value


def _dechunk(payload: bytes) -> bytes:
    out, rest = [], payload
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2:]
    return b"".join(out)


def _post_https(config: Config, body: dict[str, Any], deadline: float) -> dict[str, Any]:
    from . import client

    try:
        return client.post(config, body, timeout=_left(deadline))
    except TimeoutError as exc:
        raise Unavailable(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - Rejected included: recall has nothing to do with it
        raise Unavailable(f"{type(exc).__name__}: {exc}") from None
