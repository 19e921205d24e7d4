"""Decay (SPEC §4): confidence halves every period since reinforcement; archiving below a threshold."""

from __future__ import annotations

import pytest

POLICY = {"decision": 90, "error": 30, "requirement": None, "reference": 180,
          "user": None, "feedback": None, "project": 60}


def _age(db, memory_id: str, days: float) -> None:
    db.execute("UPDATE memories SET reinforced_at = now() - make_interval(secs => %s) WHERE id = %s",
               (days * 86400, memory_id))


def _row(db, memory_id: str) -> dict:
    return db.execute("SELECT confidence, archived_at FROM memories WHERE id = %s", (memory_id,)).fetchone()


@pytest.mark.parametrize("memory_type,period", POLICY.items())
def test_confidence_after_n_days_follows_the_half_life_of_each_type(worker, project, db, memory_type, period):
    saved = worker.save(project, f"{memory_type} memory", f"Something about {memory_type}.",
                        memory_type=memory_type)
    _age(db, saved["id"], 45)
    response = worker.post("/decay", {"periods": POLICY, "threshold": 0.1})
    assert response.status_code == 200 and response.json()["updated"] >= 1
    expected = 1.0 if period is None else 0.5 ** (45 / period)
    assert _row(db, saved["id"])["confidence"] == pytest.approx(expected, abs=1e-4)


def test_an_old_error_is_archived_and_a_requirement_of_the_same_age_is_not(worker, project, db):
    error = worker.save(project, "Old flake", "Flaky test in CI, E2231.", memory_type="error")
    requirement = worker.save(project, "Must export CSV", "Users can export CSV.", memory_type="requirement")
    for memory_id in (error["id"], requirement["id"]):
        _age(db, memory_id, 120)  # four error half-lives: 0.0625 < 0.1
    result = worker.post("/decay", {"periods": POLICY, "threshold": 0.1}).json()
    assert result["archived"] >= 1
    assert _row(db, error["id"])["archived_at"] is not None
    assert _row(db, requirement["id"]) == {"confidence": 1.0, "archived_at": None}


def test_archived_memories_leave_search_and_return_with_include_archived(worker, project, db):
    saved = worker.save(project, "Legacy cron", "The legacy cron host runs backups at 03:00.",
                        memory_type="error")
    _age(db, saved["id"], 200)
    worker.post("/decay", {"periods": POLICY, "threshold": 0.1})
    assert worker.search(project, "legacy cron backups")["results"] == []
    back = worker.search(project, "legacy cron backups", include_archived=True)["results"]
    assert [r["id"] for r in back] == [saved["id"]] and back[0]["archived_at"] is not None
    assert db.execute("SELECT count(*) AS n FROM memories WHERE id = %s", (saved["id"],)).fetchone()["n"] == 1


def test_saving_an_archived_memory_again_brings_it_back_to_life(worker, project, db):
    saved = worker.save(project, "Proxy timeout", "nginx proxy_read_timeout is 30s.", memory_type="error")
    _age(db, saved["id"], 365)
    worker.post("/decay", {"periods": POLICY, "threshold": 0.1})
    assert _row(db, saved["id"])["archived_at"] is not None
    again = worker.save(project, "Proxy timeout", "nginx proxy_read_timeout is now 60s.", memory_type="error")
    assert again["status"] == "updated"
    assert _row(db, saved["id"]) == {"confidence": 1.0, "archived_at": None}
    assert [r["id"] for r in worker.search(project, "proxy_read_timeout")["results"]] == [saved["id"]]


def test_running_decay_twice_changes_nothing_more(worker, project, db):
    saved = worker.save(project, "Old decision", "We picked Celery.", memory_type="decision")
    _age(db, saved["id"], 400)
    worker.post("/decay", {"periods": POLICY, "threshold": 0.1})
    first = _row(db, saved["id"])
    worker.post("/decay", {"periods": POLICY, "threshold": 0.1})
    second = _row(db, saved["id"])
    assert second["archived_at"] == first["archived_at"] is not None
    assert second["confidence"] == pytest.approx(first["confidence"], abs=1e-6)


def test_a_bad_policy_is_a_400_naming_the_field(worker):
    cases = [({"threshold": 0.1}, "periods"),
             ({"periods": {"opinion": 3}, "threshold": 0.1}, "periods"),
             ({"periods": {"error": -1}, "threshold": 0.1}, "periods"),
             ({"periods": {"error": 30}}, "threshold"),
             ({"periods": {"error": 30}, "threshold": 2}, "threshold")]
    for body, field in cases:
        response = worker.post("/decay", body)
        assert response.status_code == 400 and response.json()["error"]["field"] == field
