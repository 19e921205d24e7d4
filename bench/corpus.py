"""Deterministic corpus of realistic coding-agent memories for Zikra benchmarks.

``generate_memories`` yields memories shaped like ``save_memory`` requests (decisions,
errors with stack traces, PM requirements, doc references, user preferences, feedback
and project context) built from templates and slot vocabularies with a seeded
``random.Random``: no network, no model, stdlib only. ``generate_queries`` derives an
evaluation set (paraphrased questions, exact identifiers, keyword queries) whose
expected answers are checked against the corpus itself.

    python bench/corpus.py --count 5 --show
    python bench/corpus.py --count 100000 --out /tmp/corpus.jsonl
    python bench/corpus.py --count 20000 --queries 300 --queries-out /tmp/queries.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

MEMORY_TYPES = ("decision", "error", "requirement", "reference", "user", "feedback", "project")
TYPE_WEIGHTS = (28, 26, 12, 10, 7, 8, 9)
QUERY_KINDS = ("paraphrase", "identifier", "keywords")

# --------------------------------------------------------------------------- projects

# domain -> [(noun, synonym used in paraphrases)]
DOMAINS: dict[str, list[tuple[str, str]]] = {
    "billing": [("invoice", "bill"), ("payment", "charge"), ("refund", "money-back"),
                ("subscription", "recurring plan"), ("ledger", "bookkeeping"),
                ("tax", "VAT"), ("coupon", "discount code"), ("payout", "settlement"),
                ("chargeback", "card dispute"), ("dunning", "failed-charge chasing")],
    "logistics": [("shipment", "parcel"), ("route", "delivery path"), ("warehouse", "depot"),
                  ("carrier", "courier"), ("manifest", "load list"), ("tracking", "parcel status"),
                  ("label", "shipping sticker"), ("pickup", "collection"),
                  ("inventory", "stock level"), ("return", "send-back")],
    "health": [("appointment", "booking"), ("patient", "person receiving care"),
               ("prescription", "medication order"), ("claim", "insurance reimbursement"),
               ("lab result", "test outcome"), ("referral", "specialist hand-off"),
               ("consent", "permission form"), ("encounter", "visit"),
               ("provider", "clinician"), ("triage", "urgency sorting")],
    "edtech": [("course", "class"), ("enrollment", "sign-up"), ("quiz", "short test"),
               ("grade", "score"), ("assignment", "homework"), ("cohort", "class group"),
               ("certificate", "diploma"), ("lesson", "teaching unit"),
               ("submission", "handed-in work"), ("tutor", "teaching assistant")],
    "commerce": [("cart", "basket"), ("order", "purchase"), ("catalog", "product list"),
                 ("checkout", "pay step"), ("promotion", "sale campaign"),
                 ("review", "product rating"), ("wishlist", "saved items"),
                 ("fulfillment", "packing and sending"), ("price", "sticker amount"),
                 ("variant", "size or colour option")],
    "devtools": [("build", "compile run"), ("artifact", "build output"),
                 ("pipeline", "CI run"), ("runner", "build agent"), ("cache", "stored build outputs"),
                 ("plugin", "extension"), ("workspace", "monorepo package"),
                 ("release", "version ship"), ("lint rule", "style check"), ("shard", "test slice")],
    "fintech": [("transfer", "money movement"), ("account", "wallet"),
                ("kyc check", "identity verification"), ("journal entry", "ledger line"),
                ("fx rate", "exchange rate"), ("card", "plastic"), ("statement", "monthly summary"),
                ("limit", "spending cap"), ("fraud score", "risk rating"),
                ("beneficiary", "payee")],
    "iot": [("device", "sensor"), ("telemetry", "readings"), ("firmware", "device software"),
            ("gateway", "edge hub"), ("alert", "alarm"), ("command", "remote instruction"),
            ("fleet", "device group"), ("calibration", "sensor tuning"),
            ("heartbeat", "liveness ping"), ("provisioning", "device onboarding")],
    "media": [("upload", "file intake"), ("transcode", "video conversion"),
              ("thumbnail", "preview image"), ("playlist", "queue of clips"),
              ("stream", "live broadcast"), ("caption", "subtitle"), ("asset", "media file"),
              ("watch history", "viewing log"), ("recommendation", "suggestion"),
              ("license", "rights window")],
    "hr": [("employee", "staff member"), ("payroll", "pay run"), ("timesheet", "hours log"),
           ("leave request", "time-off ask"), ("onboarding", "new-hire setup"),
           ("performance review", "appraisal"), ("org chart", "reporting lines"),
           ("benefit", "perk"), ("expense", "reimbursable spend"), ("contract", "employment agreement")],
    "analytics": [("event", "tracking hit"), ("dashboard", "chart page"), ("funnel", "conversion steps"),
                  ("segment", "user bucket"), ("report", "scheduled summary"), ("metric", "KPI"),
                  ("ingestion", "data intake"), ("fact table", "warehouse table"),
                  ("attribution", "credit assignment"), ("export", "data dump")],
    "identity": [("session", "login state"), ("token", "access credential"), ("role", "permission set"),
                 ("invite", "invitation"), ("password reset", "forgotten-credential flow"),
                 ("audit log", "activity trail"), ("sso login", "single sign-on"),
                 ("api key", "programmatic credential"), ("mfa", "second factor"),
                 ("tenant", "customer org")],
}

# (label, kebab suffix, paraphrase of what the component is; {syn} = noun synonym)
ROLES: list[tuple[str, str, str]] = [
    ("service", "service", "the backend that owns {syn} data"),
    ("worker", "worker", "the background process that crunches {syn} jobs"),
    ("API", "api", "the HTTP endpoints for {syn}"),
    ("scheduler", "scheduler", "the cron-like thing that kicks off {syn} runs"),
    ("reconciler", "reconciler", "the job that cross-checks {syn} records"),
    ("exporter", "exporter", "the process that ships {syn} data out to partners"),
    ("importer", "importer", "the process that pulls {syn} data in from outside"),
    ("webhook handler", "webhooks", "the endpoint receiving {syn} callbacks"),
    ("sync job", "sync", "the process mirroring {syn} data between systems"),
    ("gateway", "gateway", "the front door proxying {syn} traffic"),
    ("projector", "projector", "the read-model builder for {syn}"),
    ("admin UI", "admin", "the back-office screens for {syn}"),
    ("notifier", "notifier", "the piece that emails and pushes {syn} updates"),
    ("indexer", "indexer", "the thing feeding {syn} into search"),
    ("validator", "validator", "the rules engine checking {syn} input"),
    ("cache layer", "cache", "the caching tier in front of {syn} lookups"),
]

CODENAMES = ["atlas", "harbor", "quill", "ember", "orbit", "cobalt", "juniper", "falcon",
             "maple", "onyx", "pixel", "tundra", "vertex", "willow", "zephyr", "aurora",
             "basalt", "cinder", "delta", "fjord", "garnet", "helix", "iris", "kestrel",
             "lumen", "meadow", "nimbus", "opal", "prism", "quartz", "raven", "sable"]

PEOPLE = ["Priya", "Mateo", "Aisha", "Jonas", "Mei", "Tomasz", "Fatima", "Lucas", "Yuki",
          "Olamide", "Sven", "Ana", "Rahul", "Chloe", "Kwame", "Ingrid", "Diego", "Leila",
          "Noah", "Sofia", "Hiroshi", "Zara", "Emeka", "Freya", "Ravi", "Camila", "Omar",
          "Elif", "Bjorn", "Thandiwe", "Marco", "Nadia", "Kenji", "Amara", "Felix", "Ines",
          "Arjun", "Hana", "Pablo", "Sara", "Dmitri", "Lina", "Tariq", "Maya", "Jakob",
          "Nia", "Santiago", "Ayesha", "Lukas", "Wen"]

AGENTS = [("claude-code", 40), ("cursor", 16), ("gemini-cli", 10), ("codex", 10), ("chatgpt", 4)]

# language -> profile
LANGS: dict[str, dict[str, Any]] = {
    "python": {"frameworks": ["FastAPI", "Django", "Flask", "Litestar"], "test": "pytest",
               "style": "snake", "checker": ("mypy", "error: {m}  [{c}]"),
               "libs": [("sqlalchemy", "our ORM"), ("pydantic", "the validation library"),
                        ("celery", "the task queue library"), ("httpx", "the HTTP client"),
                        ("alembic", "the migration tool"), ("psycopg", "the Postgres driver"),
                        ("structlog", "the logging library"), ("tenacity", "the retry helper"),
                        ("boto3", "the AWS SDK"), ("orjson", "the fast JSON encoder"),
                        ("uvicorn", "the ASGI server"), ("gunicorn", "the process manager")]},
    "typescript": {"frameworks": ["NestJS", "Express", "Fastify", "Next.js", "Hono"], "test": "vitest",
                   "style": "camel", "checker": ("tsc", "error {c}: {m}"),
                   "libs": [("prisma", "our ORM"), ("zod", "the schema validation library"),
                            ("axios", "the HTTP client"), ("bullmq", "the Redis job queue"),
                            ("pino", "the logger"), ("drizzle-orm", "the SQL query builder"),
                            ("esbuild", "the bundler"), ("ioredis", "the Redis client"),
                            ("undici", "the fetch implementation"), ("luxon", "the date library")]},
    "go": {"frameworks": ["chi", "gin", "net/http", "gRPC", "echo"], "test": "go test",
           "style": "pascal", "checker": ("go vet", "{m} ({c})"),
           "libs": [("pgx", "the Postgres driver"), ("sqlc", "the SQL code generator"),
                    ("zap", "the logger"), ("testify", "the assertion library"),
                    ("cobra", "the CLI framework"), ("viper", "the config loader"),
                    ("grpc-go", "the RPC library"), ("golang-migrate", "the migration tool"),
                    ("otel-go", "the tracing SDK")]},
    "java": {"frameworks": ["Spring Boot", "Micronaut", "Quarkus"], "test": "JUnit 5",
             "style": "camel", "checker": ("javac", "error: {m} [{c}]"),
             "libs": [("hibernate", "the JPA provider"), ("jackson", "the JSON mapper"),
                      ("resilience4j", "the fault tolerance library"), ("flyway", "the migration tool"),
                      ("lombok", "the boilerplate generator"), ("mockito", "the mocking library"),
                      ("testcontainers", "the throwaway-container test helper"),
                      ("micrometer", "the metrics facade")]},
    "rust": {"frameworks": ["axum", "actix-web", "tonic"], "test": "cargo test",
             "style": "snake", "checker": ("cargo check", "error[{c}]: {m}"),
             "libs": [("tokio", "the async runtime"), ("sqlx", "the compile-time checked SQL crate"),
                      ("serde", "the serialization framework"), ("reqwest", "the HTTP client"),
                      ("tracing", "the instrumentation crate"), ("anyhow", "the error helper"),
                      ("thiserror", "the error derive crate"), ("clap", "the argument parser")]},
    "ruby": {"frameworks": ["Rails", "Hanami", "Sinatra"], "test": "RSpec",
             "style": "snake", "checker": ("sorbet", "{m} https://srb.help/{c}"),
             "libs": [("sidekiq", "the background job library"), ("activerecord", "the ORM"),
                      ("puma", "the web server"), ("faraday", "the HTTP client"),
                      ("dry-validation", "the validation library"), ("pundit", "the authorization gem"),
                      ("rubocop", "the linter")]},
}
LANG_NAMES = {"python": "Python", "typescript": "TypeScript", "go": "Go", "java": "Java", "rust": "Rust",
              "ruby": "Ruby"}
LANG_WEIGHTS = {"python": 30, "typescript": 28, "go": 16, "java": 10, "rust": 8, "ruby": 8}

STACK = {
    "db": ["PostgreSQL", "PostgreSQL", "PostgreSQL", "MySQL", "CockroachDB", "SQLite", "DynamoDB"],
    "cache": ["Redis", "Redis", "Valkey", "Memcached"],
    "queue": ["RabbitMQ", "Kafka", "SQS", "NATS JetStream", "Redis Streams", "Google Pub/Sub"],
    "cloud": ["AWS", "AWS", "GCP", "Azure", "Fly.io", "Hetzner", "DigitalOcean"],
    "ci": ["GitHub Actions", "GitHub Actions", "GitLab CI", "Buildkite", "CircleCI"],
    "obs": ["Datadog", "Grafana", "Honeycomb", "Sentry", "New Relic", "Prometheus"],
    "frontend": ["React", "Vue", "Svelte", "HTMX", "Angular"],
}

VENDORS = [("Stripe", "docs.stripe.com"), ("Twilio", "www.twilio.com/docs"),
           ("SendGrid", "docs.sendgrid.com"), ("Auth0", "auth0.com/docs"), ("Plaid", "plaid.com/docs"),
           ("Shopify", "shopify.dev/docs"), ("Salesforce", "developer.salesforce.com/docs"),
           ("Segment", "segment.com/docs"), ("Mapbox", "docs.mapbox.com"),
           ("Slack", "api.slack.com"), ("Zendesk", "developer.zendesk.com"),
           ("HubSpot", "developers.hubspot.com/docs"), ("DocuSign", "developers.docusign.com"),
           ("Adyen", "docs.adyen.com"), ("PayPal", "developer.paypal.com/docs"),
           ("Intercom", "developers.intercom.com"), ("Algolia", "www.algolia.com/doc"),
           ("Okta", "developer.okta.com/docs"), ("Mailgun", "documentation.mailgun.com"),
           ("EasyPost", "docs.easypost.com"), ("Xero", "developer.xero.com/documentation"),
           ("Postmark", "postmarkapp.com/developer"), ("Cloudflare", "developers.cloudflare.com"),
           ("GitHub", "docs.github.com/en/rest"), ("OpenAI", "platform.openai.com/docs")]

# ----------------------------------------------------------------- identifier parts

VERBS = ["reconcile", "finalize", "enqueue", "hydrate", "normalize", "validate", "serialize",
         "compute", "resolve", "dispatch", "sync", "refresh", "backfill", "dedupe", "merge",
         "split", "allocate", "release", "acquire", "render", "parse", "load", "flush",
         "reindex", "migrate", "archive", "purge", "apply", "rollback", "schedule", "retry",
         "lease", "claim", "emit", "publish", "consume", "fetch", "upsert", "snapshot",
         "rebuild", "score", "rank", "route", "throttle", "expire", "rotate", "sign", "verify",
         "encrypt", "redact", "mask", "batch", "chunk", "stream", "export", "import", "ingest",
         "aggregate", "estimate", "calculate", "reserve", "settle", "void", "cancel", "reopen",
         "lock", "unlock", "match", "link", "notify", "hash", "prune", "replay", "rehydrate",
         "collect", "diff", "patch", "stage", "promote", "quarantine", "resume", "suspend"]
QUALS = ["batch", "for_tenant", "async", "with_retry", "by_id", "window", "since", "incremental",
         "v2", "safe", "bulk", "pending", "stale", "locked", "from_cache", "idempotent", "delta",
         "partial", "daily", "hourly", "chunked", "ordered", "legacy", "raw", "nightly", "cursor",
         "page", "in_txn", "once", "dry_run", "fast_path", "fallback", "all", "expired",
         "orphaned", "missing", "due", "overdue", "draft", "final", "queued", "failed",
         "unsent", "dirty", "recent", "shadow", "preview", "sandbox", "strict", "lenient",
         "for_export", "per_region", "with_lock", "no_wait", "streaming", "deferred"]
GENERIC_NOUNS = ["cache", "config", "session", "payload", "header", "cursor", "snapshot",
                 "webhook", "token", "record", "row", "event", "job", "request", "response",
                 "totals", "ledger", "schema", "index", "outbox", "lease", "quota", "window",
                 "checkpoint", "manifest", "digest", "mapping", "policy", "rule", "bucket"]
MODULES = ["service", "repository", "handlers", "models", "tasks", "views", "serializers",
           "client", "retry", "locks", "cache", "schema", "routes", "jobs", "events",
           "consumer", "producer", "pricing", "rules", "validators", "export", "importer",
           "webhooks", "scheduler", "state", "mapper", "policy", "queries", "commands",
           "adapter", "gateway", "worker", "pipeline", "reconcile", "projection", "limits"]
SETTINGS = ["BATCH_SIZE", "TIMEOUT_MS", "MAX_RETRIES", "POOL_SIZE", "TTL_SECONDS", "CONCURRENCY",
            "LEASE_SECONDS", "PAGE_LIMIT", "BACKOFF_BASE_MS", "QUEUE_URL", "WEBHOOK_SECRET",
            "FEATURE_ENABLED", "DRY_RUN", "RATE_PER_MIN", "CHUNK_ROWS", "STALE_AFTER_S"]
COLUMNS = ["status", "external_id", "tenant_id", "created_at", "amount_minor", "currency",
           "version", "deleted_at", "idempotency_key", "settled_at", "region", "owner_id",
           "metadata", "due_at", "attempts", "locked_until", "checksum", "locale"]

# ------------------------------------------------------------ decision vocabulary

# (topic, paraphrase, options)
TOPICS: list[tuple[str, str, list[str]]] = [
    ("job leasing", "making sure only one worker grabs a given task",
     ["PostgreSQL advisory locks", "SELECT ... FOR UPDATE SKIP LOCKED", "Redis SETNX locks with a TTL",
      "DynamoDB conditional writes", "a ZooKeeper lease"]),
    ("rate limiting", "stopping a single client from hammering us",
     ["a token bucket in Redis", "a sliding window counter in PostgreSQL",
      "the API gateway's built-in limiter", "an in-process leaky bucket per pod", "Envoy local rate limits"]),
    ("idempotency keys", "making repeated POSTs safe to send twice",
     ["a unique idempotency_key column with an upsert", "a Redis SET with a 24h TTL",
      "request fingerprint hashing in middleware", "the vendor's native idempotency header"]),
    ("feature flags", "switching functionality on for some customers only",
     ["Unleash self-hosted", "LaunchDarkly", "a flags table in our own database",
      "environment variables per deploy", "OpenFeature with a file provider"]),
    ("background job processing", "running slow work outside the request cycle",
     ["Celery with RabbitMQ", "BullMQ on Redis", "a Postgres-backed queue", "SQS plus Lambda",
      "Sidekiq", "Temporal workflows"]),
    ("schema migrations", "evolving database tables without breaking things",
     ["Alembic autogenerate plus manual review", "Flyway versioned SQL files",
      "golang-migrate plain SQL", "Prisma Migrate", "sqitch"]),
    ("secrets management", "where passwords and API credentials live",
     ["AWS Secrets Manager", "HashiCorp Vault", "SOPS-encrypted files in the repo", "Doppler",
      "Kubernetes sealed secrets"]),
    ("API pagination", "returning long lists one chunk at a time",
     ["opaque cursor pagination", "keyset pagination on (created_at, id)",
      "offset/limit with a hard cap", "RFC 8288 Link headers"]),
    ("distributed tracing", "following one request as it hops across services",
     ["OpenTelemetry with OTLP export", "Datadog APM auto-instrumentation", "Jaeger self-hosted",
      "plain correlation IDs in logs"]),
    ("structured logging", "making log output machine readable",
     ["JSON logs via structlog", "pino JSON output", "zap with sampling", "logfmt lines",
      "plain text with a request id prefix"]),
    ("HTTP client retries", "trying calls to other services again when they fail",
     ["exponential backoff with full jitter", "a circuit breaker via resilience4j",
      "tenacity decorators", "no automatic retries at all"]),
    ("full-text search", "letting people find things by typing words",
     ["PostgreSQL tsvector with GIN indexes", "OpenSearch", "Meilisearch", "Typesense", "SQLite FTS5"]),
    ("file storage", "keeping uploaded documents somewhere durable",
     ["S3 with presigned URLs", "Cloudflare R2", "MinIO on our own nodes", "bytea columns in Postgres"]),
    ("transactional email", "sending receipts and sign-in mails",
     ["Postmark", "Amazon SES", "SendGrid", "Resend", "our own Postfix relay"]),
    ("PDF rendering", "producing printable documents",
     ["headless Chromium via Playwright", "WeasyPrint", "wkhtmltopdf", "the DocRaptor API",
      "Typst templates"]),
    ("money representation", "storing currency amounts without losing cents",
     ["integer minor units plus an ISO currency code", "NUMERIC(19,4) columns",
      "a Money value object wrapping Decimal", "strings on the wire and Decimal in code"]),
    ("ID generation", "how new records get their primary keys",
     ["UUIDv7", "ULIDs", "bigserial sequences", "Snowflake-style 64-bit IDs", "KSUIDs"]),
    ("authorization checks", "deciding who is allowed to do what",
     ["OPA policies", "a hand-rolled RBAC table", "Casbin", "Postgres row-level security",
      "OpenFGA relationship tuples"]),
    ("session storage", "remembering who is signed in",
     ["signed stateless JWTs", "server-side sessions in Redis", "opaque tokens in Postgres",
      "encrypted cookies"]),
    ("API versioning", "changing the public interface without breaking integrators",
     ["URL prefix versions like /v2", "date-based versions in a header",
      "additive-only changes with no versions", "Accept header media types"]),
    ("event publishing", "telling other services that something happened",
     ["a transactional outbox table", "publishing straight to Kafka after commit",
      "Postgres LISTEN/NOTIFY", "Debezium CDC on the WAL"]),
    ("dead-letter handling", "what happens to messages that keep failing",
     ["a dead-letter queue with a replay CLI", "parking failed messages in a Postgres table",
      "dropping after five attempts with an alert", "manual triage in the admin UI"]),
    ("monorepo tooling", "managing many packages in one repository",
     ["Nx", "Turborepo", "Bazel", "pnpm workspaces only", "uv workspaces"]),
    ("frontend state management", "keeping screen data in sync with the server",
     ["TanStack Query for server state", "Redux Toolkit", "Zustand", "plain React context", "Pinia"]),
    ("test fixtures", "setting up sample data before each check",
     ["factory functions", "SQL seed files", "Testcontainers with snapshots",
      "per-test transactions rolled back at the end"]),
    ("container base images", "what our Docker images start from",
     ["distroless", "Alpine", "Debian slim", "Chainguard images", "Ubuntu LTS"]),
    ("deploy strategy", "how new versions reach production",
     ["blue-green deploys", "canary releases at 5%", "rolling updates with maxSurge 1",
      "recreate with a maintenance window"]),
    ("connection pooling", "sharing database connections between requests",
     ["PgBouncer in transaction mode", "the driver's built-in pool", "RDS Proxy", "pgcat"]),
    ("read replicas", "moving heavy reads off the primary database",
     ["routing reports to a streaming replica", "a nightly snapshot for analytics",
      "keeping everything on the primary", "Aurora reader endpoints"]),
    ("soft deletes", "hiding removed records instead of erasing them",
     ["a deleted_at column with partial indexes", "moving rows to an archive table",
      "hard deletes plus an audit log", "temporal tables"]),
    ("audit logging", "recording who changed what and when",
     ["an append-only audit_events table", "pgAudit", "shipping events to the SIEM",
      "trigger-based history tables"]),
    ("tenant isolation", "keeping one customer's data away from another's",
     ["a tenant_id column plus row-level security", "schema per tenant", "database per tenant",
      "separate deployments for enterprise accounts"]),
    ("webhook signing", "proving our callbacks really come from us",
     ["HMAC-SHA256 over timestamp and body", "mutual TLS", "Ed25519 signatures",
      "shared bearer secrets"]),
    ("caching strategy", "avoiding repeated expensive lookups",
     ["read-through Redis with a 5 minute TTL", "HTTP caching via ETags", "an in-process LRU per pod",
      "materialized views refreshed every minute"]),
    ("configuration loading", "how settings get into the running app",
     ["pydantic-settings from env vars", "a YAML file per environment", "12-factor env vars only",
      "a config service polled at startup"]),
    ("time zone handling", "storing and showing dates correctly for everyone",
     ["UTC timestamptz everywhere with conversion at the edge", "local time plus an IANA zone",
      "epoch milliseconds as bigint"]),
    ("embedding storage", "where vectors for semantic lookup live",
     ["pgvector with HNSW", "Qdrant", "a FAISS index on disk", "Pinecone"]),
    ("CI caching", "making pipeline runs faster",
     ["actions/cache keyed on the lockfile", "a remote Bazel cache", "prebuilt CI images",
      "Docker layer caching with buildx"]),
]

# (phrase, paraphrase, detail)
PATTERNS = [
    ("transactional outbox", "publishing events reliably alongside DB writes",
     "Events go into an `outbox` table in the same transaction as the {noun} change; `{func}` relays them every "
     "{n}00 ms."),
    ("repository layer", "keeping SQL out of the business logic",
     "All {noun} queries go through `{cls}Repository`; services never touch the ORM session directly."),
    ("saga orchestration", "coordinating multi-step flows that can fail halfway",
     "Each step has a compensating action; the orchestrator state lives in `{table}` and is resumable."),
    ("CQRS read models", "separate shapes for reading versus writing",
     "Writes hit the normalized tables; `{func}` projects a denormalized view for the list screens."),
    ("ports and adapters", "isolating the domain core from frameworks",
     "The domain package has no imports from {framework}; adapters live under `adapters/`."),
    ("strangler fig migration", "replacing the old system piece by piece",
     "The gateway routes `{endpoint}` to the new code; everything else still hits the legacy app."),
    ("anti-corruption layer", "translating a vendor's model into ours",
     "`{cls}Translator` maps {vendor} objects into our {noun} types; nothing else imports the SDK."),
    ("idempotent consumers", "handling the same message twice without harm",
     "Consumers record processed message ids in `processed_messages` inside the same transaction."),
    ("circuit breaker", "failing fast when a dependency is down",
     "After {n} consecutive failures the breaker opens for 30 s; `{func}` returns a cached fallback."),
    ("bulkhead isolation", "stopping one slow dependency from sinking everything",
     "Separate worker pools per upstream: {vendor} calls get {n} slots, internal calls get the rest."),
    ("event sourcing", "storing every change as an immutable fact",
     "The {noun} aggregate is rebuilt from `{table}_events`; snapshots every 500 events."),
    ("backend for frontend", "a dedicated API layer shaped for the UI",
     "The {frontend} app talks only to the BFF, which fans out to `{comp}` and friends."),
    ("result types", "returning failures as values instead of throwing",
     "Domain functions return `Result[{cls}, DomainError]`; only the HTTP layer maps them to status codes."),
    ("dependency injection", "wiring objects without globals",
     "Constructors take their collaborators; the container is configured once in `{path}`."),
    ("unit of work", "grouping changes into one commit",
     "`{cls}UnitOfWork` opens the transaction; repositories register changes and commit together."),
]

CONVENTIONS = [
    ("error response format", "how API failures are shaped",
     "Every error body is `{{\"error\": {{\"code\": \"...\", \"message\": \"...\"}}}}`; codes are snake_case and "
     "documented."),
    ("table naming", "what database tables and columns are called",
     "snake_case, plural tables (`{table}`), `_at` suffix for timestamps, `_id` for foreign keys."),
    ("branch naming", "what git branches are called",
     "`<owner>/<ticket>-short-slug`, e.g. `{person_lc}/{ticket}-{verb}-{noun_kebab}`."),
    ("commit message style", "how commit subjects are written",
     "Conventional Commits: `fix({noun_kebab}): ...`, `feat({noun_kebab}): ...`; body explains why."),
    ("log field names", "which keys every log line carries",
     "`tenant_id`, `request_id` and `{noun_var}_id` on every line; never log PII or tokens."),
    ("REST resource naming", "how URL paths are spelled",
     "Plural nouns, kebab-case, actions as sub-resources: `{endpoint}`."),
    ("timestamp format", "how dates travel over the wire",
     "RFC 3339 with an explicit offset in JSON; `timestamptz` in the database; never naive datetimes."),
    ("module boundaries", "which packages may import which",
     "`{comp}` may not import internals of `{comp2}`; only its public `api` module."),
    ("test naming", "what test functions are called",
     "`test_<unit>_<condition>_<expected>`, e.g. `{test_name}`."),
    ("env var naming", "what configuration variables are called",
     "Prefix with the service: `{env}`; booleans end in `_ENABLED`."),
    ("flag naming", "what feature toggles are called",
     "`{flag}`: area first, `_enabled` suffix, owner and removal date in the description."),
    ("metric naming", "how counters and timers are named",
     "`{metric}`: domain.noun.verb.unit, units always in the name."),
]

DATA_MODELS = [
    ("status enum column", "how the lifecycle field is typed",
     "`{column}` becomes a Postgres enum; adding a value needs a migration, which is the point."),
    ("JSONB metadata column", "a free-form bag of extra attributes",
     "Partner-specific fields go in `metadata jsonb`; anything we filter on gets promoted to a real column."),
    ("composite primary key", "identifying rows by two columns together",
     "`({column}, id)` as the key so every lookup is tenant-scoped by construction."),
    ("optimistic locking", "detecting concurrent edits without holding locks",
     "A `version integer` column; updates use `WHERE version = :expected` and 409 on mismatch."),
    ("monthly partitioning", "splitting a huge table by calendar month",
     "Declarative range partitions on `created_at`; `{func}` creates next month's partition."),
    ("denormalized totals", "caching sums on the parent row",
     "Keep `total_minor` on the parent, recomputed by `{func}` inside the same transaction."),
    ("natural key uniqueness", "preventing the same real-world thing twice",
     "Unique index on `(tenant_id, {column})`; inserts use ON CONFLICT."),
    ("separate history table", "keeping old versions of rows",
     "`{table}_history` written by a trigger; the main table stays narrow."),
    ("nullable foreign key", "an optional link to another record",
     "`{column}` may be null until the {noun} is confirmed; a CHECK enforces it afterwards."),
    ("surrogate keys everywhere", "never using business data as the primary key",
     "UUID primary keys; external references live in `external_id` with a unique index."),
]

INFRA = [
    ("autoscaling on queue depth", "adding machines when the backlog grows",
     "KEDA scales `{comp}` between 2 and {n}0 replicas on queue lag."),
    ("dedicated worker node pool", "keeping batch jobs off the API machines",
     "Workers get their own node pool with taints; API pods never share nodes with them."),
    ("warm standby region", "a second region ready to take over",
     "Primary in one region, async replica plus scaled-down app in another; failover is manual."),
    ("managed Postgres", "letting the cloud provider run the database",
     "We stop self-hosting {db}; backups and minor upgrades are the provider's problem."),
    ("nightly logical backups", "dumping the database every night",
     "`pg_dump` at 02:00 UTC to object storage, 35 days retention, restore tested monthly."),
    ("Terraform for everything", "describing all infrastructure as code",
     "No console changes; every resource lives in `infra/` and goes through plan review."),
    ("preview environments", "a throwaway stack per pull request",
     "Each PR gets a namespace with seeded data; torn down on merge."),
    ("pinned image digests", "referencing container images by hash",
     "Deployments reference `@sha256:` digests, bumped by Renovate."),
    ("graceful shutdown window", "letting pods finish work before they stop",
     "terminationGracePeriodSeconds {n}0; the worker stops polling on SIGTERM and drains."),
    ("spot instances for batch", "using cheap interruptible machines",
     "Backfills and exports run on spot nodes; they checkpoint every {n} minutes."),
]

TESTING = [
    ("contract tests for partner APIs", "checking our assumptions about vendor payloads",
     "Recorded {vendor} responses replayed in CI; a nightly job re-records against the sandbox."),
    ("real database in integration tests", "no fake DB when checking SQL",
     "Integration tests run against {db} in a container; no SQLite stand-in."),
    ("snapshot tests for rendered output", "comparing generated documents to saved copies",
     "Rendered output is compared to files under `__snapshots__`; updates need review."),
    ("property-based tests for parsers", "throwing random inputs at parsing code",
     "Hypothesis-style generators for {noun} payloads; the round-trip property must hold."),
    ("mutation testing on core logic", "checking that the checks would catch bugs",
     "Weekly mutation run on the {noun} rules; surviving mutants become tickets."),
    ("end-to-end smoke suite", "a handful of full user journeys after deploy",
     "Eight journeys, run after every deploy against staging; must stay under 4 minutes."),
    ("test sharding in CI", "splitting the suite across machines",
     "Split by timing data into {n} shards; the slowest shard sets the wall time."),
    ("golden files for exports", "byte-for-byte expected output files",
     "Exports are compared against golden files in `testdata/`."),
    ("fuzzing input parsers", "feeding malformed data to find crashes",
     "Nightly fuzz target for the {noun} importer; crashes are filed automatically."),
    ("load tests before releases", "measuring capacity before shipping",
     "k6 script at {count} virtual users against staging before each release."),
]

DEPRECATIONS = [
    ("v1 REST endpoints", "the first generation of the public API"),
    ("XML export", "the old angle-bracket file format for partners"),
    ("legacy cron scripts", "ad-hoc shell jobs on the old box"),
    ("the old admin panel", "the previous back-office screens"),
    ("SOAP integration", "the envelope-based web service interface"),
    ("polling-based sync", "checking for changes on a timer"),
    ("shared database access", "other teams reading our tables directly"),
    ("Python 3.9 runtime", "the outdated interpreter version"),
    ("Node 18 runtime", "the outdated JavaScript runtime"),
    ("MD5 password hashes", "weak stored credential digests"),
    ("session cookies without SameSite", "cookies missing cross-site protection"),
    ("the monolith reporting module", "the old in-process reporting code"),
]

TUNING = [
    ("connection pool size", "how many DB connections each process keeps open", "pool_size", (10, 20, 40, 60)),
    ("worker concurrency", "how many jobs one process runs at once", "concurrency", (4, 8, 16, 32)),
    ("request timeout budget", "how long a call may take before we give up", "timeout_ms", (800, 1500, 3000, 5000)),
    ("cache TTL", "how long looked-up values stay fresh", "ttl_seconds", (30, 60, 300, 900)),
    ("backfill batch size", "how many rows a data fix touches per step", "batch_size", (500, 1000, 5000, 10000)),
    ("web process count", "how many server processes run per container", "workers", (2, 4, 8, 12)),
    ("consumer prefetch", "how many messages a reader pulls ahead", "prefetch_count", (1, 10, 50, 200)),
    ("statement timeout", "how long a single query may run", "statement_timeout", ('5s', '15s', '30s', '60s')),
    ("HNSW ef_search", "how hard the vector index looks for neighbours", "hnsw.ef_search", (40, 100, 200, 400)),
    ("GC target percentage", "how eagerly the garbage collector runs", "GOGC", (50, 100, 200, 400)),
    ("retry budget", "how many attempts a failing call gets", "max_attempts", (2, 3, 5, 7)),
]

SECURITY = [
    ("argon2id password hashing", "a slow memory-hard algorithm for stored credentials"),
    ("short-lived access tokens", "credentials that expire within minutes"),
    ("encrypted PII columns", "scrambling personal data at rest"),
    ("strict CSP headers", "telling browsers which scripts may run"),
    ("least-privilege IAM roles", "giving each service only the cloud permissions it needs"),
    ("dependency scanning in CI", "flagging vulnerable packages before merge"),
    ("signed container images", "cryptographically attesting what we deploy"),
    ("admin IP allowlist", "restricting back-office access to known networks"),
    ("secret rotation every 90 days", "changing credentials on a fixed schedule"),
    ("PII redaction in logs", "scrubbing personal data from log output"),
    ("CSRF tokens on forms", "protecting browser submissions from forged requests"),
]

POLICIES = [
    ("retry policy for outbound calls", "how often we try again when another service fails"),
    ("timeouts on every network call", "never waiting forever for a remote answer"),
    ("error budget alerts", "paging when reliability slips too fast"),
    ("poison message handling", "what to do with a message that always crashes the reader"),
    ("graceful degradation", "keeping the core working when a dependency is gone"),
    ("user-facing error messages", "what customers see when something breaks"),
    ("exception reporting", "which crashes get sent to the error tracker"),
    ("input validation at boundaries", "checking data where it enters the system"),
]

# ------------------------------------------------------------- error vocabulary

# (failure, paraphrase, common code, kind, message)
FAILURES = [
    ("connection reset by upstream", "the other side hanging up mid-call", "ECONNRESET", "net",
     "read ECONNRESET"),
    ("duplicate key on insert", "writing a row that is already there", "ERR_PG_23505", "constraint",
     'duplicate key value violates unique constraint "{table}_pkey"'),
    ("vendor rate limiting", "the third-party API throttling our traffic", "HTTP 429", "http",
     "429 Too Many Requests (retry-after: {n}s)"),
    ("transaction deadlock", "two database transactions waiting on each other", "SQLSTATE 40P01",
     "db", "deadlock detected"),
    ("serialization failure", "concurrent writes clashing under strict isolation", "SQLSTATE 40001",
     "db", "could not serialize access due to concurrent update"),
    ("OOM kill", "the container being killed for eating too much RAM", "OOMKilled", "resource",
     "Killed (exit code 137)"),
    ("upstream timeout", "calls to a dependency hanging until they give up", "ETIMEDOUT", "timeout",
     "connect ETIMEDOUT {ip}:443"),
    ("port already in use", "the server refusing to start because something already listens there",
     "EADDRINUSE", "resource", "listen EADDRINUSE: address already in use 0.0.0.0:{port}"),
    ("disk full", "the machine running out of storage space", "ENOSPC", "resource",
     "ENOSPC: no space left on device"),
    ("file descriptor exhaustion", "hitting the open-handle limit of the process", "EMFILE",
     "resource", "EMFILE: too many open files"),
    ("connection pool exhaustion", "running out of database connections", "SQLSTATE 53300", "db",
     "remaining connection slots are reserved for non-replication superuser connections"),
    ("expired TLS certificate", "the HTTPS cert lapsing", "x509", "net",
     "x509: certificate has expired or is not yet valid"),
    ("DNS lookup failure", "hostnames not resolving", "EAI_AGAIN", "net",
     "getaddrinfo EAI_AGAIN {host}"),
    ("payload validation mismatch", "the request shape not matching what the code expects",
     "HTTP 422", "data", "422 Unprocessable Entity: field '{column}' is required"),
    ("retry storm", "retries piling up and hammering a struggling service", "HTTP 503", "http",
     "503 Service Unavailable"),
    ("migration lock timeout", "a schema change stuck waiting on a table lock", "SQLSTATE 55P03",
     "db", "canceling statement due to lock timeout"),
    ("gateway timeout", "the load balancer giving up before the app answers", "HTTP 504", "http",
     "504 Gateway Timeout"),
    ("bad gateway after deploy", "the proxy getting garbage from fresh pods", "HTTP 502", "http",
     "502 Bad Gateway"),
    ("webhook signature mismatch", "authentic callbacks being rejected as forged", "HTTP 401", "auth",
     "401 invalid signature"),
    ("oversized request body", "uploads bigger than the proxy accepts", "HTTP 413", "http",
     "413 Request Entity Too Large"),
    ("permission denied on volume", "the process not being allowed to write its mounted disk",
     "EACCES", "resource", "EACCES: permission denied, open '/data/{noun_var}/spool.tmp'"),
    ("segfault in native extension", "a compiled add-on crashing the process", "SIGSEGV",
     "resource", "signal SIGSEGV: segmentation violation"),
    ("redirect loop", "the browser bouncing between two URLs forever", "ERR_TOO_MANY_REDIRECTS",
     "http", "ERR_TOO_MANY_REDIRECTS"),
    ("unicode decode failure", "accented or non-Latin text breaking parsing", "UnicodeDecodeError",
     "data", "'utf-8' codec can't decode byte 0xe9 in position {n}"),
    ("clock skew token rejection", "credentials refused because servers disagree about the time",
     "HTTP 401", "auth", "token used before issued (iat is in the future)"),
    ("integer overflow", "a counter growing past what its column can hold", "SQLSTATE 22003", "db",
     "integer out of range"),
    ("foreign key violation", "referencing a parent row that does not exist", "ERR_PG_23503",
     "constraint", 'insert or update on table "{table}" violates foreign key constraint'),
    ("not-null violation", "a required column arriving empty", "ERR_PG_23502", "constraint",
     'null value in column "{column}" violates not-null constraint'),
    ("broken pipe", "writing to a socket the peer already closed", "EPIPE", "net", "write EPIPE"),
    ("connection refused", "nothing listening where the client connects", "ECONNREFUSED", "net",
     "connect ECONNREFUSED 127.0.0.1:{port}"),
    ("statement timeout", "a query being cancelled for running too long", "SQLSTATE 57014", "db",
     "canceling statement due to statement timeout"),
    ("IAM access denied", "the cloud role lacking a permission", "HTTP 403", "auth",
     "AccessDenied: not authorized to perform s3:PutObject"),
]
DB_FAILURES = [f for f in FAILURES if f[3] in ("db", "constraint")]
HTTP_FAILURES = [f for f in FAILURES if f[3] in ("http", "auth", "net", "timeout")]

EXCEPTIONS: dict[str, dict[str, str]] = {
    "python": {"net": "ConnectionResetError", "timeout": "httpx.ConnectTimeout",
               "http": "httpx.HTTPStatusError", "db": "sqlalchemy.exc.OperationalError",
               "constraint": "sqlalchemy.exc.IntegrityError", "resource": "OSError",
               "data": "pydantic.ValidationError", "auth": "PermissionError"},
    "typescript": {"net": "Error", "timeout": "Error", "http": "AxiosError",
                   "db": "PrismaClientUnknownRequestError", "constraint": "PrismaClientKnownRequestError",
                   "resource": "Error", "data": "ZodError", "auth": "UnauthorizedException"},
    "java": {"net": "java.net.SocketException", "timeout": "java.net.SocketTimeoutException",
             "http": "org.springframework.web.client.HttpServerErrorException",
             "db": "org.postgresql.util.PSQLException",
             "constraint": "org.springframework.dao.DataIntegrityViolationException",
             "resource": "java.io.IOException",
             "data": "com.fasterxml.jackson.databind.exc.MismatchedInputException",
             "auth": "org.springframework.security.access.AccessDeniedException"},
    "ruby": {"net": "Errno::ECONNRESET", "timeout": "Net::ReadTimeout", "http": "Faraday::ServerError",
             "db": "ActiveRecord::StatementInvalid", "constraint": "ActiveRecord::RecordNotUnique",
             "resource": "Errno::ENOSPC", "data": "JSON::ParserError", "auth": "Pundit::NotAuthorizedError"},
}

FLAKY = [
    ("order-dependent test", "a check that only fails when run after another one"),
    ("time-dependent assertion", "a check that breaks near midnight or month end"),
    ("shared port in parallel tests", "concurrent test processes fighting over one socket"),
    ("unawaited promise in test", "async work finishing after the check already ended"),
    ("unseeded randomness", "random data that occasionally hits an edge case"),
    ("network call in unit test", "a supposedly isolated check that reaches the internet"),
    ("leaking database state", "rows left behind by one check confusing the next"),
    ("tight timeout on CI runners", "slow shared build machines missing a deadline"),
]
BUILD_BREAKS = [
    ("dependency resolution conflict", "the package manager unable to satisfy version ranges"),
    ("lockfile drift", "the pinned versions file out of sync with the manifest"),
    ("Docker layer cache miss", "image builds starting from scratch every time"),
    ("missing native build tools", "a compiled package lacking a C toolchain"),
    ("wrong runtime version on runner", "the build machine using an unexpected interpreter"),
    ("missing type stubs", "the type checker lacking annotations for a package"),
    ("peer dependency mismatch", "two packages wanting incompatible versions of a shared one"),
    ("registry auth failure", "the package mirror rejecting our credentials"),
]
PERF = [
    ("N+1 queries", "one database round trip per row on a list screen"),
    ("missing index", "a lookup with nothing to speed it up"),
    ("sequential scan on a large table", "the planner reading every row"),
    ("cache stampede", "many requests recomputing the same expired value at once"),
    ("synchronous call in the hot path", "blocking on a remote call inside every request"),
    ("unbounded result set", "loading every row into memory at once"),
    ("lock contention", "threads queueing for the same mutex"),
    ("excessive JSON serialization", "spending most CPU turning objects into text"),
    ("regex backtracking", "a pattern match taking exponential time on some inputs"),
    ("chatty HTTP fan-out", "dozens of small remote calls per request"),
]
DATA_BUGS = [
    ("rounding drift in totals", "cents going missing when amounts are added up"),
    ("timezone off-by-one", "dates jumping a day around midnight"),
    ("duplicate rows after retry", "the same record appearing twice after a re-attempt"),
    ("truncated unicode names", "non-ASCII names getting cut off"),
    ("stale denormalized counter", "a cached count disagreeing with reality"),
    ("lost update on concurrent edit", "one person's change silently overwriting another's"),
    ("wrong currency conversion", "amounts converted with the wrong exchange rate"),
    ("orphaned child records", "rows pointing at parents that were removed"),
]
DEVENV = [
    ("compose healthcheck race", "services starting before the database is ready locally"),
    ("stale node_modules volume", "old JavaScript packages stuck in a container volume"),
    ("ARM image mismatch", "containers built for the wrong CPU architecture on laptops"),
    ("missing .env file", "local settings not present on a fresh clone"),
    ("hot reload not picking up changes", "the dev server ignoring edited files"),
    ("untrusted local TLS certificate", "the browser rejecting the self-signed cert"),
    ("CRLF line endings in hooks", "Windows line endings breaking shell scripts"),
]
COMPILE = [
    ("incompatible argument type", "passing the wrong kind of value to a function"),
    ("possibly undefined attribute", "touching a field that might not exist"),
    ("missing trait bound", "a generic type lacking a required capability"),
    ("unreachable code after refactor", "dead branches left behind by a rename"),
    ("implicit any", "a value with no inferred type"),
    ("unhandled error return", "ignoring a returned failure value"),
    ("nullable dereference", "using something that may be empty without checking"),
]
COMPILE_CODES = {"mypy": ["arg-type", "union-attr", "return-value", "attr-defined", "assignment"],
                 "tsc": ["TS2345", "TS2532", "TS7006", "TS2322", "TS18048"],
                 "go vet": ["printf", "copylocks", "unusedresult", "lostcancel", "nilness"],
                 "javac": ["unchecked", "rawtypes", "deprecation", "cast"],
                 "cargo check": ["E0277", "E0308", "E0382", "E0599", "E0502"],
                 "sorbet": ["7002", "7003", "5002", "7017"]}
SECURITY_FINDINGS = [
    ("secret committed to the repo", "a credential pushed to version control"),
    ("PII in application logs", "personal data ending up in log output"),
    ("SSRF via webhook URL", "customer-supplied callback addresses reaching internal hosts"),
    ("SQL injection in a filter", "user text spliced into a query string"),
    ("missing authz check", "an endpoint that forgets to verify permissions"),
    ("open redirect", "a login flow that forwards to arbitrary sites"),
    ("vulnerable transitive dependency", "a known-bad package pulled in indirectly"),
]
LEAKS = [
    ("memory leak in a long-running worker", "a process growing until it is killed"),
    ("thread leak under load", "background threads piling up and never exiting"),
    ("unclosed HTTP connections", "sockets left open after each remote call"),
    ("unbounded in-process cache", "a lookup map that only ever grows"),
    ("file handles never closed", "opened files not released after use"),
    ("event listener leak", "subscriptions added on every call and never removed"),
]

# ---------------------------------------------------------- requirement vocabulary

FEATURES = [
    ("bulk CSV export", "downloading everything as a spreadsheet"),
    ("audit history view", "seeing who changed what and when"),
    ("self-serve cancellation", "customers ending things themselves without support"),
    ("saved filters", "remembering search settings between visits"),
    ("status change emails", "mail going out when something moves to a new state"),
    ("admin role permissions", "restricting what back-office staff can touch"),
    ("multi-currency support", "handling money in more than one currency"),
    ("offline mode", "keeping the app usable without connectivity"),
    ("spreadsheet import", "uploading lots of records at once from a file"),
    ("scheduled weekly reports", "summaries mailed automatically every week"),
    ("partner API access", "letting partners integrate programmatically"),
    ("two-factor login", "a second step when signing in"),
    ("dark mode", "a low-light colour theme"),
    ("German and Spanish localization", "translating the interface for new markets"),
    ("undo for deletions", "recovering from accidental removal"),
    ("webhook subscriptions", "partners receiving callbacks on changes"),
    ("SSO with Okta", "company sign-in through the customer's identity provider"),
    ("data retention controls", "choosing how long records are kept"),
    ("usage-based limits", "capping how much a plan can consume"),
    ("global search bar", "finding anything from the top of the screen"),
    ("activity feed", "a timeline of recent changes"),
    ("approval workflow", "a second person signing off before it takes effect"),
    ("PDF receipts", "printable confirmation documents"),
    ("mobile push notifications", "alerts on phones"),
    ("personal data export", "giving someone a copy of everything we hold about them"),
    ("account deletion", "removing a user and their data for good"),
    ("bulk editing", "changing many records in one go"),
    ("comment threads", "discussion attached to a record"),
]
NFRS = [
    ("p99 latency budget", "how fast responses must be at the slow tail"),
    ("uptime target", "how rarely the thing may be unavailable"),
    ("recovery point objective", "how much data we may lose in a disaster"),
    ("throughput target", "how much traffic it must absorb"),
    ("cold start time", "how quickly a fresh instance must be ready"),
    ("page load budget", "how soon the screen must become usable"),
    ("data freshness", "how out of date displayed numbers may be"),
]
COMPLIANCE = [
    ("GDPR erasure requests", "people asking for their personal data to be wiped"),
    ("SOC 2 access reviews", "periodic checks of who can reach production"),
    ("HIPAA audit trail", "health-data access records for the regulator"),
    ("PCI scope reduction", "keeping card numbers away from our servers"),
    ("EU data residency", "keeping European customers' data inside Europe"),
    ("financial record retention", "keeping accounting data for the legally required years"),
    ("cookie consent", "asking visitors before setting trackers"),
]
UI_REQS = [
    ("empty state copy", "what the screen says when there is nothing to show"),
    ("inline validation errors", "pointing at the bad field while typing"),
    ("keyboard shortcuts", "doing common actions without the mouse"),
    ("loading skeletons", "placeholder shapes while data arrives"),
    ("confirmation dialog", "an are-you-sure prompt before destructive actions"),
    ("sortable table columns", "reordering lists by clicking headers"),
    ("small-screen layout", "how pages behave on phones"),
]
PERSONAS = [
    ("support agent", "someone answering customer tickets"),
    ("finance admin", "the person closing the books"),
    ("new customer", "someone who signed up today"),
    ("account owner", "the person who pays for the workspace"),
    ("on-call engineer", "whoever gets paged at night"),
    ("auditor", "an external reviewer checking controls"),
    ("partner developer", "an engineer at an integrating company"),
    ("operations lead", "the person running day-to-day operations"),
]
REPORTS = [
    ("monthly revenue report", "money-in summary per calendar month"),
    ("churn dashboard", "who left and when"),
    ("SLA breach report", "where we missed promised response times"),
    ("usage export for finance", "consumption numbers for the accountants"),
    ("cohort retention chart", "how many sign-ups stay over time"),
    ("error budget report", "how much unreliability we have left"),
]
A11Y = [
    ("screen reader labels", "names that assistive technology reads out"),
    ("AA color contrast", "text being legible against its background"),
    ("focus management in modals", "where the keyboard cursor lands in pop-ups"),
    ("reduced motion", "turning off animations for people who get dizzy"),
    ("keyboard-only navigation", "using everything without a mouse"),
]

# ------------------------------------------------------------ reference vocabulary

# (subject, paraphrase, url, note)
DOCREFS = [
    ("PostgreSQL advisory locks", "postgres application-level locking functions",
     "https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS",
     "Session-level locks survive transaction end; transaction-level ones release on commit."),
    ("pgvector HNSW indexes", "approximate nearest-neighbour indexing inside postgres",
     "https://github.com/pgvector/pgvector#hnsw",
     "Build time grows with m and ef_construction; ef_search is per-session."),
    ("Redis eviction policies", "what the in-memory store drops when it fills up",
     "https://redis.io/docs/latest/develop/reference/eviction/",
     "allkeys-lru for caches; noeviction for anything used as a queue."),
    ("Stripe idempotent requests", "the payment provider's safe-retry header",
     "https://docs.stripe.com/api/idempotent_requests",
     "Keys expire after 24 hours; same key with a different body is a 400."),
    ("GitHub Actions dependency caching", "speeding up workflow runs by reusing downloads",
     "https://docs.github.com/en/actions/using-workflows/caching-dependencies-to-speed-up-workflows",
     "Cache key on the lockfile hash; restore-keys for partial hits."),
    ("Kubernetes probes", "how the orchestrator decides a pod is alive or ready",
     "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
     "Readiness should not check downstream dependencies."),
    ("OpenTelemetry context propagation", "passing trace ids between services",
     "https://opentelemetry.io/docs/concepts/context-propagation/",
     "W3C traceparent header by default."),
    ("SQS visibility timeout", "how long a received queue message stays hidden",
     "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html",
     "Set it above the worst-case processing time or messages get delivered twice."),
    ("Kafka consumer configuration", "settings for the log-based broker's readers",
     "https://kafka.apache.org/documentation/#consumerconfigs",
     "max.poll.interval.ms too low causes rebalance storms."),
    ("RFC 9457 problem details", "the standard shape for HTTP API errors",
     "https://www.rfc-editor.org/rfc/rfc9457", "type, title, status, detail, instance."),
    ("OAuth PKCE", "the proof-key extension for public clients",
     "https://datatracker.ietf.org/doc/html/rfc7636", "S256 only; plain is not allowed by us."),
    ("JWT best current practices", "guidance for signed token handling",
     "https://datatracker.ietf.org/doc/html/rfc8725", "Pin the algorithm; never accept alg none."),
    ("asyncio task groups", "structured concurrency in the Python standard library",
     "https://docs.python.org/3/library/asyncio-task.html#task-groups",
     "One failing task cancels the rest."),
    ("Node.js stream backpressure", "flow control when a writer is faster than a reader",
     "https://nodejs.org/en/learn/modules/backpressuring-in-streams", "Respect the return value of write()."),
    ("Go context package", "cancellation and deadlines across goroutines",
     "https://pkg.go.dev/context", "Pass ctx first; never store it in a struct."),
    ("tokio select macro", "waiting on several async branches in Rust",
     "https://docs.rs/tokio/latest/tokio/macro.select.html", "Branches must be cancel-safe."),
    ("Postgres transaction isolation", "how concurrent database transactions see each other",
     "https://www.postgresql.org/docs/current/transaction-iso.html",
     "Serializable requires retry on 40001."),
    ("EXPLAIN ANALYZE", "reading query plans with real timings",
     "https://www.postgresql.org/docs/current/using-explain.html", "Use BUFFERS to see cache hits."),
    ("SQLite WAL mode", "the embedded database's write-ahead journaling",
     "https://www.sqlite.org/wal.html", "Readers do not block the writer."),
    ("Docker multi-stage builds", "smaller container images via build stages",
     "https://docs.docker.com/build/building/multi-stage/", "Copy only the artifacts into the final stage."),
    ("Semantic Versioning", "the major.minor.patch numbering rules",
     "https://semver.org/", "0.x versions may break on minor bumps."),
    ("Conventional Commits", "the structured commit message format",
     "https://www.conventionalcommits.org/en/v1.0.0/", "feat, fix, chore; ! for breaking."),
    ("OWASP password storage", "how to keep stored credentials safe",
     "https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html",
     "argon2id with m=19 MiB, t=2, p=1 as a minimum."),
    ("HTTP caching", "browser and proxy reuse of responses",
     "https://developer.mozilla.org/en-US/docs/Web/HTTP/Caching", "no-store vs no-cache are different."),
    ("CORS preflight", "the browser's permission check before cross-origin calls",
     "https://developer.mozilla.org/en-US/docs/Glossary/Preflight_request",
     "Custom headers trigger an OPTIONS request."),
    ("Prometheus histograms", "bucketed latency metrics",
     "https://prometheus.io/docs/practices/histograms/", "Pick buckets around the SLO."),
    ("Terraform state locking", "preventing two infra applies at once",
     "https://developer.hashicorp.com/terraform/language/state/locking", "force-unlock only with care."),
    ("pytest fixtures", "reusable setup for Python checks",
     "https://docs.pytest.org/en/stable/how-to/fixtures.html", "Scope session fixtures carefully."),
    ("React useEffect", "running side effects in UI components",
     "https://react.dev/reference/react/useEffect", "Return a cleanup function."),
    ("Model Context Protocol", "the tool protocol that agents speak",
     "https://modelcontextprotocol.io/specification", "Streamable HTTP replaces the SSE transport."),
    ("error budget policy", "what to do when reliability targets are missed",
     "https://sre.google/workbook/error-budget-policy/", "Freeze features when the budget is spent."),
    ("Unicode normalization", "making equivalent characters compare equal",
     "https://unicode.org/reports/tr15/", "NFC before storing user names."),
    ("S3 presigned URLs", "temporary links for private storage objects",
     "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html",
     "Max lifetime 7 days with SigV4."),
    ("PgBouncer pool modes", "how the connection proxy shares sessions",
     "https://www.pgbouncer.org/features.html", "Transaction mode breaks session-level features."),
    ("Celery task retries", "re-running failed background tasks in Python",
     "https://docs.celeryq.dev/en/stable/userguide/tasks.html#retrying", "acks_late plus idempotent tasks."),
    ("Sentry releases", "tying crashes to the deploy that caused them",
     "https://docs.sentry.io/product/releases/", "Upload source maps per release."),
    ("n8n webhook node", "the workflow tool's HTTP trigger",
     "https://docs.n8n.io/integrations/builtin/core-nodes/n8n-nodes-base.webhook/",
     "Respond with the Respond to Webhook node for custom codes."),
]
RUNBOOKS = [
    ("restarting stuck consumers", "unsticking readers that stopped making progress"),
    ("rotating database credentials", "changing the DB password without downtime"),
    ("replaying dead letters", "re-sending messages that failed before"),
    ("primary database failover", "promoting the replica when the main DB dies"),
    ("flushing a poisoned cache", "clearing bad cached values everywhere"),
    ("rolling back a bad deploy", "returning to the previous version quickly"),
    ("scaling workers for a backlog", "adding capacity when the queue grows"),
    ("restoring from backup", "bringing data back from a snapshot"),
    ("reindexing search", "rebuilding the lookup index from scratch"),
]
DASHBOARDS = [
    ("queue depth and lag", "how far behind the message readers are"),
    ("error rate by endpoint", "which URLs are failing most"),
    ("slow queries", "the worst-performing SQL statements"),
    ("cost per tenant", "cloud spend broken down by customer"),
    ("deploy frequency", "how often we ship"),
    ("cache hit ratio", "how often lookups are served from cache"),
    ("saturation overview", "CPU, memory and connection headroom"),
]
VENDOR_TOPICS = [
    ("webhook retry schedule", "when the provider re-sends failed callbacks", "webhooks"),
    ("pagination limits", "how many items the provider returns per page", "pagination"),
    ("sandbox credentials", "test-mode keys for the provider", "testing"),
    ("error code reference", "the provider's list of failure codes", "errors"),
    ("rate limit headers", "how the provider signals throttling", "rate-limits"),
    ("API changelog", "what changed in the provider's recent versions", "changelog"),
]
CHEATS = [
    ("psql diagnostics", "postgres shell commands for investigating problems",
     ["select pid, state, wait_event, query from pg_stat_activity where state <> 'idle';",
      "select * from pg_locks where not granted;", "\\d+ {table}",
      "explain (analyze, buffers) select * from {table} where {column} = $1;"]),
    ("kubectl debugging", "cluster commands for poking at misbehaving pods",
     ["kubectl -n {ns} get pods -l app={comp}", "kubectl -n {ns} logs deploy/{comp} --since=15m",
      "kubectl -n {ns} describe pod <pod>", "kubectl -n {ns} rollout undo deploy/{comp}"]),
    ("git bisect workflow", "finding the commit that introduced a bug",
     ["git bisect start", "git bisect bad HEAD", "git bisect good {sha}", "git bisect run make test-{noun_kebab}"]),
    ("redis-cli inspection", "looking inside the in-memory store",
     ["redis-cli --scan --pattern '{noun_var}:*' | head", "redis-cli info memory",
      "redis-cli --bigkeys", "redis-cli ttl {noun_var}:<id>"]),
    ("profiling in production", "finding where CPU time goes on a live box",
     ["py-spy top --pid <pid>", "go tool pprof http://localhost:6060/debug/pprof/profile",
      "perf record -g -p <pid>", "0x -- node dist/server.js"]),
    ("docker compose workflow", "the local container stack commands",
     ["docker compose up -d db cache", "docker compose logs -f {comp}",
      "docker compose exec db psql -U app", "docker compose down -v"]),
]

# ----------------------------------------------------------------- user vocabulary

STYLE_PREFS = [
    ("small focused pull requests", "changes that touch only one thing at a time"),
    ("type hints on every function", "annotated signatures everywhere"),
    ("early returns", "guard clauses instead of deep nesting"),
    ("descriptive variable names", "identifiers that say what they hold"),
    ("no abbreviations in identifiers", "spelling names out in full"),
    ("plain functions over classes", "avoiding object hierarchies where possible"),
    ("explicit error handling", "never letting failures pass silently"),
    ("comments that explain why", "notes about intent rather than mechanics"),
    ("dataclasses over dicts", "typed records instead of loose maps"),
    ("minimal dependencies", "not pulling in packages for small things"),
    ("immutable data structures", "values that never change after creation"),
    ("short modules", "files that stay small and focused"),
]
COMM_PREFS = [
    ("short answers without preamble", "terse replies that get to the point"),
    ("diffs instead of whole files", "seeing only the changed lines"),
    ("a plan before any code", "agreeing the approach before typing"),
    ("questions batched at the end", "collecting open points instead of interrupting"),
    ("bullet point summaries", "lists rather than paragraphs"),
    ("trade-off explanations", "hearing the downsides of each option"),
    ("no emojis", "plain text without pictograms"),
    ("British spelling", "colour and behaviour rather than the American forms"),
]
TOOL_PREFS = [
    ("uv instead of pip", "the fast Rust-based Python installer"),
    ("pnpm over npm", "the disk-efficient JavaScript package manager"),
    ("ripgrep for searching", "the fast recursive grep replacement"),
    ("Makefile targets", "one-word commands for common tasks"),
    ("Docker only for dependencies", "running the app natively and only the databases in containers"),
    ("neovim", "the terminal modal editor"),
    ("JetBrains IDEs", "the heavyweight commercial editors"),
    ("tmux sessions", "terminal multiplexing"),
]
TIMEZONES = [
    ("Central European Time", "Berlin clock"), ("US Pacific time", "California clock"),
    ("India Standard Time", "Bangalore clock"), ("Brasilia time", "São Paulo clock"),
    ("Australian Eastern time", "Sydney clock"), ("Japan Standard Time", "Tokyo clock"),
    ("US Eastern time", "New York clock"), ("West Africa Time", "Lagos clock"),
]
ROLE_TITLES = [
    ("staff engineer", "a very senior individual contributor"),
    ("product manager", "the person who owns the roadmap"),
    ("site reliability engineer", "the person keeping production up"),
    ("data engineer", "the person running pipelines and the warehouse"),
    ("frontend lead", "the person in charge of the web client"),
    ("new hire", "someone in their first weeks"),
    ("security engineer", "the person handling threats and audits"),
    ("engineering manager", "the person running the team"),
]
REVIEW_PREFS = [
    ("tests for every bug fix", "a reproducing check with each correction"),
    ("migration plans in PR descriptions", "written steps for schema changes"),
    ("screenshots for UI changes", "pictures of visual changes"),
    ("benchmarks for performance claims", "numbers backing speed claims"),
    ("linked tickets", "a tracker reference on every change"),
    ("rollback notes", "how to undo the change if it goes wrong"),
]
LEARNING = [
    ("Rust ownership", "how the borrow checker decides who holds data"),
    ("Kubernetes", "the container orchestrator"),
    ("React hooks", "state and effects in UI function components"),
    ("SQL window functions", "ranking and running totals in queries"),
    ("async Python", "coroutines and the event loop"),
    ("Go concurrency", "goroutines and channels"),
    ("Terraform", "declarative infrastructure files"),
    ("GraphQL", "the typed query language for APIs"),
]

# ------------------------------------------------------------- feedback vocabulary

DONTS = [
    ("mock the database in integration tests", "faking the DB in checks that should be real",
     "use the {db} test container"),
    ("edit generated files", "hand-changing code produced by a generator",
     "change the source definition and regenerate"),
    ("run migrations against production", "applying schema changes to the live DB by hand",
     "let the deploy pipeline run them"),
    ("bump dependencies in feature PRs", "mixing version upgrades into unrelated changes",
     "open a separate chore PR"),
    ("delete failing tests", "removing checks that fail instead of fixing them",
     "fix the code or mark the test xfail with a ticket"),
    ("add dependencies without asking", "pulling in new packages on your own",
     "ask in the PR description first"),
    ("catch broad exceptions", "swallowing every kind of failure",
     "catch the specific error and let the rest crash"),
    ("commit directly to main", "pushing straight to the protected branch",
     "open a PR even for one-line fixes"),
    ("rewrite whole files for small fixes", "replacing an entire file to change a few lines",
     "make the minimal edit"),
    ("log full request bodies", "dumping complete payloads into logs",
     "log ids and sizes only"),
    ("disable lint rules inline", "silencing the linter with comments",
     "fix the warning or discuss changing the rule"),
    ("use print for debugging", "leaving stray console output in code",
     "use the structured logger at debug level"),
    ("invent config options", "adding settings nobody requested",
     "hard-code it until someone needs it configurable"),
    ("guess at API fields", "assuming what a response contains",
     "check the schema or a recorded response"),
]
HELPER_TOPICS = [
    ("money formatting", "turning amounts into display strings"),
    ("date parsing", "reading timestamps from text"),
    ("retry wrapping", "re-attempting flaky calls"),
    ("pagination", "walking through long lists page by page"),
    ("permission checks", "verifying a caller may act"),
    ("tenant scoping", "restricting queries to one customer"),
    ("HTTP error mapping", "turning failures into status codes"),
    ("flag lookups", "asking whether a toggle is on"),
    ("ID generation", "creating new primary keys"),
]
ASSUMPTIONS = [
    ("writes through the ORM", "saving via the object mapper"),
    ("reads from the primary database", "querying the main DB for lists"),
    ("automatic job retries", "failed background work being re-run by itself"),
    ("local time storage", "keeping timestamps without a zone"),
    ("a database shared with other services", "other teams using the same tables"),
    ("response caching", "answers being remembered between requests"),
    ("synchronous webhooks", "callbacks being handled inline"),
]
STYLE_FB = [
    ("no wildcard imports", "importing everything from a module"),
    ("functions under 40 lines", "keeping routines short"),
    ("no magic numbers", "unnamed literal constants"),
    ("composition over inheritance", "building behaviour from parts rather than subclasses"),
    ("booleans named as questions", "flags reading like yes-or-no questions"),
    ("no mutable default arguments", "shared default lists and dicts"),
    ("one assertion focus per test", "checks that verify a single behaviour"),
]
OVERENG = [
    ("generic plugin system", "an extension framework with a single user"),
    ("factory for one implementation", "an abstraction with only one concrete class"),
    ("custom retry framework", "a home-grown re-attempt library"),
    ("premature caching layer", "remembering values before anything was slow"),
    ("abstract base classes everywhere", "interfaces nobody else implements"),
]
PROCESS_FB = [
    ("run the full test suite before pushing", "executing every check locally first"),
    ("update the changelog", "noting user-visible changes in the release notes"),
    ("write a down migration", "making schema changes reversible"),
    ("ask before force-pushing", "checking with others before rewriting shared history"),
    ("link the ticket in commits", "referencing the tracker item in each commit"),
    ("watch the dashboard after deploys", "observing metrics once a release is out"),
    ("pair on risky migrations", "having a second person present for dangerous schema work"),
]
COMM_FB = [
    ("stop apologizing in responses", "dropping the sorry-for-the-confusion filler"),
    ("never claim tests pass without running them", "reporting green checks that were not executed"),
    ("say when you are unsure", "admitting uncertainty instead of guessing"),
    ("keep status updates short", "brief progress notes"),
    ("quote the exact error message", "pasting the literal failure text"),
    ("no long recaps of finished work", "lengthy summaries of what was just done"),
    ("ask one question at a time", "not firing a barrage of questions"),
]

# -------------------------------------------------------------- project vocabulary

MILESTONES = [
    ("public beta", "opening it to outside users for testing"),
    ("general availability launch", "the official release to everyone"),
    ("SOC 2 Type II audit", "the security certification review"),
    ("monolith extraction", "moving functionality out of the old big app"),
    ("pricing change rollout", "switching customers to the new price list"),
    ("EU region launch", "serving European customers from a European data centre"),
    ("mobile app release", "shipping the phone app to the stores"),
    ("partner API launch", "opening programmatic access to integrators"),
    ("Postgres major upgrade", "moving the database to the next big version"),
    ("cluster upgrade", "bringing the container platform to a supported version"),
    ("bank pilot", "a trial with a financial institution customer"),
    ("year-end close", "the accounting deadline at the end of the year"),
]
GOALS = [
    ("cut infrastructure cost", "spending less on cloud bills"),
    ("halve p99 latency", "making the slowest responses twice as fast"),
    ("zero-downtime deploys", "shipping without any outage"),
    ("self-serve onboarding", "new customers setting up without help"),
    ("fewer support tickets", "reducing how often customers need help"),
    ("test coverage on money paths", "checking every code path that moves funds"),
    ("faster CI", "shorter pipeline wall time"),
]
CONSTRAINTS = [
    ("change freeze", "a period where nothing may ship"),
    ("budget cap", "a hard ceiling on spending"),
    ("no new vendors", "not signing up with additional suppliers"),
    ("single region only", "running in just one location"),
    ("on-prem install for one customer", "a deployment inside a client's own data centre"),
    ("data stays in the EU", "European records never leaving Europe"),
]
RISKS = [
    ("single point of failure in the queue", "one broker whose loss stops everything"),
    ("key person dependency", "only one engineer understanding a critical piece"),
    ("vendor lock-in", "being unable to switch suppliers cheaply"),
    ("unpatched base images", "containers built on outdated system packages"),
    ("untested disaster recovery", "never having practised restoring everything"),
    ("growing migration backlog", "schema changes piling up unreleased"),
]
STATUS_TOPICS = [
    ("sprint status", "where the current iteration stands"),
    ("rollout progress", "how far the gradual release has got"),
    ("migration progress", "how much of the data move is done"),
    ("launch readiness", "what is left before going live"),
]

# ---------------------------------------------------------------- sentence pools

REASONS = [
    "it removes a moving part: {db} is already in the stack and on-call knows it",
    "p99 for `{comp}` dropped from {ms_hi} ms to {ms_lo} ms in the spike",
    "it survives a {cache} failover without double-processing",
    "the load test with {count} concurrent clients showed no lost updates",
    "it keeps the whole operation inside one database transaction",
    "{person} ran it in production at a previous job and knows the failure modes",
    "it works with our {framework} version without a plugin",
    "the cost estimate came in at ${dollars}/month versus ${dollars2}/month",
    "it behaves the same in local dev, CI and production",
    "it gives us an audit trail for free",
    "it fails closed, which is what compliance asked for",
    "debugging is easier because the state is visible with one SQL query",
    "it degrades gracefully when {queue} is backed up",
    "it keeps the {lang} code free of vendor-specific SDK calls",
    "throughput in the benchmark was {count} ops/s",
    "it needs no extra infrastructure on {cloud}",
    "operationally it is one less thing to patch and watch in {obs}",
    "it is boring, well-documented technology",
    "backing out later is cheap if it does not work",
    "the {lang} client library is mature and maintained",
    "the team already has dashboards and alerts for it in {obs}",
]
ALT_REASONS = [
    "{alt} would need a second vendor contract and another security review",
    "{alt} had an open bug ({ticket}) that bit us during the spike",
    "in the benchmark it did {count} ops/s, {pct}% more than {alt}",
    "{alt} needs an extra component that nobody on the team has operated",
]
ALT_TRADEOFFS = [
    "we lose what {alt} offered out of the box and need a small dashboard in {obs}",
    "if {alt} matures we may have to migrate again",
]
TRADEOFFS = [
    "we accept a hard dependency on {db} availability for `{comp}`",
    "a bit more code in `{func}` to handle edge cases",
    "one more scenario to cover in `{test_path}`",
    "existing rows need a backfill (migration `{migration}`)",
    "cold starts get slower by about {ms_lo} ms",
    "we must revisit this if volume passes {count} per minute",
    "new hires need a paragraph in `docs/architecture.md`",
    "local dev needs {db} running, no more in-memory shortcut",
]
FOLLOWUPS = [
    "Add an alert in {obs} when `{metric}` stays above {n}00 for 5 minutes",
    "Remove the old code path in `{path2}` after {date}",
    "Write a runbook entry for `{comp}`",
    "Backfill with `{cmd}`",
    "{ticket}: load-test again after the next release",
    "Document the setting `{env}` in the README",
    "Ask {person} to review the on-call notes",
]
CONDITIONS = [
    "volume grows past {count} events per minute", "we move off {db}",
    "the vendor ships a self-hosted option", "latency targets drop below {ms_lo} ms",
    "{cloud} pricing changes", "the team doubles",
]
TRIGGERS = [
    "the {version} deploy", "a traffic spike of {count} req/min", "upgrading {lib} to {version}",
    "enabling `{flag}`", "the nightly backfill", "a {cloud} maintenance event",
    "a {db} failover", "a partner sending {count} {nouns} in one batch", "merging {ticket}",
]
CAUSES = [
    "`{func}` opened a new client per call instead of reusing the pool",
    "the retry in `{func}` had no jitter, so every pod retried in lockstep",
    "a missing index on `{table}.{column}` made the query scan {count} rows",
    "`{func}` swallowed the exception and returned an empty list",
    "the {queue} consumer acknowledged before the database commit",
    "a default changed in {lib} {version}",
    "`{env}` was unset in staging, so the code fell back to {n}",
    "two pods ran the same migration during the rolling deploy",
    "the batch size was hard-coded to {count} in `{path}`",
    "a long transaction in `{func2}` held a row lock for {n} minutes",
    "the health check hit the database, so the load balancer pulled every pod at once",
    "`{func}` assumed UTC but {vendor} sends local time",
    "`{func}` and `{func2}` raced when the same {noun} was edited twice within a second",
    "the {vendor} sandbox has lower limits than production and nobody noticed",
    "after the {lib} upgrade the default timeout dropped to {n}s",
]
FIXES = [
    "wrapped the call in a retry with exponential backoff (base {n}00 ms, max 5 attempts)",
    "added a unique index and switched the insert to `INSERT ... ON CONFLICT DO NOTHING`",
    "moved the remote call out of the transaction in `{func}`",
    "raised `{env}` to {count} and added an alert on `{metric}`",
    "pinned {lib} to {version} until upstream ships a fix",
    "made `{func}` idempotent by keying on the {noun} id",
    "reused one client created at startup",
    "set `statement_timeout` to {n}s for the `{comp}` database role",
    "split the work into chunks of {n}00 rows",
    "added jitter and a circuit breaker around the {vendor} client",
    "reverted {sha} and redeployed",
    "took a `FOR UPDATE` lock on the {noun} row before the check",
]
# failure kind -> causes / fixes that fit it (used when a memory is about a FAILURES row)
KIND_CAUSES: dict[str, list[str]] = {
    "net": ["pooled keep-alive connections outlived the upstream's 60 s idle timeout",
            "`{func}` reused a socket after the peer had closed it",
            "a NAT gateway on {cloud} dropped idle connections after 350 s",
            "the sidecar proxy restarted during the deploy and cut open connections"],
    "timeout": ["`{func}` had no timeout, so a slow {vendor} response held the worker",
                "the connect timeout was {n}s but DNS alone took longer during the incident",
                "the upstream was saturated and queued our requests for {n}0 s"],
    "http": ["the nightly job sent {count} requests in one burst",
             "retries had no backoff and multiplied the load",
             "new pods received traffic before they were ready",
             "the proxy body limit is lower than what partners upload"],
    "db": ["two code paths lock `{table}` rows in opposite order",
           "a long transaction in `{func2}` held locks while calling {vendor}",
           "each worker opened its own pool of {n}0 connections",
           "the migration ran without `lock_timeout`"],
    "constraint": ["the consumer received the same message twice and inserted twice",
                   "`{func}` checks for existence and then inserts, which races",
                   "a backfill created rows that the app also creates",
                   "the cleanup job deleted the parent row first"],
    "resource": ["`{func}` loads the whole export into memory",
                 "log files were never rotated on the worker node",
                 "the container limit was {mb}Mi but the runtime assumed more",
                 "a dev server from another checkout was still running"],
    "data": ["a partner started sending Latin-1 instead of UTF-8",
             "the {vendor} payload changed shape without a version bump",
             "a field became optional upstream and `{func}` assumed it exists"],
    "auth": ["the webhook secret was rotated on their side but not in `{env}`",
             "node clocks drifted by {n} s because NTP was blocked",
             "the new IAM role was missing one permission",
             "we verified the signature over re-serialized JSON instead of the raw body"],
}
KIND_CAUSES.update({
    "leak": ["`{func}` registers a listener per request and never removes it",
             "`{func}` keeps a module-level dict keyed by request id",
             "`{func}` creates a new HTTP client on every call", "temp files are not closed on the error path"],
    "perf": ["`{func}` issues one query per row", "the new filter on `{column}` has no index",
             "the cache key includes a timestamp, so nothing is ever reused",
             "`{func}` calls {vendor} synchronously inside the request"],
    "databug": ["`{func}` rounds each line before summing", "`{func}` compares local dates with UTC timestamps",
                "the retry in `{func}` is not idempotent",
                "two requests read-modify-write the same row without a version check",
                "the cleanup job deletes parents without their children"],
    "build": ["Renovate bumped {lib} without regenerating the lockfile", "the runner image changed its default runtime",
              "a transitive dependency dropped prebuilt wheels for our platform", "the registry token in CI expired"],
})
KIND_FIXES: dict[str, list[str]] = {
    "net": ["set the client idle timeout below the upstream's and retry once on `{common}`",
            "enabled TCP keepalive and recreate the client on connection errors",
            "added a retry with jitter around `{func}` for idempotent calls only"],
    "timeout": ["set explicit connect/read timeouts ({n}s/{n2}0s) in `{func}`",
                "added a circuit breaker that opens after {n} timeouts",
                "moved the call into a background job so requests no longer wait"],
    "http": ["honour `Retry-After` and throttle with a token bucket in `{func}`",
             "added backoff with jitter and capped retries at {n}",
             "fixed the readiness probe so pods get traffic only after warm-up",
             "raised the proxy limit for `{endpoint}` and documented it"],
    "db": ["lock rows in a consistent order (by id) in `{func}`",
           "moved the remote call out of the transaction",
           "put PgBouncer in front and cut the per-pod pool to {n}",
           "retry the whole transaction on `{common}` up to {n} times"],
    "constraint": ["switched to `INSERT ... ON CONFLICT DO NOTHING` on the natural key",
                   "made `{func}` idempotent by keying on the {noun} id",
                   "folded check-and-insert into one statement",
                   "take a `FOR UPDATE` lock on the parent before inserting"],
    "resource": ["stream rows in chunks of {n}00 instead of loading them all",
                 "added log rotation and an alert at 80% disk",
                 "raised the limit to {mb}Mi and capped the heap below it",
                 "made the port configurable via `{env}`"],
    "data": ["decode with an explicit charset and reject invalid bytes with a clear error",
             "validate payloads at the boundary and park invalid ones for review",
             "made the field optional in the schema and handled the empty case"],
    "leak": ["create the client once at startup and close it on shutdown",
             "bounded the cache to {n}000 entries with LRU eviction",
             "use a context manager so handles close on every path", "remove the listener in a `finally` block"],
    "perf": ["added an index on `{table}({column})`", "batched the lookups in `{func}`: one query instead of {n}0",
             "cache the result for 60 s with request coalescing", "moved the {vendor} call out of the request path",
             "paginate with a hard cap of {n}00 rows"],
    "databug": ["store integer minor units and round once at the end",
                "convert to UTC at the boundary and compare dates in the tenant's zone",
                "made the write idempotent on the {noun} id", "optimistic locking with a version column",
                "added a foreign key with ON DELETE CASCADE and cleaned up the orphans"],
    "build": ["regenerated the lockfile from scratch and committed it", "pinned the runner image and runtime version",
              "added the build toolchain to the CI image", "aligned the dependency ranges in the manifest",
              "rotated the registry token in the CI secrets"],
    "auth": ["verify the signature over the raw request body",
             "allow {n} s of clock skew and fixed NTP on the nodes",
             "added the permission in Terraform plus a policy test",
             "accept two secrets during rotation"],
}

IMPACTS = [
    "{count} {nouns} were delayed by up to {n} hours",
    "about {pct}% of requests to `{endpoint}` failed for {n} minutes",
    "no data loss; {count} jobs were retried automatically",
    "support received {n} tickets from customers",
    "one tenant saw duplicate {nouns}",
    "the `{comp}` queue backed up to {count} messages",
]
VERIFY = [
    "Verified on staging with `{cmd}`.",
    "Reproduced locally with {count} parallel requests; the fix survives 200 runs.",
    "Regression test: `{test_name}`.",
    "Confirmed in {obs}: `{metric}` back to baseline.",
]
STMTS = [
    "result = await client.post(url, json=payload, timeout=timeout)",
    "rows = session.execute(stmt).scalars().all()", "self._flush(batch)",
    "return self.repo.save(entity)", "cur.execute(sql, params)", "resp.raise_for_status()",
    "async with self._lock:", "data = json.loads(raw)",
]


# =================================================================== machinery

@dataclass(frozen=True)
class Component:
    """A named part of a project (``invoice-reconciler``) with a plain-words description."""

    name: str
    noun: str
    syn: str
    role: str
    para: str


@dataclass
class Project:
    """A fictional project: its stack, people and components."""

    name: str
    domain: str
    lang: str
    framework: str
    stack: dict[str, str]
    people: list[str]
    pm: str
    comps: list[Component]
    prefix: str
    weight: float = 1.0
    tickets: set[int] = field(default_factory=set)


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _case(parts: Sequence[str], style: str) -> str:
    words = [w for p in parts for w in p.replace("-", "_").replace(" ", "_").split("_") if w]
    if style == "snake":
        return "_".join(words)
    head = words[0] if style == "camel" else words[0].capitalize()
    return head + "".join(w.capitalize() for w in words[1:])


def _component(noun: str, syn: str, role: tuple[str, str, str]) -> Component:
    name = f"{noun.replace(' ', '-')}-{role[1]}"
    return Component(name, noun, syn, role[0], role[2].format(syn=syn))


ALL_COMPONENTS: dict[str, Component] = {
    c.name: c for nouns in DOMAINS.values() for noun, syn in nouns for c in
    (_component(noun, syn, r) for r in ROLES)}


class _Ids:
    """Mostly-unique identifiers (functions, paths, error codes, tickets) for a corpus."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def unique(self, make: Callable[[int], str]) -> str:
        attempt = 0
        while True:
            value = make(attempt)
            if value not in self.used:
                self.used.add(value)
                return value
            attempt += 1

    def words(self, noun: str, attempt: int) -> list[str]:
        r = self.rng
        obj = noun if r.random() < 0.7 else r.choice(GENERIC_NOUNS)
        parts = [r.choice(VERBS), obj]
        if attempt >= 1 or r.random() < 0.55:
            parts.append(r.choice(QUALS))
        if attempt >= 4:
            parts.insert(1, r.choice(GENERIC_NOUNS))
        if attempt >= 8:
            parts.append(f"v{r.randint(2, 99)}")
        return parts

    def func(self, noun: str, style: str) -> str:
        return self.unique(lambda a: _case(self.words(noun, a), style))

    def code(self, proj: Project) -> str:
        r = self.rng
        area = proj.domain[:3].upper()

        def make(a: int) -> str:
            kind = r.random()
            digits = r.randint(1000, 9999) if a < 5 else r.randint(10000, 99999)
            if kind < 0.35:
                return f"ERR_{area}_{digits}"
            if kind < 0.6:
                return f"E{digits}"
            if kind < 0.8:
                return f"{proj.prefix}{digits}"
            return f"{r.choice(VERBS)[:3].upper()}-{r.choice(QUALS).replace('_', '')[:3].upper()}-{digits % 1000:03d}"
        return self.unique(make)


