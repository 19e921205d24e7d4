"""The bridge spreads webhook requests over several n8n base URLs (ZIKRA_N8N_WEBHOOK_URLS: webhook
processors in queue mode), round robin, skipping one that refuses connections, and answers a 503
naming n8n when none answers. Fake upstreams: two tiny local HTTP servers that say who they are."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from zikra_bridge import config
from zikra_bridge.app import create_app
from zikra_bridge.upstream import Upstream


class FakeN8n(ThreadingHTTPServer):
    """Answers every POST /webhook/zikra with 200 and its own name; counts what it received."""

    daemon_threads = True

    def __init__(self, name: str):
        self.name = name
        self.bodies: list[bytes] = []
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FakeN8n

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != config.WEBHOOK_PATH:
            self.send_error(404)
            return
        self.server.bodies.append(body)
        answer = json.dumps({"served_by": self.server.name}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def fakes() -> Iterator[list[FakeN8n]]:
    servers = [FakeN8n("a"), FakeN8n("b")]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def dead_url() -> str:
    """A base URL where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def served_by(bases: list[str], requests: int) -> list[tuple[int, object]]:
    """POST ``requests`` bodies through one Upstream; (status, who served or the error) of each."""

    async def run() -> list[tuple[int, object]]:
        upstream = Upstream(bases, timeout_s=5)
        try:
            found = []
            for n in range(requests):
                answer = await upstream.post(json.dumps({"n": n}).encode(), {"content-type": "application/json"})
                found.append((answer.status, answer.body.get("served_by") or answer.body["error"]))
            return found
        finally:
            await upstream.aclose()

    return asyncio.run(run())


def test_requests_go_to_each_upstream_in_turn(fakes: list[FakeN8n]):
    answers = served_by([s.base_url for s in fakes], 6)
    assert [who for _, who in answers] == ["a", "b", "a", "b", "a", "b"]
    assert [len(s.bodies) for s in fakes] == [3, 3]
    assert json.loads(fakes[0].bodies[1]) == {"n": 2}  # each body reaches exactly one upstream


def test_an_upstream_that_refuses_connections_is_skipped(fakes: list[FakeN8n]):
    answers = served_by([fakes[0].base_url, dead_url(), fakes[1].base_url], 6)
    assert all(status == 200 for status, _ in answers)
    # The dead one's turns go to the one after it.
    assert [who for _, who in answers] == ["a", "b", "b", "a", "b", "b"]
    assert sum(len(s.bodies) for s in fakes) == 6  # none lost, none sent twice


def test_when_no_upstream_answers_the_answer_is_a_503_naming_n8n():
    answers = served_by([dead_url(), dead_url()], 2)
    for status, error in answers:
        assert status == 503
        assert isinstance(error, dict) and error["code"] == "n8n_unavailable" and "n8n" in error["message"]


def test_one_url_keeps_the_single_upstream_behaviour(fakes: list[FakeN8n]):
    assert [who for _, who in served_by([fakes[1].base_url], 3)] == ["b", "b", "b"]
    assert [who for _, who in served_by(fakes[0].base_url + "/", 1)] == ["a"]  # a plain str, as before
    assert served_by(dead_url(), 1)[0][0] == 503


def test_the_setting_is_a_comma_separated_list_defaulting_to_none():
    assert config.load({})["N8N_WEBHOOK_URLS"] == ()
    loaded = config.load({"ZIKRA_N8N_WEBHOOK_URLS": "http://127.0.0.1:1/, http://127.0.0.1:2"})
    assert loaded["N8N_WEBHOOK_URLS"] == ("http://127.0.0.1:1", "http://127.0.0.1:2")


def test_the_public_webhook_spreads_over_the_processors_and_not_to_n8n_main(fakes: list[FakeN8n]):
    main = FakeN8n("main")
    thread = threading.Thread(target=main.serve_forever, daemon=True)
    thread.start()
    try:
        settings = config.load({}, N8N_URL=main.base_url, N8N_WEBHOOK_URLS=tuple(s.base_url for s in fakes))
        with TestClient(create_app(settings)) as client:
            who = [client.post(config.WEBHOOK_PATH, json={"command": "search", "query": "q"}).json()["served_by"]
                   for _ in range(4)]
            refused = client.post(config.WEBHOOK_PATH, content=b"{not json")
        assert who == ["a", "b", "a", "b"]
        assert main.bodies == []
        assert refused.status_code == 400  # the bridge's own checks come first, unchanged
    finally:
        main.shutdown()
        main.server_close()


def test_every_bridge_setting_is_in_the_bridge_docs_and_env_example():
    # tests/test_docs.py checks the worker's settings; this is the same check for the bridge's.
    repo = Path(__file__).resolve().parents[1]
    docs, example = (repo / "docs" / "mcp.md").read_text(), (repo / ".env.example").read_text()
    for setting in config.SETTINGS:
        name = "ZIKRA_" + setting.name
        assert f"`{name}`" in docs, f"{name} missing from docs/mcp.md's settings table"
        assert re.search(rf"^#? ?{name}=", example, re.M), f"{name} missing from .env.example"
    assert "`ZIKRA_N8N_WEBHOOK_URLS`" in (repo / "README.md").read_text()
