"""Hook settings: one table of defaults, then ``<ZIKRA_HOOKS_HOME>/config.json`` (written by
``zikra-hooks install``), then ``ZIKRA_*`` environment variables, which win."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

WEBHOOK_PATH = "/webhook/zikra"
CONFIG_FILE = "config.json"
# SPEC §9: a hook never blocks the agent. No single request may wait longer than this.
MAX_REQUEST_TIMEOUT_S = 1.5
# The relevance bar of prompt recall: search's calibrated recommendation for injection
# (docs/search.md: an unrelated prompt passes it 1.6 % of the time on the synthetic set, never on
# real text). Results whose parts.relevance is below it are not injected.
DEFAULT_MIN_RELEVANCE = 0.6


# NamedTuples, not dataclasses: importing dataclasses (and the inspect module it pulls in) costs
# ~14 ms here, a tenth of the recall hooks' budget for a whole run.
class Setting(NamedTuple):
    """One setting: its name (after ``ZIKRA_``), default, parser and meaning (listed in docs/claude-code.md)."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    in_file: bool = False


def _flag(value: str) -> bool:
    """on/off: true, 1, yes, on (any case) or false, 0, no, off; JSON booleans of the file too."""
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


def _fraction(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 1:
        raise ValueError(value)
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _seconds(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError(value)
    return number


SETTINGS: tuple[Setting, ...] = (
    Setting("URL", "http://127.0.0.1:7723", str,
            "Zikra's public base URL; hooks POST to `<URL>/webhook/zikra`.", in_file=True),
    Setting("TOKEN", "", str, "Bearer token (a writer) the hooks send; never logged.", in_file=True),
    Setting("HOOKS_HOME", "~/.zikra", str, "Folder of the hooks' config, spool, cache, session state and log."),
    # Read by project.for_directory, listed here so the docs name it with the rest.
    Setting("PROJECT", "", str, "Project for every directory, overriding `.zikra` files and git names."),
    Setting("HOOKS_TIMEOUT_S", MAX_REQUEST_TIMEOUT_S, _seconds,
            "Timeout of one request from a hook (capped at 1.5 s)."),
    Setting("HOOKS_BUDGET_S", 2.0, _seconds, "Most time a hook spends on its own work before it leaves the rest spooled."),
    Setting("STATUS_REFRESH_S", 5.0, _seconds, "Least time between two background refreshes of the statusline cache."),
    Setting("RECALL_SESSION_START", True, _flag,
            "Inject the project's brief at session start (`recall_session_start` in config.json).", in_file=True),
    Setting("RECALL_PROMPT", True, _flag,
            "Inject the memories relevant to each prompt (`recall_prompt` in config.json).", in_file=True),
    Setting("RECALL_MIN_RELEVANCE", DEFAULT_MIN_RELEVANCE, _fraction,
            "Relevance bar (0..1) a memory must pass to be injected with a prompt (`recall_min_relevance`).",
            in_file=True),
    Setting("RECALL_LIMIT", 3, _count, "Most memories injected with one prompt (`recall_limit`).", in_file=True),
    Setting("RECALL_MAX_TOKENS", 400, _count, "Token budget of what one prompt's recall injects (`recall_max_tokens`).", in_file=True),
    Setting("BRIEF_MAX_TOKENS", 800, _count, "Token budget of the session-start brief (`brief_max_tokens`).",
            in_file=True),
    Setting("RECALL_TIMEOUT_S", 0.5, _seconds,
            "Hard limit of the prompt recall hook's request: past it the prompt goes on with nothing added."),
    Setting("BRIEF_TIMEOUT_S", 1.0, _seconds,
            "Hard limit of the session-start hook's request: past it the session starts with no brief."),
)


class Config(NamedTuple):
    """The settings one hook run uses."""

    url: str
    token: str
    home: Path
    timeout_s: float
    budget_s: float
    status_refresh_s: float
    recall_session_start: bool = True
    recall_prompt: bool = True
    recall_min_relevance: float = DEFAULT_MIN_RELEVANCE
    recall_limit: int = 3
    recall_max_tokens: int = 400
    brief_max_tokens: int = 800
    recall_timeout_s: float = 0.5
    brief_timeout_s: float = 1.0

    @property
    def webhook_url(self) -> str:
        """Where every command is POSTed."""
        return self.url + WEBHOOK_PATH

    @property
    def spool_dir(self) -> Path:
        """Pending commands (see spool.py)."""
        return self.home / "spool"

    @property
    def sessions_dir(self) -> Path:
        """Per-session state (see sessions.py)."""
        return self.home / "sessions"

    @property
    def cache_dir(self) -> Path:
        """The statusline's cache (see statusline.py)."""
        return self.home / "cache"

    @property
    def mcp_url(self) -> str:
        """The MCP endpoint on the same public base URL."""
        return self.url + "/mcp"

    def __repr__(self) -> str:  # the token must never reach a log line or a traceback
        return f"Config(url={self.url!r}, home={str(self.home)!r}, token={'set' if self.token else 'unset'})"


def hooks_home(environ: Mapping[str, str] | None = None) -> Path:
    """``ZIKRA_HOOKS_HOME``, or ``~/.zikra``, with ``~`` expanded."""
    environ = os.environ if environ is None else environ
    raw = environ.get("ZIKRA_HOOKS_HOME") or "~/.zikra"
    if raw.startswith("~"):
        home = environ.get("HOME") or str(Path.home())
        raw = home + raw[1:]
    return Path(raw)


def read_file(home: Path) -> dict[str, Any]:
    """The saved settings of ``install`` (url, token); empty when missing or unreadable."""
    try:
        data = json.loads((home / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_file(home: Path, values: Mapping[str, str]) -> Path:
    """Merge ``values`` into the saved settings, readable by the owner only (it may hold a token)."""
    home.mkdir(parents=True, exist_ok=True)
    merged = {**read_file(home), **{k: v for k, v in values.items() if v}}
    path = home / CONFIG_FILE
    tmp = path.with_name(f".{CONFIG_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(merged, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, path)
    return path


def load(environ: Mapping[str, str] | None = None) -> Config:
    """Every setting: defaults, then the saved file, then ``ZIKRA_<NAME>`` from the environment.

    Raises:
        ValueError: a variable does not parse (the message names it).
    """
    environ = os.environ if environ is None else environ
    home = hooks_home(environ)
    saved = read_file(home)
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get("ZIKRA_" + setting.name)
        if raw in (None, "") and setting.in_file:
            raw = saved.get(setting.name.lower())
            raw = str(raw).lower() if isinstance(raw, bool) else raw
        try:
            values[setting.name] = setting.default if raw in (None, "") else setting.parse(str(raw))
        except ValueError:
            raise ValueError(f"ZIKRA_{setting.name}={raw!r} is not valid: {setting.help}") from None
    return Config(url=values["URL"].rstrip("/"), token=values["TOKEN"], home=home,
                  timeout_s=min(values["HOOKS_TIMEOUT_S"], MAX_REQUEST_TIMEOUT_S),
                  budget_s=values["HOOKS_BUDGET_S"], status_refresh_s=values["STATUS_REFRESH_S"],
                  recall_session_start=values["RECALL_SESSION_START"], recall_prompt=values["RECALL_PROMPT"],
                  recall_min_relevance=values["RECALL_MIN_RELEVANCE"], recall_limit=values["RECALL_LIMIT"],
                  recall_max_tokens=values["RECALL_MAX_TOKENS"], brief_max_tokens=values["BRIEF_MAX_TOKENS"],
                  recall_timeout_s=min(values["RECALL_TIMEOUT_S"], MAX_REQUEST_TIMEOUT_S),
                  brief_timeout_s=min(values["BRIEF_TIMEOUT_S"], MAX_REQUEST_TIMEOUT_S))
