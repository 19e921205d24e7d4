"""The project brief (SPEC §9, Recall): the worker's /brief under a policy, and the public `brief`
command through n8n, whose "Brief policy" node decides what goes in."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from conftest import assert_error

from zikra_worker import budget
from zikra_worker.brief import in_rounds, pack_brief, parse_policy

REPO = Path(__file__).resolve().parents[1]
POLICY = {"max_tokens": 800, "item_max_tokens": 150, "sections": [
    {"title": "Requirements", "memory_type": "requirement", "limit": 5},
    {"title": "Latest decisions", "memory_type": "decision", "limit": 5},
    {"title": "Open errors", "memory_type": "error", "limit": 3, "days": 30, "exclude_tags": ["resolved"]},
    {"title": "Last run", "source": "runs", "limit": 1},
]}


def workflow_policy() -> dict:
    """The policy in the API workflow's "Brief policy" node, as n8n sends it."""
    workflow = json.loads((REPO / "n8n-workflows" / "zikraApiRouter01.json").read_text())
    (node,) = [n for n in workflow["nodes"] if n["name"] == "Brief policy"]
    return json.loads(node["parameters"]["jsonOutput"])


def item(kind: str, n: int, words: int = 10) -> dict:
    return {"id": str(uuid.uuid4()), "type": kind, "title": f"{kind} {n}", "content_md": " ".join(["word"] * words),
            "updated_at": "2026-12-04T00:00:00+00:00"}


def test_items_are_taken_in_rounds_so_one_long_section_cannot_crowd_out_the_others():
    sections = [[item("requirement", i) for i in range(5)], [item("decision", 0)], [item("error", i) for i in range(2)]]
    assert [i["title"] for i in in_rounds(sections)] == [
        "requirement 0", "decision 0", "error 0", "requirement 1", "error 1", "requirement 2", "requirement 3",
        "requirement 4"]


@pytest.mark.parametrize("max_tokens", [60, 120, 300, 800])
def test_the_packed_brief_never_exceeds_its_budget_and_keeps_ids_and_types(max_tokens):
    policy = parse_policy({"policy": POLICY})
    sections = [[item("requirement", i, 200) for i in range(5)], [item("decision", i, 80) for i in range(5)],
                [item("error", 0, 40)], [item("run", 0, 30)]]
    kept, text, truncated = pack_brief("web", policy, sections, max_tokens)
    assert budget.count(text) <= max_tokens and truncated
    for one in kept:
        assert f"[{one['type']}] {one['title']} (id {one['id']})" in text
    if max_tokens >= 300:
        assert {one["type"] for one in kept} >= {"requirement", "decision"}


def test_nothing_to_say_is_an_empty_brief():
    kept, text, truncated = pack_brief("web", parse_policy({"policy": POLICY}), [[], [], [], []], 800)
    assert (kept, text, truncated) == ([], "", False)


@pytest.mark.parametrize("policy, where", [
    (None, "policy"), ({"sections": []}, "policy"), ({"sections": [{"memory_type": "nope"}]}, "sections[0].memory_type"),
    ({"sections": [{"source": "files"}]}, "sections[0].source"),
    ({"sections": [{"memory_type": "decision", "limit": 500}]}, "sections[0]"),
    ({"sections": [{"memory_type": "decision"}], "max_tokens": 0}, "max_tokens"),
])
def test_a_malformed_policy_is_a_400_naming_where(worker, policy, where):
    response = worker.post("/brief", {"project": "p", "policy": policy})
    error = assert_error(response, 400, "invalid_request")
    assert error["field"] == "policy" and where in error["message"]


