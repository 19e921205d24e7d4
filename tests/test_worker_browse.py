"""The worker endpoints behind the memory browser: list_memories, update_memory, archive_memory,
restore_memory, list_runs, and the decay fields of /stats and /get_memory."""

from __future__ import annotations

import datetime as dt
import json
import math

from conftest import REPO, assert_error
from zikra_worker import decay_outlook


def _listed(worker, project, **fields):
    response = worker.post("/list_memories", {"projects": [project], **fields})
    assert response.status_code == 200, response.text
    return response.json()


def test_default_periods_follow_the_decay_workflow():
    workflow = json.loads((REPO / "n8n-workflows" / "zikraDecayJob001.json").read_text())
    policies = [json.loads(node["parameters"]["jsonOutput"]) for node in workflow["nodes"]
                if "periods" in str(node["parameters"].get("jsonOutput", ""))]
    assert policies, "the decay workflow has no policy node"
    assert policies[0]["periods"] == decay_outlook.DEFAULT_PERIODS
    assert policies[0]["threshold"] == decay_outlook.DEFAULT_THRESHOLD


def test_list_filters_by_type_tags_and_archived_without_reinforcing(worker, project, db):
    a = worker.save(project, "alpha", "x" * 1000, tags=["infra", "db"])["id"]
    worker.save(project, "beta", "short", memory_type="error", tags=["infra"])
    c = worker.save(project, "gamma", "gone", tags=["db"])["id"]
    db.execute("UPDATE memories SET archived_at = now() WHERE id = %s", (c,))
    listed = _listed(worker, project)
    assert [m["title"] for m in listed["memories"]] == ["beta", "alpha"]
    assert listed["total"] == 2 and listed["count"] == 2
    alpha = listed["memories"][1]
    assert alpha["truncated"] is True and len(alpha["content_md"]) == 400
    assert alpha["decay"]["period_days"] == 90 and alpha["decay"]["confidence_now"] > 0.99
    assert [m["title"] for m in _listed(worker, project, memory_types="error")["memories"]] == ["beta"]
    assert [m["title"] for m in _listed(worker, project, tags=["infra", "db"])["memories"]] == ["alpha"]
    assert [m["title"] for m in _listed(worker, project, archived="only")["memories"]] == ["gamma"]
    assert _listed(worker, project, archived="include")["total"] == 3
    paged = _listed(worker, project, archived="include", limit=1, offset=1)
    assert paged["count"] == 1 and paged["total"] == 3
    assert db.execute("SELECT access_count FROM memories WHERE id = %s", (a,)).fetchone()["access_count"] == 0


def test_list_refuses_bad_fields(worker, project):
    assert_error(worker.post("/list_memories", {}), 400, field="projects")
    for body, field in [({"archived": "maybe"}, "archived"), ({"limit": 0}, "limit"), ({"limit": 101}, "limit"),
                        ({"offset": -1}, "offset"), ({"memory_types": ["nope"]}, "memory_types"),
                        ({"tags": "x"}, None), ({"tags": [1]}, "tags")]:
        response = worker.post("/list_memories", {"projects": [project], **body})
        if field is None:
            assert response.status_code == 200
        else:
            assert_error(response, 400, field=field)


