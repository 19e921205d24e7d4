-- 002_memories_fillfactor: leave room on each page so that reinforcing a memory (search and
-- get update access_count, last_accessed_at, reinforced_at, confidence: none indexed) is a
-- HOT update. A non-HOT update re-inserts the row into every index, the HNSW graph included,
-- which costs milliseconds per row.

ALTER TABLE memories SET (fillfactor = 85);