def _module_name(s: "_Slots", attempt: int) -> list[str]:
    r = s.rng
    if attempt == 0 and r.random() < 0.4:
        return [r.choice(MODULES)]
    parts = [r.choice(VERBS), r.choice(MODULES) if r.random() < 0.5 else r.choice(QUALS)]
    if attempt >= 3:
        parts.append(r.choice(QUALS))
    return parts


def _path_for(s: "_Slots", parts: list[str], test: bool = False) -> str:
    p, noun = s.proj, s["_comp"].noun
    pkg, n_snake, n_kebab = p.domain, _case([noun], "snake"), noun.replace(" ", "-")
    lang = p.lang
    if lang == "python":
        return f"{'tests' if test else 'src/' + pkg}/{n_snake}/{'test_' if test else ''}{_case(parts, 'snake')}.py"
    if lang == "typescript":
        return f"packages/{pkg}/src/{n_kebab}/{'-'.join(parts).replace('_', '-')}{'.test' if test else ''}.ts"
    if lang == "go":
        return f"internal/{n_snake.replace('_', '')}/{_case(parts, 'snake')}{'_test' if test else ''}.go"
    if lang == "java":
        root = "src/test/java" if test else "src/main/java"
        package = f"com/{p.prefix.lower()}/{pkg}/{n_snake.replace('_', '')}"
        return f"{root}/{package}/{_case(parts, 'pascal')}{'Test' if test else ''}.java"
    if lang == "rust":
        return f"crates/{pkg}-{n_kebab}/{'tests' if test else 'src'}/{_case(parts, 'snake')}.rs"
    return f"{'spec' if test else 'app'}/services/{n_snake}/{_case(parts, 'snake')}{'_spec' if test else ''}.rb"


