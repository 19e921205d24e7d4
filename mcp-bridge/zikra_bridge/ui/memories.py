"""Search and browse memories, one memory's page, and the writers' edit, archive and restore.

With a query the page runs the API's hybrid ``search`` (with ``explain``); without one it lists
with ``list_memories``. Search has no tag filter of its own, so tags (and "archived only") filter
the ranked results here; listing filters them in SQL.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import charts, markdown
from .pages import Ui, logged_in, project_field, redirect
from .sessions import Session

MEMORY_TYPES = ("decision", "error", "requirement", "reference", "user", "feedback", "project")
ARCHIVED = ("exclude", "include", "only")
PAGE_SIZE = 20
# Search results are recalls (the API reinforces each one), so the page asks for a screenful,
# with a token budget large enough that the budget, not the limit, rarely cuts the list.
SEARCH_LIMIT = 20
SEARCH_MAX_TOKENS = 20_000


def _tags(text: str) -> list[str]:
    return [tag.strip() for tag in text.split(",") if tag.strip()]


def _filters(request: Request) -> dict[str, Any]:
    query = request.query_params
    archived = query.get("archived", "exclude")
    memory_type = query.get("memory_type", "")
    page = query.get("page", "1")
    return {"q": query.get("q", "").strip(), "memory_type": memory_type if memory_type in MEMORY_TYPES else "",
            "tags": query.get("tags", "").strip(), "archived": archived if archived in ARCHIVED else "exclude",
            "page": int(page) if page.isdigit() and 0 < int(page) < 5000 else 1}


def _keep(memory: dict[str, Any], tags: list[str], archived: str) -> bool:
    if not set(tags) <= set(memory.get("tags") or []):
        return False
    return archived != "only" or memory.get("archived_at") is not None


@logged_in
async def search(ui: Ui, request: Request, session: Session) -> Response:
    """GET /ui/search: the search box, the filters and the results with their score parts."""
    f, project = _filters(request), project_field(request, session)
    tags = _tags(f["tags"])
    if f["q"]:
        answer = await ui.api(session, "search", query=f["q"], project=project, explain=True, limit=SEARCH_LIMIT,
                              max_tokens=SEARCH_MAX_TOKENS, memory_type=f["memory_type"] or None,
                              include_archived=f["archived"] != "exclude")
        key = "results"
    else:
        answer = await ui.api(session, "list_memories", project=project, memory_type=f["memory_type"] or None,
                              tags=tags or None, archived=f["archived"], limit=PAGE_SIZE,
                              offset=(f["page"] - 1) * PAGE_SIZE)
        key = "memories"
    if answer.status != 200:
        return ui.failed(request, session, answer)
    found = [m for m in answer.body.get(key, []) if _keep(m, tags, f["archived"])]
    return ui.page(request, session, "search.html", f=f, project=session.projects, results=found,
                   ranked=bool(f["q"]), total=answer.body.get("total"), page_size=PAGE_SIZE,
                   memory_types=MEMORY_TYPES, explain_rows=_explain_rows)


def _explain_rows(explain: Any) -> list[tuple[str, str]]:
    """The explain details of a result as (name, value) rows, whatever their shape."""
    if not isinstance(explain, dict):
        return [("explain", _shown(explain))]
    return [(str(name), _shown(value)) for name, value in explain.items()]


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value) or "–"
    if isinstance(value, dict):
        return ", ".join(f"{name} = {_shown(item)}" for name, item in value.items())
    return "–" if value is None else str(value)


def _decay_view(memory: dict[str, Any]) -> dict[str, Any]:
    decay = memory.get("decay") or {}
    if not decay:
        return {}
    now = dt.datetime.now(dt.UTC)
    reinforced = dt.datetime.fromisoformat(decay["reinforced_at"])
    below = dt.datetime.fromisoformat(decay["below_threshold_at"]) if decay.get("below_threshold_at") else None
    days_since = max((now - reinforced).total_seconds() / 86400, 0.0)
    chart = charts.confidence_curve(decay.get("period_days"), decay.get("threshold", 0.1), days_since, below)
    return {**decay, "chart": chart, "below_at": below}


@logged_in
async def memory(ui: Ui, request: Request, session: Session) -> Response:
    """GET /ui/memories/{id}: content rendered safely, history, decay curve, and (for writers) actions."""
    answer = await ui.api(session, "get_memory", id=request.path_params["memory_id"])
    if answer.status != 200:
        return ui.failed(request, session, answer)
    item = answer.body
    return ui.page(request, session, "memory.html", m=item, content=markdown.render(item.get("content_md")),
                   decay=_decay_view(item))


@logged_in
async def edit_form(ui: Ui, request: Request, session: Session) -> Response:
    """GET /ui/memories/{id}/edit: the edit form (the API refuses a reader's submission)."""
    answer = await ui.api(session, "get_memory", id=request.path_params["memory_id"])
    if answer.status != 200:
        return ui.failed(request, session, answer)
    return ui.page(request, session, "edit.html", m=answer.body, memory_types=MEMORY_TYPES)


@logged_in
async def edit(ui: Ui, request: Request, session: Session) -> Response:
    """POST /ui/memories/{id}/edit: update_memory with the form's fields, then back to the memory."""
    form = await request.form()
    memory_id = request.path_params["memory_id"]
    memory_type = str(form.get("memory_type") or "")
    answer = await ui.api(session, "update_memory", id=memory_id, title=str(form.get("title") or "").strip() or None,
                          content_md=str(form.get("content_md") or "").replace("\r\n", "\n") or None,
                          tags=_tags(str(form.get("tags") or "")),
                          memory_type=memory_type if memory_type in MEMORY_TYPES else None)
    if answer.status != 200:
        return ui.failed(request, session, answer)
    return redirect(f"/ui/memories/{memory_id}")


def _state_change(command: str) -> Any:
    @logged_in
    async def change(ui: Ui, request: Request, session: Session) -> Response:
        memory_id = request.path_params["memory_id"]
        answer = await ui.api(session, command, id=memory_id)
        if answer.status != 200:
            return ui.failed(request, session, answer)
        return redirect(f"/ui/memories/{memory_id}")

    change.__doc__ = f"POST /ui/memories/{{id}}/{command.split('_')[0]}: {command}, then back to the memory."
    return change


archive = _state_change("archive_memory")
restore = _state_change("restore_memory")
