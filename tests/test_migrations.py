"""Migrations: a blank database gets the whole schema, and running them again changes nothing."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from zikra_ops import postgres
from zikra_worker import migrations

DB_DIR = Path(__file__).resolve().parents[1] / "db"


@pytest.fixture
def blank_db(pg):
    postgres.ensure_database(pg, "zikra_migrate_test")
    with psycopg.connect(pg.url("zikra_migrate_test"), row_factory=dict_row) as conn:
        yield conn
    with psycopg.connect(pg.url("postgres"), autocommit=True) as admin:
        admin.execute("DROP DATABASE zikra_migrate_test WITH (FORCE)")


def test_a_blank_database_is_migrated_once_and_recorded(blank_db):
    names = [p.stem for p in migrations.pending_files(DB_DIR)]
    assert names and names == sorted(names)
    assert migrations.migrate(blank_db, DB_DIR) == names
    assert migrations.migrate(blank_db, DB_DIR) == []
    recorded = [r["name"] for r in blank_db.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert recorded == names


def test_the_memories_table_has_every_field_of_the_spec(blank_db):
    migrations.migrate(blank_db, DB_DIR)
    columns = {r["column_name"] for r in blank_db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'memories'")}
    spec = {"id", "project", "title", "content_md", "memory_type", "tags", "source", "created_by",
            "created_at", "updated_at", "last_accessed_at", "access_count", "confidence", "archived_at"}
    assert spec | {"embedding", "search_tsv", "reinforced_at"} <= columns
    for table in ("prompts", "runs", "access_tokens", "embedding_space"):
        assert blank_db.execute("SELECT to_regclass(%s) AS t", (table,)).fetchone()["t"] == table


def test_a_failing_migration_leaves_nothing_behind(blank_db, tmp_path):
    (tmp_path / "001_good.sql").write_text("CREATE TABLE good (id int);")
    (tmp_path / "002_bad.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    with pytest.raises(psycopg.errors.UndefinedFunction):
        migrations.migrate(blank_db, tmp_path)
    blank_db.rollback()
    assert blank_db.execute("SELECT to_regclass('half') AS t").fetchone()["t"] is None
    assert [r["name"] for r in blank_db.execute("SELECT name FROM schema_migrations")] == ["001_good"]
