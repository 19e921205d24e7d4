-- 001_initial: memories, prompts, runs and access tokens.
--
-- The embedding column has no dimension here: the worker fixes it (and builds the
-- HNSW index) the first time it starts, from the configured embedding model, and
-- records the model in embedding_space. See worker/zikra_worker/embedding_space.py.

CREATE EXTENSION IF NOT EXISTS vector;

-- array_to_string is only STABLE; a generated column needs an IMMUTABLE expression.
CREATE FUNCTION zikra_tags_text(tags TEXT[]) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(array_to_string(tags, ' '), '') $$;

CREATE TABLE memories (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    project TEXT NOT NULL,
    title TEXT NOT NULL,
    content_md TEXT NOT NULL,
    memory_type TEXT NOT NULL CHECK (memory_type IN (
        'decision', 'error', 'requirement', 'reference', 'user', 'feedback', 'project')),
    tags TEXT[] NOT NULL DEFAULT '{}',
    source TEXT,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_accessed_at TIMESTAMPTZ,
    -- The decay clock: last save or retrieval.
    reinforced_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    access_count INTEGER NOT NULL DEFAULT 0,
    confidence REAL NOT NULL DEFAULT 1 CHECK (confidence >= 0 AND confidence <= 1),
    archived_at TIMESTAMPTZ,
    embedding vector,
    search_tsv TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', zikra_tags_text(tags)), 'B')
        || setweight(to_tsvector('english', content_md), 'C')
    ) STORED
);

-- Same project + title is one memory: saves upsert through ON CONFLICT on this index.
CREATE UNIQUE INDEX memories_project_title ON memories (project, title);
CREATE INDEX memories_search_tsv ON memories USING GIN (search_tsv);
CREATE INDEX memories_project_type ON memories (project, memory_type);
CREATE INDEX memories_project_updated ON memories (project, updated_at DESC);

-- Which embedding model produced memories.embedding, and its dimension (one row).
CREATE TABLE embedding_space (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    dim INTEGER NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE prompts (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    project TEXT NOT NULL,
    prompt_name TEXT NOT NULL,
    content_md TEXT NOT NULL,
    description TEXT,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (project, prompt_name)
);

CREATE TABLE runs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    project TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('success', 'failure', 'partial', 'cancelled')),
    output_summary TEXT,
    session_id TEXT,
    agent TEXT,
    tokens_in BIGINT CHECK (tokens_in >= 0),
    tokens_out BIGINT CHECK (tokens_out >= 0),
    duration_s DOUBLE PRECISION CHECK (duration_s >= 0),
    files_changed TEXT[] NOT NULL DEFAULT '{}',
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX runs_project_created ON runs (project, created_at DESC);

-- Bearer tokens: only a SHA-256 of the token is kept; prefix is for people to tell
-- tokens apart in a listing.
CREATE TABLE access_tokens (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash BYTEA NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    owner TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'writer', 'reader')),
    -- NULL: every project.
    projects TEXT[],
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
