"""Every command an agent uses is an MCP tool with the API's name and arguments (SPEC §8), so an
agent can list, correct, archive and restore memories and read the runs over MCP; and what it saves
carries the agent's name (docs/mcp.md "Who saved it"). End to end through a real MCP Client
against the bridge, n8n and the worker."""

from __future__ import annotations

import re
from typing import Any

from conftest import REPO
from mcp_support import EXTRA_FIELDS, agent_commands, documented_fields
from test_mcp import error_text, over_http, run, structured
from zikra_bridge.agents import agent_of


def test_the_tools_are_every_command_but_token_management_with_the_apis_arguments(bridge_url, tokens):
    async def body() -> Any:
        async with over_http(bridge_url, tokens["reader"]) as client:
            return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in run(body)}
    assert set(tools) == agent_commands()
    documented = documented_fields()
    for name, tool in tools.items():
        required, optional = documented[name]
        properties = set(tool.input_schema["properties"])
        assert required | optional <= properties, f"{name} lacks {required | optional - properties}"
        assert properties - required - optional <= EXTRA_FIELDS, f"{name} has undocumented {properties}"
        assert set(tool.input_schema.get("required", [])) <= required, name
        assert "\n" not in (tool.description or "").split("\n\n")[0], f"{name}'s description is hard-wrapped"
    assert tools["update_memory"].input_schema["required"] == ["id"]
    assert tools["list_memories"].annotations.read_only_hint is True
    assert tools["archive_memory"].annotations.read_only_hint is False


def test_an_agent_corrects_archives_and_restores_a_memory_over_mcp(bridge_url, tokens, project, api):
    async def body() -> dict[str, Any]:
        async with over_http(bridge_url, tokens["writer"], project=project) as client:
            async def call(tool: str, **arguments: Any) -> dict[str, Any]:
                return structured(await client.call_tool(tool, arguments))

            saved = await call("save_memory", title="Session store", content_md="Sessions live in Redis.")
            steps = {"saved": saved,
                     "updated": await call("update_memory", id=saved["id"],
                                           content_md="Sessions moved from Redis to PostgreSQL.", tags=["sessions"]),
                     "explained": await call("search", query="where do sessions live?", explain=True),
                     "archived": await call("archive_memory", id=saved["id"]),
                     "hidden": await call("search", query="where do sessions live?"),
                     "listed": await call("list_memories", archived="only"),
                     "restored": await call("restore_memory", id=saved["id"]),
                     "found": await call("search", query="where do sessions live?"),
                     "elsewhere": await client.call_tool("archive_memory", {"id": saved["id"],
                                                                            "project": project + "-b"})}
            return steps

    steps = run(body)
    memory_id = steps["saved"]["id"]
    assert steps["updated"]["status"] == "updated" and steps["updated"]["tags"] == ["sessions"]
    assert [r["id"] for r in steps["explained"]["results"]] == [memory_id]
    assert "bm25" in steps["explained"]["results"][0]["explain"]
    assert steps["archived"]["status"] == "archived" and steps["archived"]["archived_at"]
    assert steps["hidden"]["count"] == 0
    assert [m["id"] for m in steps["listed"]["memories"]] == [memory_id]
    assert steps["restored"]["status"] == "restored" and steps["restored"]["archived_at"] is None
    assert [r["id"] for r in steps["found"]["results"]] == [memory_id]
    assert "404 not_found" in error_text(steps["elsewhere"])
    fetched = api.call("get_memory", id=memory_id).json()
    assert fetched["content_md"] == "Sessions moved from Redis to PostgreSQL." and fetched["archived_at"] is None


def test_a_reader_token_may_list_but_not_archive_over_mcp(bridge_url, tokens, project, api):
    saved = api.call("save_memory", project=project, title="Kept", content_md="Readers cannot archive this.").json()

    async def body() -> Any:
        async with over_http(bridge_url, tokens["reader"], project=project) as client:
            return (await client.call_tool("list_memories", {}), await client.call_tool("archive_memory",
                                                                                          {"id": saved["id"]}))

    listed, refused = run(body)
    assert [m["id"] for m in structured(listed)["memories"]] == [saved["id"]]
    assert error_text(refused).endswith("403 forbidden: A reader token may not run archive_memory.")


def test_saves_and_runs_over_mcp_carry_the_agent_named_by_the_clients_handshake(bridge_url, tokens, project,
                                                                                 api):
    async def body() -> Any:
        async with over_http(bridge_url, tokens["writer"], project=project,
                             client_name="gemini-cli-mcp-client") as client:
            saved = structured(await client.call_tool("save_memory", {"title": "From Gemini", "content_md": "x"}))
            structured(await client.call_tool("log_run", {"status": "success", "output_summary": "did x"}))
            runs = structured(await client.call_tool("list_runs", {}))
            return saved, runs

    saved, runs = run(body)
    assert api.call("get_memory", id=saved["id"]).json()["source"] == "gemini-cli"
    assert [r["agent"] for r in runs["runs"]] == ["gemini-cli"]


def test_the_docs_table_of_client_names_is_what_the_bridge_records():
    doc = (REPO / "docs" / "mcp.md").read_text()
    section = doc.split("## Who saved it", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", section, flags=re.M)
    assert len(rows) >= 8
    for client_name, agent in rows:
        assert agent_of(client_name) == agent, client_name
    assert agent_of(None) is None and agent_of("  ") is None
