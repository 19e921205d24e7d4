"""The recall hooks for Gemini CLI and Codex: the output each agent's code parses (as read in the
pinned versions, docs/claude-code.md "Gemini CLI and Codex"), failing open as Claude Code's do,
and ``install --client`` merging into each agent's own file beside the user's entries and
``uninstall --client`` taking out exactly that. Run as the agents run them, in a temporary HOME."""

from __future__ import annotations

import json

import pytest
from hooks_support import closed_port_url, hook_env
from test_hooks_recall import BRIEF, PROMPT_LIMIT_S, SESSION, StubApi, hanging_server, memory

from zikra_hooks import clients

GEMINI_USER_SETTINGS = {
    "security": {"auth": {"selectedType": "gemini-api-key"}},
    "mcpServers": {"zikra": {"httpUrl": "http://localhost:7723/mcp", "headers": {"Authorization": "Bearer ${ZIKRA_TOKEN}"}}},
    "hooks": {"BeforeTool": [{"matcher": "run_shell_command",
                              "hooks": [{"type": "command", "command": "~/bin/guard.sh", "timeout": 5000}]}],
              "SessionStart": [{"hooks": [{"type": "command", "command": "~/bin/hello.sh"}]}]},
}
CODEX_USER_HOOKS = {"hooks": {"UserPromptSubmit": [{"hooks": [{"type": "command", "command": "~/bin/scan-secrets.sh"}]}]}}
# What each agent's prompt hook gets on stdin (the fields the hooks read).
PROMPT_PAYLOADS = {
    "gemini": {"session_id": SESSION, "transcript_path": "", "cwd": "/srv/acme-api", "hook_event_name": "BeforeAgent",
               "timestamp": "2026-12-04T10:00:00.000Z", "prompt": "why did we move the sessions to postgres?"},
    "codex": {"session_id": SESSION, "transcript_path": None, "cwd": "/srv/acme-api", "hook_event_name": "UserPromptSubmit",
              "model": "gpt-5", "permission_mode": "default", "turn_id": "t1",
              "prompt": "why did we move the sessions to postgres?"},
}
START_PAYLOADS = {
    "gemini": {"session_id": SESSION, "transcript_path": "", "cwd": "/srv/acme-api", "hook_event_name": "SessionStart",
               "timestamp": "2026-12-04T10:00:00.000Z", "source": "startup"},
    "codex": {"session_id": SESSION, "transcript_path": None, "cwd": "/srv/acme-api", "hook_event_name": "SessionStart",
              "model": "gpt-5", "permission_mode": "default", "source": "startup"},
}
PROMPT_EVENT = {"gemini": "BeforeAgent", "codex": "UserPromptSubmit"}


@pytest.fixture
def stub():
    api = StubApi()
    yield api
    api.close()


def context_of(result, event: str) -> str:
    """The context a hook's stdout adds: ``hookSpecificOutput`` alone (Codex's output schemas
    allow no other field here), naming the agent's event; '' for no output. Nothing on stderr:
    Gemini CLI parses stderr as the hook's output when stdout is empty."""
    assert result.returncode == 0 and result.stderr == ""
    if not result.stdout.strip():
        return ""
    out = json.loads(result.stdout)
    assert out == {"hookSpecificOutput": {"hookEventName": event, "additionalContext": out["hookSpecificOutput"]
                                          ["additionalContext"]}}
    return out["hookSpecificOutput"]["additionalContext"]


@pytest.mark.parametrize("client", ["gemini", "codex"])
def test_each_agent_gets_the_brief_and_the_prompts_memories_in_the_shape_its_code_parses(tmp_path, stub, client):
    target = memory("Sessions live in PostgreSQL", "Redis restarts logged everybody out.", relevance=0.8)
    stub.answers.update(brief=BRIEF, search={"results": [target]})
    machine = hook_env(tmp_path, stub.url)
    brief = context_of(machine.run("session-start", "--client", client, stdin=START_PAYLOADS[client]), "SessionStart")
    assert brief == BRIEF["text"]
    recalled = context_of(machine.run("prompt-recall", "--client", client, stdin=PROMPT_PAYLOADS[client]),
                          PROMPT_EVENT[client])
    assert f"Sessions live in PostgreSQL (id {target['id']})" in recalled
    assert context_of(machine.run("prompt-recall", "--client", client, stdin=PROMPT_PAYLOADS[client]),
                      PROMPT_EVENT[client]) == "", "the same memory twice in one session"
    assert stub.searches()[0]["project"] == "acme-api"


def test_the_brief_gemini_cli_put_into_the_prompt_is_not_searched_for(tmp_path, stub):
    stub.answers.update(search={"results": []})
    machine = hook_env(tmp_path, stub.url)
    typed = "why did we move the sessions to postgres?"
    payload = {**PROMPT_PAYLOADS["gemini"], "prompt": f"<hook_context>{BRIEF['text']}</hook_context>\n\n{typed}"}
    machine.run("prompt-recall", "--client", "gemini", stdin=payload)
    assert stub.searches()[0]["query"] == typed


