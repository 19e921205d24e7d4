"""Search evaluation set: a labelled corpus of software-project memories and queries (issue 8).

Deterministic for a seed; stdlib only. Writes ``corpus.jsonl`` (one memory per line, with
its id, confidence and timestamps) and ``queries.jsonl`` (one query per line: ``id``,
``kind``, ``query``, ``projects``, ``relevant`` memory ids, and ``decoys``: memories built to
look like the answer and not be it). Query kinds:

- ``paraphrase``: a question sharing no content word with the memory it targets (checked
  here by ``shares_words`` and, against PostgreSQL's own English stemming, in
  tests/test_search_quality.py);
- ``identifier``: an error code, function name or file path; every memory holding the exact
  identifier is relevant;
- ``multi_fact``: a question two memories answer together; both are relevant;
- ``decoy``: a question whose answer has near-duplicates differing in one detail;
- ``stale``: two versions of one fact; only the fresh one (newer ``updated_at``, higher
  confidence) is relevant, the stale one is a decoy.

Grow it by adding vocabulary rows or templates below; rerun and commit both files:

    .venv/bin/python bench/evalset/generate.py            # writes bench/evalset/*.jsonl
    .venv/bin/python bench/evalset/generate.py --check    # regenerate and compare
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from collections.abc import Iterable
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = 8
NAMESPACE = uuid.UUID("5b8f3f4e-8c1d-4f4a-9d52-1a7e0c0f0b08")
KINDS = ("paraphrase", "identifier", "multi_fact", "decoy", "stale")
BASE_TIME = datetime(2026, 6, 1, tzinfo=timezone.utc)

# ------------------------------------------------------------------ word disjointness

# A subset of PostgreSQL's English stop words, so this check is never laxer than the
# keyword side's own.
STOPWORDS = frozenset("""a about above after again all am an and any are as at be because been before
being below between both but by can did do does doing down during each few for from further had has
have having he her hers him his how i if in into is it its itself me more most my no nor not now of
off on once only or other our ours out over own same she should so some such than that the their theirs
them then there these they this those through to too under until up very was we were what when where
which while who whom why will with you your yours""".split())
WORD_RE = re.compile(r"[a-z0-9]+")


def content_words(text: str) -> set[str]:
    """Lower-cased alphanumeric words of ``text`` that are not stop words."""
    return {w for w in WORD_RE.findall(text.lower()) if w not in STOPWORDS}


SUFFIXES = ("ing", "ies", "ied", "es", "ed", "er", "ly", "s", "e")


def _stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _related(a: str, b: str) -> bool:
    # Crude stemming on purpose, stricter than PostgreSQL's: same stem ("cache"/"caching"),
    # a shared 5-letter prefix, or one stem a prefix (>= 3 letters) of the other
    # ("config"/"configure").
    a, b = _stem(a), _stem(b)
    if a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5]):
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and long_.startswith(short)


def shares_words(query: str, text: str) -> set[str]:
    """The content words of ``query`` related to a content word of ``text`` (empty: disjoint)."""
    words = content_words(text)
    return {q for q in content_words(query) if any(_related(q, w) for w in words)}


# ------------------------------------------------------------------ vocabulary

# codename, domain, language; each project gets nouns of its domain.
PROJECTS = [("atlas", "billing", "python"), ("harbor", "logistics", "typescript"),
            ("quill", "edtech", "go"), ("ember", "health", "java"), ("orbit", "iot", "rust"),
            ("cobalt", "commerce", "python"), ("prism", "billing", "typescript"),
            ("raven", "health", "python")]

# domain -> (noun, identifier form, synonym used by paraphrased questions)
NOUNS: dict[str, list[tuple[str, str, str]]] = {
    "billing": [("invoice", "invoice", "bill"), ("payment", "payment", "charge"),
                ("refund", "refund", "money-back"), ("ledger", "ledger", "bookkeeping"),
                ("subscription", "subscription", "recurring plan"), ("payout", "payout", "settlement")],
    "logistics": [("shipment", "shipment", "parcel"), ("route", "route", "delivery path"),
                  ("warehouse", "warehouse", "depot"), ("carrier", "carrier", "courier"),
                  ("manifest", "manifest", "load list"), ("label", "label", "shipping sticker")],
    "edtech": [("course", "course", "class"), ("enrollment", "enrollment", "sign-up"),
               ("quiz", "quiz", "short test"), ("grade", "grade", "score"),
               ("assignment", "assignment", "homework"), ("cohort", "cohort", "class group")],
    "health": [("appointment", "appointment", "booking"), ("patient", "patient", "person receiving care"),
               ("prescription", "prescription", "medication order"),
               ("claim", "claim", "insurance reimbursement"), ("referral", "referral", "specialist hand-off"),
               ("encounter", "encounter", "visit")],
    "iot": [("device", "device", "sensor"), ("telemetry", "telemetry", "readings"),
            ("firmware", "firmware", "embedded software"), ("gateway", "gateway", "edge hub"),
            ("alert", "alert", "alarm"), ("fleet", "fleet", "machine group")],
    "commerce": [("cart", "cart", "basket"), ("order", "order", "purchase"),
                 ("catalog", "catalog", "product list"), ("checkout", "checkout", "pay step"),
                 ("promotion", "promotion", "sale campaign"), ("review", "review", "product rating")],
}
ROLES = ["sync", "api", "exporter", "importer", "scheduler", "reconciler", "indexer", "notifier"]

# Decision topics: (topic, options, paraphrased questions). A question is used only when
# it shares no content word with the memory it targets (checked, not assumed).
TOPICS: list[tuple[str, list[str], list[str]]] = [
    ("rate limiting", ["a token bucket in Redis", "a sliding window counter in PostgreSQL",
                       "the gateway's built-in limiter"],
     ["how do we stop one caller from flooding us with traffic?",
      "what keeps a single client from hammering our endpoints?"]),
    ("job leasing", ["SELECT FOR UPDATE SKIP LOCKED", "PostgreSQL advisory locks", "Redis SETNX locks with a TTL"],
     ["how do we make sure two workers never grab the same task?",
      "what prevents duplicate pickup of queued work?"]),
    ("idempotency keys", ["a unique column with an upsert", "a Redis set with a 24h expiry",
                          "request fingerprint hashing in middleware"],
     ["how are repeated POSTs made safe to send twice?", "what stops a retried call from charging twice?"]),
    ("feature flags", ["Unleash self-hosted", "LaunchDarkly", "a flags table in our own database"],
     ["how do we switch functionality on for some customers only?",
      "what lets us roll out behaviour gradually to certain accounts?"]),
    ("background jobs", ["Celery with RabbitMQ", "BullMQ on Redis", "a Postgres-backed queue", "SQS plus Lambda"],
     ["how is slow work run outside the request cycle?", "what runs heavy work asynchronously?"]),
    ("schema migrations", ["Alembic revisions", "Flyway scripts", "golang-migrate files", "sqitch plans"],
     ["how do we evolve tables safely?", "what tool changes the database layout?"]),
    ("secrets storage", ["HashiCorp Vault", "AWS Secrets Manager", "sealed secrets in git"],
     ["where do passwords and credentials live?", "how are private keys kept away from code?"]),
    ("logging format", ["structured JSON lines", "logfmt", "OpenTelemetry log records"],
     ["what shape do our diagnostic messages take?", "how do we write out troubleshooting output?"]),
    ("API versioning", ["a /v2 path prefix", "a date-based version header", "content negotiation"],
     ["how do clients pick which contract revision they talk to?",
      "how do we ship breaking changes without hurting integrators?"]),
    ("caching strategy", ["read-through Redis with a 5 minute TTL", "an in-process LRU",
                          "CDN edge caching"],
     ["how do we avoid recomputing expensive lookups?", "what keeps hot reads fast?"]),
    ("pagination", ["keyset cursors", "offset and limit", "opaque continuation tokens"],
     ["how do we hand out long listings piece by piece?", "how are big result sets split across calls?"]),
    ("error tracking", ["Sentry", "Honeycomb", "Rollbar"],
     ["where do crashes get reported?", "which service collects exceptions from production?"]),
    ("deployment strategy", ["blue-green", "canary releases", "rolling updates"],
     ["how does new code reach production without downtime?", "how do we ship builds to servers?"]),
    ("time zones", ["UTC everywhere with conversion at the edge", "tenant-local timestamps",
                    "timezone-aware columns"],
     ["how do we store clock times for people around the world?",
      "which clock do dates in records follow?"]),
    ("search engine", ["PostgreSQL full-text search", "OpenSearch", "Typesense", "Meilisearch"],
     ["what powers finding things by typing words?", "which engine answers lookups by free text?"]),
    ("authentication", ["OAuth2 with PKCE", "session cookies", "signed JWTs rotated hourly"],
     ["how do we verify who someone is?", "how does a person prove their identity to us?"]),
]
REASONS = ["it ships with our stack already", "it measured fastest in the spike", "fewer moving parts",
           "the team knows it well", "lower operating cost", "it survived the chaos drill",
           "vendor support is solid", "it keeps the data in one place"]
DISTRACTOR_DECISIONS = [
    ("thin handlers", "In {c} handlers stay thin; {n} logic lives in the service layer."),
    ("no ORM lazy loading", "{c} loads {n} relations eagerly; lazy loading hid N+1 queries."),
    ("soft deletes", "{c} marks {n} rows deleted_at instead of removing them, for undo."),
    ("money as integers", "{c} stores amounts as integer minor units, never floats."),
    ("one owner per table", "Only {c} writes the {n} tables; others read through its API."),
    ("contract tests", "{c} publishes Pact contracts for every {n} endpoint."),
    ("ADR per change", "Architecture changes to {c} need an ADR in docs/adr before merge."),
    ("UUIDv7 keys", "{c} uses UUIDv7 primary keys for {n} rows so inserts stay ordered."),
]
PEOPLE = ["Priya", "Mateo", "Aisha", "Jonas", "Mei", "Tomasz", "Fatima", "Lucas", "Yuki", "Sven", "Ana",
          "Rahul", "Chloe", "Kwame", "Ingrid", "Diego"]
AGENTS = ["claude-code", "cursor", "codex", "gemini-cli"]

# Requirements: (template, paraphrased questions); {n} is the domain noun.
REQUIREMENTS: list[tuple[str, list[str]]] = [
    ("{N} exports must finish within {x} minutes for one million rows.",
     ["how quickly does a full {s} dump have to complete?"]),
    ("Every {n} change must be written to the audit log with the actor and timestamp.",
     ["do we keep a trail of who modified a {s}, and when?"]),
    ("{N} data must be deleted {x} days after account closure (GDPR).",
     ["when do we erase {s} information of people who left?"]),
    ("The {n} list endpoint must answer in under {x} ms at p95.",
     ["how fast should the {s} listing respond for most calls?"]),
    ("{N} records must be readable by support staff but editable only by admins.",
     ["who may view versus modify {s} entries?"]),
    ("Bulk {n} imports must accept CSV files up to {x} MB.",
     ["how large an uploaded {s} spreadsheet can we ingest?"]),
    ("{N} notifications must be sent in the recipient's language.",
     ["do {s} messages go out translated for each user?"]),
    ("The {n} service must stay available at 99.9% monthly.",
     ["what uptime target did we promise for {s} handling?"]),
]

# Settings with stale and fresh values: (NAME, what it is, unit, old, new)
SETTINGS = [("POOL_SIZE", "database connection pool size", "connections", 10, 40),
            ("TIMEOUT_MS", "upstream request timeout", "ms", 3000, 800),
            ("MAX_RETRIES", "retry limit for failed calls", "attempts", 5, 3),
            ("BATCH_SIZE", "rows per batch", "rows", 500, 2000),
            ("CONCURRENCY", "parallel workers", "workers", 4, 12),
            ("TTL_SECONDS", "cache entry lifetime", "seconds", 60, 300),
            ("PAGE_LIMIT", "maximum page size", "items", 100, 50),
            ("LEASE_SECONDS", "job lease length", "seconds", 30, 120)]

# Error families: (message, python exc, generic exc, cause, fix)
ERRORS = [("connection reset by peer", "ConnectionResetError", "io error",
           "the load balancer dropped idle keep-alive connections after 60 s",
           "set the client keep-alive below the balancer's idle timeout"),
          ("duplicate key value violates unique constraint", "UniqueViolation", "unique violation",
           "two overlapping runs inserted the same row", "guard the run with an advisory lock"),
          ("deadlock detected", "DeadlockDetected", "deadlock",
           "rows were locked in different orders by two jobs", "lock rows in primary-key order"),
          ("lock wait timeout exceeded", "LockNotAvailable", "lock timeout",
           "a long migration held the table lock", "run the migration with lock_timeout and retries"),
          ("out of memory while decoding payload", "MemoryError", "allocation failure",
           "the whole export was loaded into memory at once", "stream rows with a server-side cursor"),
          ("certificate verify failed", "SSLCertVerificationError", "tls handshake failure",
           "the partner rotated their intermediate certificate", "ship the updated CA bundle"),
          ("read timed out after 30 seconds", "ReadTimeout", "timeout",
           "the upstream was throttling us during its batch window", "retry with jittered backoff"),
          ("too many open files", "OSError", "file descriptor exhaustion",
           "HTTP sessions were created per request and never closed", "reuse one pooled session"),
          ("invalid input syntax for type uuid", "InvalidTextRepresentation", "parse failure",
           "an empty string reached the id column", "validate ids at the boundary"),
          ("rate limit exceeded (429)", "HTTPStatusError", "throttled response",
           "the nightly sync burst past the vendor quota", "spread the calls with a token bucket")]
VERBS = ["sync", "reconcile", "export", "import", "settle", "refresh", "rebuild", "dispatch", "flush",
         "publish", "compute", "validate", "archive", "backfill", "notify", "schedule"]
QUALS = ["batch", "pending", "by_id", "for_tenant", "daily", "incremental", "all", "window"]
MODULES = ["service", "jobs", "handlers", "repository", "client", "tasks", "worker", "pipeline"]
EXT = {"python": "py", "typescript": "ts", "go": "go", "java": "java", "rust": "rs"}
CODE_STYLES = ["ERR_{A}_{B}", "{P}-{d4}", "E{d4}", "{P}{d3}"]
CODE_WORDS = ["CONN", "LOCK", "SYNC", "AUTH", "QUOTA", "PARSE", "STATE", "LEASE", "IO", "TLS", "DUP", "OOM"]
CODE_TAILS = ["RESET", "TIMEOUT", "REFUSED", "DENIED", "EXPIRED", "INVALID", "STALE", "LOST", "FULL", "DRIFT"]

VENDORS = [("Stripe", "docs.stripe.com"), ("Twilio", "www.twilio.com/docs"), ("SendGrid", "docs.sendgrid.com"),
           ("Auth0", "auth0.com/docs"), ("Mapbox", "docs.mapbox.com"), ("Slack", "api.slack.com"),
           ("Algolia", "www.algolia.com/doc"), ("Cloudflare", "developers.cloudflare.com")]
WORK = ["paired on {f} and added tests for the empty case", "profiled {f} and removed an N+1 query",
        "reviewed the change to {p}", "moved {f} behind the feature flag", "wrote a runbook entry for {f}",
        "cleaned up dead code next to {f}", "bumped dependencies and fixed the lint warnings in {p}"]


# ------------------------------------------------------------------ model


@dataclass
class Memory:
    """One memory of the corpus, shaped like a save_memory request plus fixed metadata."""

    id: str
    project: str
    title: str
    content_md: str
    memory_type: str
    tags: list[str]
    confidence: float = 1.0
    updated_at: str = ""
    facts: dict[str, str] = field(default_factory=dict)


@dataclass
class Builder:
    """Accumulates memories and queries, with unique ids and titles."""

    rng: random.Random
    memories: list[Memory] = field(default_factory=list)
    queries: list[dict[str, Any]] = field(default_factory=list)
    titles: set[tuple[str, str]] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)

    def add(self, project: str, title: str, content: str, memory_type: str, tags: Iterable[str], *,
            confidence: float | None = None, age_days: float | None = None, **facts: str) -> Memory:
        """Add a memory (title made unique within its project) and return it."""
        base, n = title, 2
        while (project, title) in self.titles:
            title, n = f"{base} ({n})", n + 1
        self.titles.add((project, title))
        rng = self.rng
        mid = str(uuid.uuid5(NAMESPACE, f"{project}/{title}"))
        age = rng.uniform(5, 400) if age_days is None else age_days
        memory = Memory(mid, project, title, content, memory_type, sorted(set(tags)),
                        round(rng.uniform(0.75, 1.0), 3) if confidence is None else confidence,
                        (BASE_TIME - timedelta(days=age)).isoformat(), dict(facts))
        self.memories.append(memory)
        return memory

    def query(self, kind: str, text: str, project: str, relevant: list[Memory],
              decoys: Iterable[Memory] = ()) -> None:
        """Add a labelled query."""
        # The id hangs on the query itself, not its position: adding or dropping a query
        # leaves every other query's id, and so its tune/held-out half, as it was.
        digest = zlib.crc32(f"{project}\n{kind}\n{text}".encode())
        qid = f"{kind}-{digest:08x}"
        while any(q["id"] == qid for q in self.queries):
            qid += "b"
        self.queries.append({"id": qid, "kind": kind, "query": text, "projects": [project],
                             "relevant": [m.id for m in relevant], "decoys": [m.id for m in decoys]})

    def code(self, prefix: str) -> str:
        """A fresh error code in one of several real-world styles."""
        rng = self.rng
        while True:
            style = rng.choice(CODE_STYLES)
            code = style.format(A=rng.choice(CODE_WORDS), B=rng.choice(CODE_TAILS), P=prefix,
                                d4=rng.randint(1000, 9999), d3=rng.randint(100, 999))
            if code not in self.codes:
                self.codes.add(code)
                return code


def _ident(words: list[str], lang: str) -> str:
    # Function names in the language's style: snake_case, camelCase or PascalCase (Go exports).
    if lang in ("python", "rust"):
        return "_".join(words)
    parts = [p for w in words for p in w.split("_")]
    joined = "".join(p.capitalize() for p in parts)
    return joined if lang == "go" else joined[0].lower() + joined[1:]


def _trace(lang: str, path: str, func: str, caller: str, exc: str, message: str, code: str, line: int) -> str:
    if lang == "python":
        return (f'Traceback (most recent call last):\n  File "{path}", line {line}, in {func}\n'
                f"    rows = {caller}(conn)\n{exc}: {message} [{code}]")
    if lang == "typescript":
        return f"Error: {message} ({code})\n    at {func} ({path}:{line}:17)\n    at {caller} ({path}:{line - 40}:9)"
    if lang == "go":
        return f"panic: {message}: {code}\n\ngoroutine 42 [running]:\nmain.{func}(...)\n\t{path}:{line} +0x1d4"
    if lang == "java":
        return (f"com.{caller.lower()}.{exc}Exception: {message} ({code})\n"
                f"\tat {func}({path.rsplit('/', 1)[-1]}:{line})")
    return f"thread 'main' panicked at {path}:{line}:5:\n{message}: {code} in {func}"


# ------------------------------------------------------------------ generation


@dataclass
class Project:
    """A project of the corpus and the things its memories name."""

    name: str
    code: str
    domain: str
    lang: str
    components: list[tuple[str, str]]  # (noun, component name)


def _projects() -> list[Project]:
    projects = []
    for code, domain, lang in PROJECTS:
        nouns = NOUNS[domain]
        components = [(noun, f"{ident}-{role}") for (noun, ident, _) in nouns for role in ROLES]
        projects.append(Project(f"{code}-{domain}", code, domain, lang, components))
    return projects


def _decisions(b: Builder, p: Project) -> dict[str, Memory]:
    """One decision per topic (queried by paraphrase), plus per-component variants as distractors."""
    rng = b.rng
    by_topic = {}
    for topic, options, questions in TOPICS:
        option, alt = rng.sample(options, 2)
        noun, component = rng.choice(p.components)
        content = (f"Decision on {topic} for {component}: we use {option}. Reason: {rng.choice(REASONS)}. "
                   f"Rejected: {alt}. Agreed by {rng.choice(PEOPLE)}.")
        memory = b.add(p.name, f"{topic.capitalize()}: {option}", content, "decision",
                       [topic.replace(" ", "-"), noun], topic=topic, option=option)
        by_topic[topic] = memory
        text = f"{memory.title} {content} {' '.join(memory.tags)}"
        usable = [q for q in questions if not shares_words(q, text)]
        if usable:
            # Picked without the generator's random stream, so tightening the word check
            # changes which questions exist, never the corpus.
            b.query("paraphrase", usable[zlib.crc32(memory.id.encode()) % len(usable)], p.name, [memory])
    # Other decisions of the project, as distractors that answer none of the questions.
    for noun, component in rng.sample(p.components, 24):
        template = rng.choice(DISTRACTOR_DECISIONS)
        b.add(p.name, f"{component}: {template[0]}", template[1].format(c=component, n=noun),
              "decision", [noun])
    return by_topic


def _requirements(b: Builder, p: Project) -> None:
    """Each template for each noun; one noun per template is asked about through its synonym."""
    rng = b.rng
    for t, (template, questions) in enumerate(REQUIREMENTS):
        asked = rng.randrange(len(NOUNS[p.domain]))
        for i, (noun, _, synonym) in enumerate(NOUNS[p.domain]):
            x = rng.choice([5, 15, 30, 90, 250, 500])
            content = template.format(n=noun, N=noun.capitalize(), x=x)
            ticket = f"{p.code.upper()}-{rng.randint(100, 999)}"
            memory = b.add(p.name, f"{noun.capitalize()} requirement {ticket}",
                           f"{content} Source: {ticket}, signed off by product.", "requirement", [noun])
            text = f"{memory.title} {memory.content_md} {' '.join(memory.tags)}"
            usable = [q.format(s=synonym) for q in questions]
            usable = [q for q in usable if not shares_words(q, text)]
            if usable and i == asked:
                b.query("paraphrase", usable[0], p.name, [memory])


def _label_decoys(b: Builder) -> None:
    # Any other error of the project naming the same function and failure answers too.
    for q in b.queries:
        both = q.pop("_both", None)
        if both:
            func, message = both
            pattern = re.compile(rf"(?<![\w]){re.escape(func)}(?!\w)")
            q["relevant"] = [m.id for m in b.memories if m.project == q["projects"][0]
                             and pattern.search(m.content_md) and message in m.content_md]
            q["decoys"] = [d for d in q["decoys"] if d not in q["relevant"]]


def _check_paraphrases(b: Builder) -> None:
    # The disjointness rule, asserted once more over the final labels.
    by_id = {m.id: m for m in b.memories}
    for q in b.queries:
        if q["kind"] == "paraphrase":
            target = by_id[q["relevant"][0]]
            text = f"{target.title} {target.content_md} {' '.join(target.tags)}"
            assert not shares_words(q["query"], text), (q, shares_words(q["query"], text))


def _errors(b: Builder, p: Project) -> list[Memory]:
    """Errors with traces; some in sibling groups that differ in one detail (decoys)."""
    rng = b.rng
    errors = []
    prefix = p.code[:3].upper()
    for i in range(80):
        noun, component = rng.choice(p.components)
        ident = component.split("-")[0]
        verb = rng.choice(VERBS)
        func = _ident([verb, ident, rng.choice(QUALS)], p.lang)
        caller = _ident(["load", ident, "rows"], p.lang)
        path = f"src/{p.code}/{ident}/{rng.choice(MODULES)}.{EXT[p.lang]}"
        message, pyexc, generic, cause, fix = rng.choice(ERRORS)
        exc = pyexc if p.lang == "python" else "".join(w.capitalize() for w in generic.split())
        code = b.code(prefix)
        line = rng.randint(40, 900)
        trace = _trace(p.lang, path, func, caller, exc, message, code, line)
        content = (f"{component} failed with {code} ({generic}).\n\n```\n{trace}\n```\n\n"
                   f"Cause: {cause}. Fix: {fix}.")
        memory = b.add(p.name, f"{code} in {func}", content, "error", [noun, "incident"],
                       code=code, func=func, path=path, message=message, component=component)
        errors.append(memory)
        if i % 5 == 0:
            # Siblings: the same function failing differently, and another function failing
            # the same way. The decoy query names the function and the failure.
            other = rng.choice([e for e in ERRORS if e[0] != message])
            code2 = b.code(prefix)
            trace2 = _trace(p.lang, path, func, caller, exc, other[0], code2, line + 3)
            s1 = b.add(p.name, f"{code2} in {func}",
                       f"{component} failed with {code2} ({other[2]}).\n\n```\n{trace2}\n```\n\n"
                       f"Cause: {other[3]}. Fix: {other[4]}.", "error", [noun, "incident"],
                       code=code2, func=func, path=path)
            func3 = _ident([rng.choice([v for v in VERBS if v != verb]), ident, rng.choice(QUALS)], p.lang)
            code3 = b.code(prefix)
            trace3 = _trace(p.lang, path, func3, caller, exc, message, code3, line + 60)
            s2 = b.add(p.name, f"{code3} in {func3}",
                       f"{component} failed with {code3} ({generic}).\n\n```\n{trace3}\n```\n\n"
                       f"Cause: {cause}. Fix: {fix}.", "error", [noun, "incident"],
                       code=code3, func=func3, path=path)
            errors += [s1, s2]
            b.query("decoy", f"why did {func} fail with {message}?", p.name, [memory], [s1, s2])
            b.queries[-1]["_both"] = (func, message)
    return errors


def _identifier_queries(b: Builder, p: Project, errors: list[Memory]) -> None:
    rng = b.rng
    project_memories = [m for m in b.memories if m.project == p.name]
    picked = rng.sample(errors, 18)
    for i, memory in enumerate(picked):
        key = ("code", "func", "path", "code")[i % 4]
        ident = memory.facts[key]
        text = ident if key != "code" or i % 8 else f"how did we fix {ident}?"
        pattern = re.compile(rf"(?<![\w/.-]){re.escape(ident)}(?![\w/-]|\.\w)")
        relevant = [m for m in project_memories if pattern.search(f"{m.title}\n{m.content_md}")]
        if not relevant or (key == "path" and len(relevant) > 8):
            continue  # a path every error of the component shares says little
        b.query("identifier", text, p.name, relevant)


def _references(b: Builder, p: Project) -> None:
    rng = b.rng
    for vendor, host in VENDORS:
        for noun, _, _ in rng.sample(NOUNS[p.domain], 3):
            slug = f"{noun}s"
            b.add(p.name, f"{vendor} API reference for {noun}s",
                  f"{vendor} docs we rely on for {noun}s: https://{host}/api/{slug}. Auth with the "
                  f"{vendor.upper()}_API_KEY secret; webhooks are verified with the signing secret.",
                  "reference", [vendor.lower(), noun])


def _sessions(b: Builder, p: Project, errors: list[Memory]) -> None:
    rng = b.rng
    for i in range(60):
        day = BASE_TIME - timedelta(days=rng.randint(1, 300))
        noun, component = rng.choice(p.components)
        error = rng.choice(errors)
        work = [w.format(f=rng.choice(errors).facts["func"], p=rng.choice(errors).facts["path"])
                for w in rng.sample(WORK, 2)]
        content = (f"Session {day:%Y-%m-%d} with {rng.choice(AGENTS)} ({rng.choice(PEOPLE)}): worked on "
                   f"{component}; {work[0]}; {work[1]}. Triaged {error.facts['code']} again. "
                   f"Next: finish the {noun} follow-ups.")
        b.add(p.name, f"Session summary {day:%Y-%m-%d} {component}", content, "project", ["session", noun])


def _stale_facts(b: Builder, p: Project) -> dict[str, Memory]:
    """Settings with an old and a new value; only the new one answers."""
    rng = b.rng
    fresh_by_setting = {}
    for name, what, unit, old, new in SETTINGS:
        noun, component = rng.choice(p.components)
        stale = b.add(p.name, f"{component} {name}",
                      f"{component} runs with {name} = {old} {unit} ({what}).", "decision",
                      [noun, "config"], confidence=round(rng.uniform(0.25, 0.5), 3),
                      age_days=rng.uniform(200, 400))
        fresh = b.add(p.name, f"{component} {name} (current)",
                      f"{component} now runs with {name} = {new} {unit} ({what}); measured better under load.",
                      "decision", [noun, "config"], confidence=round(rng.uniform(0.9, 1.0), 3),
                      age_days=rng.uniform(1, 60), setting=name, component=component)
        fresh_by_setting[name] = fresh
        question = rng.choice([f"what is {name} for {component}?", f"{component} {what}?",
                               f"which {name} does {component} use?"])
        b.query("stale", question, p.name, [fresh], [stale])
    return fresh_by_setting


def _multi_fact(b: Builder, p: Project, decisions: dict[str, Memory], errors: list[Memory],
                settings: dict[str, Memory]) -> None:
    rng = b.rng
    topics = list(decisions)
    for _ in range(7):
        a, c = rng.sample(topics, 2)
        b.query("multi_fact", f"what did we choose for {a} and for {c}?", p.name, [decisions[a], decisions[c]])
    for _ in range(3):
        error = rng.choice([e for e in errors if "message" in e.facts])
        name = rng.choice(list(settings))
        b.query("multi_fact", f"{error.facts['code']} root cause, and the current {name} of "
                f"{settings[name].facts['component']}", p.name, [error, settings[name]])


def generate(seed: int = SEED) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Build the corpus and its queries; deterministic for ``seed``."""
    b = Builder(random.Random(seed))
    for p in _projects():
        decisions = _decisions(b, p)
        _requirements(b, p)
        errors = _errors(b, p)
        _references(b, p)
        _sessions(b, p, errors)
        settings = _stale_facts(b, p)
        _identifier_queries(b, p, errors)
        _multi_fact(b, p, decisions, errors, settings)
    _label_decoys(b)
    _check_paraphrases(b)
    corpus = [{"id": m.id, "project": m.project, "title": m.title, "content_md": m.content_md,
               "memory_type": m.memory_type, "tags": m.tags, "confidence": m.confidence,
               "updated_at": m.updated_at} for m in b.memories]
    return corpus, b.queries


