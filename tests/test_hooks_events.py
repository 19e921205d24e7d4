"""What each hook does with its stdin, offline: SessionEnd, PreCompact and Stop build the right
commands, print nothing, exit 0 whatever they are given, and never log the token."""

from __future__ import annotations

import socket

import pytest
from hooks_support import SESSION_RETRIES, closed_port_url, hook_env, payload, transcript


@pytest.fixture
def machine(tmp_path):
    return hook_env(tmp_path, closed_port_url(), token="zk_secret_do_not_log")


def test_session_end_spools_the_decisions_then_a_run_log_built_from_the_transcript(machine):
    assert machine.run("session-end", stdin=payload("session-end")).returncode == 0
    *decisions, run = machine.spooled()
    assert [d["title"] for d in decisions] == [
        "Use a hand-written loop", "Retries live in the client, not in the callers",
        "Honour Retry-After on 429 instead of our own backoff",
        "The staging API returns 503 during the nightly deploy at 02:00 UTC"]
    assert all(d["memory_type"] == "decision" and d["project"] == "acme-api" and d["source"] == "claude-code"
               for d in decisions)
    assert "in answer to: “The webhook client" in decisions[0]["content_md"]
    assert run["command"] == "log_run" and run["status"] == "success" and run["agent"] == "claude-code"
    assert run["session_id"] == SESSION_RETRIES and run["duration_s"] == 112.0
    assert run["files_changed"] == ["src/acme/webhooks.py", "tests/test_webhook_retries.py", "src/acme/jobs.py"]
    assert run["tokens_in"] > run["tokens_out"] > 0
    summary = run["output_summary"]
    assert "Add retries with backoff" in summary and "Last reply:" in summary and "prompt_input_exit" in summary
    assert "- Use a hand-written loop" in summary and "Tokens:" in summary


def test_a_second_session_end_for_the_same_session_logs_only_what_came_after(machine, tmp_path):
    resumed = tmp_path / "resumed.jsonl"
    resumed.write_text(transcript("session-retries.jsonl").read_text())
    machine.run("session-end", stdin=payload("session-end", transcript_path=str(resumed)))
    before = len(machine.spooled())
    machine.run("session-end", stdin=payload("session-end", transcript_path=str(resumed)))
    assert len(machine.spooled()) == before  # nothing new happened: nothing new is logged
    lines = transcript("session-interrupted.jsonl").read_text().replace(
        "c4d5e6f7-0a1b-4c2d-8e3f-9a0b1c2d3e4f", SESSION_RETRIES)
    with open(resumed, "a") as handle:
        handle.write(lines)
    machine.run("session-end", stdin=payload("session-end", transcript_path=str(resumed)))
    run = machine.spooled()[-1]
    assert run["command"] == "log_run" and run["status"] == "cancelled"
    assert "Rename the package" in run["output_summary"] and "Add retries" not in run["output_summary"]


def test_an_interrupted_session_is_logged_as_cancelled(machine):
    machine.run("session-end", stdin=payload("session-end", session_id="c4d5e6f7",
                                             transcript_path=str(transcript("session-interrupted.jsonl"))))
    (run,) = machine.spooled()
    assert run["status"] == "cancelled" and run["files_changed"] == []


def test_open_todos_make_a_partial_run(machine):
    machine.run("session-end", stdin=payload("pre-compact", hook_event_name="SessionEnd", reason="other"))
    assert machine.spooled()[-1]["status"] == "partial"


def test_pre_compact_saves_a_project_memory_of_what_the_compaction_folds_away(machine):
    assert machine.run("pre-compact", stdin=payload("pre-compact")).returncode == 0
    (digest,) = machine.spooled()
    assert digest["memory_type"] == "project" and digest["tags"] == ["claude-code", "pre-compact", "auto"]
    assert digest["title"].startswith("Context before compaction, session b81e6f02")
    content = digest["content_md"]
    assert "Now write the migration" in content and "Migrate the jobs table" not in content  # compacted before
    assert "## Files touched\n- db/013_jobs_partitioned.sql" in content
    assert "[in_progress] Backfill last three months in batches" in content
    assert "- Run the backfill from a job, not from the migration" in content


def test_stop_spools_the_last_turns_decisions_once_and_makes_no_connection(machine):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0)
        machine.env["ZIKRA_URL"] = f"http://127.0.0.1:{server.getsockname()[1]}"
        for _ in range(3):
            assert machine.run("stop", stdin=payload("stop")).returncode == 0
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected
    # The last turn: the person's "Remember: …" ask, the replies after it, and last_assistant_message.
    titles = [b["title"] for b in machine.spooled()]
    assert titles == ["The staging API returns 503 during the nightly deploy at 02:00 UTC",
                      "Keep the attempt count in settings rather than hard-coding it"]


def test_stop_and_session_end_spool_a_decision_they_both_find_once(machine):
    stop = payload("stop", last_assistant_message="")
    machine.run("stop", stdin={**stop, "transcript_path": str(transcript("session-retries.jsonl"))})
    assert [b["title"] for b in machine.spooled()] == [
        "The staging API returns 503 during the nightly deploy at 02:00 UTC"]
    machine.run("session-end", stdin=payload("session-end"))
    titles = [b["title"] for b in machine.spooled() if b["command"] == "save_memory"]
    assert titles.count("The staging API returns 503 during the nightly deploy at 02:00 UTC") == 1
    assert len(titles) == 4


@pytest.mark.parametrize("stdin", ["", "not json", "[1, 2]", '{"session_id": 5}',
                                   '{"session_id": "x", "transcript_path": "/nope/missing.jsonl", "cwd": "/"}'])
@pytest.mark.parametrize("hook", ["session-end", "pre-compact", "stop"])
def test_a_hook_given_nonsense_exits_0_prints_nothing_and_logs_why(machine, hook, stdin):
    result = machine.run(hook, stdin=stdin)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    if "missing.jsonl" in stdin and hook != "stop":
        assert "No such file" in machine.log()


def test_no_log_line_holds_the_token(machine):
    machine.run("session-end", stdin=payload("session-end"))
    machine.run("pre-compact", stdin=payload("pre-compact"))
    machine.run("flush")
    assert machine.log() and "zk_secret_do_not_log" not in machine.log()
