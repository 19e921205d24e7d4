"""Decay at a glance: per memory type, how many memories are fresh, fading and archived."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import charts
from .memories import MEMORY_TYPES
from .pages import Ui, logged_in, project_field
from .sessions import Session

STATES = ("fresh", "fading", "archived")


def totals(projects: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per memory type, the counts of every listed project added up."""
    out: dict[str, dict[str, int]] = {}
    for project in projects:
        for memory_type, counts in (project.get("decay") or {}).items():
            row = out.setdefault(memory_type, dict.fromkeys(STATES, 0))
            for state in STATES:
                row[state] += counts.get(state, 0)
    return {t: out[t] for t in MEMORY_TYPES if t in out} | {t: c for t, c in out.items() if t not in MEMORY_TYPES}


@logged_in
async def decay(ui: Ui, request: Request, session: Session) -> Response:
    """GET /ui/decay: the stats of the chosen projects, drawn per type as stacked bars."""
    answer = await ui.api(session, "stats", project=project_field(request, session))
    if answer.status != 200:
        return ui.failed(request, session, answer)
    projects = answer.body.get("projects", [])
    by_type = totals(projects)
    chart = charts.horizontal_bars(list(by_type), [
        charts.Series("fresh", "s-fresh", [c["fresh"] for c in by_type.values()]),
        charts.Series("fading", "s-fading", [c["fading"] for c in by_type.values()]),
        charts.Series("archived", "s-archived", [c["archived"] for c in by_type.values()]),
    ], "Memories per type: fresh, fading, archived")
    return ui.page(request, session, "decay.html", project=session.projects, projects=projects, by_type=by_type,
                   chart=chart, policy=answer.body.get("decay_policy"))