def _path(s: "_Slots", test: bool = False) -> str:
    pool = s.gen.recent_paths[s.proj.name]
    if not test and pool and s.rng.random() < 0.08:
        reused = s.rng.choice(pool)  # files get touched again: a few memories share a path
        if reused not in s.values():
            return reused
    value = s.gen.ids.unique(lambda a: _path_for(s, _module_name(s, a), test))
    if not test:
        pool.append(value)
        if len(pool) > 40:
            pool.pop(0)
    return value


def _ticket(s: "_Slots") -> str:
    p = s.proj
    while True:
        number = s.rng.randint(100, 9999 if len(p.tickets) < 4000 else 99999)
        if number not in p.tickets:
            p.tickets.add(number)
            return f"{p.prefix}-{number}"


def _date(s: "_Slots") -> str:
    day = s.rng.randint(0, 729)
    month_days = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    year, month = 2024 + day // 365, 0
    day %= 365
    while day >= month_days[month]:
        day -= month_days[month]
        month += 1
    return f"{year}-{month + 1:02d}-{day + 1:02d}"


def _test_name(s: "_Slots") -> str:
    lang, noun = s.proj.lang, s["_comp"].noun
    cond = s.rng.choice(["when_empty", "on_retry", "with_duplicate", "after_timeout",
                         "for_new_tenant", "on_conflict", "with_unicode", "at_month_end"])
    if lang == "go":
        return s.gen.ids.unique(lambda a: "Test" + _case(s.gen.ids.words(noun, a) + [cond], "pascal"))
    if lang == "java":
        return s.gen.ids.unique(lambda a: "should" + _case(s.gen.ids.words(noun, a) + [cond], "pascal"))
    return s.gen.ids.unique(lambda a: "test_" + _case(s.gen.ids.words(noun, a) + [cond], "snake"))


