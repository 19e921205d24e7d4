"""Prompts, run logging and per-project stats through the worker."""

from __future__ import annotations

from conftest import assert_error


def test_a_prompt_is_saved_replaced_and_fetched(worker, project):
    first = worker.post("/save_prompt", {"project": project, "prompt_name": "release",
                                         "content_md": "1. tag\n2. push", "description": "How we release"})
    assert first.status_code == 201 and first.json()["status"] == "created"
    second = worker.post("/save_prompt", {"project": project, "prompt_name": "release",
                                          "content_md": "1. tag\n2. push\n3. announce"})
    assert second.status_code == 200 and second.json()["status"] == "replaced"
    got = worker.post("/get_prompt", {"project": project, "prompt_name": "release"}).json()
    assert got["content_md"].endswith("announce") and got["description"] == "How we release"
    assert set(got) == {"prompt_name", "content_md", "description", "project", "updated_at"}
    assert_error(worker.post("/get_prompt", {"project": project, "prompt_name": "nope"}), 404)
    assert_error(worker.post("/save_prompt", {"project": project, "content_md": "x"}), 400, field="prompt_name")


def test_a_run_is_logged_with_its_fields(worker, project, db):
    response = worker.post("/log_run", {"project": project, "status": "partial", "output_summary": "Did half",
                                        "session_id": "s-1", "agent": "claude-code", "tokens_in": 1200,
                                        "tokens_out": 300, "duration_s": 42.5,
                                        "files_changed": ["src/a.py", "README.md"]})
    assert response.status_code == 201
    row = db.execute("SELECT * FROM runs WHERE id = %s", (response.json()["id"],)).fetchone()
    assert row["status"] == "partial" and row["files_changed"] == ["src/a.py", "README.md"]
    assert row["tokens_in"] == 1200 and row["duration_s"] == 42.5


def test_bad_run_fields_are_400s_naming_them(worker, project, db):
    cases = [({"status": "exploded"}, "status"), ({}, "status"),
             ({"status": "success", "tokens_in": -5}, "tokens_in"),
             ({"status": "success", "tokens_out": "many"}, "tokens_out"),
             ({"status": "success", "duration_s": "1s"}, "duration_s"),
             ({"status": "success", "files_changed": "a.py"}, None),
             ({"status": "success", "files_changed": [1]}, "files_changed")]
    for body, field in cases:
        response = worker.post("/log_run", {"project": project, **body})
        if field is None:
            assert response.status_code == 201
        else:
            assert_error(response, 400, field=field)
    assert db.execute("SELECT count(*) AS n FROM runs WHERE project = %s", (project,)).fetchone()["n"] == 1


def test_stats_count_memories_per_project_and_type(worker, project, db):
    worker.save(project, "a", "first decision")
    worker.save(project, "b", "an error", memory_type="error")
    worker.save(project, "c", "another error", memory_type="error")
    db.execute("UPDATE memories SET archived_at = now() WHERE project = %s AND title = 'c'", (project,))
    stats = worker.post("/stats", {"projects": [project, project + "-empty"]}).json()["projects"]
    assert len(stats) == 1
    assert stats[0]["count"] == 2 and stats[0]["archived"] == 1
    assert stats[0]["by_type"] == {"decision": 1, "error": 1}
    assert stats[0]["last_saved_at"]
