"""Worker settings: one table of defaults, overridden by ZIKRA_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    """One setting: its key, default, parser and meaning (listed in the README)."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str


def _bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", "postgresql://postgres@127.0.0.1:54329/zikra", str,
            "PostgreSQL with pgvector holding the memories (DATABASE_URL also works)."),
    Setting("WORKER_SECRET", "", str,
            "Shared secret n8n sends in X-Zikra-Worker-Secret; required."),
    Setting("EMBEDDING_PROVIDER", "local", str,
            "local (offline all-MiniLM-L6-v2), openai, or openai-compatible."),
    Setting("EMBEDDING_MODEL", "", str,
            "Model name; default per provider (all-MiniLM-L6-v2, text-embedding-3-small)."),
    Setting("EMBEDDING_BASE_URL", "", str,
            "Base URL of an OpenAI-compatible endpoint (Ollama: http://127.0.0.1:11434/v1)."),
    Setting("EMBEDDING_API_KEY", "", str, "API key for openai; OPENAI_API_KEY also works."),
    Setting("EMBEDDING_THREADS", 2, int,
            "Threads of the local model per worker process (one text uses both cores when idle)."),
    Setting("EMBEDDING_TIMEOUT_S", 10.0, float, "Timeout of one remote embedding call."),
    Setting("DEFAULT_MAX_TOKENS", 2000, int, "Search token budget when a request sets none."),
    Setting("SIMILAR_THRESHOLD", 0.92, float,
            "Cosine similarity from which a save reports another memory in similar_to."),
    Setting("SEARCH_CANDIDATES", 60, int,
            "Candidates taken from each signal (vector, keyword) before fusion."),
    Setting("RRF_K", 5, int, "Reciprocal rank fusion constant (tuned in docs/search-quality.md)."),
    Setting("CONFIDENCE_WEIGHT", 0.5, float,
            "Share of the score that confidence scales: score = rrf * (1 - w + w * confidence)."),
    Setting("MAX_BODY_BYTES", 1024 * 1024, int, "Largest request body; larger is a 413."),
    Setting("RATE_LIMIT_PER_MINUTE", 600, int,
            "Requests one token may make per minute (counted at the token check); more is a 429. 0: no limit."),
    Setting("DB_POOL_MAX", 4, int, "Database connections per worker process."),
    Setting("DB_TIMEOUT_S", 3.0, float, "How long a request waits for a database connection."),
    Setting("MIGRATIONS_DIR", str(REPO_ROOT / "db"), str, "Folder of the NNN_*.sql migrations."),
    Setting("MIGRATE_ON_START", True, _bool, "Apply pending migrations when the worker starts."),
)


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return every setting: defaults, then ZIKRA_<NAME> from the environment, then overrides."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = os.environ.get("ZIKRA_" + setting.name)
        if raw is None and setting.name == "DATABASE_URL":
            raw = os.environ.get("DATABASE_URL")
        if raw is None and setting.name == "EMBEDDING_API_KEY":
            raw = os.environ.get("OPENAI_API_KEY")
        values[setting.name] = setting.default if raw in (None, "") else setting.parse(raw)
    values.update(overrides or {})
    return values
