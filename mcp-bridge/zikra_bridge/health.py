"""``GET /health``: the bridge is up; are n8n (ready, webhook registered) and the worker healthy?"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
from starlette.requests import Request
from starlette.responses import JSONResponse

from .config import WEBHOOK_PATH
from .errors import error_body

PROBE_TIMEOUT_S = 2.0


class Probe:
    """Asks n8n and the worker how they are, with a short timeout."""

    def __init__(self, n8n_url: str, worker_url: str):
        self.n8n_url = n8n_url
        self.worker_url = worker_url
        self._client = httpx2.AsyncClient(timeout=PROBE_TIMEOUT_S, trust_env=False)

    async def n8n(self) -> dict[str, Any]:
        """``{"status": "ok"}`` when n8n is ready and serves the Zikra webhook, else why not."""
        try:
            ready = await self._client.get(self.n8n_url + "/healthz/readiness")
            if ready.status_code != 200:
                return {"status": "not_ready"}
            # A CORS preflight runs nothing; n8n lists the methods only for a registered path.
            preflight = await self._client.options(self.n8n_url + WEBHOOK_PATH, headers={
                "Origin": "http://127.0.0.1", "Access-Control-Request-Method": "POST"})
        except httpx2.HTTPError:
            return {"status": "unavailable"}
        if not preflight.headers.get("access-control-allow-methods"):
            return {"status": "webhook_missing"}
        return {"status": "ok"}

    async def worker(self) -> dict[str, Any]:
        """The worker's own /health answer (status, database, embedder), or ``unavailable``."""
        try:
            reply = await self._client.get(self.worker_url + "/health")
            body = reply.json()
        except (httpx2.HTTPError, ValueError):
            return {"status": "unavailable"}
        if reply.status_code != 200 or not isinstance(body, dict):
            return {"status": "unhealthy", **(body if isinstance(body, dict) else {})}
        return {**body, "status": "ok"}

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()


def report(n8n: dict[str, Any], worker: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The status and body of /health: 200 when both are ok, else 503 naming what is down."""
    body: dict[str, Any] = {"status": "ok", "bridge": {"status": "ok"}, "n8n": n8n, "worker": worker}
    down = [name for name, state in (("n8n", n8n), ("worker", worker)) if state["status"] != "ok"]
    if not down:
        return 200, body
    body["status"] = "degraded"
    body.update(error_body(f"{down[0]}_unavailable", f"Not healthy: {', '.join(down)}."))
    return 503, body


def health_endpoint(probe: Probe) -> Callable[[Request], Awaitable[JSONResponse]]:
    """The endpoint of ``GET /health``."""

    async def health(_: Request) -> JSONResponse:
        n8n, worker = await asyncio.gather(probe.n8n(), probe.worker())
        status, body = report(n8n, worker)
        return JSONResponse(body, status_code=status)

    return health