CMDS: dict[str, list[str]] = {
    "python": ["uv run pytest {test_path} -x -q", "uv run python -m {domain}.scripts.backfill --since {date}",
               "alembic upgrade head", "uv run python -m {domain}.cli replay --ticket {ticket}"],
    "typescript": ["pnpm --filter @{domain}/{noun_kebab} test", "pnpm tsx scripts/backfill.ts --since {date}",
                   "pnpm prisma migrate deploy", "pnpm vitest run {test_path}"],
    "go": ["go test ./internal/... -run {test_name} -count=50", "go run ./cmd/backfill --since {date}",
           "migrate -path db/migrations -database $DATABASE_URL up"],
    "java": ["./gradlew test --tests '*{test_name}*'", "./gradlew bootRun --args='--backfill --since={date}'",
             "./gradlew flywayMigrate"],
    "rust": ["cargo test -p {domain} {test_name}", "cargo run --bin backfill -- --since {date}",
             "sqlx migrate run"],
    "ruby": ["bundle exec rspec {test_path}", "bin/rails runner 'Backfill.call(since: \"{date}\")'",
             "bin/rails db:migrate"],
}


class _Slots(dict):
    """Template slot values, generated lazily on first use and then fixed for the memory."""

    def __init__(self, gen: "_Generator", proj: Project) -> None:
        super().__init__()
        self.gen, self.proj, self.rng = gen, proj, gen.rng
        self.seen: set[str] = set()

    def __missing__(self, key: str) -> Any:
        make = SLOT_GEN.get(key) or SLOT_GEN[key.rstrip("0123456789")]
        value = make(self)
        if isinstance(value, str) and "{" in value:
            value = value.format_map(self)
        self[key] = value
        return value

    def pool(self, options: Sequence[str]) -> str:
        """Pick a sentence from a pool, avoiding repeats within one memory."""
        for _ in range(5):
            value = self.rng.choice(options)
            if value not in self.seen:
                break
        self.seen.add(value)
        return value


