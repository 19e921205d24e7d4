"""The recall hooks against the real stack (n8n's /webhook/zikra, the worker, PostgreSQL), run as
Claude Code runs them: the brief at session start, the saved decision with a prompt about it,
nothing with an unrelated prompt, and nothing twice in one session."""

from __future__ import annotations

import json

import pytest
from conftest import Api
from hooks_support import hook_env

from zikra_worker import budget

# A project with distinctive memories, as a team would have after a few weeks.
MEMORIES = [
    ("requirement", "Every API answer is JSON", "Errors too: a client must never get an HTML page or a stack trace."),
    ("decision", "Sessions move from Redis to PostgreSQL",
     "We store web sessions in PostgreSQL instead of Redis, because a Redis restart logged everybody out "
     "and PostgreSQL is already backed up nightly. The sessions table is cleaned by a cron job."),
    ("decision", "Payment webhooks are retried with exponential backoff",
     "Stripe webhooks that fail are retried 5 times with exponential backoff and jitter, starting at 2 s; "
     "after that they land in the dead-letter table for a person to look at."),
    ("decision", "Feature flags live in LaunchDarkly",
     "Feature flags are managed in LaunchDarkly, not in environment variables, so product can flip them."),
    ("error", "ERR_CONN_RESET during deploy",
     "The connection pool is not drained before the API restarts, so in-flight requests fail with ERR_CONN_RESET."),
]
RELATED = "why did we move the web sessions out of Redis?"
UNRELATED = [
    "write a haiku about autumn leaves falling in a quiet park",
    "what is the boiling point of water at the top of mount everest",
    "translate good morning into italian and spanish",
]


@pytest.fixture
def seeded(n8n_url, tokens, project, tmp_path):
    """The project seeded through the public API, a folder naming it, and a machine pointed at n8n."""
    api = Api(n8n_url, tokens["writer"])
    ids = {}
    for memory_type, title, content in MEMORIES:
        answer = api.call("save_memory", project=project, title=title, content_md=content, memory_type=memory_type)
        assert answer.status_code == 201, answer.text
        ids[title] = answer.json()["id"]
    assert api.call("log_run", project=project, status="success",
                    output_summary="Moved the session store to PostgreSQL; all tests green.").status_code == 201
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / ".zikra").write_text(f"project = {project}\n")
    return hook_env(tmp_path, n8n_url, tokens["reader"]), folder, ids


def context_of(result, event: str) -> str:
    assert result.returncode == 0 and result.stderr == ""
    if not result.stdout.strip():
        return ""
    out = json.loads(result.stdout)["hookSpecificOutput"]
    assert out["hookEventName"] == event
    return out["additionalContext"]


def test_session_start_injects_the_projects_brief_with_ids(seeded):
    machine, folder, ids = seeded
    text = context_of(machine.run("session-start", stdin={"session_id": "e2e-brief", "source": "startup",
                                                          "cwd": str(folder)}), "SessionStart")
    assert "Every API answer is JSON" in text and "Sessions move from Redis to PostgreSQL" in text
    assert f"(id {ids['Sessions move from Redis to PostgreSQL']})" in text
    assert "ERR_CONN_RESET during deploy" in text and "Moved the session store" in text
    assert budget.count(text) <= 800


def test_a_prompt_about_a_saved_decision_gets_it_once_and_an_unrelated_prompt_gets_nothing(seeded):
    machine, folder, ids = seeded
    session = "e2e-prompts"

    def ask(prompt: str) -> str:
        return context_of(machine.run("prompt-recall", stdin={"session_id": session, "prompt": prompt,
                                                              "cwd": str(folder)}), "UserPromptSubmit")

    for prompt in UNRELATED:
        assert ask(prompt) == "", prompt
    text = ask(RELATED)
    decision = ids["Sessions move from Redis to PostgreSQL"]
    assert f"- [decision] Sessions move from Redis to PostgreSQL (id {decision})" in text
    assert "a Redis restart logged everybody out" in text and "LaunchDarkly" not in text
    assert budget.count(text) <= 400
    assert decision not in ask(RELATED + " Remind me of the reason.")
    webhook = ask("how are failed stripe payment webhooks retried?")
    assert ids["Payment webhooks are retried with exponential backoff"] in webhook and decision not in webhook
