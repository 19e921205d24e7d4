"""The MCP tools: one per API command an agent uses (all but token management), same names and
arguments (docs/api.md), each a webhook call made with the caller's bearer token, so roles hold
the same over MCP as over HTTP.

An API error (400, 403, 404, ...) becomes a tool error carrying the API's message, which the
model can act on. The server is built by :func:`build_server`; the webhook client and the way
to learn who is calling come in through its lifespan (:class:`ToolState`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from .agents import agent_of
from .handshake import INSTRUCTIONS, SERVER_NAME, VERSION, unwrapped
from .responses import (Edited, Memory, MemoryList, MemoryType, Prompt, PromptSaved, RunList, RunLogged, RunStatus,
                        Saved, SearchResults, Stats)
from .upstream import Answer, Upstream

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    """Who calls a tool: the Authorization header to forward, and their default project."""

    authorization: str | None
    default_project: str | None


@dataclass(frozen=True)
class ToolState:
    """What the tools need, handed to them through the server's lifespan."""

    upstream: Upstream
    caller_of: Callable[[Context], Caller]


Project = Annotated[str | None, Field(
    description="Project to use. Leave it out to use the project this client is configured for "
                "(its X-Zikra-Project header or ZIKRA_PROJECT); without one, the server's default.")]
Projects = Annotated[str | list[str] | None, Field(
    description="Project, or a list of projects to cover together. Leave it out to use the project "
                "this client is configured for.")]
Tags = Annotated[list[str] | None, Field(description="Short labels, e.g. [\"auth\", \"postgres\"].")]
Title = Annotated[str, Field(description="Short, specific title; saving the same title in the same project "
                                         "again updates that memory instead of adding a twin.")]
Content = Annotated[str, Field(description="The content, in Markdown: what, why, and how to apply it.")]
IdempotencyKey = Annotated[str | None, Field(max_length=200, description=(
    "Optional unique key for this write, to retry safely: a repeat with the same key writes nothing "
    "and gets the first answer."))]

READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
UPSERT = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
APPEND = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)
# Changes what a memory says or whether search sees it (reversible: restore_memory, or another update).
EDIT = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False)


def _error_text(answer: Answer) -> str:
    """``403 forbidden: A reader token may not run save_memory.`` from an API error answer."""
    error = answer.body.get("error", {}) if isinstance(answer.body, dict) else {}
    text = f"{answer.status} {error.get('code', 'error')}: {error.get('message', 'the API refused the call')}"
    return text + (f" (field: {error['field']})" if error.get("field") else "")


def _client_agent(ctx: Context) -> str | None:
    """The agent behind the MCP client (e.g. ``gemini-cli``), from the name its handshake sent."""
    params = ctx.request_context.session.client_params
    return agent_of(params.client_info.name) if params is not None and params.client_info is not None else None


async def call_api(ctx: Context, command: str, fields: dict[str, Any], *, default_project: bool = True) -> Any:
    """Run one API command as the caller; return the API's JSON body.

    Raises:
        ToolError: the API refused the call or is unavailable; the message is the API's.
    """
    state: ToolState = ctx.request_context.lifespan_context
    caller = state.caller_of(ctx)
    body = {"command": command, **{key: value for key, value in fields.items() if value is not None}}
    if default_project and "project" not in body and caller.default_project:
        body["project"] = caller.default_project
    started = time.perf_counter()
    answer = await state.upstream.command(caller.authorization, body)
    logger.info("tool call", extra={"tool": command, "status": answer.status,
                                    "ms": round((time.perf_counter() - started) * 1000, 1)})
    if answer.status >= 400:
        raise ToolError(_error_text(answer))
    return answer.body