def test_update_changes_given_fields_and_re_embeds(worker, project, db):
    memory = worker.save(project, "deploy", "We deploy with rsync.", tags=["ops"])["id"]
    db.execute("UPDATE memories SET reinforced_at = now() - interval '50 days', confidence = 0.5 WHERE id = %s",
               (memory,))
    before = db.execute("SELECT embedding::text AS e FROM memories WHERE id = %s", (memory,)).fetchone()["e"]
    response = worker.post("/update_memory", {"id": memory, "project": None, "projects": None,
                                              "content_md": "We deploy with a container image.",
                                              "title": None, "tags": None, "memory_type": None, "actor": "ann"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "updated" and body["title"] == "deploy" and body["tags"] == ["ops"]
    assert body["content_md"] == "We deploy with a container image." and body["confidence"] == 1
    assert body["decay"]["confidence_now"] == 1
    row = db.execute("SELECT embedding::text AS e, updated_at > created_at AS moved FROM memories WHERE id = %s",
                     (memory,)).fetchone()
    assert row["e"] != before and row["moved"]
    found = worker.search(project, "container image")["results"]
    assert found and found[0]["id"] == memory
    audit = db.execute("SELECT actor, detail FROM audit_log WHERE memory_id = %s AND action = 'updated'",
                       (memory,)).fetchall()
    assert audit == [{"actor": "ann", "detail": {"fields": ["content_md"]}}]
    retyped = worker.post("/update_memory", {"id": memory, "memory_type": "reference", "tags": []}).json()
    assert retyped["memory_type"] == "reference" and retyped["tags"] == []


def test_update_refuses_bad_input_a_taken_title_and_other_projects(worker, project):
    memory = worker.save(project, "one", "first")["id"]
    worker.save(project, "two", "second")
    assert_error(worker.post("/update_memory", {"id": memory}), 400, field="title")
    assert_error(worker.post("/update_memory", {"title": "x"}), 400, field="id")
    assert_error(worker.post("/update_memory", {"id": "nope", "title": "x"}), 400, field="id")
    assert_error(worker.post("/update_memory", {"id": memory, "memory_type": "nope"}), 400, field="memory_type")
    assert_error(worker.post("/update_memory", {"id": memory, "title": "two"}), 400, field="title")
    assert_error(worker.post("/update_memory", {"id": memory, "title": "z", "projects": ["elsewhere"]}), 404)
    assert_error(worker.post("/update_memory", {"id": memory, "title": "z", "project": "elsewhere"}), 404)
    assert worker.post("/get_memory", {"id": memory, "projects": None}).json()["title"] == "one"


def test_archive_and_restore(worker, project, db):
    memory = worker.save(project, "fading", "soon gone")["id"]
    db.execute("UPDATE memories SET reinforced_at = now() - interval '400 days', confidence = 0.05 WHERE id = %s",
               (memory,))
    archived = worker.post("/archive_memory", {"id": memory, "projects": [project], "actor": "ann"})
    assert archived.status_code == 200, archived.text
    assert archived.json()["status"] == "archived" and archived.json()["archived_at"]
    again = worker.post("/archive_memory", {"id": memory, "projects": [project]}).json()
    assert again["archived_at"] == archived.json()["archived_at"]
    assert not worker.search(project, "soon gone")["results"]
    restored = worker.post("/restore_memory", {"id": memory, "projects": [project], "actor": "ann"}).json()
    assert restored["status"] == "restored" and restored["archived_at"] is None and restored["confidence"] == 1
    # Restored means its decay clock restarted: a decay run right after leaves it alone.
    assert worker.post("/decay", {"periods": decay_outlook.DEFAULT_PERIODS, "threshold": 0.1}).status_code == 200
    assert db.execute("SELECT archived_at FROM memories WHERE id = %s", (memory,)).fetchone()["archived_at"] is None
    audit = db.execute("SELECT actor, action FROM audit_log WHERE memory_id = %s AND action <> 'created' ORDER BY at",
                       (memory,)).fetchall()
    assert audit == [{"actor": "ann", "action": "archived"}, {"actor": "ann", "action": "restored"}]
    assert_error(worker.post("/archive_memory", {"id": memory, "projects": ["other"]}), 404)
    assert_error(worker.post("/restore_memory", {"projects": [project]}), 400, field="id")


def test_get_memory_tells_when_decay_will_archive(worker, project):
    memory = worker.save(project, "e", "an error", memory_type="error")["id"]
    got = worker.post("/get_memory", {"id": memory, "projects": None}).json()
    decay = got["decay"]
    assert decay["period_days"] == 30 and decay["threshold"] == 0.1 and decay["confidence_now"] == 1
    below = dt.datetime.fromisoformat(decay["below_threshold_at"]) - dt.datetime.fromisoformat(decay["reinforced_at"])
    assert math.isclose(below.total_seconds() / 86400, 30 * math.log2(10), rel_tol=1e-6)
    kept = worker.save(project, "r", "a requirement", memory_type="requirement")["id"]
    assert worker.post("/get_memory", {"id": kept}).json()["decay"]["below_threshold_at"] is None


def test_stats_count_fresh_fading_and_archived_per_type(worker, project, db):
    for title, memory_type, age_days, archived in [("a", "decision", 1, False), ("b", "decision", 100, False),
                                                   ("c", "decision", 300, True), ("d", "requirement", 900, False),
                                                   ("e", "error", 31, False)]:
        memory = worker.save(project, title, title, memory_type=memory_type)["id"]
        db.execute("UPDATE memories SET reinforced_at = now() - make_interval(days => %s),"
                   " archived_at = CASE WHEN %s THEN now() END WHERE id = %s", (age_days, archived, memory))
    body = worker.post("/stats", {"projects": [project]}).json()
    assert body["projects"][0]["decay"] == {
        "decision": {"fresh": 1, "fading": 1, "archived": 1},
        "requirement": {"fresh": 1, "fading": 0, "archived": 0},
        "error": {"fresh": 0, "fading": 1, "archived": 0},
    }
    assert body["decay_policy"]["periods"]["decision"] == 90


def test_list_runs_window_and_tokens_per_day(worker, project, db):
    for tokens_in, tokens_out, days_ago in [(100, 10, 0), (200, 20, 0), (50, 5, 2), (999, 99, 40)]:
        run = worker.post("/log_run", {"project": project, "status": "success", "tokens_in": tokens_in,
                                       "tokens_out": tokens_out, "files_changed": ["a.py"]}).json()["id"]
        db.execute("UPDATE runs SET created_at = now() - make_interval(days => %s) WHERE id = %s", (days_ago, run))
    worker.post("/log_run", {"project": project + "-other", "status": "failure", "tokens_in": 7})
    body = worker.post("/list_runs", {"projects": [project], "limit": None, "days": None}).json()
    assert body["count"] == 3 and body["days"] == 30
    assert [r["tokens_in"] for r in body["runs"]] in ([100, 200, 50], [200, 100, 50])
    assert body["runs"][0]["files_changed"] == ["a.py"]
    per_day = body["tokens_per_day"]
    assert [(d["runs"], d["tokens_in"], d["tokens_out"]) for d in per_day] == [(1, 50, 5), (2, 300, 30)]
    assert all(d["project"] == project for d in per_day)
    limited = worker.post("/list_runs", {"projects": [project], "limit": 1, "days": 60}).json()
    assert limited["count"] == 1 and sum(d["runs"] for d in limited["tokens_per_day"]) == 4
    assert_error(worker.post("/list_runs", {"projects": []}), 400, field="projects")
    assert_error(worker.post("/list_runs", {"projects": [project], "days": 0}), 400, field="days")
    assert_error(worker.post("/list_runs", {"projects": [project], "limit": 501}), 400, field="limit")
