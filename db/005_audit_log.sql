-- 005_audit_log: who wrote, changed or archived what; and the per-token request counters
-- behind rate limiting.
--
-- audit_log rows are written in the same transaction as the change they describe (see
-- worker/zikra_worker/audit.py), so a change without its row, or a row without its
-- change, cannot be committed.

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The token owner that acted ("decay" for the decay job, "operator" for the CLI).
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    memory_id UUID,
    project TEXT,
    token_id UUID,
    detail JSONB
);
CREATE INDEX audit_log_memory ON audit_log (memory_id, at);
CREATE INDEX audit_log_project_at ON audit_log (project, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- One fixed one-minute window per token: how many verifies it made in the window that
-- started at window_start. UNLOGGED: no WAL on the hot path; after a crash the table is
-- empty, which only forgives the current minute.
CREATE UNLOGGED TABLE token_rate_windows (
    token_id UUID PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    requests INTEGER NOT NULL
);