def _trace_python(s: _Slots) -> str:
    r = s.rng
    return (f"Traceback (most recent call last):\n"
            f"  File \"{s['path']}\", line {r.randint(20, 480)}, in {s['func']}\n"
            f"    {r.choice(STMTS)}\n"
            f"  File \"{s['path2']}\", line {r.randint(20, 480)}, in {s['func2']}\n"
            f"    {r.choice(STMTS)}\n{s['exc']}: {s['message']}")


def _trace_ts(s: _Slots) -> str:
    r = s.rng
    return (f"{s['exc']}: {s['message']}\n"
            f"    at {s['func']} ({s['path']}:{r.randint(20, 480)}:{r.randint(5, 40)})\n"
            f"    at async {s['cls']}.{s['func2']} ({s['path2']}:{r.randint(20, 480)}:{r.randint(5, 40)})\n"
            f"    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)")


def _trace_go(s: _Slots) -> str:
    r = s.rng
    return (f"level=error msg=\"{s['func']} failed\" err=\"{s['message']}\" component={s['comp']}\n"
            f"goroutine {r.randint(7, 900)} [running]:\n"
            f"main/internal.{s['func']}(...)\n\t{s['path']}:{r.randint(20, 480)} +0x{r.randint(16, 4095):x}\n"
            f"main/internal.(*{s['cls']}).{s['func2']}(...)\n"
            f"\t{s['path2']}:{r.randint(20, 480)} +0x{r.randint(16, 4095):x}")


def _trace_java(s: _Slots) -> str:
    r = s.rng
    cls1 = s["path"].rsplit("/", 1)[1].split(".")[0]
    cls2 = s["path2"].rsplit("/", 1)[1].split(".")[0]
    pkg = f"com.{s.proj.prefix.lower()}.{s.proj.domain}"
    return (f"{s['exc']}: {s['message']}\n"
            f"\tat {pkg}.{cls1}.{s['func']}({cls1}.java:{r.randint(20, 480)})\n"
            f"\tat {pkg}.{cls2}.{s['func2']}({cls2}.java:{r.randint(20, 480)})\n"
            f"\tat java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144)")


def _trace_rust(s: _Slots) -> str:
    r = s.rng
    line = r.randint(20, 480)
    return (f"thread 'tokio-runtime-worker' panicked at {s['path']}:{line}:{r.randint(5, 40)}:\n"
            f"{s['func']} failed: {s['message']}\nstack backtrace:\n"
            f"   0: {s.proj.domain}::{s['func']}\n             at ./{s['path']}:{line}\n"
            f"   1: {s.proj.domain}::{s['func2']}\n             at ./{s['path2']}:{r.randint(20, 480)}")


def _trace_ruby(s: _Slots) -> str:
    r = s.rng
    return (f"{s['path']}:{r.randint(20, 480)}:in '{s['func']}': {s['message']} ({s['exc']})\n"
            f"\tfrom {s['path2']}:{r.randint(20, 480)}:in '{s['func2']}'\n"
            f"\tfrom /usr/local/bundle/gems/sidekiq-7.2.4/lib/sidekiq/processor.rb:202:in 'execute_job'")


TRACES = {"python": _trace_python, "typescript": _trace_ts, "go": _trace_go,
          "java": _trace_java, "rust": _trace_rust, "ruby": _trace_ruby}


def _exception(s: _Slots) -> str:
    kind = s["_failure"][3]
    table = EXCEPTIONS.get(s.proj.lang)
    return table[kind] if table else kind


def _lib(s: _Slots) -> tuple[str, str]:
    return s.rng.choice(LANGS[s.proj.lang]["libs"])


def _checker_line(s: _Slots) -> str:
    name, fmt = LANGS[s.proj.lang]["checker"]
    msg = f"{s['_compile'][0]} in {s['func']}"
    return f"{s['path']}:{s.rng.randint(10, 400)}: " + fmt.format(m=msg, c=s["checker_code"])


def _endpoint(s: _Slots) -> str:
    r = s.rng
    method = r.choice(["GET", "POST", "POST", "PUT", "PATCH", "DELETE"])
    res = _plural(s["_comp"].noun.replace(" ", "-"))
    action = r.choice(["", "", "/finalize", "/cancel", "/retry", "/export", "/approve", "/preview",
                       "/archive", "/restore", "/sync", "/assign", "/validate"])
    return f"{method} /v{r.randint(1, 3)}/{res}/:id{action}"


def _internal_url(s: _Slots, host: str, section: str, slug: str) -> str:
    return f"https://{host}.{s.proj.name}.internal/{section}/{slug}-{s.rng.getrandbits(24):06x}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _table_slots(gens: dict[str, Callable[[_Slots], Any]], name: str, table: Sequence[tuple]) -> None:
    """Register ``_name`` (row), ``name`` (phrase), ``name_para`` and ``name_text`` slots."""
    gens["_" + name] = lambda s: s.rng.choice(table)
    gens[name] = lambda s: s["_" + name][0]
    gens[name + "_para"] = lambda s: s["_" + name][1]
    gens[name + "_text"] = lambda s: s["_" + name][2]


SUBJECT_TABLES: dict[str, Sequence[tuple]] = {
    "topic": TOPICS, "pattern": PATTERNS, "convention": CONVENTIONS, "datamodel": DATA_MODELS,
    "infra": INFRA, "testing": TESTING, "legacy": DEPRECATIONS, "tuning": TUNING,
    "security": SECURITY, "policy": POLICIES, "failure": FAILURES, "flaky": FLAKY,
    "buildbreak": BUILD_BREAKS, "perf": PERF, "databug": DATA_BUGS, "devenv": DEVENV,
    "compile": COMPILE, "secfind": SECURITY_FINDINGS, "leak": LEAKS, "feature": FEATURES,
    "nfr": NFRS, "compliance": COMPLIANCE, "ui": UI_REQS, "persona": PERSONAS, "report": REPORTS,
    "a11y": A11Y, "docref": DOCREFS, "runbook": RUNBOOKS, "dashboard": DASHBOARDS,
    "vtopic": VENDOR_TOPICS, "cheat": CHEATS, "style": STYLE_PREFS, "comm": COMM_PREFS,
    "toolpref": TOOL_PREFS, "tz": TIMEZONES, "roletitle": ROLE_TITLES, "review": REVIEW_PREFS,
    "learning": LEARNING, "dont": DONTS, "helper": HELPER_TOPICS, "assumption": ASSUMPTIONS,
    "stylefb": STYLE_FB, "overeng": OVERENG, "process": PROCESS_FB, "commfb": COMM_FB,
    "milestone": MILESTONES, "goal": GOALS, "constraint": CONSTRAINTS, "risk": RISKS,
    "status": STATUS_TOPICS,
}


def _stable_pick(s: _Slots, table: Sequence[tuple], salt: str) -> tuple:
    """The same row for the same person in the same project, every time."""
    return table[zlib.crc32(f"{s.proj.name}/{s['person']}/{salt}".encode()) % len(table)]


def _role_title(s: _Slots) -> tuple:
    if s["person"] == s.proj.pm:
        return ROLE_TITLES[1]
    return _stable_pick(s, ROLE_TITLES[:1] + ROLE_TITLES[2:], "role")


def _choice_pair(s: _Slots) -> tuple[str, str]:
    options = s["_topic"][2]
    choice, alt = s.rng.sample(options, 2)
    return choice, alt


def _other(s: "_Slots", options: Sequence[Any], current: Any) -> Any:
    value = s.rng.choice(options)
    return value if value != current else options[(options.index(value) + 1) % len(options)]


def _flag(s: "_Slots") -> str:
    def make(a: int) -> str:
        extra = [s.rng.choice(VERBS)] if a else []
        return _case([s["noun_var"], s.rng.choice(QUALS)] + extra + ["enabled"], "snake")
    return s.gen.ids.unique(make)


def _env_var(s: "_Slots") -> str:
    def make(a: int) -> str:
        parts = [s["noun_var"]] + [s.rng.choice(VERBS)] * (a > 0) + [s.rng.choice(QUALS)] * (a > 3)
        return _case(parts, "snake").upper() + "_" + s.rng.choice(SETTINGS)
    return s.gen.ids.unique(make)


def _metric(s: "_Slots") -> str:
    unit = s.rng.choice(("duration_ms", "errors_total", "lag_seconds", "queue_depth", "retries_total"))
    return f"{s.proj.domain}.{s['noun_var']}.{s.rng.choice(VERBS)}.{unit}"


def _migration(s: "_Slots") -> str:
    def make(a: int) -> str:
        verb = s.rng.choice(("add", "drop", "backfill", "index", "alter"))
        return f"{s.rng.randint(1, 999):04d}_{verb}_{s['table']}_{s.rng.choice(COLUMNS)}.sql"
    return s.gen.ids.unique(make)


