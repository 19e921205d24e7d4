"""The memory browser (issue 9), served by the bridge under ``/ui`` on the public base URL.

Server-rendered pages (Jinja2 templates, inline SVG charts, one small CSS and JS file shipped
here); all data comes from the webhook API with the logged-in user's token. See docs/ui.md.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ..upstream import Upstream
from . import decay, login, memories, runs, tokens
from .pages import Ui, redirect

STATIC = Path(__file__).parent / "static"


def routes(upstream: Upstream) -> list[BaseRoute]:
    """The browser's routes, to add to the bridge's app."""
    ui = Ui(upstream)

    def bound(endpoint):  # type: ignore[no-untyped-def]
        async def call(request: Request) -> Response:
            return await endpoint(ui, request)
        return call

    async def home(_: Request) -> Response:
        return redirect("/ui/search")

    memory = "/ui/memories/{memory_id}"
    return [
        Route("/ui", home, methods=["GET"]),
        Route("/ui/", home, methods=["GET"]),
        Route("/ui/login", bound(login.login_form), methods=["GET"]),
        Route("/ui/login", bound(login.login), methods=["POST"]),
        Route("/ui/logout", login.logout(ui), methods=["POST"]),
        Route("/ui/search", memories.search(ui), methods=["GET"]),
        Route(memory, memories.memory(ui), methods=["GET"]),
        Route(memory + "/edit", memories.edit_form(ui), methods=["GET"]),
        Route(memory + "/edit", memories.edit(ui), methods=["POST"]),
        Route(memory + "/archive", memories.archive(ui), methods=["POST"]),
        Route(memory + "/restore", memories.restore(ui), methods=["POST"]),
        Route("/ui/runs", runs.runs(ui), methods=["GET"]),
        Route("/ui/decay", decay.decay(ui), methods=["GET"]),
        Route("/ui/tokens", tokens.tokens(ui), methods=["GET"]),
        Route("/ui/tokens/create", tokens.create(ui), methods=["POST"]),
        Route("/ui/tokens/{token_id}/revoke", tokens.revoke(ui), methods=["POST"]),
        Mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static"),
    ]
