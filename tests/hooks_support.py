"""Helpers of the Claude Code hook tests: fixture transcripts and payloads, and running
``python -m zikra_hooks`` as Claude Code does (a subprocess, JSON on stdin, a clean environment)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "claude"
SESSION_RETRIES = "7f3c2a91-5d4e-4b8a-9c1f-2e6d8a4b0c13"
SESSION_COMPACTED = "b81e6f02-93d7-4c55-a0e4-5f1a7c2d9e48"


def transcript(name: str) -> Path:
    """A fixture transcript's path."""
    return FIXTURES / name


def payload(event: str, **overrides: Any) -> dict[str, Any]:
    """A hook's stdin payload from ``fixtures/claude/payloads/<event>.json``, with the fixture
    folder filled in and ``overrides`` applied."""
    text = (FIXTURES / "payloads" / f"{event}.json").read_text().replace("{fixtures}", str(FIXTURES))
    return {**json.loads(text), **overrides}


def closed_port_url() -> str:
    """A loopback URL where nothing listens (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class HookEnv:
    """A temporary HOME and ZIKRA_HOOKS_HOME, and the environment a hook subprocess gets."""

    home: Path
    hooks_home: Path
    env: dict[str, str]

    @property
    def spool(self) -> Path:
        return self.hooks_home / "spool"

    def spooled(self) -> list[dict[str, Any]]:
        """The spooled commands, oldest first."""
        return [json.loads(p.read_text())["body"] for p in sorted(self.spool.glob("*.json"))]

    def log(self) -> str:
        path = self.hooks_home / "hooks.log"
        return path.read_text() if path.exists() else ""

    def run(self, *args: str, stdin: dict[str, Any] | str | None = None,
            timeout: float = 20, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``python -m zikra_hooks <args>`` with this environment (in ``cwd``); JSON ``stdin`` when given."""
        data = stdin if isinstance(stdin, str) or stdin is None else json.dumps(stdin)
        return subprocess.run([sys.executable, "-m", "zikra_hooks", *args], input=data or "",
                              capture_output=True, text=True, env=self.env, timeout=timeout, cwd=cwd)

    def timed(self, *args: str, stdin: dict[str, Any] | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
        """Run and return the result with its wall-clock seconds."""
        started = time.monotonic()
        result = self.run(*args, stdin=stdin)
        return result, time.monotonic() - started


def hook_env(tmp_path: Path, url: str, token: str = "zk_test_token_never_logged") -> HookEnv:
    """An environment of a person's machine: its own HOME, hooks home, Zikra URL and token."""
    home, hooks_home = tmp_path / "home", tmp_path / "zikra-hooks"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZIKRA_")}
    env.update(HOME=str(home), ZIKRA_HOOKS_HOME=str(hooks_home), ZIKRA_URL=url, ZIKRA_TOKEN=token)
    return HookEnv(home, hooks_home, env)


def wait_for(check: Any, timeout: float, what: str) -> Any:
    """Poll ``check()`` until truthy (returned); raise AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RecordingServer:
    """A loopback HTTP server that keeps every POST it receives (path, JSON body, Authorization
    header) in order and answers it with :meth:`answer`; subclasses say what to answer."""

    protocol = "HTTP/1.0"  # one request a connection, as the hooks' own client expects

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = stub.protocol

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                stub.requests.append({"path": self.path, "body": body,
                                      "authorization": self.headers.get("Authorization")})
                status, kind, data = stub.answer(self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, str, bytes]:
        """The status, content type and body that answer one request."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()
