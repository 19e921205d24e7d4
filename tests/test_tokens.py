"""Bearer tokens: shown once, stored only as hashes, verified, listed and revoked."""

from __future__ import annotations

import os
import subprocess

from conftest import assert_error


def test_a_created_token_verifies_with_its_owner_role_and_projects(worker):
    created = worker.post("/tokens/create", {"owner": "ann", "role": "writer", "projects": ["web", "api"]})
    assert created.status_code == 201
    token = created.json()["token"]
    verified = worker.post("/tokens/verify", {"token": token}).json()
    assert verified == {"id": created.json()["id"], "owner": "ann", "role": "writer", "projects": ["web", "api"]}


def test_the_raw_token_appears_nowhere_in_the_database(worker, pg):
    token = worker.post("/tokens/create", {"owner": "bob", "role": "admin"}).json()["token"]
    dump = subprocess.run([str(pg.bin_dir / "pg_dump"), "-h", "127.0.0.1", "-p", str(pg.port),
                           "-U", "postgres", "zikra"], capture_output=True, text=True, check=True,
                          env={**os.environ, "PGPASSWORD": pg.password_file.read_text().strip()}).stdout
    assert "access_tokens" in dump
    assert token not in dump and token[3:] not in dump
    listed = worker.post("/tokens/list").json()["tokens"]
    assert all("token" not in t and "token_hash" not in t for t in listed)


def test_a_revoked_or_unknown_token_is_refused(worker):
    created = worker.post("/tokens/create", {"owner": "cy", "role": "reader"}).json()
    revoked = worker.post("/tokens/revoke", {"id": created["id"]})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert_error(worker.post("/tokens/verify", {"token": created["token"]}), 401, "unauthorized")
    assert_error(worker.post("/tokens/verify", {"token": "zk_nonsense"}), 401, "unauthorized")
    listed = {t["id"]: t for t in worker.post("/tokens/list").json()["tokens"]}
    assert listed[created["id"]]["revoked_at"] is not None


def test_bad_token_requests_name_the_field(worker):
    assert_error(worker.post("/tokens/create", {"owner": "d", "role": "god"}), 400, field="role")
    assert_error(worker.post("/tokens/create", {"role": "reader"}), 400, field="owner")
    assert_error(worker.post("/tokens/verify", {}), 400, field="token")
    assert_error(worker.post("/tokens/verify", {"token": "x" * 10_000}), 400, field="token")
    assert_error(worker.post("/tokens/revoke", {"id": "not-a-uuid"}), 400, field="id")
    assert_error(worker.post("/tokens/revoke", {"id": "00000000-0000-0000-0000-000000000000"}), 404)


def test_verifying_records_when_a_token_was_last_used(worker):
    created = worker.post("/tokens/create", {"owner": "eve", "role": "reader"}).json()
    worker.post("/tokens/verify", {"token": created["token"]})
    listed = {t["id"]: t for t in worker.post("/tokens/list").json()["tokens"]}
    assert listed[created["id"]]["last_used_at"] is not None
