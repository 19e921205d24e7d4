"""The statusline: one line from a local cache, fast even with the server down, refreshed in the
background at most every few seconds."""

from __future__ import annotations

import json
import time

import pytest
from hooks_support import closed_port_url, hook_env, payload, wait_for
from zikra_hooks import config as settings
from zikra_hooks.statusline import ago, cache_path, context_percent, render, write_cache


@pytest.fixture
def machine(tmp_path):
    return hook_env(tmp_path, closed_port_url())


def config_of(machine):
    return settings.load(machine.env)


def test_the_line_shows_the_count_the_last_save_the_queue_and_the_context_use():
    now = time.time()
    saved = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 300))
    line = render("acme-api", {"count": 42, "last_saved_at": saved}, 3, 42.6, now)
    assert line == "zikra acme-api · 42 memories · saved 5m ago · 3 queued · ctx 43%"
    assert render("acme-api", {"count": 1, "error": "offline"}, 0, None, now) == "zikra acme-api · 1 memory · offline"
    assert render("acme-api", {}, 0, 7.0, now) == "zikra acme-api · … · ctx 7%"


def test_context_use_comes_from_used_percentage_or_from_usage_over_the_window():
    assert context_percent(payload("statusline")) == 42.6
    window = {"context_window_size": 200000, "current_usage": {"input_tokens": 1000, "output_tokens": 500,
                                                                 "cache_read_input_tokens": 19000}}
    assert context_percent({"context_window": window}) == 10.0
    assert context_percent({}) is None


def test_times_read_as_ages():
    now = time.time()
    iso = lambda s: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - s))  # noqa: E731
    assert [ago(iso(s), now) for s in (5, 120, 7200, 3 * 86400)] == ["just now", "2m ago", "2h ago", "3d ago"]
    assert ago(None, now) is None and ago("yesterday", now) is None


def test_with_the_server_down_the_statusline_prints_one_line_quickly_every_time(machine):
    for _ in range(3):
        result, seconds = machine.timed("statusline", stdin=payload("statusline"))
        assert result.returncode == 0 and seconds < 1.0
        assert result.stdout.count("\n") == 1 and result.stdout.startswith("zikra acme-api")
    # the background refresh found the server down, and the line says so
    wait_for(lambda: "offline" in machine.run("statusline", stdin=payload("statusline")).stdout, 10,
             "the refresh to mark the server offline")


def test_the_statusline_reads_the_cache_and_leaves_a_fresh_cache_alone(machine):
    config = config_of(machine)
    saved = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 90))
    write_cache(config, "acme-api", {"count": 7, "last_saved_at": saved, "checked_at": time.time() + 3600})
    before = cache_path(config, "acme-api").read_text()
    result = machine.run("statusline", stdin=payload("statusline"))
    assert result.stdout == "zikra acme-api · 7 memories · saved 1m ago · ctx 43%\n"
    time.sleep(0.3)
    assert cache_path(config, "acme-api").read_text() == before  # fresh: no refresh was started


def test_a_stale_cache_is_refreshed_by_one_background_process_at_a_time(machine):
    config = config_of(machine)
    claim = cache_path(config, "acme-api").with_suffix(".refreshing")
    claim.parent.mkdir(parents=True)
    claim.touch()  # a refresh is running
    machine.run("statusline", stdin=payload("statusline"))
    time.sleep(0.5)
    assert not cache_path(config, "acme-api").exists()  # no second refresher was started
    claim.unlink()
    machine.run("statusline", stdin=payload("statusline"))
    # The refresher writes the cache, then gives up its claim: wait for both.
    cache = wait_for(lambda: cache_path(config, "acme-api").exists() and not claim.exists()
                     and json.loads(cache_path(config, "acme-api").read_text()), 10, "the refresh")
    assert cache["error"] == "offline"


def test_garbage_on_stdin_still_gives_a_line(machine):
    result = machine.run("statusline", stdin="garbage")
    assert result.returncode == 0 and result.stdout.startswith("zikra ") and result.stdout.count("\n") == 1
