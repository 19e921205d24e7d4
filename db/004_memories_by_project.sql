-- 004_memories_by_project: memories become 16 hash partitions by project.
--
-- Why: nearly every search names its project(s), and an HNSW scan filters after it walks
-- the graph. With 100k memories over 20 projects a filtered scan visited ~1,200 rows to
-- keep 60 (12 ms p50, 39 ms p95). A partition holds about 1/16 of the projects, so the scan
-- of a pruned partition wastes little. The table is rebuilt with the same columns (the
-- embedding keeps the dimension the worker fixed), data copied, indexes recreated.

CREATE TABLE memories_partitioned (LIKE memories INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS)
    PARTITION BY HASH (project);

DO $$
BEGIN
    FOR i IN 0..15 LOOP
        EXECUTE format(
            'CREATE TABLE memories_p%s PARTITION OF memories_partitioned '
            'FOR VALUES WITH (MODULUS 16, REMAINDER %s) WITH (fillfactor = 85)', i, i);
    END LOOP;
END $$;

INSERT INTO memories_partitioned (
    id, project, title, content_md, memory_type, tags, source, created_by, created_at, updated_at,
    last_accessed_at, reinforced_at, access_count, confidence, archived_at, embedding)
SELECT id, project, title, content_md, memory_type, tags, source, created_by, created_at, updated_at,
       last_accessed_at, reinforced_at, access_count, confidence, archived_at, embedding
FROM memories;

DROP TABLE memories;
ALTER TABLE memories_partitioned RENAME TO memories;

-- A primary key of a partitioned table must hold the partition key; ids stay unique UUIDs.
ALTER TABLE memories ADD PRIMARY KEY (id, project);
CREATE INDEX memories_id ON memories (id);
CREATE UNIQUE INDEX memories_project_title ON memories (project, title);
CREATE INDEX memories_search_tsv ON memories USING GIN (search_tsv);
CREATE INDEX memories_project_type ON memories (project, memory_type);
CREATE INDEX memories_project_updated ON memories (project, updated_at DESC);

-- The HNSW index exists once the worker has fixed the dimension (embedding_space has a row).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM embedding_space) THEN
        CREATE INDEX memories_embedding_hnsw ON memories USING hnsw (embedding vector_cosine_ops);
    END IF;
END $$;
