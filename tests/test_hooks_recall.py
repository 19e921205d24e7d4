"""The recall hooks (session-start, prompt-recall) against a stub of the API: the output Claude Code
documents for context injection, the relevance bar, once per session, the budget, the switches in
config.json, the statusline, and failing open within the hard limit (down, hanging, trickling,
garbage)."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from typing import Any

import pytest
from hooks_support import RecordingServer, closed_port_url, hook_env

from zikra_hooks import config as settings
from zikra_hooks.prompt_recall import relevant_part
from zikra_hooks.statusline import line
from zikra_worker import budget

SESSION = "5d0c1f5e-8a41-4c59-9e0b-3f1f7f2a6c11"
# What a person notices: the hard limit of prompt recall (0.5 s + margin), with Python's start.
PROMPT_LIMIT_S = 1.0
BRIEF_LIMIT_S = 1.5


def memory(title: str, content: str, relevance: float | None, similarity: float = 0.6,
           memory_type: str = "decision") -> dict[str, Any]:
    parts = {"vector_rank": 1, "vector_similarity": similarity, "keyword_rank": None, "confidence": 1.0}
    if relevance is not None:
        parts["relevance"] = relevance
    return {"id": str(uuid.uuid4()), "title": title, "content_md": content, "memory_type": memory_type,
            "score": 0.3, "parts": parts}


class StubApi(RecordingServer):
    """A loopback stand-in for /webhook/zikra: canned answers per command, every request kept."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}
        super().__init__()

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, str, bytes]:
        known = body.get("command") in self.answers
        data = json.dumps(self.answers.get(body.get("command"), {"error": {"code": "x", "message": "x"}}))
        return 200 if known else 400, "application/json", data.encode()

    def searches(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["body"]["command"] == "search"]


@pytest.fixture
def stub():
    api = StubApi()
    yield api
    api.close()


@pytest.fixture
def machine(tmp_path, stub):
    return hook_env(tmp_path, stub.url, "zk_recall_token")


def prompt(text: str, session: str = SESSION, cwd: str = "/srv/acme-api") -> dict[str, Any]:
    return {"session_id": session, "hook_event_name": "UserPromptSubmit", "prompt": text, "cwd": cwd,
            "transcript_path": "/nonexistent.jsonl"}


def start(source: str = "startup", session: str = SESSION) -> dict[str, Any]:
    return {"session_id": session, "hook_event_name": "SessionStart", "source": source, "cwd": "/srv/acme-api",
            "transcript_path": "/nonexistent.jsonl"}


def injected(result, event: str) -> str:
    """The context a hook's stdout adds, in the shape Claude Code documents; '' for no output."""
    assert result.returncode == 0 and result.stderr == ""
    if not result.stdout.strip():
        return ""
    out = json.loads(result.stdout)
    assert list(out) == ["hookSpecificOutput"] and out["hookSpecificOutput"]["hookEventName"] == event
    return out["hookSpecificOutput"]["additionalContext"]


BRIEF = {"project": "acme-api", "text": "# Zikra brief: project acme-api\n## Latest decisions\n- [decision] "
         "Sessions move to PostgreSQL (id 11111111-1111-1111-1111-111111111111)\n  Redis goes.",
         "items": [{"id": "11111111-1111-1111-1111-111111111111", "type": "decision",
                    "title": "Sessions move to PostgreSQL"}], "tokens_used": 40, "max_tokens": 800}


def test_session_start_injects_the_brief_as_additional_context_for_every_source(machine, stub):
    stub.answers["brief"] = BRIEF
    for source in ("startup", "resume", "clear", "compact"):
        assert injected(machine.run("session-start", stdin=start(source)), "SessionStart") == BRIEF["text"]
    sent = stub.requests[-1]
    assert sent["body"] == {"command": "brief", "project": "acme-api", "max_tokens": 800}
    assert sent["authorization"] == "Bearer zk_recall_token"


def test_an_empty_brief_adds_nothing(machine, stub):
    stub.answers["brief"] = {**BRIEF, "text": "", "items": []}
    assert injected(machine.run("session-start", stdin=start()), "SessionStart") == ""