async def search(
    ctx: Context,
    query: Annotated[str, Field(description="What you want to know, in plain words, e.g. "
                                            "'how do we deploy the API?' or an error message.")],
    project: Projects = None,
    limit: Annotated[int | None, Field(ge=1, le=50, description="Most results to return (default 5).")] = None,
    memory_type: Annotated[MemoryType | list[MemoryType] | None, Field(
        description="Only memories of this type (or these types).")] = None,
    max_tokens: Annotated[int | None, Field(ge=1, description="Token budget of the whole answer "
                                                              "(server default 2000).")] = None,
    include_archived: Annotated[bool, Field(description="Also search memories archived by decay.")] = False,
    explain: Annotated[bool, Field(description="Add to each result an explain object saying why it ranked there "
                                               "(BM25 terms, vector similarity, confidence, the formula).")] = False,
    min_relevance: Annotated[float | None, Field(ge=0, le=1, description=(
        "Leave out results whose calibrated relevance is below this (0..1; 0.6 keeps only clear matches)."))] = None,
) -> SearchResults:
    """Search the team's memory by meaning and keywords. Call it before making a decision that may
    have been made before, when an error looks familiar, or to recall project conventions. Returns
    the best matches first, each with its title, content (cut to fit the token budget), type, tags,
    score and why it ranked (parts); an empty list when nothing matches."""
    return await call_api(ctx, "search", {
        "query": query, "project": project, "limit": limit, "memory_type": memory_type,
        "max_tokens": max_tokens, "include_archived": include_archived or None, "explain": explain or None,
        "min_relevance": min_relevance})


async def save_memory(
    ctx: Context,
    title: Title,
    content_md: Content,
    project: Project = None,
    memory_type: Annotated[MemoryType | None, Field(
        description="decision (default): a choice and its reasons; error: a bug and its fix; "
                    "requirement: a product need; reference: a pointer to docs or a resource; "
                    "user: the user's preferences; feedback: a correction of how you work; "
                    "project: goals, context, deadlines.")] = None,
    tags: Tags = None,
    source: Annotated[str | None, Field(description="Who wrote it (default: the agent of this MCP client, e.g. "
                                                    "'claude-code').")] = None,
    idempotency_key: IdempotencyKey = None,
) -> Saved:
    """Save something a later session should know: a decision and why, a convention, a pattern, a
    person's preference. Saving the same title in the same project again updates that memory.
    Returns its id, status (created or updated) and similar_to: existing memories with nearly the
    same content; if one is listed, consider updating that one instead."""
    return await call_api(ctx, "save_memory", {
        "title": title, "content_md": content_md, "project": project, "memory_type": memory_type,
        "tags": tags, "source": source or _client_agent(ctx), "idempotency_key": idempotency_key})


async def get_memory(
    ctx: Context,
    id: Annotated[str | None, Field(description="The memory's id, as search returned it.")] = None,
    title: Annotated[str | None, Field(description="The memory's exact title (with project).")] = None,
    project: Annotated[str | None, Field(
        description="Project to look in. With an id, leave it out to look in every project you may "
                    "read; with a title, it defaults to the project this client is configured for.")] = None,
) -> Memory:
    """Read one memory whole, by id or by exact title, when a search result was cut short or you
    need its full text. Returns every field of the memory; an error if there is no such memory."""
    return await call_api(ctx, "get_memory", {"id": id, "title": title, "project": project},
                          default_project=id is None)


async def get_prompt(
    ctx: Context,
    prompt_name: Annotated[str, Field(description="The prompt's name, e.g. 'release' or 'code-review'.")],
    project: Project = None,
) -> Prompt:
    """Fetch a saved runbook or instruction set by name, when the user asks you to run a named
    procedure (e.g. 'do the release'). Returns its Markdown content and description."""
    return await call_api(ctx, "get_prompt", {"prompt_name": prompt_name, "project": project})


async def save_prompt(
    ctx: Context,
    prompt_name: Annotated[str, Field(description="A short name to fetch it by, e.g. 'release'.")],
    content_md: Annotated[str, Field(description="The runbook or instructions, in Markdown.")],
    project: Project = None,
    description: Annotated[str | None, Field(description="One line on what it is for.")] = None,
) -> PromptSaved:
    """Store a runbook or instruction set under a name, replacing one of the same name, so any agent
    can run it later with get_prompt. Returns its name, project and status (created or replaced)."""
    return await call_api(ctx, "save_prompt", {
        "prompt_name": prompt_name, "content_md": content_md, "project": project, "description": description})


