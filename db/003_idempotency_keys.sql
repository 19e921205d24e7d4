-- 003_idempotency_keys: a client (such as a hook replaying its spool) may send the same
-- write twice; with the same idempotency_key it takes effect once and the second call gets
-- the first answer. Keys are scoped by the token owner that sent them.

CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    status INTEGER,
    response JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
