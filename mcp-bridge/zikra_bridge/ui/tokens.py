"""Tokens (admin only): list, create (the new token is shown once), revoke. The API refuses
anyone else with 403, which the page shows."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .pages import Ui, logged_in, redirect
from .sessions import Session

ROLES = ("reader", "writer", "admin")


async def _listing(ui: Ui, request: Request, session: Session, created: dict | None = None,
                   status: int = 200) -> Response:
    answer = await ui.api(session, "list_tokens")
    if answer.status != 200:
        return ui.failed(request, session, answer)
    return ui.page(request, session, "tokens.html", status=status, tokens=answer.body.get("tokens", []),
                   created=created, roles=ROLES)


@logged_in
async def tokens(ui: Ui, request: Request, session: Session) -> Response:
    """GET /ui/tokens: every token, newest last, with a revoke button on live ones."""
    return await _listing(ui, request, session)


@logged_in
async def create(ui: Ui, request: Request, session: Session) -> Response:
    """POST /ui/tokens/create: make a token and show it on this one answer (never stored, never again)."""
    form = await request.form()
    names = [p.strip() for p in str(form.get("projects") or "").split(",") if p.strip()]
    answer = await ui.api(session, "create_token", owner=str(form.get("owner") or "").strip() or None,
                          role=str(form.get("role") or "") or None, projects=names or None)
    if answer.status not in (200, 201):
        return ui.failed(request, session, answer)
    return await _listing(ui, request, session, created=answer.body, status=201)


@logged_in
async def revoke(ui: Ui, request: Request, session: Session) -> Response:
    """POST /ui/tokens/{id}/revoke: revoke it now (a revoked token is refused at once)."""
    answer = await ui.api(session, "revoke_token", id=request.path_params["token_id"])
    if answer.status != 200:
        return ui.failed(request, session, answer)
    return redirect("/ui/tokens")
