"""No token in any log: requests with known tokens go through the whole stack (webhook, the bridge's
webhook, MCP over streamable HTTP and SSE; accepted, refused and failing ones), then every service's
log is searched for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import Api
from test_mcp import over_http, over_sse, run


def _fragments(token: str) -> list[str]:
    """The token, its secret part, and a slice of it a partial leak would show."""
    secret = token.removeprefix("zk_")
    return [token, secret, secret[8:24]]


def _exercise(n8n_url: str, bridge_url: str, token: str, project: str) -> None:
    for base in (n8n_url, bridge_url):
        client = Api(base, token)
        assert client.call("save_memory", project=project, title="Logged?", content_md="no").status_code in (200, 201)
        assert client.call("search", project=project, query="logged").status_code == 200
        client.call("get_memory", project=project, id="not-a-uuid")  # 400 from the worker
        client.call("get_memory", project=project, title="missing")  # 404
        client.call("teleport")  # 400 from the workflow
        client.raw(b"\xff not json", {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        client.raw("{}", {"Authorization": f"Basic {token}", "Content-Type": "application/json"})
        client.raw("{}", {"Authorization": f"Bearer {token}x", "Content-Type": "application/json"})

    async def body() -> Any:
        async with over_http(bridge_url, token) as client:
            await client.call_tool("search", {"project": project, "query": "logged"})
            await client.call_tool("get_memory", {"project": project, "title": "missing"})
        async with over_sse(bridge_url, token, project) as client:
            await client.call_tool("save_memory", {"title": "Over SSE", "content_md": "x"})

    run(body)


def test_no_token_reaches_any_services_log(n8n_url, bridge_process, worker_process, pg, n8n_pg, zikra_home,
                                            worker, db, project):
    writer = worker.post("/tokens/create", {"owner": "log-probe", "role": "writer"}).json()
    reader = worker.post("/tokens/create", {"owner": "log-reader", "role": "reader"}).json()
    limited = worker.post("/tokens/create", {"owner": "log-limited", "role": "writer"}).json()
    revoked = worker.post("/tokens/create", {"owner": "log-revoked", "role": "writer"}).json()
    worker.post("/tokens/revoke", {"id": revoked["id"]})
    unknown = "zk_" + "UnknownTokenThatLooksReal0123456789abcdefghij"

    _exercise(n8n_url, bridge_process.url, writer["token"], project)
    Api(n8n_url, reader["token"]).call("save_memory", project=project, title="t", content_md="c")  # 403
    for token in (revoked["token"], unknown):  # 401 at the token check
        Api(n8n_url, token).call("search", project=project, query="x")
        Api(bridge_process.url, token).call("search", project=project, query="x")
    # Over its limit: the token check refuses it (whatever the workflow makes of that).
    Api(n8n_url, limited["token"]).call("stats")
    db.execute("UPDATE token_rate_windows SET requests = 1000000 WHERE token_id = %s", (limited["id"],))
    Api(n8n_url, limited["token"]).call("stats")
    db.execute("UPDATE token_rate_windows SET requests = 0 WHERE token_id = %s", (limited["id"],))

    logs: dict[str, Path] = {"worker": worker_process.log_path, "n8n": zikra_home / "n8n.log",
                             "bridge": bridge_process.log_path, "postgresql": pg.log_file,
                             "n8n's postgresql": n8n_pg.log_file}
    texts = {name: path.read_text(errors="replace") for name, path in logs.items()}
    assert texts["worker"].count('"path": "/tokens/verify"') >= 10, "the worker log is not being captured"
    assert '"status": 401' in texts["worker"] and texts["bridge"].strip()
    for name, text in texts.items():
        for secret in (writer, reader, limited, revoked, {"token": unknown}):
            for fragment in _fragments(secret["token"]):
                assert fragment not in text, f"a token is in the {name} log ({logs[name]})"
