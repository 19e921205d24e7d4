"""Rate limiting end to end: a token over ZIKRA_RATE_LIMIT_PER_MINUTE gets the worker's 429, unchanged,
from the webhook, from the public URL and as an MCP tool error; other tokens are untouched."""

from __future__ import annotations

from typing import Any

from conftest import Api, assert_error
from test_mcp import error_text, over_http, run


def _exhaust(db, worker, token: dict[str, Any]) -> None:
    """Make the token's current window full (as 600 requests this minute would)."""
    assert worker.post("/tokens/verify", {"token": token["token"]}).status_code == 200
    db.execute("UPDATE token_rate_windows SET requests = 1000000, window_start = date_trunc('minute', now()) "
               "WHERE token_id = %s", (token["id"],))


def test_a_token_over_its_limit_gets_429_with_retry_after_on_the_webhook_and_mcp(n8n_url, bridge_url, worker, db,
                                                                                  tokens, project):
    noisy = worker.post("/tokens/create", {"owner": "noisy-e2e", "role": "writer"}).json()
    _exhaust(db, worker, noisy)
    for base in (n8n_url, bridge_url):
        response = Api(base, noisy["token"]).call("save_memory", project=project, title="t", content_md="c")
        error = assert_error(response, 429, "rate_limited")
        assert 1 <= error["retry_after_s"] <= 60

    async def body() -> Any:
        async with over_http(bridge_url, noisy["token"]) as client:
            return await client.call_tool("search", {"project": project, "query": "t"})

    assert "429 rate_limited" in error_text(run(body))
    assert db.execute("SELECT count(*) AS n FROM memories WHERE project = %s", (project,)).fetchone()["n"] == 0
    # Another token is not slowed by this one.
    assert Api(n8n_url, tokens["writer"]).call("search", project=project, query="t").status_code == 200
