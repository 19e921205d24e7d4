"""Logging in with a pasted token, and out.

The token is checked with the API itself, which also tells the role: ``list_tokens`` answers
200 only to an admin; ``update_memory`` without an id is refused with 403 only to a reader (a
writer gets past the role check to a 400). Neither probe changes anything. The role only decides
which buttons a page shows: the API still decides every request.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..upstream import Answer, Upstream
from .pages import Ui, logged_in, redirect
from .sessions import COOKIE, COOKIE_PATH, Session

MAX_TOKEN_CHARS = 256


class TokenRefused(Exception):
    """The API did not accept the token, or could not check it; carries its answer."""

    def __init__(self, answer: Answer):
        super().__init__(answer.status)
        self.answer = answer


async def role_of(upstream: Upstream, token: str) -> str:
    """The role of a token the API accepts.

    Raises:
        TokenRefused: 401 (unknown or revoked), or the API is unavailable or rate limiting.
    """
    authorization = f"Bearer {token}"
    admin = await upstream.command(authorization, {"command": "list_tokens"})
    if admin.status == 200:
        return "admin"
    if admin.status != 403:
        raise TokenRefused(admin)
    writer = await upstream.command(authorization, {"command": "update_memory"})
    if writer.status == 401 or writer.status >= 429:
        raise TokenRefused(writer)
    return "reader" if writer.status == 403 else "writer"


async def login_form(ui: Ui, request: Request) -> Response:
    """GET /ui/login: the form; an anonymous session holds its CSRF token."""
    session = ui.session(request)
    if session is not None and session.token is not None:
        return redirect("/ui/search")
    session = session or ui.store.new()
    return ui.page(request, session, "login.html", message=None)


async def login(ui: Ui, request: Request) -> Response:
    """POST /ui/login: accept the token into a new session (new id: no fixation), or say why not."""
    form = await request.form()
    session = ui.session(request)
    if session is None or not session.csrf_ok(str(form.get("csrf") or "")):
        fresh = ui.store.new()
        return ui.page(request, fresh, "login.html", status=403,
                       message="The login form had expired; paste your token again.")
    token = str(form.get("token") or "").strip()
    if not token or len(token) > MAX_TOKEN_CHARS or any(c.isspace() for c in token):
        return ui.page(request, session, "login.html", status=400, message="Paste one Zikra token (zk_…).")
    try:
        role = await role_of(ui.upstream, token)
    except TokenRefused as refused:
        error = refused.answer.body.get("error", {}) if isinstance(refused.answer.body, dict) else {}
        return ui.page(request, session, "login.html", status=refused.answer.status,
                       message=error.get("message", "The token was not accepted."))
    ui.store.drop(session.sid)
    new = ui.store.new(token, role)
    return redirect("/ui/search", new, request)


@logged_in
async def logout(ui: Ui, request: Request, session: Session) -> Response:
    """POST /ui/logout: forget the session and clear the cookie."""
    ui.store.drop(session.sid)
    response = redirect("/ui/login")
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response
