"""Decision extraction without an LLM: what counts as a decision, what does not, and its title."""

from __future__ import annotations

import pytest
from hooks_support import transcript
from zikra_hooks.decisions import Decision, from_turns, merge, statements, title_of
from zikra_hooks.transcript import Turn, read_session

DECISIONS = [
    # (assistant text, kind, title)
    ("Going with httpx because it supports HTTP/2 and has a sync API.", "choice", "Use httpx"),
    ("**Decision:** store sessions in PostgreSQL, not Redis, so a restart loses nothing.", "explicit",
     "Store sessions in PostgreSQL, not Redis"),
    ("- Decision: the cache key includes the model name", "explicit", "The cache key includes the model name"),
    ("We decided to use advisory locks instead of a lock table because they vanish with the connection.",
     "choice", "Use advisory locks instead of a lock table"),
    ("We'll keep the retry loop in the client rather than in n8n, since n8n has no backoff node.", "choice",
     "Keep the retry loop in the client rather than in n8n"),
    ("After looking at both, I chose `orjson` over the stdlib json for the hot path.", "choice",
     "Use orjson over the stdlib json for the hot path"),
    ("Sticking with tabs because the repository already uses them everywhere.", "choice", "Use tabs"),
    ("We decided against caching embeddings because they change with the model.", "choice",
     "Not caching embeddings"),
    ("I decided that the API returns 404 for archived memories.", "choice", "The API returns 404 for archived memories"),
    ("Design decision: one spool file per command, named by time.", "explicit",
     "One spool file per command, named by time"),
    ("That works. Remember: the staging database is read-only on Fridays.", "explicit",
     "The staging database is read-only on Fridays"),
    ("We'll use a partial index since most rows are archived.", "choice", "Use a partial index"),
    ("We decided to keep the attempt count in settings rather than hard-coding it, because ops tune it.",
     "choice", "Keep the attempt count in settings rather than hard-coding it"),
]

NOT_DECISIONS = [
    "I'll use grep to find the callers.",
    "Let me read the file first.",
    "Should we go with Celery?",
    "Decision needed: should we use Redis or Postgres?",
    "Decision: TBD",
    "If we decided to switch to SQLite, the tests would be faster.",
    "I considered Redis, but we might go with Postgres because it is already running.",
    "The test passes now because the fixture closes the port.",
    "Use the `--no-deps` flag since torch is huge.",
    "I picked up the changes from main.",
    "Noted. I'll use a comment in the code to mention that, since the runbook lives elsewhere.",
    "Maybe we chose the wrong library after all.",
    "Would you like me to go with the simpler design, since it is smaller?",
    "```python\n# Decision: this is code, not prose\nDELAY = 0.5\n```",
    "> Decision: a quoted line is somebody else's",
    "| Decision: | a table cell |",
    "Decision: ok",
]


@pytest.mark.parametrize("text,kind,title", DECISIONS)
def test_a_stated_choice_or_labelled_line_is_a_decision_with_a_short_title(text, kind, title):
    found = statements(text)
    assert len(found) == 1, found
    assert found[0][1] == kind
    assert title_of(found[0][0]) == title


@pytest.mark.parametrize("text", NOT_DECISIONS)
def test_plans_questions_hypotheses_code_and_quotes_are_not_decisions(text):
    assert statements(text) == []


def test_items_under_a_decisions_heading_are_decisions_until_the_section_ends():
    text = ("Here is the plan.\n\n## Decisions\n- Spool files are named by time so sorting is ordering\n"
            "- Keys are derived from the session id and what is sent\n\n## Next steps\n- Write the docs for it all\n")
    assert [s for s, _ in statements(text)] == ["Spool files are named by time so sorting is ordering",
                                                "Keys are derived from the session id and what is sent"]


def test_the_person_only_makes_explicit_decisions_never_inferred_choices():
    assert statements("We decided to use Redis because it is already there.", author="user") == []
    assert statements("Remember: never push to main on Fridays, ever.", author="user") == [
        ("Never push to main on Fridays, ever.", "explicit")]


def test_a_title_is_cut_at_a_word_boundary_and_keeps_times_with_colons():
    long = ("We decided to store every intermediate artifact of the nightly build pipeline in the shared "
            "object store because local disks fill up.")
    title = title_of(statements(long)[0][0])
    assert len(title) <= 80 and title.endswith("…") and title.startswith("Store every intermediate artifact")
    (statement, _), = statements("Remember: deploys freeze at 02:00 UTC on Fridays")
    assert title_of(statement) == "Deploys freeze at 02:00 UTC on Fridays"


def test_repeated_and_contained_statements_are_kept_once_and_same_titles_merge():
    turns = [Turn("user", "Pick a queue.", None, None),
             Turn("assistant", "Going with a Postgres queue table because we already run Postgres.", None, None),
             Turn("assistant", "Going with a Postgres queue table because we already run Postgres.", None, None),
             Turn("assistant", "Decision: going with a Postgres queue table because we already run Postgres, "
                               "and SKIP LOCKED makes it safe.", None, None),
             Turn("assistant", "Going with a Postgres queue table since RabbitMQ would be one more service.", None, None)]
    found = from_turns(turns)
    assert [d.title for d in found] == ["Use a Postgres queue table"]
    assert found[0].statements == [
        "Going with a Postgres queue table because we already run Postgres, and SKIP LOCKED makes it safe.",
        "Going with a Postgres queue table since RabbitMQ would be one more service."]
    assert found[0].ask == "Pick a queue."


def test_the_fingerprint_depends_on_the_statements_only():
    a = Decision("Use X", ["Going with X because Y."], "choice", "assistant", "ask one")
    b = Decision("Use X", ["going with X, because Y"], "choice", "assistant", "another ask")
    assert a.fingerprint == b.fingerprint
    assert merge([a, b]) == [a]


def test_a_realistic_session_yields_its_decisions_and_nothing_else():
    found = from_turns(read_session(transcript("session-retries.jsonl")).turns)
    assert [(d.title, d.kind, d.author) for d in found] == [
        ("Use a hand-written loop", "choice", "assistant"),
        ("Retries live in the client, not in the callers", "explicit", "assistant"),
        ("Honour Retry-After on 429 instead of our own backoff", "choice", "assistant"),
        ("The staging API returns 503 during the nightly deploy at 02:00 UTC", "explicit", "user"),
    ]
    assert found[0].ask.startswith("The webhook client in src/acme/webhooks.py")
    assert found[3].ask is None


def test_a_compacted_session_yields_decisions_from_before_and_after_the_compaction():
    found = from_turns(read_session(transcript("session-compacted.jsonl")).turns)
    assert [d.title for d in found] == ["Use declarative partitioning over pg_partman",
                                        "Run the backfill from a job, not from the migration"]