async def save_requirement(ctx: Context, title: Title, content_md: Content, project: Project = None,
                           tags: Tags = None, idempotency_key: IdempotencyKey = None) -> Saved:
    """Save a product requirement from a user or PM (what must be true, acceptance criteria).
    Requirements never decay. Returns its id, status (created or updated) and similar_to."""
    return await call_api(ctx, "save_requirement", {
        "title": title, "content_md": content_md, "project": project, "tags": tags,
        "idempotency_key": idempotency_key})


async def log_error(ctx: Context, title: Title, content_md: Content, project: Project = None,
                    tags: Tags = None, idempotency_key: IdempotencyKey = None) -> Saved:
    """Record a bug, failure or known issue with its cause and fix, so the next agent that meets it
    finds the answer with search. Returns its id, status (created or updated) and similar_to."""
    return await call_api(ctx, "log_error", {
        "title": title, "content_md": content_md, "project": project, "tags": tags,
        "idempotency_key": idempotency_key})


async def log_run(
    ctx: Context,
    status: Annotated[RunStatus, Field(description="How the session ended.")],
    project: Project = None,
    output_summary: Annotated[str | None, Field(description="What was done and what is left, briefly.")] = None,
    session_id: Annotated[str | None, Field(description="Your session's id, if you know it.")] = None,
    agent: Annotated[str | None, Field(description="Which agent ran, e.g. 'claude-code' (default: the agent of "
                                                   "this MCP client).")] = None,
    tokens_in: Annotated[int | None, Field(ge=0, description="Input tokens used.")] = None,
    tokens_out: Annotated[int | None, Field(ge=0, description="Output tokens used.")] = None,
    duration_s: Annotated[float | None, Field(ge=0, description="How long the session took, seconds.")] = None,
    files_changed: Annotated[list[str] | None, Field(description="Paths of the files changed.")] = None,
    idempotency_key: IdempotencyKey = None,
) -> RunLogged:
    """Log a finished work session: its status, a summary and the files changed, so the team can
    see what each agent did. Call it once at the end of a task. Returns the run's id."""
    return await call_api(ctx, "log_run", {
        "status": status, "project": project, "output_summary": output_summary, "session_id": session_id,
        "agent": agent or _client_agent(ctx), "tokens_in": tokens_in, "tokens_out": tokens_out,
        "duration_s": duration_s, "files_changed": files_changed, "idempotency_key": idempotency_key})


async def stats(ctx: Context, project: Projects = None) -> Stats:
    """How much the memory holds: per project, the number of live and archived memories, the count
    by type and when the last save was. Call it to see whether a project has memories at all."""
    return await call_api(ctx, "stats", {"project": project})


MemoryId = Annotated[str, Field(description="The memory's id, as search, list_memories or get_memory returned it.")]
InProject = Annotated[str | None, Field(
    description="Only act if the memory is in this project; leave it out to find it in every project you may "
                "use.")]


async def list_memories(
    ctx: Context,
    project: Projects = None,
    memory_type: Annotated[MemoryType | list[MemoryType] | None, Field(
        description="Only memories of this type (or these types).")] = None,
    tags: Annotated[list[str] | None, Field(description="Only memories carrying all of these tags.")] = None,
    archived: Annotated[Literal["exclude", "include", "only"] | None, Field(
        description="Archived memories: exclude (default), include, or only them.")] = None,
    limit: Annotated[int | None, Field(ge=1, le=100, description="Most memories to return (default 20).")] = None,
    offset: Annotated[int | None, Field(ge=0, description="How many to skip, to page on (default 0).")] = None,
) -> MemoryList:
    """List a project's memories, newest change first, each with its id, title, type, tags and the
    start of its content, e.g. to review what is stored or find the ones to tidy up. It does not
    count as using them (no decay reinforcement). Returns the page and the total."""
    return await call_api(ctx, "list_memories", {
        "project": project, "memory_type": memory_type, "tags": tags, "archived": archived, "limit": limit,
        "offset": offset})


