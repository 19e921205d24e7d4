"""Tokens at rest and on the hot path: stored only as SHA-256, checked in constant time, and
rate limited per token in PostgreSQL (shared by every gunicorn process and thread)."""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import assert_error

from zikra_worker import tokens

LIMIT = 600  # the default ZIKRA_RATE_LIMIT_PER_MINUTE the test worker runs with


def _fresh_minute(db) -> None:
    """Wait (at most ~10 s) until the current minute has room for a short test in one window."""
    while db.execute("SELECT extract(second FROM now()) AS s").fetchone()["s"] > 50:
        time.sleep(0.5)


def _window(db, token_id: str) -> dict | None:
    return db.execute("SELECT window_start, requests FROM token_rate_windows WHERE token_id = %s",
                      (token_id,)).fetchone()


def test_a_token_is_stored_as_its_sha256_and_nowhere_in_clear(worker, db):
    created = worker.post("/tokens/create", {"owner": "hash-check", "role": "reader"}).json()
    row = db.execute("SELECT * FROM access_tokens WHERE id = %s", (created["id"],)).fetchone()
    assert bytes(row["token_hash"]) == hashlib.sha256(created["token"].encode()).digest()
    assert row["prefix"] == created["token"][:8] and len(row["prefix"]) < len(created["token"]) // 4
    assert all(created["token"] not in str(value) for value in row.values())


def test_the_final_hash_check_is_hmac_compare_digest(monkeypatch):
    # The lookup is by hash (an index probe that tells a timing attacker nothing about the
    # token); the final comparison is the constant-time one.
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(tokens.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    digest = tokens.hash_token("zk_example")
    assert tokens.matches(memoryview(digest), digest) and not tokens.matches(digest, tokens.hash_token("zk_other"))
    assert len(calls) == 2 and all(isinstance(a, bytes) for a, _ in calls)
    assert "matches(row[\"token_hash\"], token_hash)" in Path(tokens.__file__).read_text()


def test_requests_of_one_token_are_counted_exactly_across_processes_and_threads(worker, db):
    created = worker.post("/tokens/create", {"owner": "counted", "role": "reader"}).json()
    _fresh_minute(db)
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda _: worker.post("/tokens/verify", {"token": created["token"]}).status_code,
                                 range(48)))
    assert statuses == [200] * 48
    assert _window(db, created["id"])["requests"] == 48


def test_a_token_over_its_limit_gets_429_with_retry_after_and_others_are_untouched(worker, db):
    over = worker.post("/tokens/create", {"owner": "noisy", "role": "writer"}).json()
    calm = worker.post("/tokens/create", {"owner": "calm", "role": "writer"}).json()
    _fresh_minute(db)
    assert worker.post("/tokens/verify", {"token": over["token"]}).status_code == 200
    # Spend the rest of this minute's allowance at once rather than with 600 requests.
    db.execute("UPDATE token_rate_windows SET requests = %s WHERE token_id = %s", (LIMIT, over["id"]))
    response = worker.post("/tokens/verify", {"token": over["token"]})
    error = assert_error(response, 429, "rate_limited")
    assert 1 <= error["retry_after_s"] <= 60 and response.headers["Retry-After"] == str(error["retry_after_s"])
    assert "retry" in error["message"]
    assert worker.post("/tokens/verify", {"token": calm["token"]}).status_code == 200
    # A new window forgives: move this one into the past.
    db.execute("UPDATE token_rate_windows SET window_start = window_start - interval '1 minute' WHERE token_id = %s",
               (over["id"],))
    assert worker.post("/tokens/verify", {"token": over["token"]}).status_code == 200
    assert _window(db, over["id"])["requests"] == 1


def test_unknown_and_revoked_tokens_are_401_and_leave_no_counter(worker, db):
    created = worker.post("/tokens/create", {"owner": "gone", "role": "reader"}).json()
    worker.post("/tokens/revoke", {"id": created["id"]})
    assert_error(worker.post("/tokens/verify", {"token": created["token"]}), 401, "unauthorized")
    assert _window(db, created["id"]) is None
    before = db.execute("SELECT count(*) AS n FROM token_rate_windows").fetchone()["n"]
    assert_error(worker.post("/tokens/verify", {"token": "zk_" + "q" * 40}), 401, "unauthorized")
    assert db.execute("SELECT count(*) AS n FROM token_rate_windows").fetchone()["n"] == before


def test_a_limit_of_zero_counts_nothing(worker, db):
    created = worker.post("/tokens/create", {"owner": "unlimited", "role": "reader"}).json()
    row = db.execute(tokens.VERIFY, {"token_hash": tokens.hash_token(created["token"]), "limit": 0}).fetchone()
    assert row["owner"] == "unlimited" and row["requests"] is None
    assert _window(db, created["id"]) is None


@pytest.mark.bench
def test_bench_verify_before_and_after_rate_limiting(worker, db):
    """Prints the cost of the token check with and without the counter (SQL and HTTP)."""
    created = worker.post("/tokens/create", {"owner": "bench-verify", "role": "reader"}).json()
    digest = tokens.hash_token(created["token"])
    old = tokens.VERIFY.replace("%(limit)s > 0", "false")
    for name, statement, limit in (("without counter", old, 0), ("with counter", tokens.VERIFY, 10**9)):
        times = []
        for _ in range(2000):
            started = time.perf_counter()
            with db.transaction():
                db.execute("SELECT set_config('synchronous_commit', 'off', true)")
                db.execute(statement, {"token_hash": digest, "limit": limit}).fetchone()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(f"SQL verify {name}: p50 {times[1000]:.3f} ms, p95 {times[1900]:.3f} ms")
    times = []
    for _ in range(1000):
        started = time.perf_counter()
        assert worker.post("/tokens/verify", {"token": created["token"]}).status_code in (200, 429)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"HTTP /tokens/verify (counter on): p50 {times[500]:.2f} ms, p95 {times[950]:.2f} ms")
