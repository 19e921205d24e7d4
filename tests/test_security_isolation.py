"""Project isolation and roles, the cases test_api.py and test_mcp.py leave out: a memory of a
project the token may not read is invisible by id, over the webhook and over MCP; a project-limited
token is refused other projects over MCP too; a reader may run no write over MCP."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Api, assert_error
from test_mcp import error_text, over_http, run, structured

WRITES = (("save_memory", {"title": "t", "content_md": "c"}), ("save_requirement", {"title": "t", "content_md": "c"}),
          ("log_error", {"title": "t", "content_md": "c"}), ("save_prompt", {"prompt_name": "p", "content_md": "c"}),
          ("log_run", {"status": "success"}))


@pytest.fixture
def foreign(api: Api, project: str) -> dict[str, Any]:
    """A memory in a project neither the solo nor the pair token may read."""
    response = api.call("save_memory", project=project, title="Secret plan", content_md="the launch code is 0000")
    assert response.status_code == 201
    return {"id": response.json()["id"], "project": project}


def test_a_memory_of_another_project_is_404_by_id_and_absent_from_search_over_the_webhook(n8n_url, tokens, foreign):
    for name in ("solo", "pair"):
        limited = Api(n8n_url, tokens[name])
        assert_error(limited.call("get_memory", id=foreign["id"]), 404, "not_found")
        assert_error(limited.call("get_memory", id=foreign["id"], project=foreign["project"]), 403, "forbidden")
        assert_error(limited.call("get_memory", title="Secret plan", project=foreign["project"]), 403, "forbidden")
        assert_error(limited.call("search", project=foreign["project"], query="launch code"), 403, "forbidden")
    own = Api(n8n_url, tokens["pair"]).call("search", project="pair-a", query="launch code 0000").json()
    assert all(r["id"] != foreign["id"] for r in own["results"])
    # The unlimited reader may read it: the 404 above is the project rule, not a missing memory.
    assert Api(n8n_url, tokens["reader"]).call("get_memory", id=foreign["id"]).status_code == 200


def test_a_project_limited_token_is_refused_other_projects_over_mcp(bridge_url, tokens, foreign):
    async def body() -> Any:
        async with over_http(bridge_url, tokens["solo"]) as client:
            return (await client.call_tool("get_memory", {"id": foreign["id"]}),
                    await client.call_tool("search", {"project": foreign["project"], "query": "launch code"}),
                    await client.call_tool("save_memory", {"project": foreign["project"], "title": "x",
                                                           "content_md": "y"}),
                    await client.call_tool("search", {"query": "launch code"}))

    by_id, search, save, own = run(body)
    assert "404 not_found" in error_text(by_id)
    assert "403 forbidden" in error_text(search) and "403 forbidden" in error_text(save)
    assert all(r["project"] == "solo-project" for r in structured(own)["results"])


def test_a_search_over_mcp_sees_only_the_projects_it_names(bridge_url, tokens, project, api):
    api.call("save_memory", project=project + "-other", title="Elsewhere", content_md="the codeword is heron")

    async def body() -> Any:
        async with over_http(bridge_url, tokens["reader"]) as client:
            return structured(await client.call_tool("search", {"project": project, "query": "heron codeword"}))

    assert run(body)["count"] == 0


def test_a_reader_may_run_no_write_over_mcp_and_nothing_is_stored(bridge_url, tokens, project, db):
    async def body() -> Any:
        async with over_http(bridge_url, tokens["reader"]) as client:
            return [await client.call_tool(command, {"project": project, **fields}) for command, fields in WRITES]

    for (command, _), result in zip(WRITES, run(body)):
        assert f"403 forbidden: A reader token may not run {command}." in error_text(result)
    for table in ("memories", "prompts", "runs"):
        assert db.execute(f"SELECT count(*) AS n FROM {table} WHERE project = %s", (project,)).fetchone()["n"] == 0


def test_a_revoked_token_is_refused_on_the_webhook_and_on_mcp(n8n_url, bridge_url, worker):
    created = worker.post("/tokens/create", {"owner": "leaver", "role": "admin"}).json()
    assert Api(n8n_url, created["token"]).call("stats").status_code == 200
    worker.post("/tokens/revoke", {"id": created["id"]})
    assert_error(Api(n8n_url, created["token"]).call("stats"), 401, "unauthorized")
    assert_error(Api(bridge_url, created["token"]).call("stats"), 401, "unauthorized")