def subset(corpus: list[dict[str, Any]], queries: list[dict[str, Any]], n_queries: int,
           n_memories: int, project: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A small slice of one project for quick tests: queries spread over the kinds, every
    memory they label (relevant and decoys), then other memories of the project up to
    ``n_memories``."""
    mine = [q for q in queries if q["projects"] == [project]]
    by_kind = {k: [q for q in mine if q["kind"] == k] for k in KINDS}
    chosen: list[dict[str, Any]] = []
    while len(chosen) < n_queries and any(by_kind.values()):
        for kind in KINDS:
            if by_kind[kind] and len(chosen) < n_queries:
                chosen.append(by_kind[kind].pop(0))
    needed = {i for q in chosen for i in q["relevant"] + q["decoys"]}
    memories = [m for m in corpus if m["id"] in needed]
    memories += [m for m in corpus if m["project"] == project and m["id"] not in needed][
        : max(0, n_memories - len(memories))]
    return memories, chosen


def _dump(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)


def main(argv: list[str] | None = None) -> int:
    """Write (or, with --check, verify) corpus.jsonl and queries.jsonl."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--check", action="store_true", help="fail if the committed files differ")
    args = parser.parse_args(argv)
    corpus, queries = generate(args.seed)
    files = {"corpus.jsonl": _dump(corpus), "queries.jsonl": _dump(queries)}
    if args.check:
        stale = [name for name, text in files.items() if (args.out / name).read_text() != text]
        if stale:
            print(f"out of date: {', '.join(stale)}; rerun bench/evalset/generate.py", file=sys.stderr)
            return 1
    else:
        for name, text in files.items():
            (args.out / name).write_text(text)
    kinds = {k: sum(q["kind"] == k for q in queries) for k in KINDS}
    print(f"{len(corpus)} memories, {len(queries)} queries: {kinds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
