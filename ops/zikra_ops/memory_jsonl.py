"""Export and import of memories as JSON Lines: one memory per line, every field of it.

With embeddings, each line carries ``"embedding": {"provider", "model", "dim", "vector"}``, so
a file says which space its vectors live in. On import a vector is kept when its model and
dimension are the database's embedding space; otherwise (or when the line has none) the
memory is embedded again with the configured embedder, as the worker would.

An imported memory keeps its id unless another memory already has it; a memory with the
same project and title as an existing one replaces that one's fields (as a save does).
``--project`` puts every imported memory into one project. The import is one transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg.rows import dict_row

FIELDS = ("id", "project", "title", "content_md", "memory_type", "tags", "source", "created_by",
          "created_at", "updated_at", "last_accessed_at", "reinforced_at", "access_count",
          "confidence", "archived_at")
REQUIRED = ("project", "title", "content_md", "memory_type")
TIMESTAMPS = ("created_at", "updated_at", "last_accessed_at", "reinforced_at", "archived_at")
BATCH = 32  # texts embedded at once: padded to the longest, larger batches cost memory, not speed

EXPORT = """
SELECT id, project, title, content_md, memory_type, tags, source, created_by, created_at, updated_at,
       last_accessed_at, reinforced_at, access_count, confidence, archived_at
FROM memories
WHERE %(project)s::text IS NULL OR project = %(project)s
ORDER BY project, created_at, id
"""

EXPORT_WITH_EMBEDDINGS = """
SELECT id, project, title, content_md, memory_type, tags, source, created_by, created_at, updated_at,
       last_accessed_at, reinforced_at, access_count, confidence, archived_at, embedding
FROM memories
WHERE %(project)s::text IS NULL OR project = %(project)s
ORDER BY project, created_at, id
"""

SPACE = "SELECT provider, model, dim FROM embedding_space"

# The id is kept unless another memory holds it (ids are unique across projects).
IMPORT = """
INSERT INTO memories (id, project, title, content_md, memory_type, tags, source, created_by,
                      created_at, updated_at, last_accessed_at, reinforced_at, access_count,
                      confidence, archived_at, embedding)
VALUES (CASE WHEN EXISTS (SELECT 1 FROM memories WHERE id = %(id)s) THEN gen_random_uuid() ELSE %(id)s END,
        %(project)s, %(title)s, %(content_md)s, %(memory_type)s, %(tags)s, %(source)s, %(created_by)s,
        %(created_at)s, %(updated_at)s, %(last_accessed_at)s, %(reinforced_at)s, %(access_count)s,
        %(confidence)s, %(archived_at)s, %(embedding)s)
ON CONFLICT (project, title) DO UPDATE SET
    content_md = EXCLUDED.content_md, memory_type = EXCLUDED.memory_type, tags = EXCLUDED.tags,
    source = EXCLUDED.source, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at,
    updated_at = EXCLUDED.updated_at, last_accessed_at = EXCLUDED.last_accessed_at,
    reinforced_at = EXCLUDED.reinforced_at, access_count = EXCLUDED.access_count,
    confidence = EXCLUDED.confidence, archived_at = EXCLUDED.archived_at, embedding = EXCLUDED.embedding
