"""Zikra worker: the Flask app n8n calls for embeddings, SQL and token budgeting.

Run it with gunicorn: ``gunicorn 'zikra_worker:create_app()'``.
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

from flask import Flask, g, request
from werkzeug.exceptions import HTTPException

from . import brief, decay, health, jsonlog, memories, memory_edits, prompts, runs, search, stats, tokens
from .embeddings import Embedder
from .config import load_settings
from .errors import ApiError, Unavailable, error_body
from .runtime import Runtime, runtime

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Zikra-Worker-Secret"
OPEN_PATHS = frozenset({"/health"})


def create_app(test_config: dict[str, Any] | None = None, embedder: Embedder | None = None) -> Flask:
    """Build the worker app. ``test_config`` overrides settings (keys as in config.SETTINGS).

    Raises:
        RuntimeError: no worker secret is configured.
        EmbeddingMismatch: the database holds embeddings of another model.
    """
    jsonlog.configure()
    settings = load_settings(test_config)
    if not settings["WORKER_SECRET"]:
        raise RuntimeError("ZIKRA_WORKER_SECRET is not set: the worker refuses to run without it.")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings["MAX_BODY_BYTES"]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["zikra"] = rt = Runtime(settings, embedder)
    for module in (memories, memory_edits, search, brief, prompts, runs, decay, tokens, stats, health):
        app.register_blueprint(module.bp)
    app.before_request(_check_secret)
    app.after_request(_log_request)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    try:
        rt.ensure_ready()
    except Unavailable:
        logger.warning("database not reachable at start; will retry on each request")
    return app


def _check_secret() -> None:
    g.started = time.perf_counter()
    if request.path in OPEN_PATHS:
        return
    expected = runtime().settings["WORKER_SECRET"].encode()
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, expected):
        raise ApiError(401, "worker_secret_mismatch", f"Missing or wrong {SECRET_HEADER} header.")
    runtime().ensure_ready()


def _log_request(response: Any) -> Any:
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    logger.info("request", extra={"method": request.method, "path": request.path,
                                  "status": response.status_code, "ms": round(elapsed, 2)})
    return response


def _api_error(exc: ApiError) -> tuple[dict[str, Any], int]:
    return error_body(exc.code, exc.message, exc.field), exc.status


def _http_error(exc: HTTPException) -> tuple[dict[str, Any], int]:
    status = exc.code or 500
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    message = {413: "The request body is too large."}.get(status, exc.description or exc.name)
    return error_body(codes.get(status, "http_error"), message), status


def _unexpected_error(exc: Exception) -> tuple[dict[str, Any], int]:
    logger.exception("unexpected error", extra={"path": request.path})
    return error_body("internal_error", "The worker failed unexpectedly; see its log."), 500
