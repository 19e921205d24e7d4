"""Input bugs the webhook fuzz run found in the worker, pinned at the worker itself."""

from __future__ import annotations

import pytest
from conftest import assert_error


@pytest.mark.parametrize("path,body,field", [
    ("/search", '{"query": "\\ud800", "projects": ["fuzz-a"]}', "query"),
    ("/save_memory", '{"project": "fuzz-a", "title": "t", "content_md": "a\\udfffb"}', "content_md"),
    ("/save_memory", '{"project": "fuzz-a", "title": "t", "content_md": "c", "tags": ["ok", "\\ud83d"]}', "tags"),
    ("/tokens/verify", '{"token": "zk_\\ud800"}', "token"),
    ("/log_run", '{"project": "fuzz-a", "status": "success", "files_changed": [{"\\udc00": 1}]}', "files_changed"),
    ("/get_memory", '{"\\ud800": 1, "title": "t"}', "body"),
])
def test_a_lone_surrogate_escape_anywhere_is_a_400_naming_its_field(worker, db, path, body, field):
    before = db.execute("SELECT (SELECT count(*) FROM memories) + (SELECT count(*) FROM runs) AS n").fetchone()["n"]
    assert_error(worker.post(path, data=body, headers={"Content-Type": "application/json"}), 400,
                 "invalid_request", field)
    assert db.execute("SELECT (SELECT count(*) FROM memories) + (SELECT count(*) FROM runs) AS n").fetchone()["n"] == before


def test_a_valid_surrogate_pair_is_an_ordinary_character(worker, project):
    saved = worker.post("/save_memory", data='{"project": "%s", "title": "emoji \\ud83d\\ude00", "content_md": "ok"}'
                        % project, headers={"Content-Type": "application/json"})
    assert saved.status_code == 201, saved.text
    assert worker.post("/get_memory", {"id": saved.json()["id"]}).json()["title"] == "emoji \U0001F600"


def test_a_body_nested_past_the_parsers_limit_is_a_400_naming_the_body(worker):
    for body in ("[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000):
        assert_error(worker.post("/search", data=body, headers={"Content-Type": "application/json"}), 400,
                     "invalid_request", "body")