def seed(worker, project: str) -> dict[str, str]:
    """A project with a requirement, two decisions, an open and a resolved error, and a run."""
    ids = {
        "req": worker.save(project, "Every API answer is JSON", "Errors too: never an HTML page.",
                           memory_type="requirement")["id"],
        "old": worker.save(project, "Sessions in Redis", "We keep sessions in Redis for now.")["id"],
        "new": worker.save(project, "Sessions move to PostgreSQL", "Redis goes: one store less to run.")["id"],
        "err": worker.save(project, "ERR_CONN_RESET on deploy", "The pool is not drained first.",
                           memory_type="error")["id"],
        "fixed": worker.save(project, "Flaky login test", "Fixed by waiting on the cookie.", memory_type="error",
                             tags=["resolved"])["id"],
    }
    response = worker.post("/log_run", {"project": project, "status": "success",
                                        "output_summary": "Moved the session store; tests green."})
    ids["run"] = response.json()["id"]
    return ids


def test_the_worker_brief_holds_each_section_newest_first_without_resolved_errors(worker, project):
    ids = seed(worker, project)
    body = worker.post("/brief", {"project": project, "policy": POLICY}).json()
    assert [(i["section"], i["id"]) for i in body["items"]] == [
        ("Requirements", ids["req"]), ("Latest decisions", ids["new"]), ("Open errors", ids["err"]),
        ("Last run", ids["run"]), ("Latest decisions", ids["old"])]
    assert body["tokens_used"] == budget.count(body["text"]) <= body["max_tokens"] == 800
    text = body["text"]
    assert text.index("## Requirements") < text.index("## Latest decisions") < text.index("## Open errors")
    assert text.index("Sessions move to PostgreSQL") < text.index("Sessions in Redis")
    assert f"(id {ids['new']})" in text and "[error] ERR_CONN_RESET on deploy" in text
    assert "Flaky login test" not in text and "Moved the session store" in text
    assert worker.post("/brief", {"project": "no-such-" + project, "policy": POLICY}).json()["text"] == ""


def test_the_worker_brief_reinforces_nothing(worker, project, db):
    ids = seed(worker, project)
    worker.post("/brief", {"project": project, "policy": POLICY})
    row = db.execute("SELECT access_count FROM memories WHERE id = %s", (ids["new"],)).fetchone()
    assert row["access_count"] == 0


def test_brief_over_the_api_uses_the_workflow_policy_and_the_budget(api, worker, tokens, project):
    ids = seed(worker, project)
    response = api.call("brief", project=project, token=tokens["reader"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["command"] == "brief" and body["max_tokens"] == workflow_policy()["max_tokens"]
    titles = [s["title"] for s in workflow_policy()["sections"]]
    assert [i["section"] for i in body["items"]][:4] == titles
    assert {i["id"] for i in body["items"]} == {ids["req"], ids["new"], ids["old"], ids["err"], ids["run"]}
    small = api.call("project_brief", project=project, max_tokens=100).json()
    assert small["alias"] == "project_brief" and small["tokens_used"] <= 100 and small["truncated"]
    assert small["items"] and small["items"][0]["id"] == ids["req"]


def test_brief_over_the_api_keeps_projects_apart_and_checks_the_token(api, tokens, worker, project):
    seed(worker, project)
    assert_error(api.call("brief", project=project, token="zk_unknown"), 401, "unauthorized")
    assert_error(api.call("brief", project=project, token=tokens["solo"]), 403, "forbidden")
    assert_error(api.call("brief", project=[project, "other"]), 400, "invalid_request", "project")
    assert api.call("brief", token=tokens["solo"]).json()["project"] == "solo-project"


def test_the_brief_tool_over_mcp_returns_the_same_brief_as_the_webhook(bridge_url, api, worker, tokens, project):
    from test_mcp import over_http, run, structured

    ids = seed(worker, project)

    async def body():
        async with over_http(bridge_url, tokens["reader"], project=project) as client:
            return structured(await client.call_tool("brief", {"max_tokens": 500}))

    answer = run(body)
    assert answer["command"] == "brief" and answer["project"] == project and answer["tokens_used"] <= 500
    assert answer["items"][0]["id"] == ids["req"] and f"(id {ids['new']})" in answer["text"]
    assert answer["text"] == api.call("brief", project=project, max_tokens=500).json()["text"]
