"""What each tool returns: the API's JSON bodies (docs/api.md) as TypedDicts, so clients get an
output schema. Every key is optional and unknown keys are kept, so a field the API adds later
reaches the agent instead of failing validation."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

MemoryType = Literal["decision", "error", "requirement", "reference", "user", "feedback", "project"]
RunStatus = Literal["success", "failure", "partial", "cancelled"]

_OPEN = ConfigDict(extra="allow")


@with_config(_OPEN)
class Similar(TypedDict, total=False):
    """A memory of the same project whose content is close to the one just saved."""

    id: str
    title: str
    similarity: float


@with_config(_OPEN)
class Saved(TypedDict, total=False):
    """Answer of save_memory, save_requirement and log_error."""

    id: str
    status: str  # "created" or "updated"
    similar_to: list[Similar]
    command: str


@with_config(_OPEN)
class Memory(TypedDict, total=False):
    """One memory, as get_memory returns it (content whole)."""

    id: str
    project: str
    title: str
    content_md: str
    memory_type: str
    tags: list[str]
    source: str | None
    created_by: str | None
    created_at: str
    updated_at: str
    last_accessed_at: str | None
    access_count: int
    confidence: float
    archived_at: str | None
    command: str


@with_config(_OPEN)
class RankParts(TypedDict, total=False):
    """Why a result ranked where it did: each signal's rank (null: that signal missed it)."""

    vector_rank: int | None
    vector_similarity: float | None
    keyword_rank: int | None
    confidence: float | None


@with_config(_OPEN)
class SearchResult(Memory, total=False):
    """A memory found by search, content possibly cut to the token budget."""

    score: float
    parts: RankParts
    truncated: bool


@with_config(_OPEN)
class SearchResults(TypedDict, total=False):
    """Answer of search: results best first, packed into max_tokens."""

    results: list[SearchResult]
    count: int
    tokens_used: int
    max_tokens: int
    truncated: bool
    command: str


@with_config(_OPEN)
class Prompt(TypedDict, total=False):
    """A saved runbook or instruction set."""

    prompt_name: str
    content_md: str
    description: str | None
    project: str
    updated_at: str
    command: str


@with_config(_OPEN)
class PromptSaved(TypedDict, total=False):
    """Answer of save_prompt."""

    prompt_name: str
    project: str
    status: str  # "created" or "replaced"
    command: str


@with_config(_OPEN)
class RunLogged(TypedDict, total=False):
    """Answer of log_run."""

    id: str
    command: str


@with_config(_OPEN)
class ProjectStats(TypedDict, total=False):
    """Numbers of one project."""

    project: str
    count: int
    archived: int
    by_type: dict[str, int]
    last_saved_at: str | None


@with_config(_OPEN)
class Stats(TypedDict, total=False):
    """Answer of stats: one entry per project that has memories."""

    projects: list[ProjectStats]
    command: str


@with_config(_OPEN)
class Edited(Memory, total=False):
    """Answer of update_memory, archive_memory and restore_memory: the memory after the change."""

    status: str  # "updated", "archived" or "restored"


@with_config(_OPEN)
class MemoryListed(Memory, total=False):
    """A memory in a listing, content cut to a preview."""

    truncated: bool


@with_config(_OPEN)
class MemoryList(TypedDict, total=False):
    """Answer of list_memories: one page, newest change first."""

    memories: list[MemoryListed]
    count: int
    total: int
    limit: int
    offset: int
    command: str


@with_config(_OPEN)
class Run(TypedDict, total=False):
    """One logged session."""

    id: str
    project: str
    status: str
    output_summary: str | None
    session_id: str | None
    agent: str | None
    tokens_in: int | None
    tokens_out: int | None
    duration_s: float | None
    files_changed: list[str] | None
    created_by: str | None
    created_at: str


@with_config(_OPEN)
class TokensPerDay(TypedDict, total=False):
    """Runs and tokens of one project on one UTC day."""

    day: str
    project: str
    runs: int
    tokens_in: int
    tokens_out: int


@with_config(_OPEN)
class RunList(TypedDict, total=False):
    """Answer of list_runs: the latest runs, and tokens per day."""

    runs: list[Run]
    count: int
    days: int
    tokens_per_day: list[TokensPerDay]
    command: str
