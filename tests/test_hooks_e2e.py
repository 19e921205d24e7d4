"""The hooks against the real stack (n8n's /webhook/zikra, the worker, PostgreSQL), run as Claude
Code runs them: after a session ends, its run and its decisions are found through the public API."""

from __future__ import annotations

import json
import time

import pytest
from conftest import Api
from hooks_support import SESSION_RETRIES, hook_env, payload, wait_for
from zikra_hooks import config as settings
from zikra_hooks.statusline import cache_path


@pytest.fixture
def project_dir(tmp_path, project):
    """A checkout whose .zikra file names the test's fresh project."""
    folder = tmp_path / "acme-api"
    (folder / "src").mkdir(parents=True)
    (folder / ".zikra").write_text(f"# Zikra memory pool\nproject = {project}\n")
    return folder


def deliver(machine, hook, stdin):
    """Run a hook; on a slow machine what did not fit in its 2 s stays spooled for the next run,
    which is what `flush` is (bounded: at most three flushes)."""
    result = machine.run(hook, stdin=stdin)
    assert result.returncode == 0 and result.stdout == ""
    for _ in range(3):
        if not machine.spooled():
            return
        machine.run("flush", timeout=120)
    assert not machine.spooled(), machine.log()


def test_after_session_end_the_run_is_logged_and_the_decisions_are_found_by_search(
        tmp_path, n8n_url, tokens, db, project, project_dir):
    machine = hook_env(tmp_path, n8n_url, tokens["writer"])
    deliver(machine, "session-end", payload("session-end", cwd=str(project_dir / "src")))

    (run,) = db.execute("SELECT * FROM runs WHERE project = %s", (project,)).fetchall()
    assert run["session_id"] == SESSION_RETRIES and run["status"] == "success" and run["agent"] == "claude-code"
    assert run["files_changed"] == ["src/acme/webhooks.py", "tests/test_webhook_retries.py", "src/acme/jobs.py"]
    assert run["tokens_in"] > 100_000 and run["tokens_out"] > 1000 and run["duration_s"] == 112.0
    assert run["created_by"] == "writer-owner" and "Add retries with backoff" in run["output_summary"]

    api = Api(n8n_url, tokens["writer"])
    found = api.call("search", project=project, query="why a hand-written retry loop and not tenacity?",
                     memory_type="decision").json()
    assert found["results"][0]["title"] == "Use a hand-written loop"
    assert "tenacity would be the first new dependency" in found["results"][0]["content_md"]
    found = api.call("search", project=project, query="staging 503 nightly deploy pager").json()
    assert found["results"][0]["title"] == "The staging API returns 503 during the nightly deploy at 02:00 UTC"
    titles = {r["title"] for r in api.call("search", project=project, query="retries", limit=20).json()["results"]}
    assert titles == {"Use a hand-written loop", "Retries live in the client, not in the callers",
                      "Honour Retry-After on 429 instead of our own backoff",
                      "The staging API returns 503 during the nightly deploy at 02:00 UTC"}


def test_a_session_end_replayed_after_its_state_was_lost_writes_nothing_twice(
        tmp_path, n8n_url, tokens, db, project, project_dir):
    machine = hook_env(tmp_path, n8n_url, tokens["writer"])
    stdin = payload("session-end", cwd=str(project_dir))
    deliver(machine, "session-end", stdin)
    for state in (machine.hooks_home / "sessions").glob("*.json"):
        state.unlink()  # as if the hooks' home had been wiped: the same commands go out again
    deliver(machine, "session-end", stdin)
    assert db.execute("SELECT count(*) AS n FROM runs WHERE project = %s", (project,)).fetchone()["n"] == 1
    rows = db.execute("SELECT title, updated_at = created_at AS untouched FROM memories WHERE project = %s",
                      (project,)).fetchall()
    assert len(rows) == 4 and all(r["untouched"] for r in rows)


def test_a_pre_compact_digest_is_found_as_a_project_memory(tmp_path, n8n_url, tokens, project, project_dir):
    machine = hook_env(tmp_path, n8n_url, tokens["writer"])
    deliver(machine, "pre-compact", payload("pre-compact", cwd=str(project_dir)))
    found = Api(n8n_url, tokens["writer"]).call("search", project=project, memory_type="project",
                                                query="backfill the partitioned jobs table").json()
    assert found["count"] == 1 and found["results"][0]["title"].startswith("Context before compaction")
    assert "Swap table names in one transaction" in found["results"][0]["content_md"]


def test_the_statusline_shows_the_projects_memory_count_after_a_background_refresh(
        tmp_path, n8n_url, tokens, project, project_dir):
    api = Api(n8n_url, tokens["writer"])
    for title in ("Queue", "Ports"):
        assert api.call("save_memory", project=project, title=title, content_md=f"{title} notes").status_code == 201
    machine = hook_env(tmp_path, n8n_url, tokens["reader"])
    stdin = payload("statusline", cwd=str(project_dir), workspace={"current_dir": str(project_dir)})
    first = machine.run("statusline", stdin=stdin)
    assert first.stdout == f"zikra {project} · … · ctx 43%\n"  # nothing cached yet; a refresh starts
    cache = cache_path(settings.load(machine.env), project)
    wait_for(lambda: cache.exists() and "count" in json.loads(cache.read_text()), 15, "the background refresh")
    line = machine.run("statusline", stdin=stdin).stdout
    assert line.startswith(f"zikra {project} · 2 memories · saved ") and line.endswith(" · ctx 43%\n")


def test_the_statusline_says_unauthorized_when_the_token_is_wrong(tmp_path, n8n_url, project_dir):
    machine = hook_env(tmp_path, n8n_url, "zk_wrong")
    stdin = payload("statusline", cwd=str(project_dir), workspace={"current_dir": str(project_dir)})
    machine.run("statusline", stdin=stdin)
    wait_for(lambda: "unauthorized" in machine.run("statusline", stdin=stdin).stdout, 15, "the refresh")


def test_the_statusline_refresh_sends_what_the_spool_holds(tmp_path, n8n_url, tokens, db, project, project_dir):
    machine = hook_env(tmp_path, "http://127.0.0.1:9", tokens["writer"])
    machine.run("stop", stdin=payload("stop", cwd=str(project_dir)))
    assert len(machine.spooled()) == 2
    machine.env["ZIKRA_URL"] = n8n_url
    machine.run("statusline", stdin=payload("statusline", cwd=str(project_dir),
                                           workspace={"current_dir": str(project_dir)}))
    wait_for(lambda: not machine.spooled(), 20, "the refresh to send the spool")
    time.sleep(0.2)
    titles = {r["title"] for r in db.execute("SELECT title FROM memories WHERE project = %s", (project,))}
    assert titles == {"The staging API returns 503 during the nightly deploy at 02:00 UTC",
                      "Keep the attempt count in settings rather than hard-coding it"}
