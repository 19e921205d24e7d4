"""Reading Claude Code transcripts: asks, replies, edited files, token sums, duration, todos."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict

from hooks_support import FIXTURES, transcript
from zikra_hooks.transcript import read_entries, read_session, since_compaction, summarize


def final_usage_per_message(path):
    """Independent count: the last line of each API message carries its complete usage."""
    last = {}
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        if entry.get("type") == "assistant":
            last[entry["message"]["id"]] = entry["message"]["usage"]
    sums = defaultdict(int)
    for usage in last.values():
        for key in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
            sums[key] += usage[key]
    return sums


def test_asks_are_the_persons_prompts_without_meta_command_or_tool_result_lines():
    t = read_session(transcript("session-retries.jsonl"))
    assert t.asks == [
        "The webhook client in src/acme/webhooks.py gives up on the first 503. Add retries with backoff, and tests.",
        "Great. Remember: the staging API returns 503 during the nightly deploy at 02:00 UTC, so don't page on it.",
    ]
    assert t.session_id == "7f3c2a91-5d4e-4b8a-9c1f-2e6d8a4b0c13" and t.cwd == "/home/dev/acme-api"


def test_replies_are_main_chain_text_blocks_without_thinking_or_subagent_text():
    t = read_session(transcript("session-retries.jsonl"))
    assert t.replies[0] == "I'll start by reading the client and its tests."
    assert t.last_reply.startswith("Done: retries with backoff")
    assert not any("We could decide to use tenacity" in r for r in t.replies)  # a thinking block
    assert not any("3 attempts there" in r for r in t.replies)  # the subagent's text


def test_files_are_successful_edits_and_writes_relative_to_the_session_including_subagents():
    t = read_session(transcript("session-retries.jsonl"))
    # src/acme/settings.py: its Edit failed ("String to replace not found"), so it did not change.
    assert t.files == ["src/acme/webhooks.py", "tests/test_webhook_retries.py", "src/acme/jobs.py"]


def test_a_rejected_edit_changes_no_file_and_an_interrupted_session_says_so():
    t = read_session(transcript("session-interrupted.jsonl"))
    assert t.files == [] and t.interrupted and t.asks == ["Rename the package from acme to acme_api everywhere."]


def test_tokens_count_each_api_message_once_with_cache_tokens_in_tokens_in_and_subagents_added():
    t = read_session(transcript("session-retries.jsonl"))
    main = final_usage_per_message(transcript("session-retries.jsonl"))
    sub = final_usage_per_message(FIXTURES / "session-retries" / "subagents" / "agent-a1b2c3d.jsonl")
    assert t.usage.input == main["input_tokens"] + sub["input_tokens"]
    assert t.usage.cache_read == main["cache_read_input_tokens"] + sub["cache_read_input_tokens"]
    assert t.usage.tokens_in == sum(main[k] + sub[k] for k in ("input_tokens", "cache_creation_input_tokens",
                                                                "cache_read_input_tokens"))
    assert t.usage.tokens_out == main["output_tokens"] + sub["output_tokens"]
    naive = sum(json.loads(line)["message"]["usage"]["output_tokens"]
                for line in transcript("session-retries.jsonl").read_text().splitlines()
                if json.loads(line).get("type") == "assistant")
    assert naive > main["output_tokens"]  # counting every line would over-count split messages


def test_duration_runs_from_the_first_to_the_last_timestamp():
    t = read_session(transcript("session-retries.jsonl"))
    assert t.first_at.isoformat() == "2026-03-02T09:14:05.130000+00:00"
    assert round(t.duration_s, 3) == round((t.last_at - t.first_at).total_seconds(), 3) == 112.0


def test_the_last_todo_list_decides_which_tasks_are_open():
    assert read_session(transcript("session-retries.jsonl")).open_todos == []
    t = summarize(read_entries(transcript("session-compacted.jsonl")))
    assert [todo["content"] for todo in t.open_todos] == ["Backfill last three months in batches",
                                                          "Swap table names in one transaction"]


def test_since_compaction_keeps_only_what_came_after_the_last_boundary():
    t = summarize(since_compaction(read_entries(transcript("session-compacted.jsonl"))))
    assert t.asks == ["Now write the migration and backfill the last three months.",
                      "How long will the backfill take on production?"]
    assert t.files == ["db/013_jobs_partitioned.sql"]
    assert not any("This session is being continued" in a for a in t.asks)


def test_a_resumed_session_is_read_after_the_line_it_was_logged_through():
    entries = read_entries(transcript("session-retries.jsonl"))
    marker = next(e["uuid"] for e in entries if e.get("type") == "user" and "Remember:" in str(e["message"]))
    t = read_session(transcript("session-retries.jsonl"), after=marker)
    assert t.asks == [] and t.last_reply.startswith("Done:")
    assert t.files == []  # the edits came before the marker; the subagent's lines are older too


def test_a_torn_last_line_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "torn.jsonl"
    shutil.copy(transcript("session-retries.jsonl"), path)
    with open(path, "a") as handle:
        handle.write('\n\n{"type":"assistant","message":{"id":"msg_torn","content":[{"type":"te')
    assert read_session(path).asks == read_session(transcript("session-retries.jsonl")).asks


def test_reading_the_tail_drops_the_partial_first_line():
    size = transcript("session-retries.jsonl").stat().st_size
    entries = read_entries(transcript("session-retries.jsonl"), max_tail_bytes=size // 3)
    assert entries and all(isinstance(e, dict) and "type" in e for e in entries)
    assert len(entries) < len(read_entries(transcript("session-retries.jsonl")))