async def update_memory(
    ctx: Context,
    id: MemoryId,
    title: Annotated[str | None, Field(description="A new title.")] = None,
    content_md: Annotated[str | None, Field(description="The corrected content, in Markdown; it replaces "
                                                        "the old content whole.")] = None,
    tags: Annotated[list[str] | None, Field(description="The new tags; they replace the old ones.")] = None,
    memory_type: Annotated[MemoryType | None, Field(description="A new type.")] = None,
    project: InProject = None,
) -> Edited:
    """Correct a memory that is wrong or outdated, in place: send its id and at least one of title,
    content_md, tags and memory_type (what you leave out is kept). Call it when what the memory says
    no longer holds, instead of saving a contradicting twin. Returns the memory as it is now."""
    return await call_api(ctx, "update_memory", {
        "id": id, "title": title, "content_md": content_md, "tags": tags, "memory_type": memory_type,
        "project": project}, default_project=False)


async def archive_memory(ctx: Context, id: MemoryId, project: InProject = None) -> Edited:
    """Archive a memory that is no longer true or useful: it is kept but leaves search and the
    brief (search with include_archived still finds it, restore_memory brings it back). Returns
    the memory with its archived_at."""
    return await call_api(ctx, "archive_memory", {"id": id, "project": project}, default_project=False)


async def restore_memory(ctx: Context, id: MemoryId, project: InProject = None) -> Edited:
    """Bring an archived memory back into search, its decay clock started again, when it turns out
    to be still true. Returns the memory as it is now."""
    return await call_api(ctx, "restore_memory", {"id": id, "project": project}, default_project=False)


async def list_runs(
    ctx: Context,
    project: Projects = None,
    limit: Annotated[int | None, Field(ge=1, le=500, description="Most runs to return (default 50).")] = None,
    days: Annotated[int | None, Field(ge=1, le=3650, description="How many days back to look (default 30).")] = None,
) -> RunList:
    """List the latest logged sessions of a project (status, summary, agent, tokens, files
    changed), newest first, and the tokens used per day, e.g. to see what the last sessions did
    before continuing their work."""
    return await call_api(ctx, "list_runs", {"project": project, "limit": limit, "days": days})


@with_config(ConfigDict(extra="allow"))
class BriefItem(TypedDict, total=False):
    """One item of a brief: a memory (or the last run) with its id and type."""

    id: str
    type: str
    section: str
    title: str
    content_md: str
    updated_at: str
    truncated: bool


@with_config(ConfigDict(extra="allow"))
class Brief(TypedDict, total=False):
    """Answer of brief: the brief as Markdown text, and its items."""

    project: str
    text: str
    items: list[BriefItem]
    count: int
    tokens_used: int
    max_tokens: int
    truncated: bool
    command: str


async def brief(
    ctx: Context,
    project: Project = None,
    max_tokens: Annotated[int | None, Field(ge=1, le=20000, description="Token budget of the brief "
                                                                        "(default 800).")] = None,
) -> Brief:
    """What this project's team knows, in short: its requirements, the latest decisions, recent open
    errors and the last session's summary, most useful first, each with its id and type. Call it at
    the start of a task in a project you have not seen in this conversation (Claude Code's Zikra hooks
    inject it at session start already); fetch a whole item with get_memory and its id."""
    return await call_api(ctx, "brief", {"project": project, "max_tokens": max_tokens})


TOOLS = ((search, READ), (brief, READ), (save_memory, UPSERT), (get_memory, READ), (get_prompt, READ),
         (save_prompt, UPSERT), (save_requirement, UPSERT), (log_run, APPEND), (log_error, UPSERT),
         (stats, READ), (list_memories, READ), (update_memory, EDIT), (archive_memory, EDIT),
         (restore_memory, UPSERT), (list_runs, READ))


def build_server(state: ToolState) -> MCPServer[ToolState]:
    """The MCP server with every tool; ``state`` reaches the tools through the lifespan."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[ToolState]) -> AsyncIterator[ToolState]:
        yield state

    server: MCPServer[ToolState] = MCPServer(SERVER_NAME, instructions=unwrapped(INSTRUCTIONS), version=VERSION,
                                             lifespan=lifespan)
    for tool, hints in TOOLS:
        server.add_tool(tool, description=unwrapped(tool.__doc__ or ""), annotations=hints)
    return server
