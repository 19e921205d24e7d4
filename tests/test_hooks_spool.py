"""The spool: with the server down a hook exits 0 at once and keeps what it wanted to send; with it
up again, ``flush`` sends everything in order, exactly once."""

from __future__ import annotations

import json
import shutil
import time

import pytest
from hooks_support import SESSION_COMPACTED, SESSION_RETRIES, closed_port_url, hook_env, payload
from zikra_hooks.errors import Rejected, Unavailable
from zikra_hooks.spool import Spool


def body(n: int) -> dict:
    return {"command": "save_memory", "title": f"t{n}", "content_md": "c", "idempotency_key": f"k{n}"}


def test_items_are_sent_oldest_first_and_deleted_once_accepted(tmp_path):
    spool, sent = Spool(tmp_path), []
    for n in range(5):
        spool.add(body(n))
    result = spool.flush(lambda b, timeout: sent.append(b["title"]) or {"id": "x"}, time.monotonic() + 5)
    assert sent == ["t0", "t1", "t2", "t3", "t4"] and result.sent == 5 and result.left == 0
    assert spool.items() == []


def test_a_transient_failure_stops_the_flush_and_keeps_the_order(tmp_path):
    spool, sent = Spool(tmp_path), []
    for n in range(4):
        spool.add(body(n))

    def send(b, timeout):
        if b["title"] == "t2":
            raise Unavailable("503 worker_unavailable")
        sent.append(b["title"])
        return {}

    result = spool.flush(send, time.monotonic() + 5)
    assert sent == ["t0", "t1"] and result.left == 2 and "503" in result.stopped_by
    assert [json.loads(p.read_text())["body"]["title"] for p in spool.items()] == ["t2", "t3"]


def test_an_item_the_server_refuses_is_set_aside_and_the_rest_go_on(tmp_path):
    spool, sent = Spool(tmp_path), []
    for n in range(3):
        spool.add(body(n))

    def send(b, timeout):
        if b["title"] == "t1":
            raise Rejected(403, "forbidden", "project not allowed")
        sent.append(b["title"])
        return {}

    result = spool.flush(send, time.monotonic() + 5)
    assert sent == ["t0", "t2"] and result.rejected == 1 and result.left == 0
    assert len(list((tmp_path / "rejected").glob("*.json"))) == 1


def test_an_item_already_waiting_with_the_same_key_is_not_spooled_twice(tmp_path):
    spool = Spool(tmp_path)
    assert spool.add(body(1)) is not None
    assert spool.add({**body(1), "content_md": "other"}) is None
    assert spool.pending() == 1
    with pytest.raises(ValueError):
        spool.add({"command": "log_run", "status": "success"})


def test_the_flush_stops_at_its_deadline(tmp_path):
    spool = Spool(tmp_path)
    for n in range(3):
        spool.add(body(n))
    result = spool.flush(lambda b, timeout: {}, time.monotonic() - 1)
    assert result.sent == 0 and result.left == 3 and result.stopped_by == "time budget spent"


def test_with_the_server_down_the_hooks_exit_0_quickly_and_the_spool_keeps_everything(tmp_path):
    machine = hook_env(tmp_path, closed_port_url())
    result, seconds = machine.timed("session-end", stdin=payload("session-end"))
    assert result.returncode == 0 and result.stdout == "" and seconds < 2.5
    result, seconds = machine.timed("pre-compact", stdin=payload("pre-compact"))
    assert result.returncode == 0 and result.stdout == "" and seconds < 2.5
    spooled = machine.spooled()
    assert [b["command"] for b in spooled] == ["save_memory"] * 4 + ["log_run", "save_memory"]
    assert spooled[4]["session_id"] == SESSION_RETRIES and spooled[5]["memory_type"] == "project"
    assert all(b["idempotency_key"].startswith("claude-code:") for b in spooled)
    assert "Connection refused" in machine.log()


@pytest.fixture
def project_dir(tmp_path, project):
    folder = tmp_path / "acme-api"
    folder.mkdir()
    (folder / ".zikra").write_text(f"project = {project}\n")
    return folder


def test_after_the_server_comes_back_flush_sends_the_spool_in_order_exactly_once(
        tmp_path, n8n_url, tokens, db, project, project_dir):
    machine = hook_env(tmp_path, closed_port_url(), tokens["writer"])
    assert machine.run("session-end", stdin=payload("session-end", cwd=str(project_dir))).returncode == 0
    assert machine.run("pre-compact", stdin=payload("pre-compact", cwd=str(project_dir))).returncode == 0
    spooled = machine.spooled()
    assert len(spooled) == 6
    # One item is sent, its answer lost (say, the hook was killed first): it is still in the spool.
    replay = tmp_path / "replay.json"
    shutil.copy(sorted(machine.spool.glob("*.json"))[0], replay)

    machine.env["ZIKRA_URL"] = n8n_url
    first = machine.run("flush", timeout=120)
    assert first.returncode == 0 and first.stdout.startswith("sent 6, rejected 0, left 0"), first.stdout
    shutil.copy(replay, machine.spool / replay.name.replace("replay", "00000000000000000000-replay"))
    second = machine.run("flush", timeout=60)
    assert second.returncode == 0 and second.stdout.startswith("sent 1, rejected 0, left 0"), second.stdout
    assert machine.run("flush").stdout.startswith("sent 0, rejected 0, left 0")

    memories = db.execute("SELECT title, memory_type, created_at FROM memories WHERE project = %s "
                          "ORDER BY created_at", (project,)).fetchall()
    assert [m["title"] for m in memories] == [b["title"] for b in spooled if b["command"] == "save_memory"]
    runs = db.execute("SELECT session_id, created_at FROM runs WHERE project = %s", (project,)).fetchall()
    assert [r["session_id"] for r in runs] == [SESSION_RETRIES]
    # In spool order: the decisions, then the run, then the pre-compaction digest.
    assert memories[3]["created_at"] <= runs[0]["created_at"] <= memories[4]["created_at"]
    assert memories[4]["memory_type"] == "project" and SESSION_COMPACTED[:8] in memories[4]["title"]


def test_a_wrong_token_keeps_the_spool_for_when_it_is_fixed(tmp_path, n8n_url, tokens, project_dir):
    machine = hook_env(tmp_path, n8n_url, "zk_not_a_token")
    assert machine.run("session-end", stdin=payload("session-end", cwd=str(project_dir))).returncode == 0
    assert len(machine.spooled()) == 5 and "401" in machine.log()
    machine.env["ZIKRA_TOKEN"] = tokens["writer"]
    assert machine.run("flush", timeout=120).stdout.startswith("sent 5")
    assert "zk_not_a_token" not in machine.log() and tokens["writer"] not in machine.log()


def test_a_token_without_the_project_sets_the_items_aside_without_blocking_the_rest(
        tmp_path, n8n_url, tokens, project_dir):
    machine = hook_env(tmp_path, n8n_url, tokens["solo"])  # a writer of solo-project only
    assert machine.run("session-end", stdin=payload("session-end", cwd=str(project_dir))).returncode == 0
    flushed = machine.run("flush", timeout=60)
    assert "left 0" in flushed.stdout and len(list((machine.spool / "rejected").glob("*.json"))) == 5
