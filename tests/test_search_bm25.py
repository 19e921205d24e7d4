"""BM25 keyword search over the real worker and PostgreSQL: rare words outweigh common ones, a
memory holding some of a question's words is found, the statistics follow every write in its
own transaction, identifiers rank first, and min_relevance drops what is unrelated."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from conftest import Worker, assert_error
from psycopg.rows import dict_row

from zikra_ops import postgres
from zikra_worker import migrations

DB_DIR = Path(__file__).resolve().parents[1] / "db"

# The statistics as they should be: recounted from the live memories of a project.
RECOUNT_TERMS = """
SELECT lexeme, count(*)::int AS doc_count
FROM memories, unnest(tsvector_to_array(search_tsv)) AS lexeme
WHERE project = %s AND archived_at IS NULL
GROUP BY lexeme ORDER BY lexeme
"""
STORED_TERMS = "SELECT lexeme, doc_count FROM keyword_terms WHERE project = %s AND doc_count > 0 ORDER BY lexeme"
RECOUNT_PROJECT = """
SELECT count(*)::bigint AS doc_count, COALESCE(sum(length(search_tsv)), 0)::bigint AS total_length
FROM memories WHERE project = %s AND archived_at IS NULL
"""
STORED_PROJECT = """
SELECT COALESCE(sum(doc_count), 0)::bigint AS doc_count, COALESCE(sum(total_length), 0)::bigint AS total_length
FROM keyword_projects WHERE project = %s
"""


def _assert_stats_current(db, project):
    assert db.execute(STORED_TERMS, (project,)).fetchall() == db.execute(RECOUNT_TERMS, (project,)).fetchall()
    assert db.execute(STORED_PROJECT, (project,)).fetchone() == db.execute(RECOUNT_PROJECT, (project,)).fetchone()


def _doc_count(db, project, lexeme):
    row = db.execute("SELECT doc_count FROM keyword_terms WHERE project = %s AND lexeme = %s",
                     (project, lexeme)).fetchone()
    return row["doc_count"] if row else 0


def _common_pool(worker, project, n=12):
    """Memories made of the same ordinary words, so those words are common in the project."""
    for i in range(n):
        worker.save(project, f"Weekly deploy note {i}", f"We deploy the service every week; the team checks "
                    f"the logs and the dashboard after each deploy ({i}).")


def test_a_rare_word_outweighs_common_ones(worker, project):
    _common_pool(worker, project)
    worker.save(project, "Queue broker", "The job queue runs on Valkey since the spring.")
    results = worker.search(project, "which service do we deploy to run the queue on valkey each week?",
                            limit=10)["results"]
    by_title = {r["title"]: r["parts"] for r in results}
    assert results[0]["title"] == "Queue broker"
    assert by_title["Queue broker"]["keyword_rank"] == 1
    # It holds two of the question's words, the deploy notes four: rarity decides.
    assert all(by_title["Queue broker"]["bm25"] > p["bm25"] for t, p in by_title.items()
               if t != "Queue broker" and p["bm25"] is not None)


def test_a_question_finds_a_memory_holding_only_its_rare_words(worker, project):
    _common_pool(worker, project)
    worker.save(project, "Session store", "Sessions live in PostgreSQL now, out of Redis.")
    results = worker.search(project, "when did we decide to move sessions out of Redis?", limit=5)["results"]
    top = results[0]
    assert top["title"] == "Session store"
    # "decide" and "move" are not in it: a candidate all the same.
    assert top["parts"]["keyword_rank"] == 1 and top["parts"]["bm25"] > 0


def test_a_question_naming_two_facts_finds_the_memory_holding_one(worker, project):
    _common_pool(worker, project)
    worker.save(project, "Pagination", "List endpoints paginate with opaque cursors, never offsets.")
    results = worker.search(project, "what did we choose for pagination and for the billing currency?",
                            limit=5)["results"]
    assert results[0]["title"] == "Pagination" and results[0]["parts"]["keyword_rank"] == 1


def test_an_identifier_ranks_first_over_memories_holding_its_parts(worker, project):
    for i in range(6):
        worker.save(project, f"Connection note {i}", f"When a conn is reset the err counter goes up; "
                    f"we reset the conn pool and log the err ({i}).")
    worker.save(project, "Deploy crash", "The deploy failed with ERR_CONN_RESET from the payments gateway.",
                memory_type="error")
    for query in ("ERR_CONN_RESET", "why do we get ERR_CONN_RESET when the conn pool is reset?"):
        top = worker.search(project, query, limit=5)["results"][0]
        assert top["title"] == "Deploy crash", query
        assert top["parts"]["keyword_rank"] == 1


@pytest.mark.parametrize("identifier", ["src/app/db.py", "useAuthStore", "ATL-4394"])
def test_paths_and_camel_case_names_match_as_a_whole(worker, project, identifier):
    worker.save(project, "Hot spot", f"Most retries come from {identifier} when the cache is cold.")
    worker.save(project, "Cache note", "The cache is cold after a deploy; retries come from the app.")
    top = worker.search(project, f"what do we know about {identifier}?", explain=True)["results"][0]
    assert top["title"] == "Hot spot" and top["explain"]["identifier_hits"] == 1


def test_statistics_follow_save_update_archive_restore_and_delete(worker, project, db):
    first = worker.save(project, "Broker", "The queue runs on Valkey.")["id"]
    worker.save(project, "Cache", "Pages are cached in Valkey for a minute.")
    _assert_stats_current(db, project)
    assert _doc_count(db, project, "valkey") == 2

    worker.save(project, "Broker", "The queue runs on RabbitMQ.")  # same title: an update
    _assert_stats_current(db, project)
    assert _doc_count(db, project, "valkey") == 1 and _doc_count(db, project, "rabbitmq") == 1

    assert worker.post("/update_memory", {"id": first, "content_md": "The queue runs on NATS."}).status_code == 200
    _assert_stats_current(db, project)
    assert _doc_count(db, project, "rabbitmq") == 0 and _doc_count(db, project, "nat") == 1

    assert worker.post("/archive_memory", {"id": first}).status_code == 200
    _assert_stats_current(db, project)
    assert _doc_count(db, project, "nat") == 0
    assert worker.post("/archive_memory", {"id": first}).status_code == 200  # archived twice: counted once
    _assert_stats_current(db, project)

    assert worker.post("/restore_memory", {"id": first}).status_code == 200
    _assert_stats_current(db, project)
    assert _doc_count(db, project, "nat") == 1

    db.execute("DELETE FROM memories WHERE id = %s", (first,))
    _assert_stats_current(db, project)
    assert _doc_count(db, project, "nat") == 0 and _doc_count(db, project, "valkey") == 1


def test_the_decay_run_archiving_a_memory_takes_it_out_of_the_statistics(worker, project, db):
    old = worker.save(project, "Old flake", "Flaky Zookeeper test in CI.", memory_type="error")["id"]
    worker.save(project, "Must export CSV", "Users can export CSV from Zookeeper.", memory_type="requirement")
    db.execute("UPDATE memories SET reinforced_at = now() - interval '120 days' WHERE id = %s", (old,))
    assert _doc_count(db, project, "zookeep") == 2
    periods = {"decision": 90, "error": 30, "requirement": None, "reference": 180, "user": None,
               "feedback": None, "project": 60}
    assert worker.post("/decay", {"periods": periods, "threshold": 0.1}).status_code == 200
    _assert_stats_current(db, project)
    assert _doc_count(db, project, "zookeep") == 1 and _doc_count(db, project, "flaki") == 0


def test_concurrent_saves_sharing_words_all_land_and_are_counted(worker_url, project, db):
    # Each save locks the statistics rows of its words in (project, lexeme) order: saves sharing
    # words wait for each other instead of deadlocking.
    def save(i):
        client = Worker(worker_url)
        words = " ".join(sorted({"alpha", "bravo", "charlie", "delta", f"unique{i}"}, key=lambda w: hash((w, i))))
        return client.post("/save_memory", {"project": project, "title": f"Note {i}",
                                            "content_md": f"{words} echo foxtrot {i}"}).status_code
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(save, range(30)))
    assert statuses == [201] * 30
    _assert_stats_current(db, project)
    assert _doc_count(db, project, "alpha") == 30


def test_a_failed_write_leaves_the_statistics_as_they_were(worker, project, db):
    worker.save(project, "Broker", "The queue runs on Valkey.")
    other = worker.save(project, "Cache", "Pages are cached in Memcached.")["id"]
    before = db.execute(STORED_TERMS, (project,)).fetchall()
    # Renaming onto a taken title fails inside the same transaction as the statistics' update.
    assert_error(worker.post("/update_memory", {"id": other, "title": "Broker", "content_md": "Zookeeper."}),
                 400, field="title")
    assert db.execute(STORED_TERMS, (project,)).fetchall() == before
    _assert_stats_current(db, project)


def test_reinforcement_does_not_touch_the_statistics(worker, project, db):
    worker.save(project, "Broker", "The queue runs on Valkey.")
    db.execute("UPDATE keyword_terms SET doc_count = 41 WHERE project = %s AND lexeme = 'valkey'", (project,))
    worker.search(project, "valkey queue")
    db.execute("UPDATE memories SET confidence = 0.5, access_count = access_count + 1 WHERE project = %s", (project,))
    assert _doc_count(db, project, "valkey") == 41  # only a change of text or archived state is counted


def test_the_migration_builds_statistics_from_memories_already_stored(pg, tmp_path):
    before = tmp_path / "before"
    before.mkdir()
    for path in migrations.pending_files(DB_DIR):
        if path.name < "006":
            shutil.copy(path, before / path.name)
    postgres.ensure_database(pg, "zikra_bm25_migrate_test")
    try:
        with psycopg.connect(pg.url("zikra_bm25_migrate_test"), row_factory=dict_row) as conn:
            migrations.migrate(conn, before)
            conn.execute("""INSERT INTO memories (project, title, content_md, memory_type, archived_at) VALUES
                            ('p', 'Broker', 'The queue runs on Valkey.', 'decision', NULL),
                            ('p', 'Cache', 'Pages are cached in Valkey.', 'decision', NULL),
                            ('p', 'Old', 'We used Valkey once.', 'decision', now()),
                            ('q', 'Other', 'Valkey elsewhere.', 'decision', NULL)""")
            conn.commit()
            assert "006_keyword_stats" in migrations.migrate(conn, DB_DIR)
            for project in ("p", "q"):
                _assert_stats_current(conn, project)
            assert _doc_count(conn, "p", "valkey") == 2  # the archived one is not counted
            assert conn.execute(STORED_PROJECT, ("p",)).fetchone()["doc_count"] == 2
    finally:
        with psycopg.connect(pg.url("postgres"), autocommit=True) as admin:
            admin.execute("DROP DATABASE zikra_bm25_migrate_test WITH (FORCE)")


def test_min_relevance_drops_unrelated_results_and_keeps_the_answer(worker, project):
    _common_pool(worker, project, n=4)
    worker.save(project, "Session store", "Sessions live in PostgreSQL now, out of Redis.")
    everything = worker.search(project, "how do I bake sourdough bread at home?", limit=10)["results"]
    assert everything  # without a bar, the nearest memories come back however far
    assert worker.search(project, "how do I bake sourdough bread at home?", min_relevance=0.5)["results"] == []
    kept = worker.search(project, "when did we move sessions out of Redis?", min_relevance=0.5)["results"]
    assert kept and kept[0]["title"] == "Session store" and kept[0]["parts"]["relevance"] >= 0.5
    assert all(r["parts"]["relevance"] >= 0.5 for r in kept)


@pytest.mark.parametrize("value", ["0.5", -0.1, 1.5, True, [], {}])
def test_min_relevance_must_be_a_number_between_0_and_1(worker, project, value):
    assert_error(worker.post("/search", {"query": "x", "projects": [project], "min_relevance": value}),
                 400, field="min_relevance")


def test_min_relevance_through_the_webhook_drops_unrelated_results_and_names_a_bad_value(api, project):
    api.call("save_memory", project=project, title="Session store",
             content_md="Sessions live in PostgreSQL now, out of Redis.")
    unrelated = api.call("search", project=project, query="how do I bake sourdough bread at home?",
                         min_relevance=0.6)
    assert unrelated.status_code == 200 and unrelated.json()["results"] == []
    found = api.call("search", project=project, query="when did we move sessions out of Redis?",
                     min_relevance=0.6).json()["results"]
    assert [r["title"] for r in found] == ["Session store"] and found[0]["parts"]["relevance"] >= 0.6
    assert_error(api.call("search", project=project, query="x", min_relevance="high"), 400,
                 field="min_relevance")
