"""What every page of the browser shares: the session of a request, calling the webhook API with
its token, rendering a template with the security headers, and the error page.

Every piece of data comes from ``POST /webhook/zikra`` (n8n) with the logged-in user's bearer
token, so n8n enforces roles and projects exactly as it does for agents.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..upstream import Answer, Upstream
from .sessions import COOKIE, COOKIE_PATH, IDLE_S, Session, SessionStore

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
# No inline script or style, nothing from another origin: a memory that slipped past escaping
# still could not run script or load anything. SVG presentation attributes are not styles.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

Handler = Callable[["Ui", Request, Session], Awaitable[Response]]


class Ui:
    """The browser's shared state: the n8n client, the sessions and the templates."""

    def __init__(self, upstream: Upstream, store: SessionStore | None = None):
        self.upstream = upstream
        self.store = store or SessionStore()
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                      undefined=jinja2.StrictUndefined)

    def session(self, request: Request) -> Session | None:
        """The request's live session, if its cookie names one."""
        return self.store.get(request.cookies.get(COOKIE))

    async def api(self, session: Session, command: str, **fields: Any) -> Answer:
        """One API command with the session's token; fields that are None are left out."""
        body = {"command": command, **{k: v for k, v in fields.items() if v is not None}}
        return await self.upstream.command(f"Bearer {session.token}", body)

    def page(self, request: Request, session: Session | None, template: str, status: int = 200,
             **context: Any) -> HTMLResponse:
        """A rendered page with the security headers, refreshing the session cookie."""
        html = self.env.get_template(template).render(session=session, request=request, **context)
        response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
        if session is not None:
            set_cookie(request, response, session)
        return response

    def error(self, request: Request, session: Session | None, status: int, message: str,
              code: str = "error") -> HTMLResponse:
        """The error page, with the status the API (or the browser) answered."""
        return self.page(request, session, "error.html", status=status, status_code=status, code=code,
                         message=message)

    def failed(self, request: Request, session: Session, answer: Answer) -> HTMLResponse:
        """The error page for a refused API call; a 401 means the token is gone: log out."""
        error = answer.body.get("error", {}) if isinstance(answer.body, dict) else {}
        if answer.status == 401:
            self.store.drop(session.sid)
            session = None  # type: ignore[assignment]
        return self.error(request, session, answer.status, error.get("message", "The API refused the request."),
                          error.get("code", "error"))


def set_cookie(request: Request, response: Response, session: Session) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure when served over HTTPS, only under /ui."""
    https = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    response.set_cookie(COOKIE, session.sid, max_age=int(IDLE_S), path=COOKIE_PATH, httponly=True,
                        samesite="strict", secure=https)


def redirect(url: str, session: Session | None = None, request: Request | None = None) -> RedirectResponse:
    """A 303 (after a POST, the browser GETs the next page)."""
    response = RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
    if session is not None and request is not None:
        set_cookie(request, response, session)
    return response


def logged_in(handler: Handler) -> Callable[[Ui], Callable[[Request], Awaitable[Response]]]:
    """A page for logged-in users: no session sends the browser to the login form. POSTs must carry
    the session's CSRF token (field ``csrf``), else 403."""

    def bind(ui: Ui) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session = ui.session(request)
            if session is None or session.token is None:
                if request.method == "POST":
                    return ui.error(request, None, 401, "Your session has ended: log in again.", "unauthorized")
                return redirect("/ui/login")
            if request.method == "POST":
                form = await request.form()
                if not session.csrf_ok(str(form.get("csrf") or "")):
                    return ui.error(request, session, 403, "The form is stale or forged (CSRF check failed); "
                                    "reload the page and try again.", "forbidden")
            return await handler(ui, request, session)

        return endpoint

    return bind


def project_field(request: Request, session: Session) -> str | list[str] | None:
    """The ``project`` to send: the form's (remembered for the next page), else the last one used;
    names separated by commas make a list. None lets the API pick the token's default."""
    given = request.query_params.get("project")
    if given is not None:
        session.projects = given.strip()
    names = [name.strip() for name in session.projects.split(",") if name.strip()]
    if not names:
        return None
    return names[0] if len(names) == 1 else names
