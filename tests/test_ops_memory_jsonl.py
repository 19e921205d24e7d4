"""Reading a JSONL export line by line (no database): checks name the line and the field, and
--project rewrites the project. The round trip through a real database is in test_ops_stack.py."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest

from zikra_ops.memory_jsonl import ImportFailed, read_lines

GOOD = {"project": "p", "title": "t", "content_md": "c", "memory_type": "decision"}


def test_a_line_keeps_its_id_and_timestamps_and_fills_defaults_for_what_it_lacks():
    memory_id = str(uuid.uuid4())
    line = {**GOOD, "id": memory_id, "created_at": "2026-01-02T03:04:05.123456+00:00", "tags": ["a"]}
    (row,) = read_lines([json.dumps(line)])
    assert row["id"] == uuid.UUID(memory_id)
    assert row["created_at"] == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)
    assert row["tags"] == ["a"] and row["access_count"] == 0 and row["confidence"] == 1.0
    assert row["archived_at"] is None and row["embedding_in_file"] is None


def test_project_rewrites_every_line_and_blank_lines_are_skipped():
    rows = list(read_lines([json.dumps(GOOD), "", json.dumps({**GOOD, "project": "q", "title": "u"})],
                           project="copy"))
    assert [r["project"] for r in rows] == ["copy", "copy"]


@pytest.mark.parametrize("text, expected", [
    ("{not json", "line 2: not JSON"),
    ("[1, 2]", "line 2: not a JSON object"),
    (json.dumps({**GOOD, "title": ""}), "line 2: field title"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "memory_type"}), "line 2: field memory_type"),
    (json.dumps({**GOOD, "id": "not-a-uuid"}), "line 2:"),
    (json.dumps({**GOOD, "created_at": "yesterday"}), "line 2:"),
])
def test_a_bad_line_is_refused_with_its_number_and_what_is_wrong(text: str, expected: str):
    with pytest.raises(ImportFailed, match=expected):
        list(read_lines([json.dumps(GOOD), text]))