"""


class ImportFailed(RuntimeError):
    """A line of the file is not a memory; the message names the line and the field."""


def _space(conn: psycopg.Connection[Any]) -> dict[str, Any] | None:
    return conn.execute(SPACE).fetchone()


def export(conn: psycopg.Connection[Any], out: IO[str], project: str | None = None,
           with_embeddings: bool = False) -> int:
    """Write the memories (of one project, or all) as JSON lines; return how many."""
    register_vector(conn)
    space = _space(conn) if with_embeddings else None
    count = 0
    with conn.transaction(), conn.cursor(name="zikra_export", row_factory=dict_row) as cur:
        cur.execute(EXPORT_WITH_EMBEDDINGS if with_embeddings else EXPORT, {"project": project})
        for row in cur:
            out.write(json.dumps(_line(row, space), ensure_ascii=False) + "\n")
            count += 1
    return count


def _line(row: dict[str, Any], space: dict[str, Any] | None) -> dict[str, Any]:
    line = {name: row[name] for name in FIELDS}
    line["id"] = str(row["id"])
    for name in TIMESTAMPS:
        line[name] = row[name].isoformat() if row[name] is not None else None
    if "embedding" in row:
        vector = row["embedding"]
        line["embedding"] = None if vector is None or space is None else {
            "provider": space["provider"], "model": space["model"], "dim": space["dim"],
            "vector": _floats(vector)}
    return line


def _floats(vector: Any) -> list[float]:
    # pgvector's loaders give a numpy array (text format) or a Vector (binary format).
    array = vector.to_numpy() if hasattr(vector, "to_numpy") else vector
    return np.asarray(array, dtype=np.float32).tolist()


def read_lines(lines: Iterable[str], project: str | None = None) -> Iterator[dict[str, Any]]:
    """Parse and check each non-blank line; ``project`` replaces every memory's project.

    Raises:
        ImportFailed: a line is not JSON or lacks a field; the message names both.
    """
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFailed(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise ImportFailed(f"line {number}: not a JSON object")
        for name in REQUIRED:
            if not isinstance(record.get(name), str) or not record[name]:
                raise ImportFailed(f"line {number}: field {name} is missing or not a string")
        yield _row(record, number, project)


def _row(record: dict[str, Any], number: int, project: str | None) -> dict[str, Any]:
    row = {name: record.get(name) for name in FIELDS}
    row["line"] = number
    if project:
        row["project"] = project
    try:
        row["id"] = uuid.UUID(record["id"]) if record.get("id") else uuid.uuid4()
        for name in TIMESTAMPS:
            row[name] = datetime.fromisoformat(row[name]) if row[name] else None
    except (TypeError, ValueError) as exc:
        raise ImportFailed(f"line {number}: {exc}") from None
    row["tags"] = list(row["tags"] or [])
    now = datetime.now().astimezone()
    for name in ("created_at", "updated_at", "reinforced_at"):
        row[name] = row[name] or now
    row["access_count"] = row["access_count"] or 0
    row["confidence"] = 1.0 if row["confidence"] is None else row["confidence"]
    row["embedding_in_file"] = record.get("embedding")
    return row


def import_rows(conn: psycopg.Connection[Any], rows: Iterable[dict[str, Any]],
                embedder_factory: Any) -> dict[str, int]:
    """Insert or update the memories in one transaction; return counts (imported, reembedded).

    ``embedder_factory()`` builds the configured embedder; it is called only when a memory
    needs embedding (no vector in the file, or one of another model or dimension), or when
    the database has no embedding space yet (then it fixes it, as the worker's first start does).

    Raises:
        ImportFailed: a memory was refused (the message names its line and why); nothing is kept.
    """
    from zikra_worker import embedding_space

    register_vector(conn)
    embedder = None
    space = _space(conn)
    if space is None:
        embedder = embedder_factory()
        embedding_space.ensure(conn, embedder)
        space = _space(conn)
    counts = {"imported": 0, "reembedded": 0}
    with conn.transaction():
        for batch in _batches(rows, BATCH):
            missing = [r for r in batch if not _usable(r["embedding_in_file"], space)]
            if missing:
                embedder = embedder or embedder_factory()
                _embed(embedder, missing)
                counts["reembedded"] += len(missing)
            for row in batch:
                if "embedding" not in row:
                    row["embedding"] = np.asarray(row["embedding_in_file"]["vector"], dtype=np.float32)
                _insert(conn, row)
            counts["imported"] += len(batch)
    return counts


def _usable(embedding: Any, space: dict[str, Any]) -> bool:
    return (isinstance(embedding, dict) and embedding.get("model") == space["model"]
            and embedding.get("dim") == space["dim"] and isinstance(embedding.get("vector"), list)
            and len(embedding["vector"]) == space["dim"])


def _embed(embedder: Any, rows: list[dict[str, Any]]) -> None:
    from zikra_worker.embeddings import memory_text

    vectors = embedder.embed([memory_text(r["title"], r["content_md"]) for r in rows])
    for row, vector in zip(rows, vectors):
        row["embedding"] = vector


def _insert(conn: psycopg.Connection[Any], row: dict[str, Any]) -> None:
    try:
        with conn.transaction():  # a savepoint: the error names this line, not a later one
            conn.execute(IMPORT, {k: v for k, v in row.items() if k not in ("line", "embedding_in_file")})
    except psycopg.errors.DataError as exc:
        raise ImportFailed(f"line {row['line']}: {exc.diag.message_primary}") from None
    except psycopg.errors.IntegrityError as exc:
        raise ImportFailed(f"line {row['line']}: {exc.diag.message_primary}") from None


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def export_file(database_url: str, file: Path, project: str | None, with_embeddings: bool) -> int:
    """Export into a file (written beside, then renamed); return how many memories."""
    partial = file.with_name(file.name + ".partial")
    try:
        with psycopg.connect(database_url, row_factory=dict_row, connect_timeout=5) as conn, \
                open(partial, "w", encoding="utf-8") as out:
            count = export(conn, out, project, with_embeddings)
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    return count


def import_file(settings: dict[str, Any], file: Path, project: str | None) -> dict[str, int]:
    """Import a file made by :func:`export_file` (or by hand: one memory per line) into the
    database of the worker's ``settings`` (see ``zikra_worker.config``), migrated first."""
    from zikra_worker import migrations

    if not file.is_file():
        raise ImportFailed(f"{file} does not exist")
    with psycopg.connect(settings["DATABASE_URL"], row_factory=dict_row, connect_timeout=5) as conn, \
            open(file, encoding="utf-8") as lines:
        migrations.migrate(conn, Path(settings["MIGRATIONS_DIR"]))
        return import_rows(conn, read_lines(lines, project), lambda: _embedder(settings))


def _embedder(settings: dict[str, Any]) -> Any:
    from zikra_worker.embeddings import OpenAIEmbedder, build_embedder

    embedder = build_embedder(settings)
    if isinstance(embedder, OpenAIEmbedder) and not embedder.dim:
        embedder.probe_dim()  # a model of unknown dimension: ask it once
    return embedder


def worker_settings(env: dict[str, str]) -> dict[str, Any]:
    """The worker's settings (``zikra_worker.config``) as this installation's environment sets them."""
    from zikra_worker.config import SETTINGS, load_settings

    overrides = {}
    for setting in SETTINGS:
        raw = env.get("ZIKRA_" + setting.name)
        if raw not in (None, ""):
            overrides[setting.name] = setting.parse(raw)
    return load_settings(overrides)