def test_a_prompt_gets_the_memories_that_pass_the_bar_with_id_type_title_and_content(machine, stub):
    good = memory("Sessions move to PostgreSQL", "Redis goes: one store less to run.", 0.8)
    weak = memory("Deploy on Fridays", "Never.", 0.2)
    stub.answers["search"] = {"results": [good, weak]}
    text = injected(machine.run("prompt-recall", stdin=prompt("why did we move sessions out of redis?")),
                    "UserPromptSubmit")
    assert f"- [decision] Sessions move to PostgreSQL (id {good['id']})" in text
    assert "Redis goes: one store less to run." in text and "Deploy on Fridays" not in text
    (sent,) = stub.searches()
    assert sent["query"] == "why did we move sessions out of redis?" and sent["project"] == "acme-api"
    assert sent["min_relevance"] == settings.DEFAULT_MIN_RELEVANCE


def test_without_a_relevance_in_the_answer_the_vector_similarity_is_the_bar(machine, stub):
    close, far = memory("Close", "about it", None, similarity=0.7), memory("Far", "not about it", None, similarity=0.1)
    stub.answers["search"] = {"results": [far, close]}
    text = injected(machine.run("prompt-recall", stdin=prompt("tell me about the close thing")), "UserPromptSubmit")
    assert "Close" in text and "Far" not in text


def test_nothing_passes_the_bar_so_nothing_is_printed(machine, stub):
    stub.answers["search"] = {"results": [memory("Unrelated", "x", 0.1), memory("Also", "y", None, similarity=0.2)]}
    assert injected(machine.run("prompt-recall", stdin=prompt("what is the capital of France?")),
                    "UserPromptSubmit") == ""


def test_a_memory_is_injected_once_per_session_and_the_brief_counts(machine, stub):
    first, second = memory("First", "one", 0.9), memory("Second", "two", 0.8)
    from_brief = memory("Sessions move to PostgreSQL", "Redis goes.", 0.9)
    from_brief["id"] = BRIEF["items"][0]["id"]
    stub.answers.update(brief=BRIEF, search={"results": [from_brief, first, second]})
    machine.run("session-start", stdin=start())
    text = injected(machine.run("prompt-recall", stdin=prompt("the first and the second thing")), "UserPromptSubmit")
    assert "First" in text and "Second" in text and "Sessions move" not in text
    assert injected(machine.run("prompt-recall", stdin=prompt("the first and the second again")),
                    "UserPromptSubmit") == ""
    other = injected(machine.run("prompt-recall", stdin=prompt("the first thing, new session", session="other")),
                     "UserPromptSubmit")
    assert "First" in other and "Sessions move" in other


def test_at_most_three_memories_within_400_tokens_each_with_the_part_that_matters(machine, stub):
    filler = "\n\n".join(f"Paragraph {i} about unrelated deployment matters and pipelines. " * 6 for i in range(8))
    long_one = filler + "\n\nThe retry budget is 5 attempts with jitter because the gateway drops bursts." + "\n\n" + filler
    stub.answers["search"] = {"results": [memory(f"Memory {i}", long_one, 0.9 - i / 100) for i in range(6)]}
    text = injected(machine.run("prompt-recall", stdin=prompt("what is our retry budget and why jitter?")),
                    "UserPromptSubmit")
    assert text.count("- [decision] Memory") == 3
    assert budget.count(text) <= 400
    assert text.count("The retry budget is 5 attempts with jitter") == 3


def test_relevant_part_keeps_short_content_whole_and_cuts_around_the_prompts_words():
    assert relevant_part("short", "anything", 100) == "short"
    content = "Intro about nothing.\n\nThe cache key is the tenant id.\n\nOutro."
    assert relevant_part(content, "what is the cache key?", 40) == "… The cache key is the tenant id."
    assert relevant_part(content, "what is the cache key?", 45) == "… The cache key is the tenant id.\n\nOutro."


@pytest.mark.parametrize("text", ["/compact", "ok", "yes do it", ""])
def test_slash_commands_and_short_prompts_ask_nothing(machine, stub, text):
    stub.answers["search"] = {"results": [memory("Any", "x", 0.9)]}
    assert injected(machine.run("prompt-recall", stdin=prompt(text)), "UserPromptSubmit") == ""
    assert stub.searches() == []


