"""The audit trail: each write of a memory or a token leaves exactly one audit_log row, written in
the write's own transaction, so a failed write leaves none."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import assert_error
from psycopg import sql


def _audit(db, **where: str) -> list[dict]:
    (column, value), = where.items()
    return db.execute(f"SELECT actor, action, memory_id::text, project, token_id::text FROM audit_log "
                      f"WHERE {column} = %s ORDER BY id", (value,)).fetchall()


def test_a_new_memory_and_its_update_each_leave_one_row_naming_the_owner(worker, db, project):
    created = worker.save(project, "Queue", "RabbitMQ.", created_by="ann")
    assert _audit(db, project=project) == [
        {"actor": "ann", "action": "created", "memory_id": created["id"], "project": project, "token_id": None}]
    worker.save(project, "Queue", "Kafka now.", created_by="bob")
    assert [(r["actor"], r["action"], r["memory_id"]) for r in _audit(db, project=project)] == [
        ("ann", "created", created["id"]), ("bob", "updated", created["id"])]


def test_a_replayed_idempotent_save_changes_nothing_and_is_not_audited_again(worker, db, project):
    for _ in range(3):
        worker.save(project, "Once", "one write", created_by="hook", idempotency_key=f"audit-{project}")
    assert [r["action"] for r in _audit(db, project=project)] == ["created"]


def test_a_refused_save_leaves_no_row(worker, db, project):
    assert_error(worker.post("/save_memory", {"project": project, "title": "t", "content_md": "c",
                                              "memory_type": "opinion"}), 400, field="memory_type")
    assert_error(worker.post("/save_memory", {"project": project, "title": "t" * 501, "content_md": "c"}), 400)
    assert _audit(db, project=project) == []


def test_a_save_that_fails_after_its_audit_row_rolls_both_back(worker, db, project):
    # Make the audit insert itself fail for this project: the memory row written just before
    # it in the same transaction must not survive either.
    db.execute("""CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
                  BEGIN RAISE EXCEPTION 'audit refused'; END $$""")
    db.execute(sql.SQL("CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW "
                       "WHEN (NEW.project = {}) EXECUTE FUNCTION test_refuse_audit()").format(sql.Literal(project)))
    try:
        response = worker.post("/save_memory", {"project": project, "title": "t", "content_md": "c",
                                                "created_by": "ann"})
        assert_error(response, 500, "internal_error")
    finally:
        db.execute("DROP TRIGGER test_refuse_audit ON audit_log")
        db.execute("DROP FUNCTION test_refuse_audit()")
    assert db.execute("SELECT count(*) AS n FROM memories WHERE project = %s", (project,)).fetchone()["n"] == 0
    assert _audit(db, project=project) == []


def test_decay_archiving_leaves_one_row_per_archived_memory_and_none_for_the_rest(worker, db, project):
    old = worker.save(project, "Old crash", "E9 in the parser", memory_type="error", created_by="ann")
    kept = worker.save(project, "Must parse", "all input", memory_type="requirement", created_by="ann")
    db.execute("UPDATE memories SET reinforced_at = now() - interval '400 days' WHERE project = %s", (project,))
    response = worker.post("/decay", {"periods": {"error": 30, "requirement": None}, "threshold": 0.1})
    assert response.status_code == 200 and response.json()["archived"] >= 1
    rows = [r for r in _audit(db, project=project) if r["action"] == "decay-archived"]
    assert rows == [{"actor": "decay", "action": "decay-archived", "memory_id": old["id"], "project": project,
                     "token_id": None}]
    assert kept["id"] not in {r["memory_id"] for r in rows}
    # A second run archives nothing new, and audits nothing new.
    worker.post("/decay", {"periods": {"error": 30}, "threshold": 0.1})
    assert len([r for r in _audit(db, project=project) if r["action"] == "decay-archived"]) == 1


def test_creating_and_revoking_a_token_is_audited_once_each_with_the_acting_admin(worker, db):
    created = worker.post("/tokens/create", {"owner": "dee", "role": "reader", "actor": "root-admin"}).json()
    for _ in range(2):
        assert worker.post("/tokens/revoke", {"id": created["id"], "actor": "root-admin"}).status_code == 200
    rows = _audit(db, token_id=created["id"])
    assert [(r["actor"], r["action"]) for r in rows] == [("root-admin", "token-created"),
                                                         ("root-admin", "token-revoked")]
    detail = db.execute("SELECT detail FROM audit_log WHERE token_id = %s AND action = 'token-created'",
                        (created["id"],)).fetchone()["detail"]
    assert detail == {"owner": "dee", "role": "reader"} and created["token"] not in str(detail)


def test_a_refused_token_request_leaves_no_row(worker, db):
    before = db.execute("SELECT count(*) AS n FROM audit_log WHERE action LIKE 'token-%'").fetchone()["n"]
    assert_error(worker.post("/tokens/create", {"owner": "x", "role": "god"}), 400, field="role")
    assert_error(worker.post("/tokens/revoke", {"id": "00000000-0000-0000-0000-000000000000"}), 404)
    assert db.execute("SELECT count(*) AS n FROM audit_log WHERE action LIKE 'token-%'").fetchone()["n"] == before


def test_the_command_line_audits_token_creation_and_revocation_as_the_operator(pg, db, worker):
    env = {**os.environ, "ZIKRA_DATABASE_URL": pg.url(), "ZIKRA_WORKER_SECRET": "unused"}

    def cli(*args: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "zikra_worker.cli", "token", *args], env=env,
                              capture_output=True, text=True, timeout=60, check=True)
        return json.loads(done.stdout)

    created = cli("create", "--owner", "cli-ann", "--role", "reader")
    revoked = cli("revoke", created["id"])
    assert revoked["id"] == created["id"] and revoked["revoked_at"] and "revoked_now" not in revoked
    assert [(r["actor"], r["action"]) for r in _audit(db, token_id=created["id"])] == [
        ("operator", "token-created"), ("operator", "token-revoked")]
