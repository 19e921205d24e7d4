-- 006_keyword_stats: the per-project statistics BM25 needs, kept current by triggers.
--
-- keyword_terms: for each project and lexeme of search_tsv, how many live (not archived)
-- memories hold it (the document frequency behind IDF). keyword_projects: how many live
-- memories a project has and the sum of their lengths (length(search_tsv), distinct
-- lexemes), so the average length for BM25's length normalisation is one row away.
--
-- Triggers on memories keep both current in the transaction of the write itself: a save,
-- an edit, an archive, a restore, a delete, a bulk COPY, the decay run. They are statement
-- triggers with transition tables (allowed on a partitioned table), so a bulk load or the
-- decay run updates each statistic once per statement, not once per row. An UPDATE that
-- changes neither the text, the archived state nor the project (reinforcement, decay's
-- confidence) finds no changed row and writes nothing. Each statistic row is touched in
-- (project, lexeme) order, so concurrent saves of one project wait for each other on a
-- common word instead of deadlocking. Plain tables and plpgsql: no extension, no superuser.

CREATE TABLE keyword_terms (
    project TEXT NOT NULL,
    lexeme TEXT NOT NULL,
    doc_count INTEGER NOT NULL,
    PRIMARY KEY (project, lexeme)
);

CREATE TABLE keyword_projects (
    project TEXT PRIMARY KEY,
    doc_count BIGINT NOT NULL,
    total_length BIGINT NOT NULL
);

-- (No CHECK (doc_count >= 0): PostgreSQL checks the row an upsert proposes, here a signed
-- delta such as -1, before it finds the conflict that turns it into an addition.)

-- One live memory's text as counted: its project and tsvector, +1 to add it, -1 to remove it.
CREATE TYPE keyword_doc AS (
    project TEXT,
    search_tsv TSVECTOR,
    sign INTEGER
);

-- Apply the signed documents to both tables; rows whose count falls to 0 are removed.
CREATE FUNCTION keyword_stats_apply(docs keyword_doc[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF cardinality(docs) IS NULL OR cardinality(docs) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO keyword_terms AS t (project, lexeme, doc_count)
    SELECT d.project, lexeme, sum(d.sign)
    FROM unnest(docs) AS d, unnest(tsvector_to_array(d.search_tsv)) AS lexeme
    GROUP BY d.project, lexeme
    HAVING sum(d.sign) <> 0
    ORDER BY d.project, lexeme
    ON CONFLICT (project, lexeme) DO UPDATE SET doc_count = t.doc_count + EXCLUDED.doc_count;

    DELETE FROM keyword_terms t
    USING (SELECT DISTINCT d.project, lexeme
           FROM unnest(docs) AS d, unnest(tsvector_to_array(d.search_tsv)) AS lexeme
           WHERE d.sign < 0) AS gone
    WHERE t.project = gone.project AND t.lexeme = gone.lexeme AND t.doc_count = 0;

    INSERT INTO keyword_projects AS p (project, doc_count, total_length)
    SELECT d.project, sum(d.sign), sum(d.sign * length(d.search_tsv))
    FROM unnest(docs) AS d
    GROUP BY d.project
    HAVING sum(d.sign) <> 0 OR sum(d.sign * length(d.search_tsv)) <> 0
    ORDER BY d.project
    ON CONFLICT (project) DO UPDATE SET doc_count = p.doc_count + EXCLUDED.doc_count,
                                        total_length = p.total_length + EXCLUDED.total_length;
END
$$;

CREATE FUNCTION keyword_stats_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM keyword_stats_apply(ARRAY(
        SELECT ROW(n.project, n.search_tsv, 1)::keyword_doc
        FROM new_rows n WHERE n.archived_at IS NULL));
    RETURN NULL;
END
$$;

CREATE FUNCTION keyword_stats_deleted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM keyword_stats_apply(ARRAY(
        SELECT ROW(o.project, o.search_tsv, -1)::keyword_doc
        FROM old_rows o WHERE o.archived_at IS NULL));
    RETURN NULL;
END
$$;

-- Only rows whose counted state changed: text, live or not, project.
CREATE FUNCTION keyword_stats_updated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM keyword_stats_apply(ARRAY(
        SELECT doc
        FROM old_rows o
        JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES
            (CASE WHEN o.archived_at IS NULL THEN ROW(o.project, o.search_tsv, -1)::keyword_doc END),
            (CASE WHEN n.archived_at IS NULL THEN ROW(n.project, n.search_tsv, 1)::keyword_doc END)
        ) AS change (doc)
        WHERE doc IS NOT NULL
          AND (o.search_tsv IS DISTINCT FROM n.search_tsv
               OR (o.archived_at IS NULL) <> (n.archived_at IS NULL)
               OR o.project <> n.project)));
    RETURN NULL;
END
$$;

CREATE TRIGGER memories_keyword_stats_insert AFTER INSERT ON memories
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_stats_inserted();
CREATE TRIGGER memories_keyword_stats_delete AFTER DELETE ON memories
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_stats_deleted();
CREATE TRIGGER memories_keyword_stats_update AFTER UPDATE ON memories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_stats_updated();

-- Existing installations: the statistics of the memories already stored.
INSERT INTO keyword_terms (project, lexeme, doc_count)
SELECT project, lexeme, count(*)
FROM memories, unnest(tsvector_to_array(search_tsv)) AS lexeme
WHERE archived_at IS NULL
GROUP BY project, lexeme;

INSERT INTO keyword_projects (project, doc_count, total_length)
SELECT project, count(*), sum(length(search_tsv))
FROM memories
WHERE archived_at IS NULL
GROUP BY project;

-- TRUNCATE fires no row or statement DML trigger: it empties every project's statistics.
CREATE FUNCTION keyword_stats_truncated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM keyword_terms;
    DELETE FROM keyword_projects;
    RETURN NULL;
END
$$;

CREATE TRIGGER memories_keyword_stats_truncate AFTER TRUNCATE ON memories
    FOR EACH STATEMENT EXECUTE FUNCTION keyword_stats_truncated();

-- One lexeme (as to_tsvector wrote it) as a tsquery that matches exactly it: quoted, with
-- backslashes and quotes escaped, so a lexeme is never read as tsquery syntax.
CREATE FUNCTION keyword_lexeme_query(lexeme TEXT) RETURNS tsquery
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT ('''' || replace(replace(lexeme, '\', '\\'), '''', '\''') || '''')::tsquery $$;
