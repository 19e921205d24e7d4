"""Runs: a timeline per project of the agents' logged runs, and tokens per day as a bar chart."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import charts
from .pages import Ui, logged_in, project_field
from .sessions import Session

DAY_CHOICES = (7, 30, 90)


def tokens_chart(per_day: list[dict[str, Any]], days: int, today: dt.date) -> Any:
    """Tokens in and out per UTC day over the window, every day shown (zero when nothing ran)."""
    first = today - dt.timedelta(days=days - 1)
    dates = [first + dt.timedelta(days=i) for i in range(days)]
    tokens_in = dict.fromkeys(dates, 0)
    tokens_out = dict.fromkeys(dates, 0)
    for row in per_day:
        day = dt.date.fromisoformat(row["day"])
        if day in tokens_in:
            tokens_in[day] += row.get("tokens_in") or 0
            tokens_out[day] += row.get("tokens_out") or 0
    return charts.stacked_bars([f"{d:%m-%d}" for d in dates],
                               [charts.Series("tokens in", "s-in", [tokens_in[d] for d in dates]),
                                charts.Series("tokens out", "s-out", [tokens_out[d] for d in dates])],
                               f"Tokens per day, last {days} days")


@logged_in
async def runs(ui: Ui, request: Request, session: Session) -> Response:
    """GET /ui/runs: the latest runs per project within the chosen days, and the tokens chart."""
    days_text = request.query_params.get("days", "30")
    days = int(days_text) if days_text.isdigit() and 1 <= int(days_text) <= 365 else 30
    answer = await ui.api(session, "list_runs", project=project_field(request, session), days=days, limit=200)
    if answer.status != 200:
        return ui.failed(request, session, answer)
    by_project: dict[str, list[dict[str, Any]]] = {}
    for run in answer.body.get("runs", []):
        by_project.setdefault(run["project"], []).append(run)
    chart = tokens_chart(answer.body.get("tokens_per_day", []), days, dt.datetime.now(dt.UTC).date())
    return ui.page(request, session, "runs.html", project=session.projects, days=days, day_choices=DAY_CHOICES,
                   by_project=by_project, chart=chart, count=answer.body.get("count", 0))
