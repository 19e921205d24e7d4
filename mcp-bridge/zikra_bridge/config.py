"""Bridge settings: one table of defaults, overridden by ZIKRA_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

WEBHOOK_PATH = "/webhook/zikra"


@dataclass(frozen=True)
class Setting:
    """One setting: its name (after ``ZIKRA_``), default, parser and meaning (listed in docs/mcp.md)."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str


def _names(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


SETTINGS: tuple[Setting, ...] = (
    Setting("BRIDGE_HOST", "127.0.0.1", str, "Address the bridge listens on (loopback by default)."),
    Setting("BRIDGE_PORT", 7723, int, "Port of the public base URL."),
    Setting("BRIDGE_ALLOWED_HOSTS", (), _names,
            "Extra Host headers MCP requests may carry (comma-separated, `name:*` for any port), "
            "when the bridge is served under a name other than localhost."),
    Setting("BRIDGE_ALLOWED_ORIGINS", (), _names,
            "Extra browser Origins MCP requests may carry (comma-separated, e.g. `https://zikra.lan`)."),
    Setting("BRIDGE_AUTH_CACHE_S", 30.0, float,
            "How long a bearer token that n8n accepted opens /mcp and /sse without asking again."),
    Setting("BRIDGE_TIMEOUT_S", 30.0, float, "How long the bridge waits for n8n before a 503."),
    Setting("N8N_URL", "http://127.0.0.1:5678", str, "n8n's base URL (the bridge calls its webhook)."),
    Setting("N8N_WEBHOOK_URLS", (), _names,
            "Base URLs of n8n webhook processors (queue mode, comma-separated): webhook requests go to each "
            "in turn, skipping one that refuses connections. Empty: all go to N8N_URL."),
    Setting("WORKER_URL", "http://127.0.0.1:7724", str, "The worker's base URL (for /health only)."),
    Setting("MAX_BODY_BYTES", 1024 * 1024, int, "Largest request body; larger is a 413."),
    Setting("LOG_LEVEL", "INFO", str, "Level of the bridge's JSON log lines on stderr."),
)


def load(environ: Mapping[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    """Every setting: defaults, then ``ZIKRA_<NAME>`` from the environment, then ``overrides``.

    Raises:
        ValueError: a variable does not parse (the message names it).
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get("ZIKRA_" + setting.name)
        try:
            values[setting.name] = setting.default if raw in (None, "") else setting.parse(raw)
        except ValueError:
            raise ValueError(f"ZIKRA_{setting.name}={raw!r} is not valid: {setting.help}") from None
    values.update(overrides)
    values["N8N_URL"] = values["N8N_URL"].rstrip("/")
    values["WORKER_URL"] = values["WORKER_URL"].rstrip("/")
    values["N8N_WEBHOOK_URLS"] = tuple(url.rstrip("/") for url in values["N8N_WEBHOOK_URLS"])
    return values