BASE_SLOTS: dict[str, Callable[[_Slots], Any]] = {
    "_comp": lambda s: s.rng.choice(s.proj.comps),
    "verb": lambda s: s.rng.choice(VERBS),
    "comp2": lambda s: _other(s, s.proj.comps, s["_comp"]).name,
    "lib2": lambda s: _other(s, LANGS[s.proj.lang]["libs"], s["_lib"])[0],
    "person2": lambda s: _other(s, s.proj.people, s["person"]),
    "comp": lambda s: s["_comp"].name, "comp_role": lambda s: s["_comp"].role,
    "noun": lambda s: s["_comp"].noun, "nouns": lambda s: _plural(s["_comp"].noun),
    "noun_syn": lambda s: s["_comp"].syn, "noun_var": lambda s: _case([s["_comp"].noun], "snake"),
    "nouns_kebab": lambda s: _plural(s["_comp"].noun.replace(" ", "-")),
    "noun_kebab": lambda s: s["_comp"].noun.replace(" ", "-"),
    "table": lambda s: _plural(_case([s["_comp"].noun], "snake")),
    "cls": lambda s: _case([s["_comp"].noun, s.rng.choice(MODULES)], "pascal"),
    "column": lambda s: s.rng.choice(COLUMNS),
    "func": lambda s: s.gen.ids.func(s["_comp"].noun, LANGS[s.proj.lang]["style"]),
    "path": lambda s: _path(s), "test_path": lambda s: _path(s, test=True),
    "test_name": _test_name, "code": lambda s: s.gen.ids.code(s.proj), "ticket": _ticket,
    "sha": lambda s: f"{s.rng.getrandbits(28):07x}", "date": _date,
    "quarter": lambda s: f"Q{s.rng.randint(1, 4)} {s.rng.choice((2024, 2025, 2026))}",
    "version": lambda s: f"{s.rng.randint(0, 9)}.{s.rng.randint(0, 30)}.{s.rng.randint(0, 20)}",
    "ms_hi": lambda s: str(s.rng.randint(300, 4000)), "ms_lo": lambda s: str(s.rng.randint(8, 250)),
    "pct": lambda s: str(s.rng.randint(2, 60)), "count": lambda s: f"{s.rng.randint(2, 900) * 10:,}",
    "n": lambda s: str(s.rng.randint(2, 12)),
    "port": lambda s: str(s.rng.choice((3000, 5432, 6379, 8000, 8080, 9090, 7724))),
    "ip": lambda s: f"10.{s.rng.randint(0, 40)}.{s.rng.randint(0, 255)}.{s.rng.randint(2, 254)}",
    "host": lambda s: f"{s['comp']}.{s.proj.name}.svc.cluster.local",
    "dollars": lambda s: f"{s.rng.randint(2, 90) * 10:,}",
    "flag": _flag, "env": _env_var, "metric": _metric,
    "endpoint": _endpoint,
    "migration": _migration,
    "person": lambda s: s.rng.choice(s.proj.people), "person_lc": lambda s: s["person"].lower(),
    "pm": lambda s: s.proj.pm, "lang": lambda s: LANG_NAMES[s.proj.lang], "domain": lambda s: s.proj.domain,
    "framework": lambda s: s.proj.framework, "test_fw": lambda s: LANGS[s.proj.lang]["test"],
    "project": lambda s: s.proj.name, "ns": lambda s: s.proj.name,
    "_lib": _lib, "lib": lambda s: s["_lib"][0], "lib_para": lambda s: s["_lib"][1],
    "_vendor": lambda s: s.rng.choice(VENDORS), "vendor": lambda s: s["_vendor"][0],
    "vendor_url": lambda s: f"https://{s['_vendor'][1]}/{s['vtopic_slug']}",
    "vtopic_slug": lambda s: s["_vtopic"][2],
    "trace": lambda s: TRACES[s.proj.lang](s), "exc": _exception,
    "message": lambda s: s["_failure"][4], "common": lambda s: s["_failure"][2],
    "checker": lambda s: LANGS[s.proj.lang]["checker"][0],
    "checker_code": lambda s: s.rng.choice(COMPILE_CODES[LANGS[s.proj.lang]["checker"][0]]),
    "checker_line": _checker_line, "cmd": lambda s: s.rng.choice(CMDS[s.proj.lang]),
    "env_name": lambda s: s.rng.choice(("production", "production", "staging", "eu-prod", "the canary")),
    "adr": lambda s: f"{s.rng.randint(1, 140):04d}",
    "wiki_url": lambda s: _internal_url(s, "wiki", "runbooks", _slug(s["runbook"])),
    "dash_url": lambda s: _internal_url(s, "grafana", "d", _slug(s["dashboard"])),
    "doc_url": lambda s: _internal_url(s, "docs", "design", _slug(s["topic"])),
    "repo_url": lambda s: f"https://github.com/{s.proj.prefix.lower()}-eng/{s['comp']}",
    "_choices": _choice_pair, "choice": lambda s: s["_choices"][0], "alt": lambda s: s["_choices"][1],
    "_values": lambda s: s.rng.sample(s["_tuning"][3] if "_tuning" in s else (4, 8, 16, 32), 2),
    "value": lambda s: str(s["_values"][0]), "value_old": lambda s: str(s["_values"][1]),
    "lines": lambda s: str(s.rng.randint(40, 1800)), "hours": lambda s: str(s.rng.randint(2, 40)),
    "weekday": lambda s: s.rng.choice(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")),
    "cheat_cmds": lambda s: "\n".join(s["_cheat"][2]),
}


def _pool_slots() -> dict[str, Callable[[_Slots], Any]]:
    pools = {"reason": REASONS, "tradeoff": TRADEOFFS, "followup": FOLLOWUPS,
             "condition": CONDITIONS, "trigger": TRIGGERS, "cause": CAUSES, "fix": FIXES,
             "impact": IMPACTS, "verify": VERIFY}
    gens: dict[str, Callable[[_Slots], Any]] = {}
    for name, pool in pools.items():
        gens[name] = (lambda p: lambda s: s.pool(p))(pool)
    for key in STACK:
        gens[key] = (lambda k: lambda s: s.proj.stack[k])(key)
    gens["cause"] = lambda s: _kind_pool(s, KIND_CAUSES, CAUSES)
    gens["reason"] = lambda s: _alt_pool(s, REASONS, ALT_REASONS)
    gens["tradeoff"] = lambda s: _alt_pool(s, TRADEOFFS, ALT_TRADEOFFS)
    gens["fix"] = lambda s: _kind_pool(s, KIND_FIXES, FIXES)
    return gens


def _kind_pool(s: _Slots, by_kind: dict[str, list[str]], generic: list[str]) -> str:
    """A sentence that fits the memory's failure kind, if it has one, else a generic one."""
    if "_kind" in s:
        return s.pool(by_kind[s["_kind"]])
    if "_failure" in s and s.rng.random() < 0.8:
        return s.pool(by_kind[s["_failure"][3]])
    return s.pool(generic)


def _alt_pool(s: _Slots, generic: list[str], with_alt: list[str]) -> str:
    """Sentences naming the rejected option only when the memory has one."""
    return s.pool(generic + with_alt if "_choices" in s else generic)


def _build_slot_gen() -> dict[str, Callable[[_Slots], Any]]:
    gens = dict(BASE_SLOTS)
    gens.update(_pool_slots())
    for name, table in SUBJECT_TABLES.items():
        _table_slots(gens, name, table)
    gens["_roletitle"] = _role_title
    gens["_tz"] = lambda s: _stable_pick(s, TIMEZONES, "tz")
    return gens


SLOT_GEN = _build_slot_gen()

MORE_POOLS: dict[str, list[str]] = {
    "severity": ["low", "medium", "high", "critical"],
    "libchange": ["the default timeout dropped to {n}s", "timestamps are now serialized without an offset",
                  "a deprecated API that `{func}` calls was removed", "the connection pool defaults changed",
                  "error classes were renamed, which breaks the handlers in `{path}`",
                  "retries are now on by default, which double-submits writes"],
    "prio": ["P0", "P1", "P1", "P2", "P2", "P3"],
    "cadence": ["every Monday at 08:00 UTC", "on the first business day of each month", "daily",
                "at the end of each quarter"],
    "secfix": ["validated and allowlisted outbound hosts in `{func2}`", "parameterized the query",
               "added the missing permission check via `{func2}`",
               "rotated the credential and purged it from git history",
               "redacted the fields in the log formatter", "pinned the patched version in the lockfile"],
    "leakcause": ["registers a listener per request and never removes it",
                  "keeps a module-level dict keyed by request id",
                  "creates a new HTTP client on every call",
                  "opens temp files without closing them on the error path",
                  "spawns a thread per retry that never joins"],
    "nfrvalue": ["p99 at most {ms_lo} ms at {count} req/min", "99.9% monthly availability",
                 "no more than 5 minutes of lost writes", "{count} events per second sustained",
                 "ready within {n} seconds", "largest contentful paint under 2.5 s on a mid-range phone",
                 "numbers at most {n} minutes behind the source"],
    "fbwhy": ["it hid a real bug last time ({ticket})", "it makes reviews much harder",
              "production broke once because of exactly this", "the team agreed on it in CONTRIBUTING.md",
              "it cost {person} an afternoon to untangle", "it is how we got paged on {date}"],
    "prefwhy": ["it keeps reviews fast", "it makes git bisect useful", "they review on a phone between meetings",
                "it matches how the rest of the {lang} code is written", "it saved them from a bad merge once",
                "it keeps diffs readable in {ci} annotations"],
}


def _extra_slots() -> dict[str, Callable[[_Slots], Any]]:
    gens: dict[str, Callable[[_Slots], Any]] = {}
    for name, pool in MORE_POOLS.items():
        gens[name] = (lambda p: lambda s: s.pool(p))(pool)
    gens["vendor_lc"] = lambda s: s["vendor"].lower()
    gens["rows"] = lambda s: str(s.rng.randint(2_000, 9_000_000))
    gens["docref_url"] = lambda s: s["_docref"][2]
    gens["docref_note"] = lambda s: s["_docref"][3]
    gens["mb"] = lambda s: str(s.rng.randint(40, 3800))
    return gens


SLOT_GEN.update(_extra_slots())
SLOT_GEN["_failure"] = lambda s: s.rng.choice(FAILURES)
DEV_FAILURES = [f for f in FAILURES if f[2] in ("EADDRINUSE", "ECONNREFUSED", "EACCES", "EAI_AGAIN", "x509")]

# =================================================================== templates
# Each template: type, title variants, body blocks (a tuple is a set of alternatives, ""
# means the block is optional), tags, and optional "pick" overrides for row slots.

T = dict[str, Any]
DECISION_TEMPLATES: list[T] = [
    {"title": ("{comp}: {choice} over {alt} for {topic}", "Use {choice} for {topic} in {comp}, not {alt}",
               "{topic} in {comp}: going with {choice}"),
     "tags": ["architecture"], "body": [
        ("## Decision\n\nWe chose {choice} over {alt} for {topic} in `{comp}` because {reason}.",
         "**Decision:** {topic} in `{comp}` uses {choice}. The main alternative was {alt}; we passed because {reason}.",
         "Going with {choice} for {topic} ({comp}). Main reason: {reason}."),
        ("## Why\n\n- {reason2}\n- {reason3}",
         "Other points from the discussion:\n\n- {reason2}\n- {reason3}\n- {alt} would still be fine if {condition}",
         "Also: {reason2}. We would reconsider if {condition}."),
        ("## Consequences\n\n- {tradeoff}\n- {tradeoff2}", "Trade-off: {tradeoff}.", ""),
        ("Implementation: `{func}` in `{path}`.", "Entry point is `{func}` (`{path}`).", ""),
        ("Follow-ups:\n\n- [ ] {followup}\n- [ ] {followup2}", "Decided {date} with {person}; tracked in {ticket}.",
         "")]},
    {"title": ("{comp}: adopt {pattern}", "Use {pattern} for {noun} flows in {comp}", "{pattern} in {comp}"),
     "tags": ["pattern"], "body": [
        ("We're adopting **{pattern}** in `{comp}`. {pattern_text}",
         "## Decision\n\nAdopt {pattern} for {noun} flows in `{comp}`.\n\n{pattern_text}"),
        ("## Why\n\n- {reason}\n- {reason2}", "Reasoning: {reason}; also {reason2}."),
        ("Rules of thumb:\n\n1. New {noun} code follows this from today.\n2. Existing code migrates when touched, "
         "not in a big-bang PR.\n3. Reviewers link this memory when it is ignored.",
         "Example to copy: `{func}` in `{path}`.", ""),
        ("Agreed in review with {person} on {date}.", "")]},
    {"title": ("Convention: {convention} in {comp}", "{comp}: {convention}", "{convention} rule for {comp} ({ticket})"),
     "tags": ["convention"], "body": [
        ("**Convention: {convention}.** {convention_text}", "## {convention}\n\n{convention_text}"),
        ("Applies to `{comp}` and everything new in the {domain} code. Existing code is fixed when touched.",
         "Linted in {ci} where possible; otherwise reviewers enforce it."),
        ("Reason: {reason}.", "Why: mixed styles made `{path}` hard to grep and caused {ticket}."),
        ("Agreed by {person} and {person2}.", "")]},
    {"title": ("{comp}: not using {alt} for {topic}", "Rejected {alt} for {topic} in {comp}"),
     "tags": ["architecture", "rejected"], "body": [
        ("We evaluated {alt} for {topic} in `{comp}` and decided against it.",
         "## Decision\n\nNo {alt} for {topic} in `{comp}`; we stay with {choice}."),
        ("## Why not\n\n- {reason}\n- {reason2}\n- The spike ({ticket}) took {n} days and left open questions.",
         "Reasons: {reason}; and {reason2}."),
        ("We keep {choice}. Revisit if {condition}.", "What we do instead: {choice}, wired through `{func}`."),
        ("Spike notes from {person}, {date}.", "")]},
    {"title": ("{comp}: {datamodel} for {table}", "Data model: {datamodel} on {table} ({comp})"),
     "tags": ["data-model"], "body": [
        ("## Data model decision\n\n{datamodel_text}", "**{datamodel}** for `{table}` ({comp}). {datamodel_text}"),
        ("```sql\nALTER TABLE {table} ADD COLUMN {column}_v2 text;\n"
         "CREATE INDEX CONCURRENTLY {table}_{column}_idx ON {table} ({column});\n```",
         "Migration: `{migration}`.", ""),
        ("Why: {reason}.", "Rationale: {reason}. Also {reason2}."),
        ("Consequence: {tradeoff}.", "")]},
    {"title": ("{comp}: {infra} on {cloud}", "Infra: {infra} for {comp}"),
     "tags": ["infra"], "body": [
        ("## Decision\n\n{infra_text}", "We will use **{infra}** for `{comp}` on {cloud}. {infra_text}"),
        ("Why:\n\n- {reason}\n- {reason2}", "Reason: {reason}."),
        ("Owner: {person}. Terraform lives in `infra/{comp}/main.tf`.", "Tracked in {ticket}; rollout by {date}.", ""),
        ("Risk: {tradeoff}.", "")]},
    {"title": ("{comp}: {testing}", "Testing strategy for {comp}: {testing}"),
     "tags": ["testing"], "body": [
        ("We decided on **{testing}** for `{comp}` ({test_fw}). {testing_text}",
         "## Testing decision\n\n{testing_text}\n\nApplies to `{comp}`, run with {test_fw}."),
        ("Motivation: {ticket} slipped through because the old tests mocked too much.",
         "Motivation: {reason}.", "Why: the last two regressions in `{path}` would have been caught."),
        ("Run locally with `{cmd}`.", "CI job: `test-{noun_kebab}` on {ci}.", "")]},
    {"title": ("Deprecate {legacy} in {comp} by {date}", "{comp}: sunset {legacy}"),
     "tags": ["deprecation"], "body": [
        ("## Decision\n\nWe are removing {legacy} from `{comp}`. Hard cut-off: **{date}**.",
         "{legacy} in `{comp}` is deprecated as of today; removal on {date}."),
        ("Plan:\n\n1. Log a warning and count `{metric}` on every use.\n2. Email the {n} remaining integrators "
         "({pm} owns comms).\n3. Return HTTP 410 after the cut-off.\n4. Delete the code in `{path}`.",
         "Migration path: callers switch to `{endpoint}`; `{func}` stays as a shim until the cut-off."),
        ("Why: {reason}.", "Usage is down to {pct}% of traffic, and {reason}.")]},
    {"title": ("{comp}: {tuning} set to {value}", "Tune {tuning} for {comp} ({value})"),
     "tags": ["performance", "config"], "body": [
        ("We set `{tuning_text}` to **{value}** for `{comp}` (was {value_old}).",
         "## Tuning\n\n`{tuning_text}` = {value} on `{comp}`, previously {value_old}."),
        ("| {tuning_text} | p99 | error rate |\n|---|---|---|\n| {value_old} | {ms_hi} ms | {n}.{n2}% |\n"
         "| {value} | {ms_lo} ms | 0.{n}% |",
         "Load test at {count} req/min: p99 went from {ms_hi} ms to {ms_lo} ms."),
        ("Set via `{env}`; do not change it without re-running the load test (`{cmd}`).", "Config lives in `{path}`."),
        ("Context: {trigger} exposed it; see {ticket}.", "")]},
    {"title": ("{comp}: {security}", "Security decision: {security} for {comp}"),
     "tags": ["security"], "body": [
        ("## Decision\n\n`{comp}` adopts **{security}**.", "We are enforcing {security} in `{comp}` starting {date}."),
        ("Driver: finding {ticket} from the last pentest, plus {reason}.", "Why: {reason}."),
        ("Implementation notes:\n\n- Helper: `{func}` in `{path}`\n- Config: `{env}`\n- Owner: {person}",
         "Touches `{path}`; {person} reviews anything in that file.")]},
    {"title": ("Pin {lib} to {version} in {comp}", "{comp}: stay on {lib} {version}"),
     "tags": ["dependencies"], "body": [
        ("We pin **{lib}** to `{version}` in `{comp}`.",
         "## Dependency pin\n\n`{lib}` stays at `{version}` for `{comp}`."),
        ("Newer releases change behaviour we depend on: {libchange}.",
         "The next minor broke `{func}` in CI ({ticket})."),
        ("Unpin when upstream fixes it; Renovate ignores {lib} until {date}.",
         "Owner: {person}. Re-check on {date}.")]},
    {"title": ("{comp}: {policy}", "Policy for {comp}: {policy}"),
     "tags": ["reliability"], "body": [
        ("## {policy}\n\nFor `{comp}` we agreed:", "Agreed {policy} for `{comp}`:"),
        ("- Network calls time out after {n} s; no call without a timeout.\n- At most {n2} retries with exponential "
         "backoff and jitter, only for idempotent operations.\n- Errors go to {obs} with the tenant id, never the "
         "payload.",
         "- Fail fast on 4xx; retry 5xx and `{common}`\n- Give up after {n} attempts and park the message\n"
         "- Show the user a friendly message with a support code like `{code}`"),
        ("Reason: {reason}.", "Background: {trigger} turned a small outage into a big one.")]},
    {"title": ("ADR-{adr}: {topic} for {comp}",),
     "tags": ["adr", "architecture"], "body": [
        "# ADR-{adr}: {topic} for {comp}",
        ("**Status:** accepted ({date})", "**Status:** accepted, supersedes ADR-{adr2}"),
        "## Context\n\n{trigger} showed that our approach to {topic} in `{comp}` does not hold up; {impact}.",
        "## Decision\n\nUse {choice}. Rejected: {alt}.",
        ("## Consequences\n\n- Positive: {reason}\n- Negative: {tradeoff}",
         "## Consequences\n\n- {tradeoff}\n- {tradeoff2}")]},
]

ERROR_TEMPLATES: list[T] = [
    {"title": ("{comp}: {failure} in {func} ({code})", "{code}: {failure} in {comp}", "{comp} {failure} from {func}"),
     "tags": ["bug"], "body": [
        ("## Symptom\n\n`{comp}` started failing in {env_name} after {trigger}: {failure} (`{common}`), app error "
         "`{code}`.",
         "Seen in {env_name} after {trigger}. `{comp}` logs `{code}` with `{common}`.",
         "`{code}` in `{comp}` ({env_name}): {failure}, surfaced as `{common}`."),
        "```\n{trace}\n```",
        ("## Root cause\n\n{cause}.", "Root cause: {cause}."),
        ("## Fix\n\n{fix}. Landed in {sha} ({ticket}).", "Fix: {fix} ({ticket}).", "Fixed by {person}: {fix}."),
        ("{verify}", "If it comes back, check `{metric}` in {obs} first.", "")]},
    {"title": ("Flaky: {test_name} in {comp} ({flaky})", "{comp}: {test_name} flaky because of {flaky}"),
     "tags": ["flaky-test", "ci"], "offline": True, "body": [
        ("`{test_name}` fails about 1 in {n}0 runs on {ci}; never locally.",
         "## Flaky test\n\n`{test_name}` (`{test_path}`) flips red on {ci} roughly {pct}% of the time."),
        ("Cause: {flaky}.", "Diagnosis: {flaky}; reproduced with `{cmd}` in a loop."),
        ("```\nFAILED {test_name} - AssertionError: expected {n} {nouns}, got {n2}\n```", ""),
        ("Fix: made the test independent ({sha}); the quarantine label is removed.",
         "Workaround until {ticket} lands: the test is quarantined; do not delete it.",
         "Fix: fixed seed and an explicit clock in the fixture; 500 CI runs green.")]},
    {"title": ("Incident {date}: {comp} {failure}", "Postmortem {ticket}: {failure} in {comp}"),
     "tags": ["incident", "postmortem"], "body": [
        "## Summary\n\nOn {date}, `{comp}` suffered {failure} (`{common}`) in {env_name}; {impact}.",
        "## Timeline\n\n- T+0 alert on `{metric}` fired in {obs}\n- T+{n} min on-call ({person}) acknowledged\n"
        "- T+{n2}0 min mitigated: {fix}\n- T+{n3}0 min all clear",
        "## Root cause\n\n{cause}.",
        ("## Action items\n\n- [ ] {followup}\n- [ ] {followup2}", "Action items are tracked in {ticket}.")]},
    {"title": ("CI: {buildbreak} after bumping {lib} to {version} ({comp})", "{comp} build broken: {buildbreak}"),
     "tags": ["ci", "build"], "kind": "build", "offline": True, "body": [
        ("{ci} job `build-{noun_kebab}` started failing after {trigger}.",
         "## Build failure\n\n`{comp}` no longer builds on {ci}: {buildbreak}."),
        ("```\nERROR: {buildbreak}: {lib}=={version} conflicts with {lib2} (requires {lib}<{version2})\n```",
         "```\nstep 7/12: install dependencies\nexit code 1 ({buildbreak}) after {n} retries\n```"),
        ("Fix: {fix}.", "Fix: regenerated the lockfile and pinned {lib} in `{path}`; see {sha}.",
         "Workaround: re-run the job with the cache disabled; the real fix is {ticket}.")]},
    {"title": ("Migration {migration} failed: {failure}", "{comp}: migration {migration} hit {failure}"),
     "tags": ["migration", "database"], "pick": {"_failure": DB_FAILURES}, "body": [
        ("Running `{migration}` in {env_name} failed with `{common}` ({failure}).",
         "## Migration failure\n\n`{migration}` aborted on {env_name}: {failure}."),
        "```\nERROR:  {message}\nSTATEMENT:  ALTER TABLE {table} ADD COLUMN {column}_v2 text NOT NULL DEFAULT ''\n```",
        ("Cause: {cause}.", "Cause: the table has {rows} rows and the migration took an ACCESS EXCLUSIVE lock."),
        ("Fix: split into expand/contract steps, backfill in batches of {n}00 via `{func}`, then add the constraint "
         "`NOT VALID` and validate it separately.", "Fix: {fix}."),
        ("Lesson: never run schema changes for `{comp}` without `lock_timeout` set.", "")]},
    {"title": ("Rollback of {comp} {version}: {failure}", "{comp} {version} rolled back ({failure})"),
     "tags": ["deploy", "rollback"], "body": [
        ("We rolled back `{comp}` {version} in {env_name} {n} minutes after the deploy.",
         "## Rollback\n\n{version} of `{comp}` was reverted on {date}."),
        "Symptom: {failure}, `{common}` on `{endpoint}`; {impact}.",
        ("Cause: {cause}.", "Likely cause: {cause}. Confirmed by diffing {sha}..{sha2}."),
        ("Before redeploying:\n\n- {followup}\n- {followup2}",
         "Redeploy plan: {fix}, then canary at 5% for an hour.")]},
    {"title": ("Known issue ({code}): {failure} in {comp}", "Known issue: {comp} {failure} under load"),
     "tags": ["known-issue"], "body": [
        ("**Known issue.** `{comp}` can hit {failure} (`{common}`) when {condition}.",
         "## Known issue\n\n{failure} in `{comp}` (`{code}`); not fixed yet."),
        ("Workaround:\n\n```\n{cmd}\n```", "Workaround: restart the pod, then {fix}.",
         "Workaround: set `{env}` to {value} until {ticket} lands."),
        ("Do not spend time re-debugging: the root cause is known ({cause}).", "Root cause: {cause}."),
        ("Owner: {person}.", "")]},
    {"title": ("{comp}: p99 regression from {perf} in {func}", "Slow {endpoint} in {comp}: {perf}"),
     "tags": ["performance"], "kind": "perf", "body": [
        ("p99 of `{endpoint}` in `{comp}` went from {ms_lo} ms to {ms_hi} ms after {trigger}.",
         "## Performance regression\n\n`{func}` got slow: {perf}. p99 {ms_hi} ms (was {ms_lo} ms)."),
        ("```\nEXPLAIN ANALYZE SELECT * FROM {table} WHERE {column} = $1;\n Seq Scan on {table}  (cost=0.00..{rows}.00 "
         "rows={rows2} width=96) (actual time=0.02..{ms_hi}.4 rows={n} loops=1)\n   Filter: ({column} = $1)\n"
         " Execution Time: {ms_hi}.9 ms\n```",
         "Profile: {pct}% of wall time inside `{func}`; {n}0 queries per request."),
        ("Fix: {fix}.", "Fix: {fix}; verified with the same query plan."),
        ("{verify}", "")]},
    {"title": ("{comp}: {databug} in {table} ({ticket})", "Data bug: {databug} in {comp}"),
     "tags": ["data-integrity"], "kind": "databug", "body": [
        ("## Data bug\n\n`{comp}` produced {databug} in `{table}`; {impact}.",
         "Found {databug} in `{table}` while reconciling {nouns} for a customer."),
        ("Example:\n\n| id | expected | actual |\n|---|---|---|\n| {sha} | {n}.{n2}0 | {n}.{n3}9 |",
         "Reproduce with `{cmd}`."),
        ("Cause: {cause}.", "The bug is in `{func}` (`{path}`): {cause}."),
        ("Fix: {fix}. Repair script `{func2}` fixed {count} rows.",
         "Fix shipped in {sha}; affected rows repaired by a one-off backfill.")]},
    {"title": ("{vendor} API returns {common} for {comp} ({code})", "{comp}: {vendor} {failure}"),
     "tags": ["integration"], "pick": {"_failure": HTTP_FAILURES}, "body": [
        ("Calls from `{comp}` to {vendor} fail intermittently with `{common}` ({failure}).",
         "## {vendor} integration error\n\n`{func}` gets `{common}` from {vendor}."),
        "```\n{message}\nPOST https://api.{vendor_lc}.com/v1/{nouns_kebab} -> {common}\nrequest-id: "
        "req_{sha}{sha2}\n```",
        ("Their docs: {vendor_url}", ""),
        ("Cause: {cause}.", "Cause on our side: {cause}."),
        ("Mitigation: {fix}.", "Opened a ticket with {vendor} support; meanwhile {fix}.")]},
    {"title": ("Local dev: {devenv} breaks {comp}", "{comp} dev setup: {devenv}"),
     "tags": ["devenv"], "offline": True, "pick": {"_failure": DEV_FAILURES}, "body": [
        ("A fresh checkout of `{comp}` fails to start locally: {devenv}.",
         "## Local setup problem\n\n`make up` for `{comp}` dies with {devenv}."),
        "```\n$ make up\n{comp}  | Error: {message}\n{comp} exited with code 1\n```",
        ("Fix: `docker compose down -v && docker compose up -d db cache`, then rerun `{cmd}`.",
         "Fix: copy `.env.example` to `.env` and set `{env}`.",
         "Fix: pin the platform in `compose.yaml` (`platform: linux/amd64`) for the {db} image."),
        ("Affects everyone on current main; {person} is adding a check to `scripts/doctor.sh`.", "")]},
    {"title": ("{checker}: {compile} in {func} ({comp})",),
     "tags": ["types", "build"], "offline": True, "body": [
        ("`{checker}` fails on `{path}` after the refactor in {ticket}.",
         "## Type check failure\n\n{checker} rejects `{func}`: {compile}."),
        "```\n{checker_line}\n```",
        ("Fix: narrow the type before use and add an explicit return type to `{func}`.",
         "Fix: the helper `{func2}` returns an optional now; callers must handle the empty case.",
         "Fix: added the missing annotation; no behaviour change."),
        ("Do not silence it with an ignore comment; {person} will reject that.", "")]},
    {"title": ("Security: {secfind} in {comp} ({ticket})",),
     "tags": ["security"], "body": [
        ("## Security finding\n\n{secfind} in `{comp}`; severity {severity}.",
         "Finding {ticket}: {secfind} (`{comp}`), severity {severity}."),
        ("Where: `{func}` in `{path}`.", "Where: `{endpoint}`, handled by `{func}`."),
        "Fix: {secfix}.",
        ("Verified with the regression test `{test_name}`.",
         "Internal only; no sign of exploitation in the {obs} logs.")]},
    {"title": ("{comp}: {leak} ({code})", "{leak} in {comp}"),
     "tags": ["memory", "reliability"], "kind": "leak", "body": [
        ("`{comp}` grows by ~{n}0 MB per hour until it is OOM-killed (exit 137).",
         "## Resource leak\n\n{leak} in `{comp}`: pods restart every {n} hours."),
        ("```\n$ kubectl -n {ns} top pod -l app={comp}\nNAME                 CPU(cores)   MEMORY(bytes)\n"
         "{comp}-{sha}   {n}00m        {mb}Mi\n```", "A heap snapshot shows {count} retained `{cls}` objects."),
        "Cause: {cause}.",
        ("Fix: {fix}.", "Fix in {sha}: {fix}.")]},
]

REQUIREMENT_TEMPLATES: list[T] = [
    {"title": ("{feature} for {nouns} ({ticket})", "Requirement: {feature} for {nouns}"),
     "tags": ["feature"], "body": [
        ("## Requirement\n\nAs requested by {pm}: {nouns} need {feature}.",
         "**From {pm} (PM):** we need {feature} for {nouns} by {date}."),
        ("### Acceptance criteria\n\n- [ ] Available to each {persona} with the right role\n- [ ] Works for accounts "
         "with up to {count} {nouns}\n- [ ] Shows up in the audit log\n- [ ] Copy reviewed by {person}",
         "### Acceptance criteria\n\n1. A {persona} can use it without contacting support\n2. p95 under {ms_lo} ms "
         "for typical accounts\n3. Covered by an end-to-end test"),
        ("Out of scope: mobile and the bulk API.", "Out of scope: data from before {date2}.", ""),
        ("Customer driver: {n} enterprise accounts asked ({ticket}).",
         "Why: {n}% of churned accounts mentioned it in exit surveys.")]},
    {"title": ("NFR: {nfr} for {comp}", "{comp} {nfr} requirement"),
     "tags": ["nfr"], "body": [
        ("## Non-functional requirement\n\n{nfr} for `{comp}`: {nfrvalue}.",
         "**{nfr}**: `{comp}` must meet {nfrvalue}."),
        ("Measured by `{metric}` in {obs}; alert at 80% of the budget.",
         "Verification: a load test with `{cmd}` before each release."),
        ("Source: contract with {n} enterprise customers, signed {date}.",
         "Set by {pm} after the {date} outage review.")]},
    {"title": ("{compliance}: {noun} data ({ticket})", "Compliance: {compliance} for {comp}"),
     "tags": ["compliance"], "body": [
        ("## Compliance requirement\n\n{compliance} applies to {noun} data in `{comp}`.",
         "Legal confirmed that {compliance} covers `{table}`."),
        ("Must:\n\n- Honour requests within {n} days\n- Keep evidence in the audit log\n- Cover backups and exports, "
         "not just the primary table\n- Document the process in the runbook",
         "Must:\n\n- Restrict access to named roles\n- Log every read of `{table}`\n- Review quarterly with {person}"),
        ("Deadline: {date}. Owner: {pm}.", "The auditor wants evidence by {date}.")]},
    {"title": ("API contract: {endpoint} ({comp})",),
     "tags": ["api"], "body": [
        "`{endpoint}` is owned by `{comp}`.",
        "Request:\n\n```json\n"
        "{{\"{noun_var}_id\": \"{sha}\", \"reason\": \"customer_request\", \"notify\": true}}\n```",
        "Responses:\n\n- `200` with the updated {noun}\n- `404` for an unknown id\n- `409` when the {noun} is already "
        "final\n- `422` with `{{\"error\": {{\"code\": \"{code}\", \"message\": \"...\"}}}}` on validation errors",
        ("Idempotent: repeated calls with the same `Idempotency-Key` return the first result.",
         "Rate limit: {n}0 requests per minute per token."),
        ("Agreed with {pm} and the partner team on {date}.", "")]},
    {"title": ("UI: {ui} on the {noun} screen", "{noun} screen needs {ui}"),
     "tags": ["ui"], "body": [
        ("## UI requirement\n\n{pm} wants {ui} on the {noun} screens.",
         "**Design ask ({pm}):** {ui} for the {noun} list and detail pages."),
        ("Details:\n\n- Matches the Figma frame \"{noun} / {ui}\"\n- Works in {frontend} without a new dependency\n"
         "- Text goes through i18n keys under `{noun_var}.*`",
         "Details: follow the design system, no custom colours; test with each {persona} in the next usability round."),
        ("Priority: {prio}.", "Target: {quarter}.")]},
    {"title": ("Story {ticket}: {persona} needs {feature}",),
     "tags": ["user-story"], "body": [
        "**As a** {persona}, **I want** {feature} for {nouns}, **so that** I stop filing support requests for it.",
        ("Acceptance criteria:\n\n- Given a {persona} with access, when they open the {noun} page, the option is "
         "visible\n- Without access it is hidden and the API returns 403\n"
         "- Audit event `{noun_var}.updated` is written",
         "Acceptance: demoable on staging; each {persona} in the beta group confirms it works."),
        ("Estimate: {n} points. PM: {pm}.", "Target: {quarter}. PM: {pm}.")]},
    {"title": ("Keep {legacy} working until {date} ({comp})",),
     "tags": ["compatibility"], "body": [
        ("## Compatibility requirement\n\n{pm}: {legacy} in `{comp}` must keep working until {date}; {n} customers "
         "still depend on it.", "Customers still use {legacy}; `{comp}` must not break it before {date}."),
        ("Constraints:\n\n- No response shape changes\n- Contract tests in `{test_path}` stay green\n"
         "- Deprecation headers on every response",
         "Constraint: changes go behind `{flag}`, default off for legacy callers.")]},
    {"title": ("Report: {report} by {noun}", "{report} requirement ({ticket})"),
     "tags": ["reporting"], "body": [
        ("## Reporting requirement\n\nFinance ({pm}) needs a {report} broken down by {noun}.",
         "{pm} asked for a {report} per {noun}, delivered {cadence}."),
        ("Columns: date, tenant, {noun_var}_count, amount, currency, status.",
         "Source of truth: `{table}`; numbers must match the ledger to the cent."),
        ("Delivery: CSV to the finance bucket and a link in Slack.", "Delivery: a {obs} dashboard is enough for v1.")]},
    {"title": ("Accessibility: {a11y} in {noun} flows",),
     "tags": ["accessibility"], "body": [
        ("## Accessibility requirement\n\n{a11y} for all {noun} flows, WCAG 2.2 AA.",
         "From the audit ({ticket}): {a11y} fails on the {noun} pages."),
        ("Check with axe in CI and a manual screen-reader pass before release.",
         "Must pass the axe checks in the {ci} pipeline; {person} signs off."),
        ("Deadline {date}; public sector customers require it.", "Owner: {pm}. Priority {prio}.")]},
]

REFERENCE_TEMPLATES: list[T] = [
    {"title": ("Docs: {docref} (for {comp})", "Reference: {docref} ({comp})"),
     "tags": ["docs"], "body": [
        ("**{docref}**: {docref_url}", "Official docs on {docref}: {docref_url}"),
        ("Key point: {docref_note}", "Remember: {docref_note}"),
        ("Relevant to `{comp}` because of `{func}` in `{path}`.", "We rely on this in `{comp}`; see {ticket}."),
        ("Saved by {person} while working on {ticket}.", "")]},
    {"title": ("Runbook: {runbook} for {comp}",),
     "tags": ["runbook", "oncall"], "body": [
        "Runbook for {runbook} (`{comp}`): {wiki_url}",
        ("Short version:\n\n1. Check `{metric}` in {obs}\n2. Run `{cmd}`\n3. Post in #incidents with the ticket number",
         "Steps are in the wiki; the critical bit is to pause `{comp}` before touching {db}."),
        ("Last exercised {date} by {person}.", "Owner: {person}.")]},
    {"title": ("Dashboard: {dashboard} ({comp})",),
     "tags": ["dashboard", "observability"], "body": [
        "{dashboard} for `{comp}` in {obs}: {dash_url}",
        ("Panels: `{metric}`, `{metric2}`, pod restarts and {db} connections.",
         "Use the `tenant` variable to filter; default range is 6h. Main panel: `{metric}`."),
        ("Alert thresholds live in `infra/alerts/{comp}.yaml`.", "Built by {person} after {ticket}.")]},
    {"title": ("{vendor} API: {vtopic}", "{vendor} {vtopic} reference ({comp})"),
     "tags": ["vendor"], "body": [
        "{vendor} documentation on {vtopic}: {vendor_url}",
        ("Notes for `{comp}`:\n\n- Our client is `{func}` in `{path}`\n- The sandbox behaves differently from "
         "production here\n- {vendor} support ticket: {ticket}",
         "Relevant because `{comp}` integrates with {vendor} through `{func}`."),
        ("Checked {date}; re-read before upgrading the {vendor} SDK.", "")]},
    {"title": ("Design doc: {topic} in {comp}",),
     "tags": ["design-doc"], "body": [
        "Design doc for {topic} in `{comp}`: {doc_url}",
        ("Status: approved {date}. Author: {person}.", "Status: draft; comments due {date}. Author: {person}."),
        "TL;DR: {choice}, because {reason}.",
        ("Alternatives discussed: {alt}.", "")]},
    {"title": ("Cheat sheet: {cheat} for {comp}",),
     "tags": ["cheatsheet"], "body": [
        "{cheat} for `{comp}`:",
        "```\n{cheat_cmds}\n```",
        ("Read-only commands first; anything that writes needs a second pair of eyes.",
         "Collected by {person} during {ticket}.")]},
    {"title": ("Background reading: {docref} ({comp})",),
     "tags": ["reading"], "body": [
        "Good background on {docref}: {docref_url}",
        ("Why it matters here: `{comp}` depends on it for {topic}.", "Read it before touching `{path}`."),
        "Takeaway: {docref_note}"]},
    {"title": ("Service catalog: {comp} {version}",),
     "tags": ["catalog"], "body": [
        "`{comp}` ({comp_role}, {lang} / {framework})",
        "- Repo: {repo_url}\n- Owner: {person}\n- On-call: #oncall-{domain}\n- Runbooks: {wiki_url}\n- Dashboard: "
        "{dash_url}",
        ("Depends on {db}, {cache} and {queue}.", "Deployed on {cloud} via {ci}.")]},
]

USER_TEMPLATES: list[T] = [
    {"title": ("{person} prefers {style}",), "tags": ["preferences", "code-style"], "body": [
        ("{person} prefers {style}.", "Coding preference from {person}: {style}."),
        "Context: {person} is the {roletitle} on {project} and reviews most `{comp}` changes.",
        ("Reason they gave: {prefwhy}.", "Why: {prefwhy}."),
        ("Follow it even when the surrounding file does not.", "Applies to all {lang} code in this repo."),
        ("Example they pointed to: `{func}` in `{path}`.", "")]},
    {"title": ("{person} wants {comm}",), "tags": ["preferences", "communication"], "body": [
        ("{person} wants {comm} in agent replies.", "Communication preference ({person}): {comm}."),
        "They are the {roletitle} on {project}, mostly working on `{comp}`.",
        ("Reason: {prefwhy}.", "They said so explicitly during {ticket}."),
        ("Do this by default in every session with them.", "Still include exact error messages and file paths.")]},
    {"title": ("{person}'s tooling: {toolpref}",), "tags": ["preferences", "tooling"], "body": [
        ("{person} uses {toolpref}; suggest commands in that form.", "Tooling preference of {person}: {toolpref}."),
        ("Their setup: {lang} projects, `{cmd}` for the usual loop.", "They run `{cmd}` dozens of times a day."),
        ("Reason: {prefwhy}.", "Context: {person} is the {roletitle} on {project}.")]},
    {"title": ("{person} works on {tz}",), "tags": ["schedule"], "body": [
        "{person} is on {tz}; overlap with the rest of the team is roughly {n} hours a day.",
        ("Prefer async updates in #{domain}-eng over calls.",
         "Do not schedule reviews with them after 17:00 their time."),
        "They are the {roletitle} on {project} and own `{comp}`.",
        ("Hand-offs: leave a summary memory at the end of each session.", "")]},
    {"title": ("{person} is our {roletitle}",), "tags": ["team"], "body": [
        "{person} is the {roletitle} on {project}.",
        ("Strong on {topic} and {lang}; go to them for anything touching `{comp}`.",
         "Deep knowledge of `{comp}`, especially {topic}."),
        ("Less familiar with {learning}; explain that part more.", "New to {learning}; link docs when it comes up."),
        ("Usually reviews within a day.", "Prefers to be tagged on PRs rather than messaged.")]},
    {"title": ("{person} expects {review} in reviews",), "tags": ["preferences", "review"], "body": [
        ("{person} expects {review} in every PR they review.", "Review expectation from {person}: {review}."),
        "They are the {roletitle} and review most changes to `{comp}`.",
        ("PRs without it get sent back, as happened with {ticket}.", "Reason: {prefwhy}.")]},
    {"title": ("{person} is learning {learning}",), "tags": ["learning"], "body": [
        "{person} is new to {learning} and wants explanations when it comes up.",
        ("Background: strong in {lang}, {roletitle} on {project}.", "They have been on {project} since {date}."),
        ("Explain the why, link official docs, and avoid dumping large snippets.",
         "Pair-program style works best: small steps, one concept at a time."),
        ("Current task touching it: `{comp}` ({ticket}).", "")]},
]

FEEDBACK_TEMPLATES: list[T] = [
    {"title": ("Feedback: don't {dont} ({comp})", "Don't {dont} in {comp}"), "tags": ["feedback"], "body": [
        ("**Correction from {person}:** don't {dont}. Instead, {dont_text}.",
         "{person} corrected me: I tried to {dont} in `{comp}`. Instead, {dont_text}."),
        ("Why: {fbwhy}.", "Reason given: {fbwhy}."),
        ("Applies to every session in this repo, not just `{comp}`.",
         "Context: this came up while working on `{path}`.")]},
    {"title": ("Feedback: reuse {func} for {helper}",), "tags": ["feedback", "reuse"], "body": [
        "I wrote a new helper for {helper}; {person} pointed out that `{func}` in `{path}` already does it.",
        "Use the existing helper for {helper} everywhere in `{comp}` and the rest of the {domain} code.",
        ("Before writing a utility, search the codebase first (`rg -i '{helper}'`).",
         "Duplicate helpers drift apart; {fbwhy}.")]},
    {"title": ("Correction: {comp} does not use {assumption}",), "tags": ["feedback", "architecture"], "body": [
        "I assumed `{comp}` relies on {assumption}. It does not: {person} corrected this in {ticket}.",
        ("What actually happens: everything goes through `{func}` in `{path}`.",
         "Check `{path}` before assuming how `{comp}` works."),
        ("Why it matters: {fbwhy}.", "Reason: {fbwhy}.")]},
    {"title": ("Feedback: {stylefb} in {lang} code ({comp})",), "tags": ["feedback", "code-style"], "body": [
        ("Review feedback from {person}: {stylefb}.", "{person} asked for {stylefb} in `{comp}`."),
        "Example that was flagged: `{func}` in `{path}`.",
        ("Why: {fbwhy}.", "Reason: {fbwhy}."), ("Apply it to new code without being asked.", "")]},
    {"title": ("Feedback: drop the {overeng} in {comp}",), "tags": ["feedback", "simplicity"], "body": [
        "{person} rejected my PR for `{comp}` ({ticket}): the {overeng} was unnecessary.",
        ("Keep it simple: one concrete implementation in `{path}`, no extension points until a second use case exists.",
         "Replace it with a plain function (`{func}`) and delete the indirection."),
        ("Why: {fbwhy}.", "Reason: {fbwhy}.")]},
    {"title": ("Feedback from {person}: {process}",), "tags": ["feedback", "process"], "body": [
        ("{person}: please {process}.", "Process feedback from {person}: {process}."),
        ("This came up after {ticket}, where skipping it caused trouble in `{comp}`.", "Context: {fbwhy}."),
        ("Do it every time, even for small changes.", "It is part of the definition of done for {project}.")]},
    {"title": ("Feedback from {person}: {commfb}",), "tags": ["feedback", "communication"], "body": [
        ("{person} asked me to {commfb}.", "Feedback on how I communicate, from {person}: {commfb}."),
        ("It happened during {ticket} on `{comp}`.", "Context: a long session on `{comp}` where {fbwhy}."),
        ("Keep doing this in every session.", "Applies to summaries, PR descriptions and status messages.")]},
]

PROJECT_TEMPLATES: list[T] = [
    {"title": ("{milestone} deadline {date} ({comp})",
     "Project: {milestone} by {date}"), "tags": ["milestone"], "body": [
        "## {milestone}\n\nTarget date: **{date}**. Owner: {pm}.",
        ("Scope:\n\n- `{comp}` ready for production traffic\n- Runbooks and dashboards in place\n- Load test at "
         "{count} "
         "req/min passed", "Scope: `{comp}` plus its dependencies; anything else is a stretch goal."),
        ("Risks: {trigger} could slip it by {n} weeks.", "Biggest risk: {person} is the only one who knows `{comp}`."),
        ("Status: on track.", "Status: at risk, see {ticket}.")]},
    {"title": ("Goals {quarter} for {comp}: {goal}",), "tags": ["goals"], "body": [
        "Goal for {quarter}: **{goal}** for `{comp}`.",
        ("Measured by `{metric}`; baseline {ms_hi}, target {ms_lo}.",
         "Key result: {pct}% improvement by the end of the quarter."),
        ("Owner: {person}; sponsor: {pm}.", "Work is tracked under {ticket}.")]},
    {"title": ("Ownership of {comp} after the {date} reorg",), "tags": ["team"], "body": [
        "`{comp}` is owned by {person}, with {person2} as backup.",
        "Escalation: {pm} (product), #oncall-{domain} (incidents).",
        ("Out-of-hours pages go to the {domain} rotation.",
         "Everything merged to `{comp}` needs one of them as reviewer.")]},
    {"title": ("{status} {date}: {comp}",), "tags": ["status"], "body": [
        "## {status} for `{comp}` ({date})",
        "- Done: {ticket}, {ticket2}\n- In progress: {ticket3} ({person})\n- Blocked: waiting on {vendor} sandbox "
        "access",
        ("Next: load test, then enable `{flag}` for {pct}% of tenants.",
         "Next: finish the backfill and remove the old code path.")]},
    {"title": ("Constraint for {comp}: {constraint} until {date}",), "tags": ["constraint"], "body": [
        "**{constraint}** applies to `{comp}` until {date}.",
        ("Set by {pm}; exceptions need written approval.",
         "Decided in the planning meeting; ask {pm} before working around it."),
        ("Impact: features that depend on it move to {quarter}.", "Impact: {ticket} is on hold.")]},
    {"title": ("Architecture overview: {comp} {version}",), "tags": ["overview"], "body": [
        "`{comp}` is the {comp_role} for {nouns} in {project}.",
        "Stack:\n\n- {lang} with {framework}\n- {db} for state, {cache} for caching\n- {queue} for async work\n"
        "- Deployed on {cloud}, CI on {ci}, observability in {obs}",
        ("Entry point: `{path}`.", "Start reading at `{path}`, then `{path2}`.")]},
    {"title": ("Risk: {risk} ({comp})",), "tags": ["risk"], "body": [
        "## Risk: {risk}\n\nAffects `{comp}`. Likelihood: {severity}. Impact: {severity2}.",
        ("Mitigation: {followup}.", "Mitigation owner: {person}; review on {date}."),
        ("Raised by {pm} in the {quarter} planning.", "")]},
]


# Extra paragraphs appended to memories (0-3 per memory, more if it is still short).
COMMON_EXTRAS = [
    "Session context: saved at the end of a long session on `{comp}` ({ticket}). The diff touched `{path}` and "
    "`{path2}`; both are covered by `{test_name}`.",
    "Environment: {lang} with {framework}, {db} and {queue} on {cloud}. Reproduce or verify locally with `{cmd}`.",
    "Links: ticket {ticket}, commit {sha}, dashboard {dash_url}.",
    "Open question: should this also apply to `{comp2}`? {person} thinks so, but nobody has checked the call sites "
    "in `{path2}` yet.",
    "Ask {person} or {person2} before changing this; they have the history.",
]
TYPE_EXTRAS: dict[str, list[str]] = {
    "decision": [
        "## Options considered\n\n1. Keep the status quo: cheapest, but {tradeoff}.\n2. The approach above.\n"
        "3. Buy instead of build: rejected on cost (${dollars}/month).",
        "## Rollout\n\n1. Ship behind `{flag}`\n2. Enable for internal tenants and watch `{metric}` for a week\n"
        "3. Enable for everyone by {date}\n4. Remove the flag and the old path",
        "## Revisit when\n\n- {condition}\n- {condition2}",
        "Discussed with {person} and {person2} on {date}; no objections from on-call. Recorded so that future "
        "sessions do not reopen it without new information.",
        "Affected code: `{path}` (main change), `{path2}` (call sites), `{test_path}` (tests).",
        "Numbers at the time: {count} {nouns} per day, p99 {ms_lo} ms, error rate 0.{n}%.",
    ],
    "error": [
        "## Impact\n\n{impact}.",
        "## How to recognise it\n\n- Logs contain `{code}`\n- `{metric}` spikes in {obs}\n"
        "- Customers report {nouns} stuck in a pending state",
        "Detected {date} by an alert, mitigated within {n}0 minutes; the permanent fix was merged the next day "
        "({sha}).",
        "## Prevention\n\n- {followup}\n- Keep the reproducing test in `{test_path}`",
        "Seen only in {env_name} ({db}, {framework} on {cloud}).",
        "Numbers at the time: {count} {nouns} per day, p99 {ms_lo} ms, error rate 0.{n}%.",
        "Debugging notes: the first theory ({cause2}) was wrong; `git bisect` pointed at {sha}.",
    ],
    "error_offline": [
        "## Prevention\n\n- {followup}\n- Keep the reproducing test in `{test_path}`",
        "Debugging notes: the first theory was a config problem; `git bisect` pointed at {sha}.",
        "Cost so far: about {hours} engineer-hours across {n} people, mostly re-running {ci} jobs.",
        "First noticed by {person} on {date}.",
    ],
    "requirement": [
        "## Background\n\n{pm} heard this from {n} customers last quarter; sales flagged it as a blocker for two "
        "renewals.",
        "## Open questions\n\n- Does it apply to archived {nouns}?\n- Who approves exceptions?\n"
        "- Do we need it in the public API on day one?",
        "## Out of scope\n\n- Historical data migration\n- Native mobile clients\n- Per-tenant customization",
        "## Success metric\n\nTracked with `{metric}`: {pct}% adoption among active tenants within a month of launch.",
        "Engineering notes: most of the work lands in `{comp}` (`{path}`); estimate {n} days including tests.",
        "Dependencies: design review with {person}; security sign-off for anything that exposes {noun} data.",
    ],
    "reference": [
        "Why saved: we looked this up three times in one week while working on `{comp}`.",
        "Related code: `{func}` in `{path}`.",
        "Internal notes:\n\n- Applies to our {db} setup\n- Staging and production behave differently here\n"
        "- Ask {person} before changing the defaults",
        "See also {ticket} and the runbook at {wiki_url}.",
        "Last verified {date} against {lib} {version}.",
    ],
    "user": [
        "Working style: {person} likes a short plan first, then small commits. They usually review between 09:00 and "
        "11:00 their time.",
        "They have been on {project} since {date} and know `{comp}` and `{comp2}` best.",
        "When unsure about their preference, ask once and record the answer here instead of guessing next session.",
        "Pet peeve: agents that {dont}.",
        "Best way to reach them: a comment on the PR, or #{domain}-eng for anything urgent.",
    ],
    "feedback": [
        "What I did wrong: in {ticket} I went ahead without checking the existing conventions in `{path}`; "
        "the reviewer had to explain it.",
        "How to apply: before proposing a change, check for this and say in the summary that the guidance was "
        "followed.",
        "Severity: not a blocker, but repeated mistakes here erode trust in agent PRs; {person} asked for this to be "
        "remembered across sessions.",
        "Scope: all {lang} code in {project}, including tests and scripts.",
        "First raised on {date}; repeated on {date2}, so this is the second reminder.",
    ],
    "project": [
        "## Stakeholders\n\n- Product: {pm}\n- Engineering: {person}, {person2}\n- Support: #{domain}-support",
        "## Milestones\n\n- {date}: design sign-off\n- {date2}: feature complete\n- {date3}: launch",
        "## Dependencies\n\n- {vendor} contract renewal\n- Capacity on {cloud}\n- Changes to `{comp2}` from another "
        "team",
        "## Not doing\n\n- Rewriting `{comp2}`\n- New vendors\n- Pricing changes",
        "Status goes out weekly in #{domain}-eng, every {weekday}.",
        "Budget: ${dollars}k for the quarter and {n} engineers.",
    ],
}
SESSION_EXTRAS = [COMMON_EXTRAS[0], "Saved by the agent at the end of the session; edit this memory rather than "
                                     "adding a second one if it changes."]
TECH_TYPES = ("decision", "error", "requirement", "reference", "project")
EXTRA_COUNTS = (0, 1, 1, 2, 2, 3)
MIN_WORDS = 45

TEMPLATES: dict[str, list[T]] = {
    "decision": DECISION_TEMPLATES, "error": ERROR_TEMPLATES, "requirement": REQUIREMENT_TEMPLATES,
    "reference": REFERENCE_TEMPLATES, "user": USER_TEMPLATES, "feedback": FEEDBACK_TEMPLATES,
    "project": PROJECT_TEMPLATES,
}
for _mtype, _templates in TEMPLATES.items():
    for _template in _templates:
        _template["type"] = _mtype

# =================================================================== generation


def _make_project(rng: random.Random, code: str, domain: str, index: int) -> Project:
    lang = rng.choices(list(LANG_WEIGHTS), weights=list(LANG_WEIGHTS.values()))[0]
    nouns = {noun for noun, _ in DOMAINS[domain]}
    comps = [c for c in ALL_COMPONENTS.values()
             if c.noun in nouns and not c.name.split("-")[-1].startswith(c.noun[:4])]
    people = rng.sample(PEOPLE, 8)
    prefix = code[:3].upper() + (str(index // len(CODENAMES)) if index >= len(CODENAMES) else "")
    return Project(
        name=f"{code}-{domain}", domain=domain, lang=lang,
        framework=rng.choice(LANGS[lang]["frameworks"]),
        stack={key: rng.choice(values) for key, values in STACK.items()},
        people=people, pm=people[0], comps=rng.sample(comps, 12), prefix=prefix,
        weight=1.0 / (index + 1) ** 0.5)


def make_projects(count: int, rng: random.Random) -> list[Project]:
    """Create ``count`` fictional projects (``atlas-billing``, ...) with stacks and people."""
    codes = rng.sample(CODENAMES, len(CODENAMES))
    domains = list(DOMAINS)
    rng.shuffle(domains)
    projects = []
    for i in range(count):
        code = codes[i % len(codes)] + (str(i // len(codes) + 1) if i >= len(codes) else "")
        projects.append(_make_project(rng, code, domains[i % len(domains)], i))
    return projects


_LEAD_RE = re.compile(r"^(#+ |- \[ \] |- |\d+\. |\*\*[^*]+:\*\* |\*\*)?([a-z][\w.\-']*)")


def _capitalize(text: str) -> str:
    """Upper-case the first word of paragraphs, headings and list items (not code, not identifiers)."""
    lines, fenced, previous = text.split("\n"), False, ""
    for k, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := _LEAD_RE.match(line)) and (not previous or match.group(1)):
            lines[k] = _upper_word(match) + line[match.end():]
        previous = line
    return "\n".join(lines)


def _upper_word(match: re.Match[str]) -> str:
    lead, word = match.group(1) or "", match.group(2)
    if any(c in word for c in "-_.") or word in PHRASE_KEEP:
        return match.group(0)
    return lead + word[0].upper() + word[1:]


PHRASE_KEEP = {"p99", "p95", "tsc", "mypy", "sorbet", "javac", "cargo", "go", "pgvector", "psql", "kubectl",
               "redis-cli", "uv", "pnpm", "neovim", "tmux", "git"}


def _tag(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:24]


class _Generator:
    """Stateful memory factory; one instance produces one deterministic corpus."""

    def __init__(self, seed: int, projects: int) -> None:
        if projects < 1:
            raise ValueError("projects must be at least 1")
        self.rng = random.Random(seed)
        self.ids = _Ids(self.rng)
        self.projects = make_projects(projects, self.rng)
        self.project_cum = _cumulative(p.weight for p in self.projects)
        self.type_cum = _cumulative(TYPE_WEIGHTS)
        self.titles: dict[str, set[str]] = defaultdict(set)
        self.recent_paths: dict[str, list[str]] = defaultdict(list)

    def next_memory(self) -> dict[str, Any]:
        rng = self.rng
        proj = rng.choices(self.projects, cum_weights=self.project_cum)[0]
        mtype = rng.choices(MEMORY_TYPES, cum_weights=self.type_cum)[0]
        template = rng.choice(TEMPLATES[mtype])
        title, body, slots = self._unique(proj, template, mtype)
        return {"project": proj.name, "title": title, "content_md": body, "memory_type": mtype,
                "tags": self._tags(proj, template, slots), "source": self._source(proj, mtype)}

    def _render(self, proj: Project, template: T) -> tuple[str, str, _Slots]:
        slots = _Slots(self, proj)
        for key, table in template.get("pick", {}).items():
            slots[key] = self.rng.choice(table)
        if "kind" in template:
            slots["_kind"] = template["kind"]
        title = _capitalize(self.rng.choice(template["title"]).format_map(slots))
        parts = []
        for block in template["body"]:
            text = self.rng.choice(block) if isinstance(block, tuple) else block
            if text:
                parts.append(_capitalize(text.format_map(slots)))
        self._add_extras(parts, slots, template["type"], template.get("offline", False))
        return title, "\n\n".join(parts), slots

    def _add_extras(self, parts: list[str], slots: _Slots, mtype: str, offline: bool) -> None:
        """Insert shared paragraphs for variety and to reach ``MIN_WORDS``."""
        pool = TYPE_EXTRAS[mtype + ("_offline" if offline else "")]
        pool = pool + (COMMON_EXTRAS if mtype in TECH_TYPES else SESSION_EXTRAS)
        words = sum(len(p.split()) for p in parts)
        todo = self.rng.choice(EXTRA_COUNTS)
        while (todo > 0 or words < MIN_WORDS) and todo > -4:
            text = _capitalize(slots.pool(pool).format_map(slots))
            parts.append(text)
            words += len(text.split())
            todo -= 1

    def _unique(self, proj: Project, template: T, mtype: str) -> tuple[str, str, _Slots]:
        used = self.titles[proj.name]
        for _ in range(3):
            title, body, slots = self._render(proj, template)
            if title not in used:
                break
        base = title
        if title in used and mtype in ("user", "feedback", "project"):
            title = f"{base} (noted {slots['date']})"
        while title in used:
            title = f"{base} ({_ticket(slots)})"
        used.add(title)
        return title, body, slots

    def _tags(self, proj: Project, template: T, slots: _Slots) -> list[str]:
        extra = [proj.domain, proj.lang]
        if "_comp" in slots:
            extra.append(slots["noun_kebab"])
        for key in ("db", "queue", "cache", "vendor", "lib"):
            if key in slots:
                extra.append(slots[key])
        pool = list(template["tags"][1:]) + extra
        count = self.rng.choice((0, 1, 1, 2, 2, 3))
        picked = [template["tags"][0]] + self.rng.sample(pool, min(count, len(pool)))
        return list(dict.fromkeys(_tag(t) for t in picked))

    def _source(self, proj: Project, mtype: str) -> str:
        rng = self.rng
        human = {"requirement": 0.7, "project": 0.4, "feedback": 0.3, "user": 0.1}.get(mtype, 0.2)
        if rng.random() < human:
            return proj.pm if mtype in ("requirement", "project") and rng.random() < 0.7 else rng.choice(proj.people)
        return rng.choices([a for a, _ in AGENTS], weights=[w for _, w in AGENTS])[0]


def _cumulative(weights: Iterable[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def generate_memories(n: int, seed: int = 7, projects: int = 20) -> Iterator[dict[str, Any]]:
    """Yield ``n`` realistic memories, deterministic for a given ``seed`` and ``projects``.

    Each memory is a dict with ``project``, ``title``, ``content_md``, ``memory_type``,
    ``tags`` and ``source`` (the fields of a ``save_memory`` request). Titles are unique
    within a project. A prefix of the stream does not depend on ``n``.
    """
    gen = _Generator(seed, projects)
    for _ in range(n):
        yield gen.next_memory()


# ====================================================================== queries

STOPWORDS = set("""a about above after again all also an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have
having here how if in into is it its itself just more most no nor not now of off on once only or other our
out over own same should so some such than that the their them then there these they this those through to
too under until up very was we were what when where which while who why will with would you your done new
none using used use uses make made need needs must fix fixed stays stay via per only when ones number thing
things every still since within first next last like yet around anything everything something nothing
keep kept want wants said says into onto also even instead rather whether either neither""".split())

IDENT_RE = re.compile(
    r"(?<![\w./-])(?:[\w.-]+/)+[\w.-]+\.(?:py|ts|go|java|rs|rb|sql|ya?ml|json)\b"
    r"|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+){2,}\b|\bE\d{4,5}\b|\b[A-Z]{3}-[A-Z]{3}-\d{3}\b|\b[A-Z]{3}\d?-?\d{3,5}\b"
    r"|\b[a-z][a-z0-9]*(?:_[a-z0-9]+){2,}\b|\b[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+){2,}\b"
    r"|\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+){2,}\b")

# (memory type, subject table) -> question frames that fit that subject better than the type's default
SUBJECT_FRAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("decision", "legacy"): ("when and how are we retiring {s}{ctx}?", "what is the plan for phasing out {s}{ctx}?"),
    ("requirement", "legacy"): ("how long do we have to keep supporting {s}{ctx}?",),
    ("decision", "tuning"): ("what value did we settle on for {s}{ctx}?", "how did we tune {s}{ctx}, and why?"),
    ("decision", "lib"): ("why are we holding back upgrades of {s}{ctx}?",),
    ("user", "tz"): ("is {p} on the {s}, and when can we reach them?",),
    ("user", "roletitle"): ("is {p} {s} on this project?", "what is {p}'s job here, {s}?"),
    ("user", "learning"): ("does {p} need extra explanation of {s}?",),
    ("project", "risk"): ("what dangers do we see around {s}{ctx}?",),
    ("project", "constraint"): ("are we restricted by {s}{ctx}?",),
    ("reference", "runbook"): ("how do I go about {s}{ctx}?", "steps for {s}{ctx}?"),
    ("reference", "dashboard"): ("where can I see {s}{ctx}?", "which graphs show {s}{ctx}?"),
    ("reference", "cheat"): ("which commands help with {s}{ctx}?",),
    ("error", "flaky"): ("which test is unreliable because of {s}{ctx}?",),
    ("error", "compile"): ("what did the type checker complain about regarding {s}{ctx}?",),
    ("error", "secfind"): ("did a security review find {s}{ctx}?",),
    ("error", "buildbreak"): ("why did the build break because of {s}{ctx}?",),
    ("error", "perf"): ("what slowed things down through {s}{ctx}?",),
    ("error", "devenv"): ("why does the local setup fail with {s}{ctx}?",),
}

PARA_FRAMES: dict[str, tuple[str, ...]] = {
    "decision": ("why did we pick the approach we use for {s}{ctx}?", "what was decided about {s}{ctx}, and why?",
                 "which approach did we choose for {s}{ctx}?"),
    "error": ("what went wrong with {s}{ctx}, and how was it resolved?", "have we had trouble with {s}{ctx} before?",
              "root cause of {s}{ctx}?"),
    "requirement": ("what does product require about {s}{ctx}?", "acceptance criteria for {s}{ctx}?",
                    "what was asked for regarding {s}{ctx}?"),
    "reference": ("where can I read about {s}{ctx}?", "is there a link explaining {s}{ctx}?",
                  "which page covers {s}{ctx}?"),
    "user": ("what does {p} think about {s}?", "how does {p} feel about {s}?", "anything to know about {p} and {s}?"),
    "feedback": ("what correction did we get about {s}{ctx}?", "were we told off for {s}{ctx}?",
                 "what did the reviewer say regarding {s}{ctx}?"),
    "project": ("what's the timeline for {s}{ctx}?", "what is the context around {s}{ctx}?",
                "where do we stand on {s}{ctx}?"),
}


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9_\-]+", " ", text.lower()).split())


def _phrase_index() -> dict[str, list[tuple[str, str]]]:
    """Normalized title phrase -> [(category, plain-words paraphrase)]."""
    index: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name, table in SUBJECT_TABLES.items():
        for row in table:
            index[_norm(row[0])].append((name, row[1]))
    for profile in LANGS.values():
        for lib, para in profile["libs"]:
            index[_norm(lib)].append(("lib", para))
    for comp in ALL_COMPONENTS.values():
        index[comp.name].append(("comp", comp.para))
    for person in PEOPLE:
        index[person.lower()].append(("person", person))
    for vendor, _ in VENDORS:
        index[vendor.lower()].append(("vendor", vendor))
    for domain, nouns in DOMAINS.items():
        for noun, syn in nouns:
            for form in (noun, _plural(noun)):
                index[_norm(form)].append(("noun:" + domain, syn))
    return dict(index)


def _type_subjects() -> dict[str, set[str]]:
    """Memory type -> subject categories that appear in its title templates."""
    found: dict[str, set[str]] = defaultdict(set)
    for mtype, templates in TEMPLATES.items():
        for template in templates:
            for title in template["title"]:
                for name in re.findall(r"\{(\w+)\}", title):
                    if name in SUBJECT_TABLES or name == "lib":
                        found[mtype].add(name)
    return found


PHRASES: dict[str, list[tuple[str, str]]] = _phrase_index()
TYPE_SUBJECTS: dict[str, set[str]] = _type_subjects()


@dataclass
class _TitleInfo:
    matched: set[str]
    parts: dict[str, tuple[str, str, str]]  # role -> (phrase, paraphrase, category)


def _analyze_title(title: str, mtype: str, domain: str | None) -> _TitleInfo:
    tokens, i = _norm(title).split(), 0
    info = _TitleInfo(set(), {})
    while i < len(tokens):
        for size in range(min(6, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i:i + size])
            if phrase in PHRASES:
                break
        else:
            i += 1
            continue
        info.matched.add(phrase)
        for category, para in PHRASES[phrase]:
            role = _role(category, mtype, domain)
            old = info.parts.get(role) if role else None
            if role and (old is None or (role == "subject" and len(phrase) > len(old[0]))):
                info.parts[role] = (phrase, para, category)
        i += size
    return info


def _role(category: str, mtype: str, domain: str | None) -> str | None:
    if category in ("comp", "person", "vendor"):
        return category
    if category.startswith("noun:"):
        return "noun" if category == f"noun:{domain}" else None
    return "subject" if category in TYPE_SUBJECTS.get(mtype, ()) else None


class _ProjectView:
    """Per-project lookup structures for building and checking queries (filled lazily)."""

    DF_SAMPLE = 800

    def __init__(self, memories: list[dict[str, Any]], indexes: list[int]) -> None:
        self.memories, self.indexes = memories, indexes
        domain = memories[indexes[0]]["project"].split("-", 1)[-1]
        self.domain = domain if domain in DOMAINS else None
        self._infos: dict[int, _TitleInfo] = {}
        self._tokens: dict[int, set[str]] = {}
        self._texts: dict[int, str] = {}
        self._lows: list[str] | None = None
        self._titles: list[str] | None = None
        self._df: dict[str, int] | None = None

    def info(self, i: int) -> _TitleInfo:
        if i not in self._infos:
            memory = self.memories[i]
            self._infos[i] = _analyze_title(memory["title"], memory["memory_type"], self.domain)
        return self._infos[i]

    def text(self, i: int) -> str:
        """Title and content of memory ``i``, as one string."""
        if i not in self._texts:
            self._texts[i] = _text(self.memories[i])
        return self._texts[i]

    def tokens(self, i: int) -> set[str]:
        if i not in self._tokens:
            self._tokens[i] = set(re.findall(r"[a-z]+", self.text(i).lower()))
        return self._tokens[i]

    def lows(self) -> list[str]:
        """Lower-cased title and content of every memory, in ``indexes`` order."""
        if self._lows is None:
            self._lows = [self.text(j).lower() for j in self.indexes]
        return self._lows

    def norm_titles(self) -> list[str]:
        """Normalized, space-padded titles, in ``indexes`` order."""
        if self._titles is None:
            self._titles = [" " + _norm(self.memories[j]["title"]) + " " for j in self.indexes]
        return self._titles

    def prose(self, i: int) -> set[str]:
        """Plain words of a memory's content: no identifiers, no code blocks."""
        text = re.sub(r"```.*?```", " ", self.memories[i]["content_md"], flags=re.S)
        return set(re.findall(r"[a-z]+", IDENT_RE.sub(" ", text).lower()))

    def df(self, word: str) -> int:
        """How many memories of an evenly spread sample of the project contain ``word``."""
        if self._df is None:
            counts: dict[str, int] = defaultdict(int)
            step = max(1, len(self.indexes) // self.DF_SAMPLE)
            for j in self.indexes[::step]:
                for token in self.tokens(j):
                    counts[token] += 1
            self._df = counts
        return self._df.get(word, 0)

    def with_words(self, words: Sequence[str]) -> list[int]:
        """Memories whose title or content contains every word as a whole word."""
        first = max(words, key=len)
        candidates = [j for j, low in zip(self.indexes, self.lows()) if first in low]
        return [j for j in candidates if all(w in self.tokens(j) for w in words)]

    def with_phrases(self, mtype: str, phrases: set[str]) -> list[int]:
        """Memories of ``mtype`` whose title contains every phrase (as analyzed title phrases)."""
        padded = [f" {p} " for p in phrases]
        first = max(padded, key=len)
        candidates = [j for j, title in zip(self.indexes, self.norm_titles()) if first in title]
        return [j for j in candidates if self.memories[j]["memory_type"] == mtype and phrases <= self.info(j).matched]


def _text(memory: dict[str, Any]) -> str:
    return memory["title"] + "\n" + memory["content_md"]


def _query(memory: dict[str, Any], kind: str, text: str, group: list[int], memories: list[dict[str, Any]]) -> dict:
    return {"query": text, "kind": kind, "project": memory["project"],
            "expected_titles": [memories[j]["title"] for j in group]}


def _paraphrase_query(view: _ProjectView, i: int, rng: random.Random) -> dict | None:
    memories, memory = view.memories, view.memories[i]
    parts, mtype = view.info(i).parts, memory["memory_type"]
    if "subject" not in parts or (mtype == "user" and "person" not in parts):
        return None
    used = {role: parts[role] for role in ("subject", "comp", "person", "vendor") if role in parts}
    if "comp" not in used and "noun" in parts:
        used["noun"] = parts["noun"]
    key = {part[0] for part in used.values()}
    group = view.with_phrases(mtype, key)
    if not 1 <= len(group) <= 3:
        return None
    ctx = "".join(f" {prep} {used[role][1]}" for role, prep in
                  (("comp", "in"), ("noun", "for"), ("vendor", "with"), ("person", "from"))
                  if role in used and not (role == "person" and mtype == "user"))
    plain = (used["subject"][1] + " " + used.get("comp", ("", "", ""))[1]).lower()
    words = set(re.findall(r"[a-z]{4,}", plain)) - STOPWORDS
    if words and len(words & view.tokens(i)) / len(words) > 0.5:
        return None
    frame = rng.choice(SUBJECT_FRAMES.get((mtype, used["subject"][2]), PARA_FRAMES[mtype]))
    text = frame.format(s=used["subject"][1], ctx=ctx, p=used.get("person", ("", "", ""))[1])
    return _query(memory, "paraphrase", text[0].upper() + text[1:], group, memories)


def _identifier_query(view: _ProjectView, i: int, rng: random.Random) -> dict | None:
    memories, memory = view.memories, view.memories[i]
    candidates = sorted({t for t in IDENT_RE.findall(_text(memory)) if len(t) >= 7})
    rng.shuffle(candidates)
    for ident in candidates[:6]:
        group = [j for j in view.indexes if ident in view.text(j)]
        if len(group) > 3 or any(ident not in IDENT_RE.findall(view.text(j)) for j in group):
            continue
        return _query(memory, "identifier", ident, group, memories)
    return None


def _keyword_query(view: _ProjectView, i: int, rng: random.Random) -> dict | None:
    memories, memory = view.memories, view.memories[i]
    title = IDENT_RE.sub(" ", memory["title"]).lower()
    title_words = [w for w in dict.fromkeys(re.findall(r"[a-z]{4,}", title)) if w not in STOPWORDS]
    body_words = [w for w in view.prose(i) if len(w) >= 4 and w not in STOPWORDS and w not in title_words]
    rng.shuffle(title_words)
    title_words.sort(key=view.df)
    body_words.sort()
    rng.shuffle(body_words)
    picked = title_words[:2] + sorted(body_words[:8], key=view.df)[:1]
    for extra in [None] + sorted(body_words[8:20], key=view.df)[:2]:
        if extra:
            picked.append(extra)
        if len(picked) < 2:
            return None
        group = view.with_words(picked)
        if len(group) <= 3:
            return _query(memory, "keywords", " ".join(picked), group, memories)
    return None


QUERY_MAKERS: dict[str, Callable[[_ProjectView, int, random.Random], dict | None]] = {
    "paraphrase": _paraphrase_query, "identifier": _identifier_query, "keywords": _keyword_query}


def generate_queries(memories: list[dict[str, Any]], n: int, seed: int = 11) -> list[dict[str, Any]]:
    """Build ``n`` evaluation queries (kinds cycle paraphrase, identifier, keywords).

    Each query is ``{"query", "kind", "project", "expected_titles"}``; the expected titles
    are every memory of that project that answers it (one to three), checked against the
    corpus: identifiers occur verbatim in each expected memory, keyword queries' words all
    occur in each, paraphrases share the title's subject and component with each.
    """
    rng = random.Random(seed)
    by_project: dict[str, list[int]] = defaultdict(list)
    for i, memory in enumerate(memories):
        by_project[memory["project"]].append(i)
    views = {name: _ProjectView(memories, idx) for name, idx in by_project.items()}
    queries: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for k in range(n):
        kind = QUERY_KINDS[k % len(QUERY_KINDS)]
        for _ in range(200 if memories else 0):
            i = rng.randrange(len(memories))
            query = QUERY_MAKERS[kind](views[memories[i]["project"]], i, rng)
            if query and (query["project"], query["query"]) not in seen:
                seen.add((query["project"], query["query"]))
                queries.append(query)
                break
    return queries


# ========================================================================== CLI


def _show(memory: dict[str, Any]) -> None:
    print(f"=== [{memory['project']}] {memory['memory_type']}: {memory['title']}")
    print(f"tags={memory['tags']} source={memory['source']}\n")
    print(memory["content_md"])
    print()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print samples, write JSONL, or build a query set."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=5, help="number of memories")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--show", action="store_true", help="print memories as markdown")
    ap.add_argument("--out", help="write memories as JSONL to this file")
    ap.add_argument("--queries", type=int, default=0, help="also build this many queries")
    ap.add_argument("--query-seed", type=int, default=11)
    ap.add_argument("--queries-out", help="write queries as JSONL (default: print them)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    memories = list(generate_memories(args.count, args.seed, args.projects))
    elapsed = time.perf_counter() - start
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(m, ensure_ascii=False) + "\n" for m in memories)
        print(f"wrote {len(memories)} memories to {args.out} in {time.perf_counter() - start:.1f}s "
              f"(generation {elapsed:.1f}s)", file=sys.stderr)
    if args.show or not (args.out or args.queries):
        for memory in memories:
            _show(memory)
    if args.queries:
        queries = generate_queries(memories, args.queries, args.query_seed)
        if args.queries_out:
            with open(args.queries_out, "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(q, ensure_ascii=False) + "\n" for q in queries)
            print(f"wrote {len(queries)} queries to {args.queries_out}", file=sys.stderr)
        else:
            for query in queries:
                print(json.dumps(query, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