def test_without_client_the_hooks_answer_claude_code_as_before(tmp_path, stub):
    stub.answers.update(search={"results": [memory("Sessions live in PostgreSQL", "Because.", relevance=0.8)]})
    machine = hook_env(tmp_path, stub.url)
    payload = {**PROMPT_PAYLOADS["codex"], "hook_event_name": "UserPromptSubmit"}
    assert context_of(machine.run("prompt-recall", stdin=payload), "UserPromptSubmit")
    assert context_of(machine.run("prompt-recall", "--client", "nobody", stdin={**payload, "session_id": "s2"}),
                      "UserPromptSubmit"), "an unknown client is answered as Claude Code, never an error"


@pytest.mark.parametrize("client", ["gemini", "codex"])
@pytest.mark.parametrize("kind", ["down", "hanging"])
def test_with_the_server_down_or_hanging_each_agents_hooks_print_nothing_within_the_limit(tmp_path, client, kind):
    server = None
    if kind == "down":
        url = closed_port_url()
    else:
        server, url = hanging_server()
    machine = hook_env(tmp_path, url)
    try:
        result, elapsed = machine.timed("prompt-recall", "--client", client, stdin=PROMPT_PAYLOADS[client])
        assert context_of(result, PROMPT_EVENT[client]) == "" and elapsed < PROMPT_LIMIT_S, elapsed
        result, elapsed = machine.timed("session-start", "--client", client, stdin=START_PAYLOADS[client])
        assert context_of(result, "SessionStart") == "" and elapsed < 1.5, elapsed
    finally:
        if server is not None:
            server.close()


def agent_file(machine, client: str):
    return clients.named(client).settings_path(machine.home)


@pytest.mark.parametrize("client, user_file", [("gemini", GEMINI_USER_SETTINGS), ("codex", CODEX_USER_HOOKS)])
def test_install_client_merges_the_two_recall_hooks_beside_the_users_own_and_uninstall_restores_the_file(
        tmp_path, client, user_file):
    machine = hook_env(tmp_path, closed_port_url())
    path = agent_file(machine, client)
    path.parent.mkdir(parents=True)
    text = json.dumps(user_file, indent=4) + "\n"
    path.write_text(text)
    done = machine.run("install", "--client", client)
    assert done.returncode == 0, done.stderr
    assert "trust" in done.stdout
    merged = json.loads(path.read_text())
    assert {k: v for k, v in merged.items() if k != "hooks"} == {k: v for k, v in user_file.items() if k != "hooks"}
    for event, groups in user_file["hooks"].items():
        assert merged["hooks"][event][:len(groups)] == groups, "the user's hooks come first, untouched"
    ours = {event: [h for g in groups for h in g["hooks"] if "zikra_hooks" in h["command"]]
            for event, groups in merged["hooks"].items()}
    want = clients.named(client).events
    assert {event for event, found in ours.items() if found} == set(want)
    for event, sub in want.items():
        (entry,) = ours[event]
        assert entry["command"].endswith(f"-m zikra_hooks {sub} --client {client}")
        assert entry["timeout"] == (3000 if client == "gemini" else 3)
    assert "statusLine" not in merged
    if client == "codex":
        assert set(merged) == {"hooks"}, "Codex refuses a hooks.json with any other root key"

    again = machine.run("install", "--client", client)
    assert again.returncode == 0 and json.loads(path.read_text()) == merged, "twice is once"
    assert machine.run("uninstall", "--client", client).returncode == 0
    assert path.read_text() == text


@pytest.mark.parametrize("client", ["gemini", "codex"])
def test_install_client_creates_the_agents_file_and_uninstall_removes_it_again(tmp_path, client):
    machine = hook_env(tmp_path, closed_port_url())
    assert machine.run("install", "--client", client).returncode == 0
    path = agent_file(machine, client)
    assert path.exists() and not (machine.home / ".claude").exists()
    assert machine.run("uninstall", "--client", client).returncode == 0
    assert not path.exists()


def test_installing_for_another_agent_leaves_claude_codes_hooks_alone(tmp_path):
    machine = hook_env(tmp_path, closed_port_url())
    assert machine.run("install").returncode == 0
    claude = (machine.home / ".claude" / "settings.json").read_text()
    assert machine.run("install", "--client", "gemini").returncode == 0
    assert machine.run("uninstall", "--client", "gemini").returncode == 0
    assert (machine.home / ".claude" / "settings.json").read_text() == claude


def test_trust_without_a_runnable_codex_says_so_in_one_line_and_keeps_the_install(tmp_path):
    machine = hook_env(tmp_path, closed_port_url())
    done = machine.run("install", "--client", "codex", "--trust", "--codex", str(tmp_path / "no-codex"))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "installed, but not trusted: cannot run" in done.stderr
    assert "zikra_hooks prompt-recall --client codex" in agent_file(machine, "codex").read_text()
