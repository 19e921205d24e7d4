"""Saving and fetching memories through the worker: upsert by title, near-duplicates, errors."""

from __future__ import annotations

from conftest import assert_error

ALLOWED_TYPES = ("decision", "error", "requirement", "reference", "user", "feedback", "project")


def test_a_new_memory_is_created_with_201_and_found_by_id(worker, project):
    saved = worker.save(project, "Queue choice", "We use RabbitMQ for background jobs.",
                        memory_type="decision", tags=["queue"], source="claude-code",
                        created_by="ann")
    assert saved["status"] == "created" and saved["similar_to"] == []
    got = worker.post("/get_memory", {"id": saved["id"], "projects": [project]})
    assert got.status_code == 200
    memory = got.json()
    assert memory["title"] == "Queue choice" and memory["tags"] == ["queue"]
    assert memory["source"] == "claude-code" and memory["created_by"] == "ann"
    assert memory["memory_type"] == "decision" and memory["confidence"] == 1.0
    for field in ("created_at", "updated_at", "last_accessed_at", "access_count", "archived_at"):
        assert field in memory


def test_saving_the_same_title_again_updates_instead_of_adding_a_twin(worker, project, db):
    first = worker.save(project, "Deploy target", "We deploy to Fly.io.")
    response = worker.post("/save_memory", {"project": project, "title": "Deploy target",
                                            "content_md": "We moved deploys to Hetzner."})
    assert response.status_code == 200
    assert response.json()["status"] == "updated" and response.json()["id"] == first["id"]
    rows = db.execute("SELECT content_md FROM memories WHERE project = %s", (project,)).fetchall()
    assert [r["content_md"] for r in rows] == ["We moved deploys to Hetzner."]
    found = worker.search(project, "Hetzner")["results"]
    assert found and found[0]["id"] == first["id"]


def test_a_near_duplicate_save_is_reported_in_similar_to(worker, project):
    first = worker.save(project, "Session store",
                        "User sessions live in Redis with a 24 hour TTL; Postgres was too slow.")
    second = worker.save(project, "Where sessions live",
                         "User sessions live in Redis with a 24h TTL because Postgres was too slow.")
    assert [s["id"] for s in second["similar_to"]] == [first["id"]]
    assert second["similar_to"][0]["title"] == "Session store"
    assert 0.92 <= second["similar_to"][0]["similarity"] <= 1.0
    unrelated = worker.save(project, "Font choice", "The marketing site uses Inter for body text.")
    assert unrelated["similar_to"] == []


def test_near_duplicates_in_other_projects_are_not_reported(worker, project):
    worker.save(project + "-other", "Cache", "HTTP responses are cached in Varnish for 60 seconds.")
    saved = worker.save(project, "Cache", "HTTP responses are cached in Varnish for 60 seconds.")
    assert saved["similar_to"] == []


def test_get_by_title_reinforces_the_memory(worker, project):
    worker.save(project, "Lint rules", "We use ruff with the default rule set plus isort.")
    first = worker.post("/get_memory", {"project": project, "title": "Lint rules"}).json()
    second = worker.post("/get_memory", {"project": project, "title": "Lint rules"}).json()
    assert second["access_count"] == first["access_count"] + 1
    assert second["last_accessed_at"] >= first["last_accessed_at"]


def test_get_by_id_outside_the_readable_projects_is_404(worker, project):
    saved = worker.save(project, "Secret plan", "Launch on Tuesday.")
    assert_error(worker.post("/get_memory", {"id": saved["id"], "projects": ["someone-else"]}), 404,
                 "not_found")
    assert_error(worker.post("/get_memory", {"id": saved["id"], "project": "someone-else"}), 404)
    assert worker.post("/get_memory", {"id": saved["id"], "project": project}).status_code == 200


def test_an_unknown_memory_type_is_a_400_listing_every_allowed_type(worker, project, db):
    response = worker.post("/save_memory", {"project": project, "title": "x", "content_md": "y",
                                            "memory_type": "opinion"})
    error = assert_error(response, 400, "invalid_request", "memory_type")
    assert all(t in error["message"] for t in ALLOWED_TYPES)
    assert db.execute("SELECT count(*) AS n FROM memories WHERE project = %s", (project,)).fetchone()["n"] == 0


def test_each_bad_field_is_a_400_naming_it_and_nothing_is_stored(worker, project, db):
    base = {"project": project, "title": "t", "content_md": "c"}
    cases = [
        ({**base, "title": None}, "title"),
        ({**base, "title": "   "}, "title"),
        ({**base, "content_md": 42}, "content_md"),
        ({**base, "tags": "ok-as-one"}, None),
        ({**base, "tags": [1, 2]}, "tags"),
        ({**base, "tags": {"a": 1}}, "tags"),
        ({**base, "project": ["a"]}, "project"),
        ({**base, "title": "x" * 501}, "title"),
        ({**base, "content_md": "nul\x00byte"}, "content_md"),
    ]
    for body, field in cases:
        response = worker.post("/save_memory", body)
        if field is None:
            assert response.status_code == 201
            db.execute("DELETE FROM memories WHERE project = %s", (project,))
            continue
        assert_error(response, 400, "invalid_request", field)
    assert db.execute("SELECT count(*) AS n FROM memories WHERE project = %s", (project,)).fetchone()["n"] == 0


def test_a_body_that_is_not_a_json_object_is_a_400(worker):
    for raw in ("[1, 2]", "not json", '"text"', "null"):
        assert_error(worker.post("/save_memory", data=raw,
                                 headers={"Content-Type": "application/json"}), 400, field="body")


def test_a_body_over_the_limit_is_a_413(worker, project, db):
    huge = "x" * (1024 * 1024 + 10)
    response = worker.post("/save_memory", {"project": project, "title": "big", "content_md": huge})
    assert_error(response, 413, "payload_too_large")
    assert db.execute("SELECT count(*) AS n FROM memories WHERE project = %s", (project,)).fetchone()["n"] == 0


def test_requests_without_the_shared_secret_are_refused(worker, project):
    for secret in (None, "wrong"):
        response = worker.post("/save_memory", {"project": project, "title": "t", "content_md": "c"},
                               secret=secret)
        assert_error(response, 401, "worker_secret_mismatch")
    assert worker.session.get(worker.url + "/health").status_code == 200


def test_unknown_paths_and_methods_answer_json(worker):
    assert_error(worker.post("/nope", {}), 404, "not_found")
    assert_error(worker.session.get(worker.url + "/search",
                                    headers={"X-Zikra-Worker-Secret": "test-worker-secret"}), 405)


def test_a_write_repeated_with_the_same_idempotency_key_takes_effect_once(worker, project, db):
    body = {"project": project, "title": "Spooled", "content_md": "sent twice", "created_by": "hook",
            "idempotency_key": "k-1"}
    first = worker.post("/save_memory", body)
    body["content_md"] = "changed on the replay"
    second = worker.post("/save_memory", body)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    row = db.execute("SELECT content_md FROM memories WHERE project = %s", (project,)).fetchone()
    assert row["content_md"] == "sent twice"
    run = {"project": project, "status": "success", "created_by": "hook", "idempotency_key": "run-1"}
    ids = {worker.post("/log_run", run).json()["id"] for _ in range(3)}
    assert len(ids) == 1
    assert db.execute("SELECT count(*) AS n FROM runs WHERE project = %s", (project,)).fetchone()["n"] == 1
    other_owner = worker.post("/log_run", {**run, "created_by": "someone-else"}).json()["id"]
    assert other_owner not in ids