@pytest.mark.parametrize("text", ["ATL-8682", "src/app/db.py", "ERR_CONN_RESET", "useAuthStore"])
def test_a_prompt_of_one_identifier_does_ask(machine, stub, text):
    stub.answers["search"] = {"results": [memory("Any", "x", 0.9)]}
    assert "[decision] Any" in injected(machine.run("prompt-recall", stdin=prompt(text)), "UserPromptSubmit")
    assert [s["query"] for s in stub.searches()] == [text]


def test_each_hook_can_be_turned_off_in_config_json(machine, stub):
    stub.answers.update(brief=BRIEF, search={"results": [memory("Any", "x", 0.9)]})
    machine.hooks_home.mkdir(parents=True, exist_ok=True)
    (machine.hooks_home / "config.json").write_text(json.dumps({"recall_prompt": False, "recall_session_start": False}))
    assert injected(machine.run("session-start", stdin=start()), "SessionStart") == ""
    assert injected(machine.run("prompt-recall", stdin=prompt("anything at all here")), "UserPromptSubmit") == ""
    assert stub.requests == []


def test_the_statusline_shows_what_was_recalled_in_this_session(machine, stub):
    stub.answers["search"] = {"results": [memory("Sessions move to PostgreSQL", "Redis goes.", 0.9)]}
    machine.run("prompt-recall", stdin=prompt("why did sessions move?"))
    config = settings.load(machine.env)
    status = line({"session_id": SESSION, "cwd": "/srv/acme-api"}, config, spawn=False)
    assert "recalled 1 (last: Sessions move to PostgreSQL)" in status
    assert "recalled" not in line({"session_id": "other", "cwd": "/srv/acme-api"}, config, spawn=False)


def hanging_server(trickle: bool = False) -> tuple[socket.socket, str]:
    """A server that accepts and never answers (or answers one byte every 0.2 s)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                for one in accepted:
                    one.close()
                return
            accepted.append(conn)
            if trickle:
                threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn: socket.socket) -> None:
        try:
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{" + b" " * 100:
                conn.sendall(bytes([byte]))
                time.sleep(0.2)
        except OSError:
            pass

    threading.Thread(target=serve, daemon=True).start()
    return server, f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.mark.parametrize("kind", ["down", "hanging", "trickling", "garbage", "error"])
def test_with_the_server_down_slow_or_wrong_both_hooks_print_nothing_and_return_within_the_limit(tmp_path, stub, kind):
    server = None
    if kind == "down":
        url = closed_port_url()
    elif kind in ("hanging", "trickling"):
        server, url = hanging_server(trickle=kind == "trickling")
    else:
        if kind == "garbage":
            stub.answers.update(brief="not an object", search=[1, 2])
        url = stub.url
    machine = hook_env(tmp_path, url)
    try:
        for hook, stdin, event, limit in (("prompt-recall", prompt("why did we move sessions?"), "UserPromptSubmit",
                                           PROMPT_LIMIT_S), ("session-start", start(), "SessionStart", BRIEF_LIMIT_S)):
            result, elapsed = machine.timed(hook, stdin=stdin)
            assert injected(result, event) == "" and elapsed < limit, (hook, elapsed)
    finally:
        if server is not None:
            server.close()
    assert '"event": "failed"' in machine.log() or '"event": "time_up"' in machine.log()


def test_garbage_on_stdin_prints_nothing(machine):
    for hook in ("prompt-recall", "session-start"):
        result = machine.run(hook, stdin="not json at all")
        assert result.returncode == 0 and result.stdout == "" and result.stderr == ""


def test_the_raw_http_client_reads_content_length_chunked_and_to_the_end_answers():
    from zikra_hooks.errors import Unavailable
    from zikra_hooks.fastpost import _answer

    body = b'{"results": []}'
    assert _answer(b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n" + body + b"junk") == {"results": []}
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n" + body[:5] + b"\r\na\r\n" + body[5:] + b"\r\n0\r\n\r\n"
    assert _answer(chunked) == {"results": []}
    assert _answer(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body) == {"results": []}
    for raw in (b"", b"garbage", b"HTTP/1.1 503 Service Unavailable\r\n\r\n{}", b"HTTP/1.1 200 OK\r\n\r\n[1]",
                b"HTTP/1.1 200 OK\r\n\r\nnot json"):
        with pytest.raises(Unavailable):
            _answer(raw)
